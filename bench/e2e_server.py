#!/usr/bin/env python3
"""Static server for the end-to-end benchmark's site: serves SITE_DIR on PORT at each of
127.0.0.2 ... 127.0.0.(1+HOSTS) (all of 127.0.0.0/8 is loopback), HTTP/1.1 keep-alive, one
thread per connection. Answers conditional requests: ETag (size and mtime) and Last-Modified,
If-None-Match / If-Modified-Since -> 304. Prints "ready" once every address listens.

Usage: e2e_server.py SITE_DIR [--port 8719] [--hosts 20]
"""
import argparse
import os
import sys
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {".xml": "application/rss+xml", ".html": "text/html", ".txt": "text/plain"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "e2e-static"
    root = "."

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.do_GET(body=False)

    def do_GET(self, body=True):
        rel = os.path.normpath(self.path.split("?", 1)[0].lstrip("/"))
        path = os.path.join(self.root, rel)
        if rel.startswith("..") or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        st = os.stat(path)
        etag = '"%x-%x"' % (st.st_size, int(st.st_mtime))
        modified = int(st.st_mtime)
        fresh = False
        if "If-None-Match" in self.headers:
            fresh = etag in [t.strip() for t in self.headers["If-None-Match"].split(",")]
        elif "If-Modified-Since" in self.headers:
            try:
                fresh = parsedate_to_datetime(self.headers["If-Modified-Since"]).timestamp() >= modified
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(os.path.splitext(path)[1], "application/octet-stream"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(modified, usegmt=True))
        self.end_headers()
        if body:
            self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--port", type=int, default=8719)
    ap.add_argument("--hosts", type=int, default=20)
    args = ap.parse_args()
    Handler.root = os.path.abspath(args.site)
    servers = [Server(("127.0.0.%d" % (2 + n), args.port), Handler) for n in range(args.hosts)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
