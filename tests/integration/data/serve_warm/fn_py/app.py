def handler(event, context):
    return {"n": event.get("n")}
