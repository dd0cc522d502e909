"""A loopback HTTP server for Gazette's fetch tests, on a port the OS chooses.

Usage: http_server.py DIR
Serves DIR with Python's http.server, logging each request line to DIR/.requests (which sends Last-Modified and answers
If-Modified-Since with 304). Prints "PORT <n>" once listening. Also:
  /status/NNN   answers with that status
  /gzip/NAME    serves DIR/NAME gzip-compressed with Content-Encoding: gzip
  /endless      streams bytes until the client hangs up (for body caps)
  /status/NNN?retry-after=V   that status with a Retry-After header
  /redirect/N   redirects to /redirect/N+1, forever (a loop)
  /to-file      redirects to file:///etc/passwd
  /drip         sends one byte a second, forever
  /gzip-bomb    a small gzip body that inflates to 128 MiB inside an RSS document
  /nested       a feed with 100,000 nested elements
"""
import functools
import gzip
import http.server
import io
import sys
import time

import peer_lifetime  # noqa: F401  (ends this server when the test process ends)


@functools.lru_cache(maxsize=1)
def gzip_bomb():
    """128 MiB of spaces after an RSS start tag, compressed to about 128 KB; made on first use."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as f:
        f.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')
        chunk = b" " * (1 << 20)
        for _ in range(128):
            f.write(chunk)
    return out.getvalue()


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def send_response(self, code, message=None):
        # Every request is logged to DIR/.requests, so tests can assert that none came.
        with open(self.directory + "/.requests", "a") as log:
            log.write("%s %s\n" % (self.command, self.path))
        super().send_response(code, message)

    def feed(self, body, encoding=None):
        """A 200 response with an RSS body, optionally with a Content-Encoding."""
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        if self.path.startswith("/status/"):
            path, _, query = self.path.partition("?")
            self.send_response(int(path.split("/")[2]))
            if query.startswith("retry-after="):
                self.send_header("Retry-After", query.split("=", 1)[1].replace("%20", " "))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/redirect/"):
            self.redirect("/redirect/%d" % (int(self.path.split("/")[2]) + 1))
            return
        if self.path == "/to-file":
            self.redirect("file:///etc/passwd")
            return
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if self.path == "/gzip-bomb":
            self.feed(gzip_bomb(), encoding="gzip")
            return
        if self.path == "/nested":
            self.feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>n</title><item><title>deep</title>'
                      + b"<x>" * 100000 + b"</x>" * 100000 + b"</item></channel></rss>")
            return
        if self.path.startswith("/gzip/"):
            with open(self.directory + "/" + self.path[len("/gzip/"):], "rb") as f:
                self.feed(gzip.compress(f.read()), encoding="gzip")
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
