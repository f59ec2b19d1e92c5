#!/usr/bin/env python3
"""The Python peer of the story-clustering benchmark: online single-pass TF-IDF centroid
clustering (the issue's baseline), stdlib only, over the same stream as benches/cluster.rs.

Words are lower-cased \\w+ runs; document frequencies are counted as articles arrive; an
article joins the candidate story (any story sharing one of its 16 highest-weighted terms,
through an inverted index) with the highest cosine at or above 0.11, else starts one; stories
whose newest article is older than 72 h leave the index. No copy detection. Only the
clustering is timed, as in the Rust bench; the first --window articles fill the window.

Usage: cluster_baseline.py STREAM.jsonl --window N
"""

import argparse
import datetime as dt
import json
import math
import re
import time
from collections import defaultdict

WORD = re.compile(r"\w{2,}")
THRESHOLD, PROBES, WINDOW = 0.11, 16, dt.timedelta(hours=72)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stream")
    ap.add_argument("--window", type=int, required=True)
    args = ap.parse_args()
    df, docs = defaultdict(int), 0
    stories = {}  # id -> [centroid dict, norm_sq, last_seen], oldest update first
    postings = defaultdict(set)
    next_id, fill_time, measure_time, measured = 1, 0.0, 0.0, 0
    with open(args.stream, encoding="utf-8") as f:
        for n, line in enumerate(f):
            a = json.loads(line)
            now = dt.datetime.fromisoformat(a["published"].replace("Z", "+00:00"))
            start = time.perf_counter()
            # `stories` is ordered by last update (a joined story moves to the end).
            while stories and now - stories[oldest := next(iter(stories))][2] > WINDOW:
                for term in stories.pop(oldest)[0]:
                    postings[term].discard(oldest)
            tf = defaultdict(float)
            for w in WORD.findall((a["title"] or "").lower()):
                tf[w] += 2.0
            for w in WORD.findall((a["text"] or "").lower()):
                tf[w] += 1.0
            docs += 1
            for w in tf:
                df[w] += 1
            vec = {w: (1 + math.log(c)) * math.log((1 + docs) / (1 + df[w])) for w, c in tf.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            vec = {w: v / norm for w, v in vec.items()}
            probes = sorted(vec, key=vec.get, reverse=True)[:PROBES]
            best, best_score = None, 0.0
            for sid in set().union(*(postings.get(w, ()) for w in probes)):
                centroid, norm_sq, _ = stories[sid]
                if norm_sq <= 0:
                    continue
                score = sum(v * centroid.get(w, 0.0) for w, v in vec.items()) / math.sqrt(norm_sq)
                if score > best_score:
                    best, best_score = sid, score
            if best is None or best_score < THRESHOLD:
                best, next_id = next_id, next_id + 1
                stories[best] = [{}, 0.0, now]
            story = stories[best] = stories.pop(best)
            for w, v in vec.items():
                c = story[0].get(w, 0.0)
                story[1] += 2 * c * v + v * v
                story[0][w] = c + v
                postings[w].add(best)
            story[2] = max(story[2], now)
            elapsed = time.perf_counter() - start
            if n < args.window:
                fill_time += elapsed
            else:
                measure_time += elapsed
                measured += 1
    print(f"python fill: {args.window} articles, {args.window / max(fill_time, 1e-9):.0f} articles/s")
    print(f"python window {args.window}: {len(stories)} live stories, {len(df)} terms (never dropped)")
    print(f"python measured: {measured} articles, {measured / max(measure_time, 1e-9):.0f} articles/s")


if __name__ == "__main__":
    main()
