# Timed pairs through the AWS zone (bench/aws.sh, bench/vpce.sh): N S3
# PUT+GET of 1 MB and N DynamoDB PutItem+GetItem on one boto3 client each
# (connections reused, as an SDK does), after one untimed pair; p50 and
# p99 in ms. Bucket and table "bench"; a label prefixes each line.
#   python3 bench/aws_pairs.py N [LABEL]
import os, sys, time
import boto3
n = int(sys.argv[1])
label = sys.argv[2] + " " if len(sys.argv) > 2 else ""
s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
body = os.urandom(1 << 20)
def pct(v, p):
    v = sorted(v); return v[max(0, min(len(v) - 1, (len(v) * p + 99) // 100 - 1))]
for name, op in (
    ("s3 put+get 1 MB", lambda i: (s3.put_object(Bucket="bench", Key="k%d" % i, Body=body),
                                  s3.get_object(Bucket="bench", Key="k%d" % i)["Body"].read())),
    ("dynamodb put+get", lambda i: (ddb.put_item(TableName="bench", Item={"id": {"S": "k%d" % i}}),
                                   ddb.get_item(TableName="bench", Key={"id": {"S": "k%d" % i}}))),
):
    op(-1)  # connection and first-use costs out of the figures
    ms = []
    for i in range(n):
        t0 = time.perf_counter(); op(i); ms.append((time.perf_counter() - t0) * 1e3)
    print("%s%-20s p50 %7.1f ms   p99 %7.1f ms   (%d pairs)" % (label, name, pct(ms, 50), pct(ms, 99), n))
