package com.amazonaws.services.lambda.runtime;

/**
 * The function's logger outside a handler (static initializers, other
 * threads). The runtime client sets it before the handler's class loads.
 */
public final class LambdaRuntime {
    private static volatile LambdaLogger logger = new LambdaLogger() {
        public void log(String message) {
            System.out.print(message);
        }

        public void log(byte[] message) {
            System.out.write(message, 0, message.length);
        }
    };

    private LambdaRuntime() {
    }

    public static LambdaLogger getLogger() {
        return logger;
    }
}
