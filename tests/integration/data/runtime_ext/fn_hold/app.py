def handler(event, context):
    print("handler answered", context.aws_request_id)
    return {"answered": context.aws_request_id}
