"""viewer-response: say which distribution and request served the answer."""


def handler(event, context):
    cf = event["Records"][0]["cf"]
    response = cf["response"]
    response["headers"]["x-served-by"] = [{
        "key": "X-Served-By",
        "value": cf["config"]["distributionId"] + " " + cf["config"]["eventType"],
    }]
    return response
