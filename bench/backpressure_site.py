#!/usr/bin/env python3
"""A loopback news site for bench/backpressure.sh: FEEDS RSS feeds of ITEMS items each, generated
from one template, and a small article page per item (its own made-up words, so no two pages
are copies). Pages wait PAGE_DELAY_MS before answering, to make the page workers the slow stage.

Usage: backpressure_site.py PORT_FILE FEEDS ITEMS PAGE_DELAY_MS
Binds 127.0.0.1:0 and writes the port to PORT_FILE. Counts page requests in flight and writes
the highest count seen to PORT_FILE.inflight on exit (SIGTERM)."""
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, feeds, items, delay_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
SYLLABLES = "ka lo mi ne ru ta vo pe si du ga ho ji be fu co wa ze ny qu ri mo te xa".split()
lock = threading.Lock()
inflight = 0
peak = 0


def words(seed, count):
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) for _ in range(count))


def feed(base, n):
    entries = "".join(
        f"<item><title>{words(n * items + i, 6)}</title><link>{base}/page/{n}/{i}.html</link>"
        f"<guid>{base}/page/{n}/{i}.html</guid><pubDate>Tue, 04 Nov 2025 08:00:00 GMT</pubDate></item>\n"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>{base}/</link><description>generated</description>\n{entries}</channel></rss>\n"
    )


def page(n, i):
    seed = n * items + i
    title = words(seed, 6)
    body = "".join(f"<p>{words(seed * 4 + p + 10**9, 30)}.</p>\n" for p in range(4))
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>\n{body}</article></body></html>\n"
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global inflight, peak
        parts = self.path.strip("/").split("/")
        base = f"http://{self.headers.get('Host')}"
        try:
            if parts[0] == "feed" and len(parts) == 2:
                body, ctype = feed(base, int(parts[1].removesuffix(".xml"))), "application/rss+xml"
            elif parts[0] == "page" and len(parts) == 3:
                with lock:
                    inflight += 1
                    peak = max(peak, inflight)
                try:
                    time.sleep(delay_ms / 1000)
                    body = page(int(parts[1]), int(parts[2].removesuffix(".html")))
                finally:
                    with lock:
                        inflight -= 1
                ctype = "text/html; charset=utf-8"
            else:
                raise ValueError
        except ValueError:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True


def stop(*_):
    with open(port_file + ".inflight", "w") as out:
        out.write(str(peak))
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
with open(port_file, "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
