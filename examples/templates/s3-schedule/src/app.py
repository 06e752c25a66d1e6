# Three handlers of one SAM app. boto3 with no endpoint_url: in the VPC the
# calls go through the VPC endpoints the template declares (no NAT, no
# internet gateway).
import json

import boto3
from botocore.config import Config

import shared  # from the layer

CFG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})


def writer(event, context):
    """Puts an object under in/ (the S3 gateway endpoint) and reads the
    secret (the Secrets Manager interface endpoint)."""
    out = {}
    try:
        boto3.client("s3", config=CFG).put_object(
            Bucket="app-uploads", Key=event.get("key", "in/hello.txt"), Body=b"hello")
        out["s3"] = "put"
    except Exception as e:
        out["s3"] = "%s: %s" % (type(e).__name__, e)
    try:
        value = boto3.client("secretsmanager", config=CFG).get_secret_value(
            SecretId="app/api")["SecretString"]
        out["secret_user"] = json.loads(value)["username"]
    except Exception as e:
        out["secret_user"] = "%s: %s" % (type(e).__name__, e)
    return out


def on_upload(event, context):
    for r in event["Records"]:
        print("UPLOAD " + shared.describe(r))
    return {"records": len(event["Records"])}


def tick(event, context):
    print("TICK %s %s" % (event["detail-type"], event["time"]))
    return {"ok": True}
