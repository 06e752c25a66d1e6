"""viewer-request: answer /hello and unauthorised /private/ requests at the
edge (a generated response: the origin never sees them); tag the rest."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    if request["uri"] == "/hello":
        return {
            "status": "200",
            "statusDescription": "OK",
            "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}],
                        "cache-control": [{"key": "Cache-Control", "value": "max-age=60"}]},
            "body": "Hello from the edge, " + request["clientIp"] + "\n",
        }
    if request["uri"].startswith("/private/") and "authorization" not in headers:
        return {
            "status": "401",
            "statusDescription": "Unauthorized",
            "headers": {"www-authenticate": [{"key": "WWW-Authenticate", "value": "Basic"}]},
            "body": "no authorization header\n",
        }
    headers["x-viewer-country"] = [{"key": "X-Viewer-Country", "value": "ZZ"}]
    return request
