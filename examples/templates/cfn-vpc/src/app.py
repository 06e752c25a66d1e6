"""The function of examples/templates/cfn-vpc: it connects to the database
the template's environment names (DB_HOST is the RDS endpoint's DNS name,
answered by the VPC resolver) and tells what its security groups let it
reach, as the same code would on Lambda."""
import os
import socket


def handler(event, context):
    host, port = os.environ["DB_HOST"], int(os.environ["DB_PORT"])
    try:
        with socket.create_connection((host, port), timeout=2):
            db = "open"
    except socket.timeout:
        db = "timeout"
    except OSError as e:
        db = type(e).__name__
    return {"function": context.function_name, "db": db}
