import boto3

s3 = boto3.client("s3")


def handler(event, context):
    # The classic mistake: writing into the bucket and prefix that trigger us.
    key = event["Records"][0]["s3"]["object"]["key"]
    print("EVENT loop " + key)
    s3.put_object(Bucket="uploads", Key="loop/again-" + str(len(key)) + ".txt", Body=b"x")
    return {"ok": True}
