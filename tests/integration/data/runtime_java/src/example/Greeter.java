package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import greetlib.Words;

/** A POJO handler as AWS's docs write one: a class implementing RequestHandler. */
public class Greeter implements RequestHandler<Greeter.Request, Greeter.Response> {
    private static int invokes; // kept between invokes of a warm environment

    public static class Request {
        public String name;
        public int pauseMs;
    }

    public static class Response {
        public String greeting;
        public int invokes;
        public String requestId;
        public String functionName;
        public int memoryMb;
        public int remainingBefore;
        public int remainingAfter;
        public String logGroup;
        public String unset; // null: left out of the JSON, as on AWS
        public String toolOption;
        public String executionEnv;
    }

    @Override
    public Response handleRequest(Request in, Context ctx) {
        LambdaLogger log = ctx.getLogger();
        Response r = new Response();
        r.remainingBefore = ctx.getRemainingTimeInMillis();
        log.log("context logger: hello " + in.name);
        log.log("line one\nline two", LogLevel.WARN);
        log.log("dropped below the level", LogLevel.DEBUG);
        System.out.println("System.out: hello " + in.name);
        System.err.println("System.err: hello " + in.name);
        try {
            Thread.sleep(in.pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        r.remainingAfter = ctx.getRemainingTimeInMillis();
        r.greeting = Words.hello(in.name);
        r.invokes = ++invokes;
        r.requestId = ctx.getAwsRequestId();
        r.functionName = ctx.getFunctionName();
        r.memoryMb = ctx.getMemoryLimitInMB();
        r.logGroup = ctx.getLogGroupName();
        r.toolOption = System.getProperty("example.flag");
        r.executionEnv = System.getenv("AWS_EXECUTION_ENV");
        return r;
    }
}
