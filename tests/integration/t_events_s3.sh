#!/bin/bash
# S3 notifications (docs/EVENTS.md), with real clients: the AWS CLI in an
# internet host uploads, copies (multipart for a large file) and deletes;
# the thumbnail function (examples/thumbnail) gets S3's record, resizes
# with Pillow and writes thumbnails/ and a DynamoDB item with boto3;
# filters hold; a function writing into its own trigger is stopped.
. "$(dirname "$0")/lib.sh"
plan 13
T=$(unique_name)
cp -r "$ROOT/examples/thumbnail" "$TMP/thumbnail"
cp -r "$ROOT/tests/integration/data/events_s3" "$ROOT/tests/integration/data/events" "$TMP/"
topo_copy "$ROOT/tests/integration/data/events_s3.json" "$T"
LOG=/run/vpcsim/$T/logs/events.log
wait_log() { # RE [SECONDS]
	for _ in $(seq $((${2:-120} * 5))); do grep -qE "$1" "$LOG" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}
cli() { V exec -t "$T" client -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" \
	/usr/bin/aws --cli-connect-timeout 5 --cli-read-timeout 30 "$@" >"$TMP/out" 2>&1; }
fnlog() { V logs -t "$T" "$1" 2>&1; }

check "up $T" env VPCSIM_ASYNC_MINUTE_MS=1000 "$VPCSIM" up "$F"
V ca -t "$T" >"$TMP/ca.pem"
eval "$(V credentials -t "$T" | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
/usr/bin/python3 -c 'from PIL import Image; Image.new("RGB", (640, 480), (200, 30, 30)).save("'"$TMP"'/photo.jpg")'
head -c 9000000 /dev/urandom >"$TMP/big.bin"
echo notes >"$TMP/notes.txt"

cli s3 cp "$TMP/notes.txt" s3://uploads/in/notes.txt
cli s3 cp "$TMP/photo.jpg" "s3://uploads/in/photo.jpg"
cp "$TMP/out" "$TMP/cp.out"
check "aws s3 cp of a .jpg into uploads/in/ (a real client)" grep -q "upload: .*photo.jpg to s3://uploads/in/photo.jpg" "$TMP/cp.out"
check "the thumbnail function is invoked asynchronously" wait_log "thumbnail delivered source=s3" 180
fnlog thumbnail >"$TMP/thumb.log"
check "its record: ObjectCreated:Put of the key" grep -q "EVENT ObjectCreated:Put in/photo.jpg" "$TMP/thumb.log"
check "the .txt upload outside the suffix filter invoked nothing" bash -c "! grep -q notes.txt '$TMP/thumb.log'"
cli s3api get-object --bucket uploads --key "thumbnails/photo.jpg" "$TMP/thumb.jpg"
check "thumbnails/photo.jpg is a real 128-pixel-wide JPEG" /usr/bin/python3 -c \
	'from PIL import Image; i=Image.open("'"$TMP"'/thumb.jpg"); assert i.format=="JPEG" and i.size==(128, 96), i.size'
cli dynamodb get-item --table-name images --key '{"id":{"S":"in/photo.jpg"}}' --query Item.width.N --output text
is "the DynamoDB item has the original width" 640 "$(cat "$TMP/out")"

AUDIT_RE='"eventName": "ObjectCreated:Copy"'
cli s3 cp "s3://uploads/in/photo.jpg" s3://uploads/in/copy.jpg
check "a copy: ObjectCreated:Copy with the object's size" bash -c \
	"for i in \$(seq 120); do $VPCSIM logs -t $T audit 2>&1 | grep -q '\"eventName\": \"ObjectCreated:Copy\".*\"key\": \"in/copy.jpg\", \"sequencer\": \"[0-9A-F]*\", \"size\": [1-9]' && exit 0; sleep 1; done; exit 1"
cli s3 cp "$TMP/big.bin" s3://uploads/in/big.bin
check "a 9 MB upload (the CLI's multipart): ObjectCreated:CompleteMultipartUpload, size 9000000" bash -c \
	"for i in \$(seq 120); do $VPCSIM logs -t $T audit 2>&1 | grep -q 'CompleteMultipartUpload.*\"key\": \"in/big.bin\".*\"size\": 9000000' && exit 0; sleep 1; done; exit 1"
cli s3 rm s3://uploads/in/notes.txt
check "a delete: ObjectRemoved:Delete" bash -c \
	"for i in \$(seq 120); do $VPCSIM logs -t $T audit 2>&1 | grep -q 'ObjectRemoved:Delete.*\"key\": \"in/notes.txt\"' && exit 0; sleep 1; done; exit 1"

cli s3 cp "$TMP/notes.txt" s3://uploads/loop/start.txt
check "a function writing into its own trigger is stopped: RecursiveInvocationsDropped" \
	wait_log "loop given-up condition=RecursiveInvocationsDropped" 300
ID=$(grep "loop given-up condition=RecursiveInvocationsDropped" "$LOG" | head -1 | awk '{print $2}')
check "after 16 invokes of the chain, with Lambda's invocation record" test "$(grep -c ' loop delivered' "$LOG")" -ge 15 -a -s "/run/vpcsim/$T/events/failed/$ID.json"
check "down $T" V down "$T"
