package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A RequestStreamHandler: the event's bytes in, the response's bytes out. */
public class Echo implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context ctx) throws IOException {
        String event = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        out.write(("{\"echo\":" + event + ",\"requestId\":\"" + ctx.getAwsRequestId() + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
