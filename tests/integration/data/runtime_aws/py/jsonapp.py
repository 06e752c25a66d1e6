# A module that leaves the root logger's level to Lambda (LoggingConfig).
import logging

logger = logging.getLogger()


def handler(event, context):
    logger.info("structured %d", 42, extra={"orderId": "o-7"})
    logger.debug("debug below the level")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("it broke")
    print("plain print")
    return "done"
