package vpcsim.lambda;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A fault of the function's code that the runtime itself detects (a class
 * not found, a handler of the wrong shape, a constructor that throws), as
 * AWS's Java runtime client reports it: posted with the error type
 * Runtime.BadFunctionCode and a body of errorMessage and errorType (the
 * Java class of the cause, when there is one) without stackTrace. A fatal
 * fault ends the runtime (at init: /init/error and exit 1).
 */
final class Fault extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The runtime client's own frames, cut from every trace shown to the user. */
    private static final String OWN_PACKAGE = Fault.class.getPackage().getName() + ".";

    final String msg;
    final String exception;
    final String trace;
    final boolean fatal;

    Fault(String msg, String exception, String trace, boolean fatal) {
        super(msg, null, false, false);
        this.msg = msg;
        this.exception = exception;
        this.trace = trace;
        this.fatal = fatal;
    }

    /** A fault stated by a message alone (no exception behind it). */
    static Fault of(String msg) {
        return new Fault(msg, null, null, false);
    }

    static Fault of(Throwable t, boolean fatal) {
        return new Fault(message(t), t.getClass().getName(), trace(t), fatal);
    }

    /** "Class not found: NAME", as AWS's client words it; not fatal. */
    static Fault classNotFound(Throwable t, String className) {
        return new Fault("Class not found: " + className, t.getClass().getName(), trace(t), false);
    }

    /** A class that failed to load or initialize; fatal. */
    static Fault initError(Throwable t, String className) {
        return new Fault("Error loading class " + className
                + (t.getMessage() == null ? "" : ": " + t.getMessage()),
                t.getClass().getName(), trace(t), true);
    }

    /** The exception's message, or its class name when it has none. */
    static String message(Throwable t) {
        return t.getLocalizedMessage() == null ? t.getClass().getName() : t.getLocalizedMessage();
    }

    static String trace(Throwable t) {
        filter(t);
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    /** Cuts each trace (causes and suppressed ones too) at the client's first frame. */
    static <T extends Throwable> T filter(T t) {
        filter(t, Collections.newSetFromMap(new IdentityHashMap<>()));
        return t;
    }

    private static void filter(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < st.length; i++) {
            if (st[i].getClassName().startsWith(OWN_PACKAGE)) {
                t.setStackTrace(java.util.Arrays.copyOf(st, i));
                break;
            }
        }
        filter(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            filter(s, seen);
        }
    }

    /** The body posted to the Runtime API. */
    Map<String, Object> body() {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("errorMessage", msg);
        if (exception != null) {
            b.put("errorType", exception);
        }
        return b;
    }

    /** The body of an exception the handler threw: with its stackTrace. */
    static Map<String, Object> body(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        String[] lines = new String[st.length];
        for (int i = 0; i < st.length; i++) {
            lines[i] = st[i].toString();
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("errorMessage", message(t));
        b.put("errorType", t.getClass().getName());
        b.put("stackTrace", lines);
        return b;
    }

    /** What the log shows of the fault: "MESSAGE: TYPE\nTRACE\n". */
    String reportable() {
        if (exception != null || trace != null) {
            return String.format("%s: %s\n%s\n", msg, exception == null ? "" : exception,
                    trace == null ? "" : trace);
        }
        return msg + "\n";
    }
}
