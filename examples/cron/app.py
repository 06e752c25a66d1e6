"""The scheduled job of examples/cron.json: EventBridge's scheduled event
once a minute (and at noon on weekdays); prints what it got."""
import json


def handler(event, context):
    print("tick at " + event["time"] + " from " + event["resources"][0])
    return {"ok": True, "detail-type": event["detail-type"]}
