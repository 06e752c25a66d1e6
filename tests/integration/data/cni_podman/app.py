"""A VPC function that calls a container's HTTP server by its name, as a
client on Lambda would: what it resolved and what it read, or why not."""
import socket


def handler(event, context):
    host, port = event["host"], int(event["port"])
    try:
        ip = socket.gethostbyname(host)
    except OSError as e:
        return {"host": host, "error": "resolve: " + type(e).__name__}
    try:
        with socket.create_connection((ip, port), timeout=3) as s:
            s.sendall(f"GET /index.html HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        return {"host": host, "ip": ip, "body": data.split(b"\r\n\r\n", 1)[-1].decode().strip()}
    except socket.timeout:
        return {"host": host, "ip": ip, "error": "timeout"}
    except OSError as e:
        return {"host": host, "ip": ip, "error": type(e).__name__}
