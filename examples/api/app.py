"""Functions behind the topology's API Gateway HTTP API (payload format 2.0).

items: GET /items/{id} answers a structured response (statusCode, headers,
cookies, body); POST /items echoes the JSON body it was sent with 201.
echo: ANY /echo/{proxy+} and $default return the event itself as a plain
object, which API Gateway turns into a 200 with a JSON body.
"""
import base64
import json


def items(event, context):
    if event["routeKey"] == "POST /items":
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        return {"statusCode": 201, "headers": {"content-type": "application/json"},
                "body": json.dumps({"created": json.loads(body or "{}")})}
    item = event["pathParameters"]["id"]
    if item == "missing":
        return {"statusCode": 404, "body": "no such item"}
    return {"statusCode": 200,
            "headers": {"content-type": "application/json", "x-item": item},
            "cookies": ["last=" + item + "; Path=/", "seen=1"],
            "body": json.dumps({"id": item, "query": event.get("queryStringParameters", {})})}


def echo(event, context):
    return event
