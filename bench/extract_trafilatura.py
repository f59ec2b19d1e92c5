#!/usr/bin/env python3
"""trafilatura on the pages of an extraction manifest, one thread: prints one JSON line per page
(the shape score_extraction.py reads) and, on stderr, pages/s and MB/s of the extraction loop.
Pages are read and decoded (BOM, <meta charset>, else UTF-8, else windows-1252) before the clock
starts, the way the issue's anchors were measured ("input pre-decoded to str")."""
import gzip
import json
import os
import re
import sys
import time

import trafilatura

CHARSET = re.compile(rb'charset\s*=\s*["\']?([A-Za-z0-9_\-]+)', re.I)


def decode(raw):
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    m = CHARSET.search(raw[:4096])
    if m:
        try:
            return raw.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("windows-1252", "replace")


def main():
    manifest = sys.argv[1]
    base = os.path.dirname(manifest)
    pages = []
    for line in open(manifest, encoding="utf-8"):
        if not line.strip():
            continue
        entry = json.loads(line)
        path = os.path.join(base, entry["page"])
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        pages.append((entry["id"], entry.get("url"), decode(raw), len(raw)))
    out = []
    started = time.perf_counter()
    for pid, url, html, _ in pages:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, as_dict=True)
        doc = doc or {}
        out.append({"id": pid, "text": doc.get("text") or "", "title": doc.get("title"),
                    "byline": doc.get("author"), "published": doc.get("date")})
    elapsed = time.perf_counter() - started
    for record in out:
        print(json.dumps(record, ensure_ascii=False))
    mb = sum(p[3] for p in pages) / 1e6
    print("trafilatura pages=%d seconds=%.2f pages_per_s=%.1f mb_per_s=%.2f"
          % (len(pages), elapsed, len(pages) / elapsed, mb / elapsed), file=sys.stderr)


if __name__ == "__main__":
    main()
