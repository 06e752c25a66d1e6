"""vpcsim's Python runtime client: the Lambda Runtime API loop (bootstrap.py
runs it: see there why it is a module of its own).

Behaves as AWS's Python runtime interface client (awslambdaric) does for
the function's code, written for vpcsim with the standard library only:

- FILE.FUNCTION from $_HANDLER (FILE relative to $LAMBDA_TASK_ROOT, dots
  or slashes for packages); failures go to /runtime/init/error as
  Runtime.MalformedHandlerName, Runtime.ImportModuleError (ImportError),
  Runtime.UserCodeSyntaxError (SyntaxError), Runtime.HandlerNotFound, or
  the exception's own type for any other exception raised at import.
- The root logger gets Lambda's handler: "[LEVEL]\\tTIME\\tREQUEST-ID\\tmsg"
  (Text) or one JSON object per record (AWS_LAMBDA_LOG_FORMAT=JSON, keys
  timestamp, level, message, logger, requestId, and for exceptions
  errorType, errorMessage, stackTrace, location); AWS_LAMBDA_LOG_LEVEL sets
  the root logger's level.
- Results are JSON as AWS's marshaller writes them: a Decimal keeps its
  digits (Decimal('1.10') is 1.10), a NaN Decimal is NaN, bytes go out
  as they are; anything else unserializable is Runtime.MarshalError.
- The context: memory_limit_in_mb a string, identity a CognitoIdentity
  object (always present), client_context a ClientContext object or None.
- An exception is logged as "[ERROR] Type: message" with its traceback, the
  lines joined with \\r (one log event), and posted to .../error as
  {"errorMessage","errorType","requestId","stackTrace"} with the error's
  type in Lambda-Runtime-Function-Error-Type.
"""
import _socket
import math
import os
import sys
import time

try:
    import _json
except ImportError:  # an interpreter built without it: the json package's pure Python
    _json = None

# What the client imports at its start is what every Python cold start
# pays before the function's own code: json (with re and enum), logging
# (traceback, threading, string, weakref) and socket (its enums, selectors
# and, through getaddrinfo, the idna codec) took 28-31 ms of the 40-58 ms
# from the interpreter's exec to the first request (`-X importtime`,
# docs/RUNTIME.md "Python cold starts"). Only C modules and what the
# interpreter loaded anyway come in here; json is the _json accelerator
# the json package itself runs (the package only for what the fast path
# cannot do, with the same result or error), logging is configured the
# moment anything imports it, before that code uses it (_LoggingSetup),
# traceback comes with the first error.

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"
LOG_JSON = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL"),
                                             os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")).upper()
NBSP = "\u00a0"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html")
request_id_now = ""


class Fault(Exception):
    """An error of the runtime's own (Runtime.*), not of the function."""

    def __init__(self, error_type, msg, trace=None):
        super().__init__(msg)
        self.error_type, self.msg, self.trace = error_type, msg, trace


class _Api:
    """The one connection to the Runtime API, kept open between requests
    (HTTP/1.1 keep-alive, as AWS's client keeps its own): a new connection
    per request costs the API a new connection thread and every warm
    invoke two more round trips (docs/RUNTIME.md, "Warm invokes"). A bare
    socket: http.client and the email package it imports would cost every
    environment about 3 MB more (docs/BENCHMARKS.md)."""
    sock = None
    buf = b""


def _connect():
    """A numeric address (what Lambda and vpcsim set) is connected to with
    the C socket module as it is: socket.create_connection would resolve it
    through getaddrinfo, which imports the idna codec for any str host."""
    host, port = API.rsplit(":", 1)
    try:
        _socket.inet_pton(_socket.AF_INET, host)
    except OSError:
        import socket
        _Api.sock = socket.create_connection((host, int(port)))
    else:
        _Api.sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        try:
            _Api.sock.connect((host, int(port)))
        except OSError:
            _Api.sock.close()
            _Api.sock = None
            raise
    _Api.sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    _Api.buf = b""


