package vpcsim.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * One loaded handler: an event's bytes in, the response's bytes out. A
 * method's arguments are any of AWS's shapes (event or InputStream,
 * OutputStream, Context); a POJO event is read and its result written
 * through Json, a void result is JSON null.
 */
abstract class Invoker {
    static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    abstract byte[] call(byte[] event, Context context) throws Throwable;

    /** An invoker that reports the same fault on every invoke. */
    static Invoker failing(Fault f) {
        return new Invoker() {
            byte[] call(byte[] event, Context context) {
                throw f;
            }
        };
    }

    /**
     * A method called with its arguments in the order its parameters ask.
     * Its reader and writer are made at init, as AWS's client makes its
     * serializers: Jackson's classes load and its (de)serializers are built
     * in the init (which runs without the CPU limit), not in the first
     * invoke.
     */
    static final class MethodCall extends Invoker {
        private final Method m;
        private final Object target;
        private final boolean in, out, ctx;
        private final ObjectReader reader;  /* a POJO event's, or null */
        private final ObjectWriter writer;  /* a result's, or null (void, streams) */

        MethodCall(Method m, Object target, Type event, boolean in, boolean out, boolean ctx) {
            Type r = m.getGenericReturnType();
            this.m = m;
            this.target = target;
            this.in = in;
            this.out = out;
            this.ctx = ctx;
            this.reader = event == null ? null : Json.MAPPER.readerFor(Json.type(event));
            this.writer = in || out || r == void.class || r == Void.class ? null
                    : Json.MAPPER.writerFor(Json.type(r));
        }

        byte[] call(byte[] body, Context context) throws Throwable {
            Object[] args = new Object[(reader != null || in ? 1 : 0) + (out ? 1 : 0) + (ctx ? 1 : 0)];
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int n = 0;
            if (in) {
                args[n++] = (InputStream) new ByteArrayInputStream(body);
            } else if (reader != null) {
                args[n++] = parse(body);
            }
            if (out) {
                args[n++] = (OutputStream) buf;
            }
            if (ctx) {
                args[n++] = context;
            }
            Object result;
            try {
                result = m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw Fault.filter(e.getCause() != null ? e.getCause() : e);
            }
            if (in || out) {
                return out ? buf.toByteArray() : NULL;
            }
            return write(result);
        }

        private Object parse(byte[] body) {
            try {
                return reader.readValue(body);
            } catch (Throwable t) {
                throw new RuntimeException("An error occurred during JSON parsing", Fault.filter(t));
            }
        }

        private byte[] write(Object result) {
            if (writer == null) {
                return NULL;
            }
            try {
                return writer.writeValueAsBytes(result);
            } catch (Throwable t) {
                throw new RuntimeException("An error occurred during JSON serialization of response", t);
            }
        }
    }
}
