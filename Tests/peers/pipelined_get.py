"""Sends several GET requests on one connection in a single write (HTTP/1.1 pipelining), then
reads the responses in the order they come back, as a client that pipelines must.

Usage: pipelined_get.py HOST PORT PATH [PATH ...]
Prints JSON: {"responses": [{"status": N, "etag": "...", "body": "..."}, ...]}, in the order received.
"""
import json
import socket
import sys

host, port, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
requests = "".join(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n" for path in paths)
connection = socket.create_connection((host, port), timeout=10)
connection.sendall(requests.encode("ascii"))
reader = connection.makefile("rb")

responses = []
for _ in paths:
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline().rstrip(b"\r\n")):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    responses.append({"status": status, "etag": headers.get("etag"), "body": body.decode("utf-8", "replace")})
connection.close()
print(json.dumps({"responses": responses}))
