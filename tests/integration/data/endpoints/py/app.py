# A function as a user writes it: boto3 with no endpoint_url, credentials
# and CA from the environment vpcsim gives it, as Lambda does. The event
# names the calls to make ("s3", "secrets"). The connect timeout is short
# and retries off, so a blocked path shows the SDK's own
# ConnectTimeoutError well inside the function's timeout.
import json
import socket

import boto3
from botocore.config import Config

CFG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})


def call_s3(name):
    s3 = boto3.client("s3", config=CFG)
    s3.put_object(Bucket="uploads", Key="vpce/%s.txt" % name, Body=b"via " + name.encode())
    return s3.get_object(Bucket="uploads", Key="vpce/%s.txt" % name)["Body"].read().decode()


def call_secrets(name):
    sm = boto3.client("secretsmanager", config=CFG)
    return json.loads(sm.get_secret_value(SecretId="db-creds")["SecretString"])["username"]


def handler(event, context):
    out = {}
    host = event.get("resolve")
    if host:
        try:
            out["resolved"] = sorted({a[4][0] for a in socket.getaddrinfo(host, 443)})
        except OSError as e:
            out["resolved"] = "%s: %s" % (type(e).__name__, e)
    try:
        for call in event.get("calls", []):
            out[call] = {"s3": call_s3, "secrets": call_secrets}[call](context.function_name)
    except Exception as e:  # the SDK's own error, as a user would log it
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out
