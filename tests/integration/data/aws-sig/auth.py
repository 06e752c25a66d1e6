# boto3 (unmodified) with whatever keys the environment holds: one call to
# each service, one line each: "SERVICE ok" or "SERVICE CODE HTTP-STATUS".
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20)
calls = [
    ("sts", lambda c: c.get_caller_identity()),
    ("s3", lambda c: c.list_objects_v2(Bucket="keys")),
    ("dynamodb", lambda c: c.list_tables()),
    ("secretsmanager", lambda c: c.list_secrets()),
    ("lambda", lambda c: c.invoke(FunctionName="echo", InvocationType="DryRun")),
]
for svc, call in calls:
    try:
        call(boto3.client(svc, config=cfg))
        print(svc, "ok")
    except ClientError as e:
        print(svc, e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
