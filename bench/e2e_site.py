#!/usr/bin/env python3
"""Builds the end-to-end benchmark's site (issue 8): FEEDS RSS 2.0 feeds of ITEMS items each, on
HOSTS outlets at 127.0.0.2, 127.0.0.3, ... (one outlet a host), whose item pages are the real
pages of the extraction corpus reused round-robin. Each page gets a per-URL marker (an HTML
comment holding its URL, right after <head>) so that no two URLs serve identical bytes, and its
<link rel="canonical"> / og:url name its new URL (else the copies of a page would all be one
URL to newsd, and skipped as such).

Writes into SITE_DIR:
  feeds/<n>.xml                   the feeds (title, link, guid, pubDate, description per item)
  feeds-nolink/<n>.xml            the same without <link>, for a feeds-only run (no page fetched)
  <outlet>/<n>/<k>.html           the item pages
  urls.txt                        the feed URLs, one a line (newsboat's urls file)
  feeds.toml                      the same feeds as a newsd feed list
  feeds-nolink.toml               the link-less feeds as a newsd feed list
  pages.txt                       how many pages, and their total bytes

Usage: e2e_site.py CORPUS_DIR SITE_DIR [--port 8719] [--feeds 200] [--items 25] [--hosts 20]
CORPUS_DIR holds truth.jsonl (with "page" paths) or just pages/*.html[.gz].
"""
import argparse
import gzip
import html
import json
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)
HEAD = re.compile(rb"<head[^>]*>", re.I)
# A page's own address, as it declares it: rewritten to the item's URL, as a real site's would.
SELF_URL = re.compile(rb"<link[^>]*rel\s*=\s*[\"']?canonical[^>]*>|<meta[^>]*og:url[^>]*>", re.I)
SELF_URL_VALUE = re.compile(rb"""((?:href|content)\s*=\s*)(["'])[^"']*\2""", re.I)
CHARSET = re.compile(rb'charset\s*=\s*["\']?([A-Za-z0-9_\-]+)', re.I)


def corpus_pages(corpus):
    """(id, bytes, title, text) for each page, in a stable order."""
    manifest = os.path.join(corpus, "truth.jsonl")
    entries = []
    if os.path.exists(manifest):
        for line in open(manifest, encoding="utf-8"):
            if line.strip():
                e = json.loads(line)
                entries.append((e["id"], os.path.join(corpus, e["page"]), e.get("title"), e.get("text")))
    else:
        folder = os.path.join(corpus, "pages")
        for name in sorted(os.listdir(folder)):
            if name.endswith((".html", ".html.gz")):
                entries.append((name.split(".")[0], os.path.join(folder, name), None, None))
    for pid, path, title, text in entries:
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        yield pid, raw, title, text


def decode(raw):
    m = CHARSET.search(raw[:4096])
    enc = m.group(1).decode("ascii", "replace") if m else "utf-8"
    try:
        return raw.decode(enc, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


def page_title(pid, raw, title):
    if title:
        return title
    m = TITLE.search(raw)
    if m:
        text = re.sub(r"\s+", " ", html.unescape(decode(m.group(1)))).strip()
        if text:
            return text[:200]
    return pid


def with_marker(raw, url):
    """The page at `url`: its canonical / og:url pointing at `url`, and the marker."""
    own = url.encode()
    raw = SELF_URL.sub(lambda m: SELF_URL_VALUE.sub(lambda v: v.group(1) + v.group(2) + own + v.group(2),
                                                   m.group(0)), raw)
    marker = b"<!-- e2e-url: " + own + b" -->"
    m = HEAD.search(raw)
    at = m.end() if m else 0
    return raw[:at] + marker + raw[at:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("site")
    ap.add_argument("--port", type=int, default=8719)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=25)
    ap.add_argument("--hosts", type=int, default=20)
    args = ap.parse_args()

    pages = list(corpus_pages(args.corpus))
    if os.path.exists(args.site):
        shutil.rmtree(args.site)
    os.makedirs(os.path.join(args.site, "feeds"))
    os.makedirs(os.path.join(args.site, "feeds-nolink"))
    # Newest item an hour ago, one item a minute before it: the whole site is inside the
    # deduplication window (72 h) at any run the same day.
    newest = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    total_bytes = 0
    feed_urls = []
    toml = ["# The end-to-end benchmark's feeds (bench/e2e_site.py).\n"]
    toml_nolink = ["# The end-to-end benchmark's feeds without links (bench/e2e_site.py).\n"]
    for f in range(args.feeds):
        host_no = f % args.hosts
        host = "127.0.0.%d:%d" % (2 + host_no, args.port)
        outlet = "outlet%02d" % host_no
        feed_url = "http://%s/feeds/%d.xml" % (host, f)
        feed_urls.append(feed_url)
        toml.append('[[feed]]\nurl = "%s"\nname = "Outlet %02d"\n\n' % (feed_url, host_no))
        toml_nolink.append('[[feed]]\nurl = "%s"\nname = "Outlet %02d"\n\n'
                           % (feed_url.replace("/feeds/", "/feeds-nolink/"), host_no))
        items = []
        for k in range(args.items):
            n = f * args.items + k
            pid, raw, title, text = pages[n % len(pages)]
            rel = "%s/%d/%d.html" % (outlet, f, k)
            url = "http://%s/%s" % (host, rel)
            body = with_marker(raw, url)
            path = os.path.join(args.site, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(body)
            total_bytes += len(body)
            summary = re.sub(r"\s+", " ", text or "").strip()[:300] or page_title(pid, raw, title)
            date = format_datetime(newest - timedelta(minutes=n), usegmt=True)
            items.append(
                "<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid>"
                "<pubDate>%s</pubDate><description>%s</description></item>"
                % (html.escape(page_title(pid, raw, title)), html.escape(url),
                   "e2e-%d-%d" % (f, k), date, html.escape(summary)))
        feed = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            "<title>Outlet %02d feed %d</title><link>http://%s/</link>"
            "<description>end-to-end benchmark feed</description>\n%s\n</channel></rss>\n"
            % (host_no, f, host, "\n".join(items)))
        with open(os.path.join(args.site, "feeds", "%d.xml" % f), "w", encoding="utf-8") as out:
            out.write(feed)
        with open(os.path.join(args.site, "feeds-nolink", "%d.xml" % f), "w", encoding="utf-8") as out:
            out.write(re.sub(r"<link>[^<]*</link>(?=<guid)", "", feed))
    with open(os.path.join(args.site, "urls.txt"), "w") as out:
        out.write("\n".join(feed_urls) + "\n")
    with open(os.path.join(args.site, "feeds.toml"), "w") as out:
        out.write("".join(toml))
    with open(os.path.join(args.site, "feeds-nolink.toml"), "w") as out:
        out.write("".join(toml_nolink))
    with open(os.path.join(args.site, "pages.txt"), "w") as out:
        out.write("%d %d\n" % (args.feeds * args.items, total_bytes))
    print("site: %d feeds, %d pages (%d distinct), %.0f MB, hosts 127.0.0.2-127.0.0.%d:%d"
          % (args.feeds, args.feeds * args.items, len(pages), total_bytes / 1e6,
             1 + args.hosts, args.port))


if __name__ == "__main__":
    main()
