import time
time.sleep(12)  # past Lambda's 10 s init limit


def handler(event, context):
    return "late"