def _drop():
    if _Api.sock is not None:
        _Api.sock.close()
    _Api.sock, _Api.buf = None, b""


def _exchange(raw):
    """Send one request, read its answer (Content-Length bytes, or up to
    the close). None when the connection ended before a byte came back."""
    s = _Api.sock
    s.sendall(raw)
    data, end, need = _Api.buf, -1, None
    while need is None or len(data) < need:
        if end < 0 and (end := data.find(b"\r\n\r\n")) >= 0:
            lines = data[:end].decode("latin-1").split("\r\n")
            hdrs = dict((k.strip().lower(), v.strip()) for k, _, v in
                        (line.partition(":") for line in lines[1:]))
            if "content-length" in hdrs:
                need = end + 4 + int(hdrs["content-length"])
                continue
        d = s.recv(65536)
        if not d:
            break
        data += d
    if end < 0:
        _drop()
        return None
    _Api.buf = data[need:] if need is not None else b""
    if need is None or hdrs.get("connection", "").lower() == "close":
        _drop()
    return int(lines[0].split()[1]), hdrs, data[end + 4:need]


def request(method, path, body=None, headers=None):
    """One HTTP/1.1 exchange with the Runtime API on the kept connection.
    A kept connection the API closed meanwhile is met before any answer:
    the request goes once more on a new one."""
    body = body or b""
    head = ["%s %s%s HTTP/1.1" % (method, BASE, path), "Host: " + API,
            "Content-Length: %d" % len(body)]
    head += ["%s: %s" % kv for kv in (headers or {}).items()]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
    for attempt in (0, 1):
        reused = _Api.sock is not None
        if not reused:
            _connect()
        try:
            answer = _exchange(raw)
        except (ConnectionResetError, BrokenPipeError):
            _drop()
            answer = None
        if answer is not None:
            return answer
        if not reused:
            break
    raise ConnectionError("the Runtime API at %s closed without an answer" % API)


# ---- JSON: Decimal as AWS's marshaller writes it ------------------------

class _DecimalText(float):
    """A Decimal on its way out: written with the Decimal's own digits."""

    def __new__(cls, d):
        obj = float.__new__(cls, d)
        obj.text = str(d)
        return obj


def _ensure_ascii():
    # AWS's client writes UTF-8 as is from python3.12 on.
    ex = os.environ.get("AWS_EXECUTION_ENV", "")
    return not (ex.startswith("AWS_Lambda_python3.") and ex[19:].isdigit() and int(ex[19:]) >= 12)


class _Json:
    """The json package's own C scanner and encoder (_json), set up as
    json.loads and JSONEncoder set them up, without importing the package."""
    scanner = encoder = None
    pure = None  # the pure-Python encoder class, once a Decimal may exist

    # the scanner's context: JSONDecoder(parse_float=float)'s attributes
    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int
    parse_constant = {"-Infinity": -math.inf, "Infinity": math.inf, "NaN": math.nan}.__getitem__


def _not_serializable(o):
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def _pure_encoder():
    """JSONEncoder with Decimals kept to their digits (json imported)."""
    if _Json.pure is None:
        import json

        class Encoder(json.JSONEncoder):
            def default(self, o):
                # decimal is not imported here (its import costs each
                # environment memory): a Decimal exists only once the
                # function imported it.
                decimal = sys.modules.get("decimal")
                if decimal and isinstance(o, decimal.Decimal):
                    return math.nan if o.is_nan() else _DecimalText(o)
                return super().default(o)

            def iterencode(self, o, _one_shot=False):
                # The pure-Python encoder, so that a Decimal's digits pass
                # through floatstr unchanged (the C encoder would print the
                # float).
                def floatstr(f, _repr=float.__repr__):
                    if isinstance(f, _DecimalText):
                        return f.text
                    if f != f:
                        return "NaN"
                    if f in (math.inf, -math.inf):
                        return "Infinity" if f > 0 else "-Infinity"
                    return _repr(f)
                markers = {} if self.check_circular else None
                enc = json.encoder.encode_basestring_ascii if self.ensure_ascii \
                    else json.encoder.encode_basestring
                return json.encoder._make_iterencode(
                    markers, self.default, enc, self.indent, floatstr, self.key_separator,
                    self.item_separator, self.sort_keys, self.skipkeys, _one_shot)(o, 0)
        _Json.pure = Encoder
    return _Json.pure(ensure_ascii=_ensure_ascii())


