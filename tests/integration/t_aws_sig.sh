#!/bin/bash
# SigV4 as the SDKs sign it, and refused as AWS refuses it
# (docs/AWS-SERVICES.md "Credentials"): S3 object keys with characters the
# SDKs percent-encode (S3 signs the path encoded once, other services
# twice); real clients only: the AWS CLI and boto3 from Debian 12,
# unmodified, run from an internet host.
. "$(dirname "$0")/lib.sh"
plan 18
T=$(unique_name)
cp -r "$ROOT/tests/integration/data/aws" "$TMP/aws"
cp -r "$ROOT/tests/integration/data/aws-sig" "$TMP/aws-sig"
topo_copy "$ROOT/tests/integration/data/aws-sig.json" "$T"
AWS=/usr/bin/aws PY=/usr/bin/python3
# on HOST CMD...: run CMD on an internet host with the AWS settings
on() { local h=$1; shift; V exec -t "$T" "$h" -- env AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE="$TMP/ca.pem" \
	AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" ${TOKEN:+AWS_SESSION_TOKEN="$TOKEN"} \
	"$@" >"$TMP/out" 2>&1; }
cli() { on client "$AWS" --cli-connect-timeout 5 --cli-read-timeout 20 "$@"; }

check "up $T" V up "$F"
V ca -t "$T" >"$TMP/ca.pem"
eval "$(V credentials -t "$T" | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/')"
TOKEN=

# ---- S3 keys the SDKs percent-encode ------------------------------------
KEYS=("a b=c+d.txt" "x!*'()~.txt" "é€ ü.txt" "sp a/ce+q=1&r;s,t:u@v\$w.txt")
fails=
for k in "${KEYS[@]}"; do
	echo "body of $k" >"$TMP/up.txt"
	cli s3 cp "$TMP/up.txt" "s3://keys/$k"
	grep -q 'upload: ' "$TMP/out" || fails+="$k: $(tail -c 300 "$TMP/out")"$'\n'
done
is "aws s3 cp of keys with ' ', '=', '+', '!*'()~', UTF-8, ';,:@\$&': every upload signed and stored" "" "$fails"
cli s3 ls --recursive s3://keys/
is "aws s3 ls lists them" "$(printf '%s\n' "${KEYS[@]}" | sort)" "$(awk '{ $1=$2=$3=""; sub(/^ +/, ""); print }' "$TMP/out" | sort)"
cli s3 ls "s3://keys/a b="
has "aws s3 ls with a prefix to encode in the query (prefix=a%20b%3D)" " a b=c+d.txt$"
on client "$PY" "$TMP/aws-sig/keys.py" "${KEYS[@]}"
is "boto3 reads each back (get_object), lists by prefix, copies, deletes them" \
"get a b=c+d.txt body of a b=c+d.txt
get x!*'()~.txt body of x!*'()~.txt
get é€ ü.txt body of é€ ü.txt
get sp a/ce+q=1&r;s,t:u@v\$w.txt body of sp a/ce+q=1&r;s,t:u@v\$w.txt
prefix ['a b=c+d.txt']
copy body of a b=c+d.txt
deleted 4 errors 0
left ['copy of (1)+é.txt']" "$(cat "$TMP/out")"
cli s3api put-object --bucket keys --key 'dir//double.txt' --body "$TMP/up.txt"
has "a key with '//': the signature passes, s3rver cannot store it: NotImplemented, not a bare 404" \
	"(NotImplemented).*cannot store a key with an empty segment"
cli s3api get-object --bucket keys --key 'no such key=+.txt' "$TMP/none"
has "a missing key with '=' and '+': NoSuchKey (signed as sent, then the engine's answer)" "(NoSuchKey)"

# ---- forged, wrong and expired credentials: each service's own error ----
auth() { on client "$PY" "$TMP/aws-sig/auth.py"; cat "$TMP/out"; }
GOOD_KEY=$KEY GOOD_SECRET=$SECRET
is "the admin key: every service answers" "sts ok
s3 ok
dynamodb ok
secretsmanager ok
lambda ok" "$(auth)"
is "a wrong secret key: SignatureDoesNotMatch / InvalidSignatureException" "sts SignatureDoesNotMatch 403
s3 SignatureDoesNotMatch 403
dynamodb InvalidSignatureException 400
secretsmanager InvalidSignatureException 403
lambda InvalidSignatureException 403" "$(SECRET=wrongwrongwrongwrongwrongwrongwrongwrong auth)"
is "an unknown access key: InvalidClientTokenId / InvalidAccessKeyId / UnrecognizedClientException" "sts InvalidClientTokenId 403
s3 InvalidAccessKeyId 403
dynamodb UnrecognizedClientException 400
secretsmanager UnrecognizedClientException 403
lambda UnrecognizedClientException 403" "$(KEY=AKIAFORGEDFORGED0000 auth)"
eval "$(V credentials -t "$T" --function echo | sed 's/^export //; s/^unset .*//' | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/; s/^AWS_SESSION_TOKEN=/TOKEN=/')"
FKEY=$KEY FSECRET=$SECRET FTOKEN=$TOKEN
is "the function's role session without its session token: as an unknown key" "sts InvalidClientTokenId 403
s3 InvalidAccessKeyId 403
dynamodb UnrecognizedClientException 400
secretsmanager UnrecognizedClientException 403
lambda UnrecognizedClientException 403" "$(TOKEN= auth)"
is "... with a wrong session token: the same" "sts InvalidClientTokenId 403
s3 InvalidAccessKeyId 403
dynamodb UnrecognizedClientException 400
secretsmanager UnrecognizedClientException 403
lambda UnrecognizedClientException 403" "$(TOKEN=${FTOKEN%??}xx auth)"
V credentials -t "$T" --function echo --duration-seconds 15 >"$TMP/short" 2>&1
eval "$(sed 's/^export //; s/^unset .*//; s/^#.*//' "$TMP/short" | sed 's/^AWS_ACCESS_KEY_ID=/KEY=/; s/^AWS_SECRET_ACCESS_KEY=/SECRET=/; s/^AWS_SESSION_TOKEN=/TOKEN=/')"
case $KEY in ASIA*) [ "$KEY" != "$FKEY" ] && ok "credentials --duration-seconds mints a new temporary key (ASIA...)" ||
	not_ok "credentials --duration-seconds: the function's own key again" ;;
*) not_ok "credentials --duration-seconds: got '$(cat "$TMP/short")'" ;; esac
on client "$AWS" sts get-caller-identity --query Arn --output text
is "... valid now: its role session's identity" "arn:aws:sts::123456789012:assumed-role/echo-role/echo" "$(cat "$TMP/out")"
sleep 16
is "... past its expiry: ExpiredToken (STS 403, S3 400) / ExpiredTokenException" "sts ExpiredToken 403
s3 ExpiredToken 400
dynamodb ExpiredTokenException 400
secretsmanager ExpiredTokenException 403
lambda ExpiredTokenException 403" "$(auth)"
KEY=$FKEY SECRET=$FSECRET TOKEN=$FTOKEN
is "the function's own session still works" "sts ok
s3 ok
dynamodb ok
secretsmanager ok
lambda ok" "$(auth)"
check_fails "credentials --duration-seconds 0: refused" V credentials -t "$T" --function echo --duration-seconds 0
check "down $T" V down "$T"
