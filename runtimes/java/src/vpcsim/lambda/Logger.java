package vpcsim.lambda;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogFormat;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The function's LambdaLogger, as AWS's Java client formats it: Text
 * writes the message as is ("[LEVEL] message" when a level is given),
 * JSON one object per call ({"timestamp","message","level","AWSRequestId"});
 * calls below AWS_LAMBDA_LOG_LEVEL are dropped (UNDEFINED never is).
 *
 * One call is one log event: on Lambda the client frames each call on the
 * telemetry descriptor; here the log is read in lines, so a message's own
 * line breaks become \r (as the Python and Node.js clients do) and the
 * event ends with \n.
 */
final class Logger implements LambdaLogger {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private final PrintStream out;
    private final LogFormat format;
    private final LogLevel min;
    private volatile String requestId;

    Logger(PrintStream out, LogFormat format, LogLevel min) {
        this.out = out;
        this.format = format;
        this.min = min;
    }

    LogFormat format() {
        return format;
    }

    void setRequestId(String id) {
        requestId = id;
    }

    private boolean enabled(LogLevel level) {
        return level == LogLevel.UNDEFINED || level.ordinal() >= min.ordinal();
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(String message, LogLevel level) {
        if (!enabled(level)) {
            return;
        }
        if (message == null) {
            message = "null";
        }
        if (format == LogFormat.JSON) {
            write(json(message, level));
        } else {
            write(level == LogLevel.UNDEFINED ? message : "[" + level + "] " + message);
        }
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        if (enabled(level)) {
            write(message == null ? "null" : new String(message, StandardCharsets.UTF_8));
        }
    }

    private String json(String message, LogLevel level) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", TIME.format(Instant.now()));
        m.put("message", message);
        m.put("level", level.toString());
        if (requestId != null) {
            m.put("AWSRequestId", requestId);
        }
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (Exception e) {
            return message;
        }
    }

    /** One log event: inner line breaks as \r, one \n at its end. */
    private void write(String event) {
        String body = event.endsWith("\n") ? event.substring(0, event.length() - 1) : event;
        byte[] b = (body.replace("\r\n", "\r").replace('\n', '\r') + "\n")
                .getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(b, 0, b.length);
            out.flush();
        }
    }
}