def to_json(obj):
    """obj as JSONEncoder().encode writes it, a Decimal with its digits.
    Before the function imported decimal no Decimal exists, and the C
    encoder writes the same text; anything it refuses goes the json
    package's way, which gives the same result or raises the same error."""
    if _json and "decimal" not in sys.modules:
        try:
            if _Json.encoder is None:
                _Json.encoder = (_json.encode_basestring_ascii if _ensure_ascii()
                                 else _json.encode_basestring)
            return "".join(_json.make_encoder(
                {}, _not_serializable, _Json.encoder, None, ": ", ", ", False, False,
                True)(obj, 0))
        except Exception:
            pass
    return "".join(_pure_encoder().iterencode(obj))


def from_json(data):
    """json.loads(data, parse_float=float): the C scanner on text json.loads
    would read as UTF-8; anything else, and any error, from json.loads
    itself (the same value, or the same exception)."""
    s = None
    if isinstance(data, str):
        if not data.startswith("\ufeff"):
            s = data
    elif isinstance(data, (bytes, bytearray)) and b"\x00" not in data[:4] \
            and not data.startswith(b"\xef\xbb\xbf"):
        try:
            s = data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            pass
    if s is not None and _json:
        try:
            if _Json.scanner is None:
                _Json.scanner = _json.make_scanner(_Json)
            obj, end = _Json.scanner(s, len(s) - len(s.lstrip(" \t\n\r")))
        except Exception:
            pass
        else:
            if not s[end:].strip(" \t\n\r"):
                return obj
    import json
    return json.loads(data, parse_float=float)


def marshal(result):
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return to_json(result).encode(), "application/json"
    except Exception as exc:
        raise Fault("Runtime.MarshalError", "Unable to marshal response: %s" % exc)


# ---- logging --------------------------------------------------------------

def _level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


def _utc_ms(t):
    """t as datetime.fromtimestamp(t, timezone.utc) prints it to the
    millisecond (microseconds rounded half to even, then cut), without
    importing datetime (memory in each environment)."""
    frac, whole = math.modf(t)
    us = round(frac * 1e6)
    if us >= 1000000:
        whole, us = whole + 1, us - 1000000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%03dZ" % (us // 1000)


_RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename",
             "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName",
             "created", "msecs", "relativeCreated", "thread", "threadName",
             "processName", "process", "aws_request_id", "taskName"}


def setup_logging(logging):
    """The root logger with Lambda's handler, in the format and at the
    level LoggingConfig asks for (logging imported: see _LoggingSetup)."""

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            import json
            import traceback
            record.levelno = _level(record)
            record.levelname = logging.getLevelName(record.levelno)
            exc = record.exc_info
            out = {
                "timestamp": _utc_ms(record.created),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc[2]) if exc else None,
                "errorType": exc[0].__name__ if exc else None,
                "errorMessage": str(exc[1]) if exc else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
                if exc else None,
            }
            out.update((k, v) for k, v in record.__dict__.items()
                       if k not in _RESERVED and k not in out)
            out = {k: v for k, v in out.items() if v is not None}
            return json.dumps(out, ensure_ascii=False, default=str) + "\n"

    class LambdaHandler(logging.Handler):
        def emit(self, record):
            record.aws_request_id = request_id_now
            sys.stdout.write(self.format(record))
            sys.stdout.flush()

    logging.Formatter.converter = time.gmtime
    handler = LambdaHandler()
    if LOG_JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    if LOG_LEVEL in logging._nameToLevel:
        root.setLevel(LOG_LEVEL)
    root.addHandler(handler)


