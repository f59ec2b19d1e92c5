#!/usr/bin/env python3
"""Generates an article stream for the story-clustering benchmark (bench/cluster.sh).

Articles are recombined from the corpora's text: each synthetic story takes one real article
(60%: SemEval pairs, six languages, full text) or Google News item (40%) as its source, and each of its
articles is a title variant plus 3-6 sentences drawn from that source and one from another
article of the language. Each story also gets two invented names (new every time, as real news
brings new names) in its title and text. Story sizes are 1 + geometric (mean about 2.5), one in
ten later articles is a republished copy of the story's first (header and footer added), and
published times spread at a constant rate chosen so that the 72 h window holds --window
articles. The stream has --window articles to fill the window, then --measure more.

Usage: cluster_gen.py --window N [--measure M] [--seed S] > stream.jsonl
Writes JSON lines {"id","source","url","published","lang","title","text","cluster"} in stream
order; "cluster" is the synthetic story, the truth `score_clusters.py` scores decisions against.
"""

import argparse
import datetime as dt
import gzip
import json
import random
import re
import sys

SHARED = "../shared/corpus"
WINDOW_HOURS = 72
SYLLABLES = "ka ro mi ta ne vo li sa du pe ra zo ki ma te lu bo ni ga fe".split()


def sources():
    """(lang, title, sentences) per source document: SemEval articles, Google News items."""
    docs, news = [], []
    with open(f"{SHARED}/pairs/articles.jsonl", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            sents = re.split(r"(?<=[.!?])\s+", a["text"] or "")
            sents = [s for s in sents if 6 <= len(s.split()) <= 45]
            if len(sents) >= 3:
                docs.append((a["lang"], a["title"] or sents[0], sents))
    with gzip.open(f"{SHARED}/clusters/googlenews_dev.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a["title"] and a["text"]:
                news.append(("en", a["title"], [a["text"] + "."]))
    return docs, news


def mutate(sentence, tag, rng):
    """A story's own spelling: some long words take the story's tag, so that stories drawn from
    one source text still differ in their rare terms, as real stories do in their names."""
    return " ".join(w + tag if len(w) >= 7 and rng.random() < 0.3 else w for w in sentence.split())


def name(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--window", type=int, required=True, help="articles the 72 h window holds")
    ap.add_argument(
        "--measure", type=int, default=None, help="articles after the fill (default: window, at most 100k)"
    )
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    measure = args.measure if args.measure is not None else min(args.window, 100_000)
    total = args.window + measure
    rng = random.Random(args.seed)
    docs, news = sources()
    by_lang = {}
    for d in docs + news:
        by_lang.setdefault(d[0], []).append(d)
    seconds_per_article = WINDOW_HOURS * 3600 / args.window
    duration = total * seconds_per_article

    # (time, story, index in story) for every article, then sorted into the stream.
    events = []
    story = 0
    while len(events) < total:
        size = 1
        while rng.random() < 0.6 and size < 40:
            size += 1
        start = rng.random() * duration
        for k in range(size):
            events.append((start + (0 if k == 0 else rng.expovariate(1 / (6 * 3600))), story, k))
        story += 1
    events.sort()
    events = events[:total]

    base = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    stories = {}
    out = sys.stdout
    for n, (t, s, k) in enumerate(events):
        if s not in stories:
            lang, title, sents = rng.choice(docs if rng.random() < 0.6 else news)
            tag = name(rng).lower()
            sents = [mutate(x, tag, rng) for x in sents]
            stories[s] = (lang, mutate(title, tag, rng), sents, name(rng), name(rng), None)
        lang, title, sents, n1, n2, first = stories[s]
        if first is not None and rng.random() < 0.1:
            copy_title, copy_text = first
            text = f"Republished from our partners. {copy_text} Share this article. Subscribe to our newsletter."
            title = copy_title
        else:
            words = title.split()
            for _ in range(min(2, len(words) // 4)):
                words.pop(rng.randrange(len(words)))
            title = f"{n1} {' '.join(words)}"
            picked = rng.sample(sents, min(len(sents), rng.randint(3, 6)))
            picked.append(rng.choice(rng.choice(by_lang[lang])[2]))
            picked.insert(rng.randrange(len(picked)), f"{n1} {n2} said so on the day.")
            text = " ".join(picked)
            if first is None:
                stories[s] = (lang, stories[s][1], sents, n1, n2, (title, text))
        published = base + dt.timedelta(seconds=t)
        record = {
            "id": f"g{n}",
            "source": f"site{rng.randrange(500)}.example",
            "url": None,
            "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": lang,
            "title": title,
            "text": text,
            "cluster": s,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
