# A Lambda handler as a user writes it: boto3 with no endpoint_url; the
# credentials, Region and CA come from the environment vpcsim gives the
# function, as Lambda does. A short connect timeout and no retries, so a
# blocked path shows the SDK's own error inside the function's timeout.
import json

import boto3
from botocore.config import Config

CFG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})


def handler(event, context):
    try:
        if event.get("call") == "secret":
            sm = boto3.client("secretsmanager", config=CFG)
            value = sm.get_secret_value(SecretId="db-creds")["SecretString"]
            return {"username": json.loads(value)["username"]}
        s3 = boto3.client("s3", config=CFG)
        s3.put_object(Bucket="uploads", Key="hello.txt", Body=b"hello from " +
                      context.function_name.encode())
        body = s3.get_object(Bucket="uploads", Key="hello.txt")["Body"].read()
        return {"s3": body.decode()}
    except Exception as e:  # the SDK's own error, as a user would log it
        return {"error": "%s: %s" % (type(e).__name__, e)}
