# boto3 (Debian 12's, unmodified) from an internet host: read back each key
# the AWS CLI wrote, list by a prefix that needs encoding, copy and delete
# keys with characters botocore percent-encodes. Prints one line per step.
import sys

import boto3

s3 = boto3.client("s3")
keys = sys.argv[1:]
for k in keys:
    body = s3.get_object(Bucket="keys", Key=k)["Body"].read().decode()
    print("get", k, body.strip())
listed = s3.list_objects_v2(Bucket="keys", Prefix="a b=")["Contents"]
print("prefix", [o["Key"] for o in listed])
s3.copy_object(Bucket="keys", Key="copy of (1)+é.txt",
               CopySource={"Bucket": "keys", "Key": keys[0]})
print("copy", s3.get_object(Bucket="keys", Key="copy of (1)+é.txt")["Body"].read().decode().strip())
gone = s3.delete_objects(Bucket="keys", Delete={"Objects": [{"Key": k} for k in keys]})
print("deleted", len(gone.get("Deleted", [])), "errors", len(gone.get("Errors", [])))
print("left", [o["Key"] for o in s3.list_objects_v2(Bucket="keys").get("Contents", [])])
