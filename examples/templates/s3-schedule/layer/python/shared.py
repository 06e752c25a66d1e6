# Code every function of the app shares, shipped as a layer (/opt/python).
def describe(record):
    s3 = record["s3"]
    return "%s %s/%s (%d bytes)" % (record["eventName"], s3["bucket"]["name"],
                                    s3["object"]["key"], s3["object"].get("size", 0))
