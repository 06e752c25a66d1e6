#!/bin/sh
# Prints a topology with N resources (default 500) spread over /24 subnets
# of one VPC, each resource listening on one TCP port: the shape `make bench`
# times `vpcsim up` on.
#   bench/gen.sh N NAME
n=${1:-500}
name=${2:-bench}
awk -v n="$n" -v name="$name" 'BEGIN {
	per = 250; subnets = int((n + per - 1) / per)
	printf "{\n  \"name\": \"%s\",\n  \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/16\",\n    \"subnets\": [\n", name
	for (s = 0; s < subnets; s++)
		printf "      { \"name\": \"s%d\", \"cidr\": \"10.0.%d.0/24\" }%s\n", s, s, s < subnets - 1 ? "," : ""
	printf "    ] } ],\n  \"resources\": [\n"
	for (i = 0; i < n; i++)
		printf "    { \"name\": \"r%d\", \"subnet\": \"s%d\", \"listen\": [ { \"proto\": \"tcp\", \"port\": 80 } ] }%s\n", i, int(i / per), i < n - 1 ? "," : ""
	printf "  ]\n}\n"
}'
