# Python handlers of t_runtime_aws.sh: code as users write it for Lambda.
import decimal
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def logs(event, context):
    logger.info("info from %s", context.function_name)
    logging.getLogger("app.child").debug("debug hidden unless DEBUG")
    logger.warning("careful")
    return {"ok": True}


def dynamo(event, context):
    # What boto3's DynamoDB deserializer returns for numbers.
    return {"price": decimal.Decimal("19.90"), "count": decimal.Decimal("3"),
            "ratio": decimal.Decimal("0.1")}


def context_types(event, context):
    cc = context.client_context
    return {
        "memory_type": type(context.memory_limit_in_mb).__name__,
        "memory": context.memory_limit_in_mb,
        "identity_class": type(context.identity).__name__,
        "identity_id": context.identity.cognito_identity_id,
        "client_context_class": type(cc).__name__,
        "custom": cc.custom if cc else None,
        "app_title": cc.client.app_title if cc and cc.client else None,
    }


def fail(event, context):
    raise KeyError("missing")


def json_logs(event, context):
    logger.info("structured %d", 42)
    logger.debug("filtered out at INFO")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("it broke")
    print("plain print")
    return "done"
