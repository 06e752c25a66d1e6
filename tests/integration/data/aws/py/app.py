# A function as a user writes it: boto3 with no endpoint_url, credentials
# and CA from the environment Lambda (here vpcsim) gives it. The connect
# timeout is short and retries off so that a blocked path shows the SDK's
# own ConnectTimeoutError before the function's timeout.
import json
import os

import boto3
from botocore.config import Config

CFG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})


def handler(event, context):
    out = {"key_prefix": os.environ.get("AWS_ACCESS_KEY_ID", "")[:4],
           "has_token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    try:
        out["arn"] = boto3.client("sts", config=CFG).get_caller_identity()["Arn"]
        sm = boto3.client("secretsmanager", config=CFG)
        value = json.loads(sm.get_secret_value(SecretId="db-creds")["SecretString"])
        out["username"] = value["username"]
        s3 = boto3.client("s3", config=CFG)
        s3.put_object(Bucket="uploads", Key="from-lambda/%s.txt" % context.function_name,
                      Body=b"written by " + context.function_name.encode())
        got = s3.get_object(Bucket="uploads", Key="from-lambda/%s.txt" % context.function_name)
        out["s3"] = got["Body"].read().decode()
        ddb = boto3.client("dynamodb", config=CFG)
        ddb.put_item(TableName="images", Item={"id": {"S": context.function_name}, "n": {"N": "7"}})
        item = ddb.get_item(TableName="images", Key={"id": {"S": context.function_name}})["Item"]
        out["ddb"] = item["n"]["N"]
    except Exception as e:  # the SDK's own error, as a user would log it
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out
