# t_aws_exec.sh: the CA variables a function's runtime sees, as a handler
# reads them (rtfn sets SSL_CERT_FILE itself; vpcsim sets the others).
import os

CA_VARS = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE",
           "NODE_EXTRA_CA_CERTS")


def handler(event, context):
    return " ".join(os.environ.get(k, "-") for k in CA_VARS)
