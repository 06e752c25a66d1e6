# The connection storm's function (bench/storm.sh, the demo's storm
# lesson): each invoke opens one PostgreSQL connection to the event's
# "target" (the database or a proxy), holds it as "mode" says for
# "seconds", and closes it. The password is in no function setting: the
# secret DB_SECRET is read from Secrets Manager once per execution
# environment, at init (boto3 through the VPC's interface endpoint, as
# app.py does), and reused by every warm invoke.
#   hold  SELECT pg_sleep(seconds): one query that long
#   idle  SELECT 1, seconds of other work (no query, no transaction open:
#         autocommit), SELECT 1
#   set   SET search_path TO public first, then as idle: the SET pins the
#         session to its database connection behind RDS Proxy
#   wait  no database: sleep seconds (storm.sh's warm-up, which makes the
#         environments before the storm)
# With "at" (seconds since the epoch) the session starts at that instant:
# storm.sh sends hundreds of invokes from one machine, and its client
# takes seconds to send them all; "at" (after the last is sent) starts
# their sessions together, as a burst that Lambda spreads over as many
# environments would.
# A refused or timed-out connection raises: the invoke fails with the
# driver's message (FunctionError Unhandled), as a real handler's would.
import json
import os
import time

import boto3
import psycopg2

SECRET = json.loads(boto3.client("secretsmanager").get_secret_value(
    SecretId=os.environ["DB_SECRET"])["SecretString"])


def handler(event, context):
    mode, seconds = event.get("mode", "hold"), float(event.get("seconds", 2))
    if mode not in ("hold", "idle", "set", "wait"):
        raise ValueError("mode: hold, idle, set or wait, not %r" % mode)
    if "at" in event:
        time.sleep(max(0.0, float(event["at"]) - time.time()))
    if mode == "wait":
        time.sleep(seconds)
        return {"mode": mode, "env": context.log_stream_name}
    conn = psycopg2.connect(host=event["target"], dbname="postgres",
                            user=SECRET["username"], password=SECRET["password"],
                            connect_timeout=10, application_name="storm")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            if mode == "hold":
                cur.execute("SELECT pg_sleep(%s)", (seconds,))
            else:
                if mode == "set":
                    cur.execute("SET search_path TO public")
                cur.execute("SELECT 1")
                time.sleep(seconds)
                cur.execute("SELECT 1")
    finally:
        conn.close()
    return {"target": event["target"], "mode": mode, "env": context.log_stream_name}
