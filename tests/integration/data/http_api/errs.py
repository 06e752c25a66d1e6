"""Functions of t_http_api that fail in the ways API Gateway maps."""
import json
import os
import ssl
import time
import urllib.request


def fail(event, context):
    raise ValueError("asked to fail")


def slow(event, context):
    time.sleep(8)
    return {"late": True}


def binary(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
            "isBase64Encoded": True, "body": "AAEC/w=="}


def scalar(event, context):
    return "just a string"


def caller(event, context):
    """A VPC function calling the API through the NAT gateway (urllib, the CA bundle)."""
    ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    with urllib.request.urlopen(event["url"], timeout=15, context=ctx) as r:
        return {"status": r.status, "body": json.loads(r.read())}