class _LoggingSetup:
    """Lambda's logging, set up when `logging` is first imported, by the
    function's code or anything it imports, before that code runs a line
    of its own: what the function sees of logging is what it would see had
    the client imported and configured it at its start, as AWS's does (a
    meta path finder that lends the real loader and configures the module
    once it has run, then leaves sys.meta_path)."""

    finding = False

    def __init__(self, loader):
        self.loader = loader

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        """The other finders' spec with this loader. It stays in sys.meta_path
        until the import runs: a find_spec that imports nothing
        (importlib.util.find_spec, pkgutil) would leave logging to a later
        import that it no longer sees."""
        if name != "logging" or cls.finding:
            return None
        cls.finding = True
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None) if finder is not cls else None
                spec = find(name, path, target) if find else None
                if spec is not None:
                    spec.loader = cls(spec.loader)
                    return spec
        finally:
            cls.finding = False
        return None

    @classmethod
    def install(cls):
        if "logging" in sys.modules:
            setup_logging(sys.modules["logging"])
        else:
            sys.meta_path.insert(0, cls)

    @classmethod
    def remove(cls):
        if cls in sys.meta_path:
            sys.meta_path.remove(cls)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        _LoggingSetup.remove()
        module.__loader__ = module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        setup_logging(module)


def log_error(err):
    """The function's error, one log event as AWS's client writes it."""
    if LOG_JSON:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        sys.stdout.write(to_json({"timestamp": stamp, "level": "ERROR", **err}) + "\n")
        sys.stdout.flush()
        return
    head = "[ERROR]"
    if err.get("errorType"):
        head += " " + err["errorType"]
    if err.get("errorMessage"):
        head += (":" if err.get("errorType") else "") + " " + err["errorMessage"]
    lines = [head]
    if err.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in err["stackTrace"]:
            for line in element.splitlines() or [""]:
                stripped = line.lstrip(" ")
                lines.append(NBSP * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


# ---- errors ----------------------------------------------------------------

def make_error(msg, error_type, stack, request_id=None):
    return {"errorMessage": msg or "", "errorType": error_type or "",
            "requestId": request_id or "", "stackTrace": stack or []}


def fault_of(exc, request_id=None):
    """The error body of an exception: a Fault's own, else the user's."""
    if isinstance(exc, Fault):
        return make_error(exc.msg, exc.error_type, exc.trace, request_id)
    try:
        import traceback
    except Exception:
        # the function blocked or broke imports (None in sys.modules, its
        # own sys.meta_path, a recursion limit too low for an import): its
        # error all the same, without the trace, rather than the runtime's exit
        return make_error(str(exc), type(exc).__name__, [], request_id)
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename.endswith(("/bootstrap.py", "/vpcsim_ric.py")):
        frames = frames[1:]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def post_error(path, err):
    request("POST", path, to_json(err).encode(),
            {"Lambda-Runtime-Function-Error-Type": err["errorType"],
             "Content-Type": "application/json"})


# The top-level modules that the client's start imported before it went lazy
# (importlib, json, logging, socket, traceback and what they import; the
# interpreter's own start loads the rest): AWS's client imports them all
# (and more) before the function's folders come first on sys.path, so a
# function's json.py, logging/ or enum.py (the enum34 backport) is never
# imported in their place, by the function or by the client.
_STDLIB_FIRST = frozenset((
    "_weakrefset", "array", "atexit", "collections", "copyreg", "enum", "errno", "json",
    "linecache", "logging", "re", "select", "selectors", "socket", "sre_compile",
    "sre_constants", "sre_parse", "string", "textwrap", "threading", "token", "tokenize",
    "traceback", "weakref"))


def _shadows(d, entry):
    """Whether the folder's entry is a module an import of one of those
    names would find: NAME.py, NAME.pyc, NAME...so or a folder NAME (not
    token.json nor logging.conf, which keep the fast start)."""
    name, dot, ext = entry.partition(".")
    if name not in _STDLIB_FIRST:
        return False
    return ext in ("py", "pyc") or ext.endswith("so") or (
        not dot and os.path.isdir(os.path.join(d, entry)))


def _stdlib_first(dirs):
    """Those modules imported while sys.path is still the interpreter's, as
    the client's start did, when one of the function's folders has a module
    of one's name (a listing each: a function without one keeps its fast
    start). logging is imported through _LoggingSetup, so configured."""
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        if any(_shadows(d, n) for n in names):
            import importlib, json, logging, socket, traceback  # noqa: F401,E401
            return


def set_default_sys_path():
    """sys.path as Lambda's Python runtimes have it: the task root, then a
    layer's /opt/python/lib/pythonX.Y/site-packages (a site directory: its
    .pth files count) and /opt/python, then $LAMBDA_RUNTIME_DIR (PYTHONPATH)."""
    task = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    site_dir = "/opt/python/lib/python%d.%d/site-packages" % sys.version_info[:2]
    front = [task, site_dir, "/opt/python"]
    _stdlib_first(front)
    sys.path[:] = front + [p for p in sys.path if p not in front]
    if os.path.isdir(site_dir):
        import site
        site.addsitedir(site_dir)


def load_handler():
    handler = os.environ.get("_HANDLER", "")
    set_default_sys_path()
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, exc))
    if modname.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict",
                    "Cannot use built-in module %s as a handler module" % modname)
    import importlib
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise Fault("Runtime.ImportModuleError",
                    "Unable to import module '%s': %s" % (modname, exc))
    except SyntaxError as exc:
        raise Fault("Runtime.UserCodeSyntaxError",
                    "Syntax error in module '%s': %s" % (modname, exc),
                    ['  File "%s" Line %s\n    %s' % (exc.filename, exc.lineno, exc.text)])
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound",
                    "Handler '%s' missing on module '%s'" % (fname, modname))


