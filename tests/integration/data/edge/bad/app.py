"""viewer-request results CloudFront refuses, chosen by the uri."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    uri = request["uri"]
    if uri == "/raise":
        raise RuntimeError("the edge function failed")
    if uri == "/number":
        return 42
    if uri == "/big":
        return {"status": "200", "body": "x" * 50000}
    if uri == "/host":
        request["headers"]["host"] = [{"key": "Host", "value": "elsewhere.example.com"}]
        return request
    if uri == "/inject":
        request["headers"]["x-a"] = [{"key": "X-A", "value": "a\r\nX-Injected: 1"}]
        return request
    if uri == "/sleep":
        import time
        time.sleep(10)
    return request
