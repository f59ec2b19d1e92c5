#!/usr/bin/env python3
"""How newsd's story clustering might fare on clusters it was not tuned on: random halves of the
Google News dev clusters, each streamed in corpus order through `newsd inspect cluster` and
through the corpus README's baseline (online single-pass TF-IDF centroid clustering, threshold
0.10, which gives the README's dev F1 .896 / BCubed .917 on the whole dev half), scored with
`score_clusters.py`. The baseline's held-out F1 (.843) plus newsd's mean margin over it on the
halves is an estimate of newsd's held-out F1 that uses no held-out data.

Clusters that share an identical item are kept together, as the corpus split does.

Usage: cluster_subsets.py [--bin target/release/newsd] [--draws 20]
       (run from the repository root; reads ../shared/corpus/clusters)
"""

import argparse
import collections
import gzip
import json
import math
import os
import random
import re
import statistics
import subprocess
import tempfile

SHARED = os.path.join("..", "shared")
CORPUS = os.path.join(SHARED, "corpus", "clusters", "googlenews_dev.jsonl.gz")
SCORER = os.path.join(SHARED, "tools", "score_clusters.py")
WORD = re.compile(r"\w{2,}")


def baseline(items, threshold=0.10):
    """Online single-pass TF-IDF centroid clustering: {id: cluster}."""
    df, docs = collections.defaultdict(int), 0
    centroids, postings, out = [], collections.defaultdict(set), {}
    for item in items:
        words = WORD.findall(f"{item.get('title') or ''} {item.get('text') or ''}".lower())
        tf = collections.Counter(words)
        docs += 1
        for w in tf:
            df[w] += 1
        vec = {w: (1 + math.log(c)) * (math.log((1 + docs) / (1 + df[w])) + 1) for w, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        vec = {w: x / norm for w, x in vec.items()}
        best, best_sim = None, -1.0
        for s in set().union(*(postings[w] for w in vec)) if vec else ():
            c = centroids[s]
            c_norm = math.sqrt(sum(x * x for x in c.values())) or 1.0
            sim = sum(x * c.get(w, 0.0) for w, x in vec.items()) / c_norm
            if sim > best_sim:
                best, best_sim = s, sim
        if best is None or best_sim < threshold:
            best = len(centroids)
            centroids.append({})
        for w, x in vec.items():
            centroids[best][w] = centroids[best].get(w, 0.0) + x
            postings[w].add(best)
        out[item["id"]] = best
    return out


def units(items):
    """Gold cluster -> its unit: clusters sharing an identical title+text are one unit."""
    parent = {}

    def find(c):
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    by_text = collections.defaultdict(set)
    for item in items:
        find(item["cluster"])
        by_text[(item["title"], item["text"])].add(item["cluster"])
    for clusters in by_text.values():
        first, *rest = sorted(clusters)
        for c in rest:
            parent[find(c)] = find(first)
    return {c: find(c) for c in parent}


def f1(truth_path, pred):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for item_id, cluster in pred.items():
            f.write(json.dumps({"id": item_id, "cluster": cluster}) + "\n")
    try:
        last = subprocess.run(
            ["python3", SCORER, "--truth", truth_path, "--pred", f.name],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
    finally:
        os.unlink(f.name)
    return float(last.split()[1].split("=")[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/newsd")
    ap.add_argument("--draws", type=int, default=20)
    args = ap.parse_args()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        items = [json.loads(line) for line in f]
    unit_of = units(items)
    all_units = sorted(set(unit_of.values()))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for draw in range(args.draws):
            keep = set(random.Random(draw).sample(all_units, len(all_units) // 2))
            subset = [i for i in items if unit_of[i["cluster"]] in keep]
            path = os.path.join(tmp, f"half{draw}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(i) + "\n" for i in subset)
            run = subprocess.run([args.bin, "inspect", "cluster", path],
                                 capture_output=True, text=True, check=True)
            ours = {p["id"]: p["cluster"] for p in map(json.loads, run.stdout.splitlines())}
            row = (f1(path, ours), f1(path, baseline(subset)))
            rows.append(row)
            print(f"half {draw:2}: {len(subset):5} items  newsd {row[0]:.3f}  "
                  f"baseline {row[1]:.3f}  margin {row[0] - row[1]:+.3f}", flush=True)
    ours, base = [r[0] for r in rows], [r[1] for r in rows]
    margin = [a - b for a, b in rows]
    print(f"newsd mean {statistics.mean(ours):.3f} (min {min(ours):.3f}); "
          f"baseline mean {statistics.mean(base):.3f} (min {min(base):.3f}); "
          f"margin mean {statistics.mean(margin):+.3f} ({min(margin):+.3f} to {max(margin):+.3f})")
    print(f"estimated held-out F1: baseline's .843 {statistics.mean(margin):+.3f} = "
          f"{0.843 + statistics.mean(margin):.3f}")


if __name__ == "__main__":
    main()