# ---- the context -------------------------------------------------------------

def _obj(cls, d):
    if d is None:
        return None
    o = cls()
    for f in cls.__slots__:
        setattr(o, f, d.get(f))
    return o


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def _header_json(headers, name, what):
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return from_json(raw)
    except Exception as exc:
        raise Fault("Runtime.LambdaContextUnmarshalError",
                    "Unable to parse %s JSON: %s" % (what, exc))


class LambdaContext:
    def __init__(self, headers):
        env = os.environ.get
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.log_group_name = env("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        cc = _header_json(headers, "lambda-runtime-client-context", "Client Context")
        self.client_context = _obj(ClientContext, cc)
        if self.client_context is not None:
            self.client_context.client = _obj(Client, self.client_context.client)
        ci = _header_json(headers, "lambda-runtime-cognito-identity", "Cognito Identity") or {}
        self.identity = _obj(CognitoIdentity, {
            "cognito_identity_id": ci.get("cognitoIdentityId"),
            "cognito_identity_pool_id": ci.get("cognitoIdentityPoolId")})
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()


# ---- the loop ------------------------------------------------------------------

def handle(func, headers, data):
    rid = headers.get("lambda-runtime-aws-request-id")
    try:
        context = LambdaContext(headers)
        try:
            event = from_json(data) if data else {}
        except Exception as exc:
            raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % exc)
        body, ctype = marshal(func(event, context))
    except Exception as exc:
        err = fault_of(exc, rid)
        log_error(err)
        post_error("/invocation/%s/error" % rid, err)
        return
    sys.stdout.flush()
    status, _, resp = request("POST", "/invocation/%s/response" % rid, body,
                              {"Content-Type": ctype})
    if status == 413:
        print("[ERROR] %s" % resp.decode(errors="replace"), flush=True)


def main():
    global request_id_now
    _LoggingSetup.install()
    try:
        func = load_handler()
    except Exception as exc:
        err = fault_of(exc)
        import logging
        logging.warning(UNHANDLED_WARNING)
        log_error(err)
        post_error("/init/error", err)
        sys.exit(1)
    while True:
        sys.stdout.flush()
        sys.stderr.flush()
        _, headers, data = request("GET", "/invocation/next")
        request_id_now = headers.get("lambda-runtime-aws-request-id", "")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        handle(func, headers, data)


if __name__ == "__main__":
    main()
