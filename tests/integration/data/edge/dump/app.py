"""Any event type: answers with the event itself as the body (a request
event's generated response, or a response event's new body), so t_edge.sh
checks CloudFront's event shape from the outside."""
import json


def handler(event, context):
    cf = event["Records"][0]["cf"]
    body = json.dumps(event)
    if cf["config"]["eventType"].endswith("request"):
        return {"status": "200", "statusDescription": "OK", "body": body,
                "headers": {"content-type": [{"key": "Content-Type", "value": "application/json"}]}}
    response = cf["response"]
    response["body"] = body
    return response
