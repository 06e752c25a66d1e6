# A Lambda handler that reaches PostgreSQL through RDS Proxy the way the
# proxy's documentation recommends: the database password is never in the
# function's configuration; the function reads the secret from Secrets
# Manager (boto3, no endpoint_url: the VPC's interface endpoint answers
# under the service's own name) once per execution environment, at init,
# and reuses it on warm invokes.
import json
import os
import time

import boto3
import psycopg2

T0 = time.monotonic()
SECRET = json.loads(boto3.client("secretsmanager").get_secret_value(
    SecretId=os.environ["DB_SECRET"])["SecretString"])
INIT_S = time.monotonic() - T0


def handler(event, context):
    conn = psycopg2.connect(host=os.environ["DB_HOST"], dbname="postgres",
                            user=SECRET["username"], password=SECRET["password"],
                            connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_user, inet_server_addr()::text")
            user, server = cur.fetchone()
    finally:
        conn.close()
    return {"user": user, "server": server, "via": os.environ["DB_HOST"],
            "secret_read_s": round(INIT_S, 2)}
