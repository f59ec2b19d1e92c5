#!/usr/bin/env python3
"""Generates an article stream for the story-clustering benchmark (bench/cluster.sh).

Articles are recombined from the corpora's text: each synthetic story takes one real article
(60%: SemEval pairs, six languages, full text) or Google News item (40%) as its source, and each of its
articles is a title variant plus 3-6 sentences drawn from the story's share of that source and one
from another article of the language. Sources are few (about 6,300) and a large window holds
hundreds of thousands of stories, so a source serves many stories; to keep those stories apart
as real different stories are, each story rewrites its source its own way: it keeps a stretch of
at most 12 of the source's sentences, replaces 85% of its words (each word consistently within
the story, function words too) with words drawn from the language's vocabulary, and spells
30% of the long words its own way (a suffix of its own, as real stories differ in names). Two
stories of one language then share about 2% of their words (both kept the source's word),
whether or not they come from one source. Each story also gets two invented names (new every time, as real
news brings new names) in its title and text. Story sizes are 1 + geometric (mean about 2.5),
one in ten later articles is a republished copy of the story's first (header and footer added),
and published times spread at a constant rate chosen so that the 72 h window holds --window
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
# Runs of letters (words) and everything between them.
TOKEN = re.compile(r"([^\W\d_]+)")
# A story's share of its source: at most this many consecutive sentences.
STRETCH = 12
# Share of a story's words replaced by words of the language's vocabulary.
REPLACE = 0.85
# Share of a story's long words (7 letters or more) spelled its own way.
RESPELL = 0.3


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


class Rewrite:
    """A story's own version of its source's words: each word is replaced, with probability
    REPLACE, by a word of the language's vocabulary, and a long word
    takes the story's suffix with probability RESPELL; the same word is rewritten the same way
    throughout the story, so that its articles share their words as a real story's do."""

    def __init__(self, vocabulary, rng):
        self.vocabulary, self.rng, self.words = vocabulary, rng, {}
        self.tag = name(rng).lower()

    def word(self, w):
        lower = w.lower()
        out = self.words.get(lower)
        if out is None:
            out = lower
            if self.rng.random() < REPLACE:
                out = self.rng.choice(self.vocabulary)
            if len(out) >= 7 and self.rng.random() < RESPELL:
                out += self.tag
            self.words[lower] = out
        return out.capitalize() if w[:1].isupper() else out

    def __call__(self, sentence):
        parts = TOKEN.split(sentence)
        parts[1::2] = [self.word(w) for w in parts[1::2]]
        return "".join(parts)


def name(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))).capitalize()


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
    by_lang, words = {}, {}
    for d in docs + news:
        by_lang.setdefault(d[0], []).append(d)
        for sentence in d[2]:
            words.setdefault(d[0], set()).update(
                w.lower() for w in TOKEN.findall(sentence)
            )
    vocabulary = {lang: sorted(ws) for lang, ws in words.items()}
    seconds_per_article = WINDOW_HOURS * 3600 / args.window
    duration = total * seconds_per_article

    # (time, story, index in story) for every article, then sorted into the stream. Articles
    # after `duration` (the late articles of the last stories, up to days late) are left out:
    # the stream's end would otherwise thin out, and the window with it.
    events = []
    story = 0
    inside = 0
    while inside < total:
        size = 1
        while rng.random() < 0.6 and size < 40:
            size += 1
        start = rng.random() * duration
        for k in range(size):
            t = start + (0 if k == 0 else rng.expovariate(1 / (6 * 3600)))
            if t < duration:
                events.append((t, story, k))
                inside += 1
        story += 1
    events.sort()
    events = events[:total]

    base = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    stories = {}
    remaining = {}
    for _, s, _ in events:
        remaining[s] = remaining.get(s, 0) + 1
    out = sys.stdout
    for n, (t, s, k) in enumerate(events):
        if s not in stories:
            lang, title, sents = rng.choice(docs if rng.random() < 0.6 else news)
            rewrite = Rewrite(vocabulary[lang], rng)
            begin = rng.randrange(max(1, len(sents) - STRETCH + 1))
            sents = sents[begin : begin + STRETCH]
            stories[s] = [lang, rewrite(title), sents, rewrite, name(rng), name(rng), None, {}]
        lang, title, sents, rewrite, n1, n2, first, done = stories[s]
        if first is not None and rng.random() < 0.1:
            copy_title, copy_text = first
            text = f"Republished from our partners. {copy_text} Share this article. Subscribe to our newsletter."
            title = copy_title
        else:
            words = title.split()
            for _ in range(min(2, len(words) // 4)):
                words.pop(rng.randrange(len(words)))
            title = f"{n1} {' '.join(words)}"
            picked = rng.sample(range(len(sents)), min(len(sents), rng.randint(3, 6)))
            for i in picked:
                if i not in done:
                    done[i] = rewrite(sents[i])
            picked = [done[i] for i in picked]
            picked.append(rewrite(rng.choice(rng.choice(by_lang[lang])[2])))
            picked.insert(rng.randrange(len(picked)), f"{n1} {n2} said so on the day.")
            text = " ".join(picked)
            if first is None:
                stories[s][6] = (title, text)
        remaining[s] -= 1
        if remaining[s] == 0:
            del stories[s]
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
