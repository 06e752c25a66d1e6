"""vpcsim's Python runtime client: the Lambda Runtime API loop.

Loads FILE.FUNCTION from $_HANDLER (FILE relative to $LAMBDA_TASK_ROOT,
dots or slashes for packages), then forever: GET .../invocation/next, call
function(event, context), POST the JSON result to .../response, or the
error as {"errorMessage", "errorType", "requestId", "stackTrace"} to
.../error, as AWS's Python runtime does. An import failure goes to
/runtime/init/error (Runtime.ImportModuleError, Runtime.HandlerNotFound).
Only the standard library: it runs on any python3.
"""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"


def request(method, path, body=None, headers=None):
    host, port = API.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=None)
    conn.request(method, BASE + path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, data


def error_body(exc, request_id=None, error_type=None):
    tb = traceback.extract_tb(exc.__traceback__)
    body = {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }
    if request_id:
        body["requestId"] = request_id
    return body


def log_error(body):
    trace = "".join(body.get("stackTrace", []))
    print("[ERROR] %s: %s\nTraceback (most recent call last):\n%s"
          % (body["errorType"], body["errorMessage"], trace), flush=True)


def init_error(message, error_type):
    body = {"errorMessage": message, "errorType": error_type, "stackTrace": []}
    print("[ERROR] %s: %s" % (error_type, message), flush=True)
    request("POST", "/init/error", json.dumps(body).encode(),
            {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def load_handler():
    handler = os.environ.get("_HANDLER", "")
    task = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    sys.path.insert(0, task)
    try:
        module_path, fn = handler.rsplit(".", 1)
    except ValueError:
        init_error("Bad handler '%s': not enough values to unpack (expected 2, got 1)"
                   % handler, "Runtime.MalformedHandlerName")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # what AWS reports for any import failure
        init_error("Unable to import module '%s': %s" % (module_name, exc),
                   "Runtime.ImportModuleError")
    func = getattr(module, fn, None)
    if func is None:
        init_error("Handler '%s' missing on module '%s'" % (fn, module_name),
                   "Runtime.HandlerNotFound")
    return func


class Context:
    def __init__(self, headers):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
        cc = headers.get("lambda-runtime-client-context")
        self.client_context = json.loads(cc) if cc else None
        ci = headers.get("lambda-runtime-cognito-identity")
        self.identity = json.loads(ci) if ci else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def main():
    func = load_handler()
    while True:
        sys.stdout.flush()
        sys.stderr.flush()
        _, headers, data = request("GET", "/invocation/next")
        request_id = headers.get("lambda-runtime-aws-request-id")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        try:
            event = json.loads(data) if data else {}
            result = func(event, Context(headers))
            body = json.dumps(result).encode()
        except Exception as exc:
            err = error_body(exc, request_id)
            log_error(err)
            sys.stdout.flush()
            request("POST", "/invocation/%s/error" % request_id, json.dumps(err).encode(),
                    {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        sys.stdout.flush()
        status, _, resp = request("POST", "/invocation/%s/response" % request_id, body)
        if status == 413:
            print("[ERROR] %s" % resp.decode(errors="replace"), flush=True)


if __name__ == "__main__":
    main()
