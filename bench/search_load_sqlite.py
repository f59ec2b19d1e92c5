#!/usr/bin/env python3
"""Loads the benchmark's articles (search_corpus.py) into newsd's SQLite database, marked
unindexed, so that `newsd reindex` indexes them all (the indexing rate is measured there).

    search_load_sqlite.py DATABASE ARTICLES
"""

import json
import sqlite3
import sys


def main():
    db = sqlite3.connect(sys.argv[1])
    db.execute("PRAGMA synchronous = OFF")
    items, articles = [], []
    for line in open(sys.argv[2], encoding="utf-8"):
        a = json.loads(line)
        feed = f"https://{a['source']}/feed"
        url = f"https://{a['source']}/bench/{a['id']}"
        items.append((a["id"], feed, url, a["source"], url, a["title"], a["published"]))
        articles.append((a["id"], a["id"], feed, a["source"], url, url, a["title"],
                         a["published"], a["lang"], a["text"], a["published"], a["story"]))
    db.executemany(
        "INSERT INTO items (id, feed_url, item_key, source, link, title, published, discovered_at,"
        " done) VALUES (?, ?, ?, ?, ?, ?, ?, ?7, 1)", items)
    db.executemany(
        "INSERT INTO articles (id, item_id, feed_url, source, url, canonical_url, title,"
        " published, lang, text, fetched_at, story_id, indexed) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", articles)
    db.commit()
    print(f"loaded {len(articles)} articles")


if __name__ == "__main__":
    main()
