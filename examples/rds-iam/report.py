# IAM authentication through RDS Proxy, as AWS documents it: no password
# anywhere in the function. At each connection the function signs a token
# with its role's credentials (boto3's generate_db_auth_token: a SigV4
# presigned URL for rds-db, valid 15 minutes, made locally, no network
# call) and sends it as the password over TLS. The proxy checks it and logs
# in to the database with the secret it holds.
# {"password": "..."} in the event sends that instead of a token: refused.
import os

import boto3
import psycopg2

RDS = boto3.client("rds")


def handler(event, context):
    host, user = os.environ["PROXY_HOST"], os.environ["DB_USER"]
    password = event.get("password") or RDS.generate_db_auth_token(host, 5432, user)
    try:
        conn = psycopg2.connect(host=host, port=5432, dbname="postgres", user=user,
                                password=password, sslmode="require", connect_timeout=10)
    except psycopg2.OperationalError as e:
        return {"connected": False, "error": str(e).strip().splitlines()[-1]}
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_user")
            return {"connected": True, "user": cur.fetchone()[0], "via": host}
    finally:
        conn.close()
