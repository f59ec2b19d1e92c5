#!/usr/bin/env python3
"""The end-to-end benchmark's Python peer (issue 8): a straightforward pipeline. Feeds are
fetched with requests (8 threads) and parsed with feedparser; each item's page is fetched by
the same 8 threads and extracted by trafilatura in 2 worker processes; title, URL and text go
into SQLite FTS5 (a commit every 100 articles). No deduplication, no clustering.
At the end: one search, to show the store is searchable. Prints a one-line summary.

Usage: e2e_python.py URLS_FILE DB_PATH
"""
import multiprocessing
import queue
import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import feedparser
import requests

THREADS, PROCESSES, QUEUE = 8, 2, 32
local = threading.local()


def get(url):
    if not hasattr(local, "session"):
        local.session = requests.Session()
    return local.session.get(url, timeout=30)


def fetch_feed(url):
    return [(e.get("link"), e.get("title")) for e in feedparser.parse(get(url).content).entries]


def extract(job):
    import trafilatura
    url, title, html = job
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, as_dict=True) or {}
    return url, title or doc.get("title") or "", doc.get("text") or ""


def main():
    urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
    db = sqlite3.connect(sys.argv[2])
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS articles USING fts5(url UNINDEXED, title, text)")
    started = time.perf_counter()
    pages = queue.Queue(QUEUE)
    with ThreadPoolExecutor(THREADS) as threads, multiprocessing.Pool(PROCESSES) as pool:
        items = [item for feed in threads.map(fetch_feed, urls) for item in feed]
        feeds_done = time.perf_counter()

        def fetch_page(item):
            try:
                pages.put((item[0], item[1], get(item[0]).text))
            except requests.RequestException:
                pages.put(None)

        for item in items:
            threads.submit(fetch_page, item)
        fetched = (pages.get() for _ in items)
        stored = 0
        for url, title, text in pool.imap_unordered(extract, (p for p in fetched if p), 4):
            db.execute("INSERT INTO articles VALUES (?, ?, ?)", (url, title, text))
            stored += 1
            if stored % 100 == 0:
                db.commit()
        db.commit()
    elapsed = time.perf_counter() - started
    hits = db.execute("SELECT count(*) FROM articles WHERE articles MATCH 'government'").fetchone()[0]
    print("python: feeds=%d items=%d stored=%d feeds_seconds=%.2f seconds=%.2f articles_per_s=%.1f "
          "search_hits=%d" % (len(urls), len(items), stored, feeds_done - started, elapsed,
                              stored / elapsed, hits))


if __name__ == "__main__":
    main()
