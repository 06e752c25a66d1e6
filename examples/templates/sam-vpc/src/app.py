import os


def handler(event, context):
    return {"db": os.environ.get("DB_HOST"), "stage": os.environ.get("STAGE")}
