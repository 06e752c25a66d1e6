package vpcsim.lambda;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Context of one invoke: the Runtime API's headers and Lambda's
 * variables. Identity and client context are null unless the invoke
 * carried them, as with AWS's client.
 */
final class InvokeContext implements Context {
    private static final int MEMORY = intEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    private final RuntimeApi.Invocation inv;
    private final LambdaLogger logger;
    private final CognitoIdentity identity;
    private final ClientContext client;

    InvokeContext(RuntimeApi.Invocation inv, LambdaLogger logger) {
        this.inv = inv;
        this.logger = logger;
        this.identity = identity(tree(inv.cognitoIdentity));
        this.client = clientContext(tree(inv.clientContext));
    }

    private static int intEnv(String name) {
        try {
            return Integer.parseInt(System.getenv(name));
        } catch (RuntimeException e) {
            return 128;
        }
    }

    private static JsonNode tree(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            return null;
        }
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n == null ? null : n.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Map<String, String> strings(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static CognitoIdentity identity(JsonNode n) {
        if (n == null) {
            return null;
        }
        String id = text(n, "cognitoIdentityId");
        String pool = text(n, "cognitoIdentityPoolId");
        return new CognitoIdentity() {
            public String getIdentityId() {
                return id;
            }

            public String getIdentityPoolId() {
                return pool;
            }
        };
    }

    private static ClientContext clientContext(JsonNode n) {
        if (n == null) {
            return null;
        }
        JsonNode c = n.get("client");
        Client cl = c == null || c.isNull() ? null : new Client() {
            public String getInstallationId() {
                return text(c, "installation_id");
            }

            public String getAppTitle() {
                return text(c, "app_title");
            }

            public String getAppVersionName() {
                return text(c, "app_version_name");
            }

            public String getAppVersionCode() {
                return text(c, "app_version_code");
            }

            public String getAppPackageName() {
                return text(c, "app_package_name");
            }
        };
        Map<String, String> custom = strings(n.get("custom"));
        Map<String, String> env = strings(n.get("env"));
        return new ClientContext() {
            public Client getClient() {
                return cl;
            }

            public Map<String, String> getCustom() {
                return custom;
            }

            public Map<String, String> getEnvironment() {
                return env;
            }
        };
    }

    public String getAwsRequestId() {
        return inv.id;
    }

    public String getLogGroupName() {
        return System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
    }

    public String getLogStreamName() {
        return System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    }

    public String getFunctionName() {
        return System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    }

    public String getFunctionVersion() {
        return System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    }

    public String getInvokedFunctionArn() {
        return inv.functionArn;
    }

    public CognitoIdentity getIdentity() {
        return identity;
    }

    public ClientContext getClientContext() {
        return client;
    }

    public int getRemainingTimeInMillis() {
        long left = inv.deadlineMs - System.currentTimeMillis();
        return left > 0 ? (int) Math.min(left, Integer.MAX_VALUE) : 0;
    }

    public int getMemoryLimitInMB() {
        return MEMORY;
    }

    public LambdaLogger getLogger() {
        return logger;
    }

    public String getXrayTraceId() {
        return inv.traceId;
    }
}
