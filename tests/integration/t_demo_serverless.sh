#!/bin/bash
# make demo's lessons 13-16 (scripts/demo.sh --serverless): an S3 upload
# by the AWS CLI starts the thumbnail function (its thumbnail and DynamoDB
# item), the same function in private subnets times out without the S3
# gateway endpoint and works with it; curl to the HTTP API's routes; curl
# to a CloudFront distribution through its four Lambda@Edge functions; a
# schedule fired by `events fire`, and a rate under a minute refused.
# Real clients, real packets; the demo exits 0 only when every lesson
# gave its result, and nothing of it is left.
. "$(dirname "$0")/lib.sh"
plan 29
demo_run s --serverless thumb tvpc api edge cron
check "lessons 13, 14, 15 and 16, no other" bash -c \
	"[ \"\$(grep -o '^== Lesson [0-9]*' '$OUT' | tr '\n' ' ')\" = '== Lesson 13 == Lesson 14 == Lesson 15 == Lesson 16 ' ]"
# 13: S3 notifications, the thumbnail, in a VPC without and with the endpoint
demo_has "13: the AWS CLI's upload" '^upload: \./photo\.jpg to s3://uploads/in/photo\.jpg'
demo_has "13: the function gets S3's record" 'EVENT ObjectCreated:Put in/photo\.jpg'
demo_has "13: thumbnails/photo.jpg listed by aws s3 ls" '^[0-9-]+ [0-9:]+ +[1-9][0-9]* photo\.jpg$'
demo_has "13: the DynamoDB item: 640x480 resized to 128x96" '^in/photo\.jpg	thumbnails/photo\.jpg	640	480	128	96$'
demo_order "13: without the S3 endpoint the event is given up, the function's log says it timed out" \
	' thumbnail given-up condition=RetriesExhausted' 'Task timed out after 30\.00 seconds'
demo_has "13: reach names the gateway endpoint to add" 'fix: +add a gateway endpoint \{"service": "s3"'
demo_order "13: with the endpoint it is delivered and writes its item" \
	'up examples/thumbnail-vpc\.json as topology' '^in/photo\.jpg	thumbnails/photo\.jpg	128	96$'
# 14: the HTTP API
demo_has "14: GET /items/{id}: 200 with the function's header" '^x-item: 42$'
demo_has "14: POST /items: the body came through" '^\{"created": \{"name": "pen"\}\}$'
demo_has "14: \$default from worker, through the NAT gateway" '"routeKey": "\$default", "rawPath": "/any/path", "sourceIp": "198\.51\.100\.[0-9]+"'
demo_has "14: reach: offline has no way to the API" 'fix: +route 0\.0\.0\.0/0 to a NAT gateway: the HTTP API is a public endpoint'
# 15: Lambda@Edge
demo_has "15: viewer-request answers /hello itself" '^Hello from the edge, 203\.0\.113\.50$'
demo_has "15: /private/ without Authorization: 401" '^HTTP/1\.1 401 Unauthorized$'
demo_order "15: /docs/ through the four functions: 200, stamped by viewer-response" \
	'/docs/$' '^X-Served-By: E[A-Z0-9]{13} viewer-response$'
demo_has "15: the 1024 MB viewer function refused with CloudFront's code" 'InvalidLambdaFunctionAssociation: The function memory size is larger'
# 16: schedules
demo_order "16: events fire: 202, then delivered" '"StatusCode": 202' ' job delivered source=schedule attempt=1'
demo_has "16: the function got EventBridge's scheduled event" ' tick at [0-9T:-]+Z from arn:aws:events:us-east-1:123456789012:rule/'
demo_has "16: rate(30 seconds) refused in EventBridge's words" "ValidationException: Parameter ScheduleExpression is not valid\\. 'rate\\(30 seconds\\)'"
demo_has "the demo says it tore everything down" '^Everything the demo brought up is down again'
demo_gone
