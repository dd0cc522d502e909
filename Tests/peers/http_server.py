"""A loopback HTTP server for Gazette's fetch tests, on a port the OS chooses.

Usage: http_server.py DIR
Serves DIR with Python's http.server (which sends Last-Modified and answers
If-Modified-Since with 304). Prints "PORT <n>" once listening. Also:
  /status/NNN   answers with that status
  /gzip/NAME    serves DIR/NAME gzip-compressed with Content-Encoding: gzip
  /endless      streams bytes until the client hangs up (for body caps)
"""
import functools
import gzip
import http.server
import sys

import peer_lifetime  # noqa: F401  (ends this server when the test process ends)


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/status/"):
            self.send_response(int(self.path.split("/")[2]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/gzip/"):
            with open(self.directory + "/" + self.path[len("/gzip/"):], "rb") as f:
                body = gzip.compress(f.read())
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            chunk = b"<rss>" + b" " * 65536
            try:
                for _ in range(100000):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        super().do_GET()


if __name__ == "__main__":
    handler = functools.partial(Handler, directory=sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
