package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.util.LinkedHashMap;
import java.util.Map;

/** Handlers named package.Class::method: a static one, one that throws, a slow one. */
public class Handlers {
    public static Map<String, Object> shout(Map<String, Object> event, Context ctx) {
        Map<String, Object> out = new LinkedHashMap<>(event);
        out.put("shouted", String.valueOf(event.get("word")).toUpperCase());
        LambdaRuntime.getLogger().log("LambdaRuntime logger works too");
        return out;
    }

    public String fail(Map<String, Object> event) {
        throw new IllegalStateException("order " + event.get("order") + " cannot ship",
                new ArithmeticException("inner cause"));
    }

    public void slow(Map<String, Object> event, Context ctx) throws InterruptedException {
        System.out.println("sleeping past the timeout");
        Thread.sleep(60000);
    }
}
