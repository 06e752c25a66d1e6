package vpcsim.lambda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;

/** The Lambda Runtime API 2018-06-01 at $AWS_LAMBDA_RUNTIME_API. */
final class RuntimeApi {
    static final String ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";
    private final String base;

    RuntimeApi(String hostPort) {
        base = "http://" + hostPort + "/2018-06-01/runtime";
    }

    /** One event, as GET .../invocation/next hands it over. */
    static final class Invocation {
        String id;
        long deadlineMs;
        String functionArn;
        String traceId;
        String clientContext;
        String cognitoIdentity;
        byte[] body;
    }

    Invocation next() throws IOException {
        HttpURLConnection c = open("/invocation/next", "GET");
        c.setReadTimeout(0);
        int code = c.getResponseCode();
        if (code != 200) {
            throw new IOException("GET /invocation/next answered " + code);
        }
        Invocation i = new Invocation();
        i.id = c.getHeaderField("Lambda-Runtime-Aws-Request-Id");
        String deadline = c.getHeaderField("Lambda-Runtime-Deadline-Ms");
        i.deadlineMs = deadline == null ? 0 : Long.parseLong(deadline.trim());
        i.functionArn = c.getHeaderField("Lambda-Runtime-Invoked-Function-Arn");
        i.traceId = c.getHeaderField("Lambda-Runtime-Trace-Id");
        i.clientContext = c.getHeaderField("Lambda-Runtime-Client-Context");
        i.cognitoIdentity = c.getHeaderField("Lambda-Runtime-Cognito-Identity");
        try (InputStream in = c.getInputStream()) {
            i.body = in.readAllBytes();
        }
        return i;
    }

    void respond(String id, byte[] body) throws IOException {
        post("/invocation/" + id + "/response", body, null);
    }

    void error(String id, String type, byte[] body) throws IOException {
        post("/invocation/" + id + "/error", body, type);
    }

    void initError(String type, byte[] body) throws IOException {
        post("/init/error", body, type);
    }

    private HttpURLConnection open(String path, String method) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setRequestMethod(method);
        c.setUseCaches(false);
        return c;
    }

    private void post(String path, byte[] body, String errorType) throws IOException {
        HttpURLConnection c = open(path, "POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", "application/json");
        if (errorType != null) {
            c.setRequestProperty(ERROR_TYPE, errorType);
        }
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        int code = c.getResponseCode();
        InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        if (in != null) {
            in.transferTo(answer);
            in.close();
        }
        if (code != 202) {
            // 413 for a response over 6 MB, 403 for a second answer: the
            // platform has recorded the invoke's outcome already.
            System.err.println("POST " + path + " answered " + code + ": " + answer);
        }
    }
}
