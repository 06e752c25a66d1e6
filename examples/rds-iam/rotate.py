# A rotation function as Secrets Manager's rotation templates write one,
# reduced to its two steps: set a new password in the database (ALTER
# ROLE, logged in with the current secret), then store it as the secret's
# new value (PutSecretValue). RDS Proxy reads the secret again for each
# new client connection, so the next connection through the proxy logs in
# to the database with the new password; the app, which signs IAM tokens,
# never sees either password. Secrets Manager is reached through the VPC's
# interface endpoint (boto3, no endpoint_url: private DNS answers).
import json
import os
import secrets

import boto3
import psycopg2

SM = boto3.client("secretsmanager")


def handler(event, context):
    sid = os.environ["SECRET_ID"]
    cur_secret = json.loads(SM.get_secret_value(SecretId=sid)["SecretString"])
    new = dict(cur_secret, password="r-" + secrets.token_urlsafe(18))
    conn = psycopg2.connect(host=os.environ["DB_HOST"], dbname="postgres",
                            user=cur_secret["username"], password=cur_secret["password"],
                            connect_timeout=10)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ALTER ROLE " + cur_secret["username"] + " PASSWORD %s", (new["password"],))
    finally:
        conn.close()
    version = SM.put_secret_value(SecretId=sid, SecretString=json.dumps(new))["VersionId"]
    return {"rotated": sid, "version": version}
