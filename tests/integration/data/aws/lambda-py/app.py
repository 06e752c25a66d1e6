# Two handlers as users write them. callee: answers what it got (and fails
# when asked). caller: boto3's lambda.invoke of another function of the
# same account, no endpoint_url, its own role's credentials; what the SDK
# answered, or the SDK's error code and message.
import json

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

CFG = Config(connect_timeout=2, read_timeout=20, retries={"max_attempts": 1})


def callee(event, context):
    print("callee got", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"got": event, "from": context.function_name}


def caller(event, context):
    try:
        r = boto3.client("lambda", config=CFG).invoke(
            FunctionName=event["target"], InvocationType=event.get("type", "RequestResponse"),
            Payload=json.dumps(event.get("payload", {})).encode())
        body = r["Payload"].read().decode()
        return {"status": r["StatusCode"], "function_error": r.get("FunctionError"),
                "version": r.get("ExecutedVersion"), "payload": json.loads(body) if body else None}
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "http": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    except Exception as e:  # the SDK's own error, as a user would log it
        return {"error": "%s: %s" % (type(e).__name__, e)}
