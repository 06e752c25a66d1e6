"""The thumbnail function of examples/thumbnail.json: an image lands in
uploads/in/, this makes a 128-pixel thumbnail of it (Pillow, Debian's
python3-pil), writes it to thumbnails/ and its metadata to DynamoDB."""
import io
import urllib.parse

import boto3
from PIL import Image

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
TABLE = "images"
SIZE = (128, 128)


def handler(event, context):
    made = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        print("EVENT " + record["eventName"] + " " + record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        image = Image.open(io.BytesIO(body))
        width, height = image.size
        image.thumbnail(SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG")
        thumb = "thumbnails/" + key.rsplit("/", 1)[-1]
        s3.put_object(Bucket=bucket, Key=thumb, Body=out.getvalue(), ContentType="image/jpeg")
        dynamodb.put_item(TableName=TABLE, Item={
            "id": {"S": key}, "thumbnail": {"S": thumb},
            "width": {"N": str(width)}, "height": {"N": str(height)},
            "thumb_width": {"N": str(image.size[0])}, "thumb_height": {"N": str(image.size[1])},
            "etag": {"S": record["s3"]["object"].get("eTag", "")},
        })
        made.append(thumb)
    return {"thumbnails": made}
