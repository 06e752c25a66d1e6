package vpcsim.lambda;

import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.logging.LogFormat;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOError;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * vpcsim's Java runtime client: the Lambda Runtime API loop, written for
 * vpcsim to behave as AWS's aws-lambda-java-runtime-interface-client does
 * for the function's code (docs/RUNTIME.md, "Java"):
 *
 * - the code's classes from $LAMBDA_TASK_ROOT, then its lib/*.jar, then
 *   /opt/java/lib/*.jar (layers), each folder's jars in name order, in a
 *   class loader whose parent holds this client and AWS's interfaces;
 * - an exception the handler throws is posted as {"errorMessage",
 *   "errorType" (its class's full name), "stackTrace"} with the error type
 *   Runtime.UserException, a fault of the code (Fault) as
 *   Runtime.BadFunctionCode; either is logged as "MESSAGE: TYPE" and its
 *   trace; an Error of the VM (OutOfMemoryError...) ends the runtime after
 *   it is reported.
 */
public final class Main {
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new BufferedOutputStream(
                new FileOutputStream(FileDescriptor.out), 1 << 16), true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(new PrintStream(new BufferedOutputStream(
                new FileOutputStream(FileDescriptor.err), 1 << 16), true, StandardCharsets.UTF_8));
        Logger logger = new Logger(out, LogFormat.fromString(System.getenv("AWS_LAMBDA_LOG_FORMAT")),
                LogLevel.fromString(System.getenv("AWS_LAMBDA_LOG_LEVEL")));
        setRuntimeLogger(logger);
        RuntimeApi api = new RuntimeApi(System.getenv("AWS_LAMBDA_RUNTIME_API"));
        String handler = args.length > 0 ? args[0] : System.getenv("_HANDLER");
        ClassLoader loader = codeLoader();
        Thread.currentThread().setContextClassLoader(loader);
        Invoker invoker;
        try {
            invoker = HandlerLoader.load(handler == null ? "" : handler, loader);
        } catch (Fault f) {
            report(logger, f);
            api.initError("Runtime.BadFunctionCode", Json.MAPPER.writeValueAsBytes(f.body()));
            System.exit(1);
            return;
        }
        loop(api, invoker, logger);
    }

    /** LambdaRuntime.getLogger() answers the function's logger. */
    private static void setRuntimeLogger(Logger logger) throws ReflectiveOperationException {
        Field f = LambdaRuntime.class.getDeclaredField("logger");
        f.setAccessible(true);
        f.set(null, logger);
    }

    private static ClassLoader codeLoader() throws MalformedURLException {
        String root = System.getenv("LAMBDA_TASK_ROOT");
        File task = new File(root == null ? System.getProperty("user.dir") : root);
        List<URL> urls = new ArrayList<>();
        urls.add(new URL("file", null, -1, task.getPath() + "/"));
        jars(new File(task, "lib"), urls);
        jars(new File("/opt/java/lib"), urls);
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    private static void jars(File dir, List<URL> urls) throws MalformedURLException {
        String[] names = dir.list((d, n) -> n.endsWith(".jar"));
        if (names == null) {
            return;
        }
        Arrays.sort(names);
        for (String n : names) {
            urls.add(new URL("file", null, -1, dir.getPath() + "/" + n));
        }
    }

    private static void report(Logger logger, Fault f) {
        System.out.flush();
        System.err.flush();
        logger.log(f.reportable(), logger.format() == LogFormat.JSON ? LogLevel.ERROR : LogLevel.UNDEFINED);
    }

    private static void loop(RuntimeApi api, Invoker invoker, Logger logger) throws Exception {
        for (;;) {
            RuntimeApi.Invocation inv = api.next();
            if (inv.traceId != null) {
                System.setProperty(TRACE_PROPERTY, inv.traceId);
            } else {
                System.clearProperty(TRACE_PROPERTY);
            }
            logger.setRequestId(inv.id);
            boolean exit = false;
            try {
                byte[] result = invoker.call(inv.body, new InvokeContext(inv, logger));
                System.out.flush();
                System.err.flush();
                api.respond(inv.id, result);
                Thread.interrupted();
            } catch (Fault f) {
                exit = f.fatal;
                report(logger, f);
                api.error(inv.id, "Runtime.BadFunctionCode", Json.MAPPER.writeValueAsBytes(f.body()));
            } catch (Throwable t) {
                exit = t instanceof VirtualMachineError || t instanceof IOError;
                Fault.filter(t);
                report(logger, Fault.of(t, false));
                api.error(inv.id, "Runtime.UserException", Json.MAPPER.writeValueAsBytes(Fault.body(t)));
            }
            if (exit) {
                System.exit(1);
            }
        }
    }
}
