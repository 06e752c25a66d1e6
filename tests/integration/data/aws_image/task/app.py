"""A container-image function that calls AWS with boto3, unmodified: no
endpoint_url, no verify=, no keys in the code (t_aws_image.sh). The image
ships no CA of its own and a resolv.conf that names no resolver of the
simulation: what it gets right, vpcsim gave it."""
import os

import boto3

sts = boto3.client("sts")
s3 = boto3.client("s3")


def handler(event, context):
    out = {"key": os.environ.get("AWS_ACCESS_KEY_ID", "")[:4],
           "token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    try:
        out["arn"] = sts.get_caller_identity()["Arn"]
        s3.put_object(Bucket="uploads", Key="image.txt", Body=b"written from an image")
        out["s3"] = s3.get_object(Bucket="uploads", Key="image.txt")["Body"].read().decode()
    except Exception as e:  # the test wants the SDK's own words
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out
