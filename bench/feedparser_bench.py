"""Feed-parse throughput of Python feedparser on one thread: every file of a directory read into
memory, parsed with feedparser.parse(bytes) round after round; prints the median round.
Usage: python3 feedparser_bench.py DIR [--xml-only]"""
import os
import sys
import time

import feedparser

args = [a for a in sys.argv[1:] if not a.startswith("--")]
xml_only = "--xml-only" in sys.argv
directory = args[0]
files = []
for name in sorted(os.listdir(directory)):
    if xml_only and name.endswith(".json"):
        continue
    with open(os.path.join(directory, name), "rb") as fh:
        files.append(fh.read())
total = sum(len(b) for b in files)


def one_round():
    start = time.perf_counter()
    for body in files:
        feedparser.parse(body)
    return time.perf_counter() - start


one_round()
rounds = []
started = time.perf_counter()
while len(rounds) < 3 or time.perf_counter() - started < 10:
    rounds.append(one_round())
rounds.sort()
median = rounds[len(rounds) // 2]
print(
    f"feedparser {feedparser.__version__}: {len(files)} files, {total / 1e6:.2f} MB, {len(rounds)} rounds, "
    f"median {median * 1e3:.1f} ms/round: {len(files) / median:.0f} files/s, {total / 1e6 / median:.1f} MB/s"
)
