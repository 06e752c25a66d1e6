package com.amazonaws.services.lambda.runtime;

/**
 * What a handler learns of its invoke and its function, as AWS's
 * aws-lambda-java-core declares it (the same names and types, so code
 * compiled against AWS's jar runs here and code compiled here runs there).
 */
public interface Context {
    String getAwsRequestId();

    String getLogGroupName();

    String getLogStreamName();

    String getFunctionName();

    String getFunctionVersion();

    String getInvokedFunctionArn();

    CognitoIdentity getIdentity();

    ClientContext getClientContext();

    /** Milliseconds left before the function's timeout ends the invoke. */
    int getRemainingTimeInMillis();

    int getMemoryLimitInMB();

    LambdaLogger getLogger();

    default String getXrayTraceId() {
        return null;
    }

    default String getTenantId() {
        return null;
    }
}
