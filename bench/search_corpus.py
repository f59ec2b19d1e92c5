#!/usr/bin/env python3
"""Generates the search benchmark's articles and queries from the shared corpora.

Articles (JSON lines: id, title, text, source, lang, published, story) are recombined from the
full texts of ../shared/corpus/pairs/articles.jsonl and ../shared/corpus/extraction/truth.jsonl:
each takes a real article's title and paragraphs, plus one or two paragraphs of another article
in the same language, so no two texts are the same and lengths stay realistic. Outlets are the
corpora's real hosts; dates are spread over 90 days; about three articles share a story.

Queries (JSON lines: kind, q and the API parameters) mix terms, phrases, boolean queries,
filtered, faceted and story-collapsed searches, drawn from the articles' own words.

    search_corpus.py SHARED_DIR N ARTICLES_OUT QUERIES_OUT
"""

import json
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone


def sources(shared):
    """(title, paragraphs, lang, host) of every article with text."""
    out = []
    for line in open(f"{shared}/corpus/pairs/articles.jsonl", encoding="utf-8"):
        a = json.loads(line)
        paragraphs = [p for p in (a.get("text") or "").split("\n\n") if len(p) > 40]
        if paragraphs and a.get("lang"):
            out.append((a.get("title") or paragraphs[0][:80], paragraphs, a["lang"], a["source"]))
    for line in open(f"{shared}/corpus/extraction/truth.jsonl", encoding="utf-8"):
        a = json.loads(line)
        paragraphs = [p for p in (a.get("text") or "").split("\n\n") if len(p) > 40]
        host = re.sub(r"^https?://(www\.)?([^/]+).*", r"\2", a.get("url") or "")
        if paragraphs and a.get("lang") and host:
            out.append((a.get("title") or paragraphs[0][:80], paragraphs, a["lang"], host))
    return out


def main():
    shared, n, articles_path, queries_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(42)
    pool = sources(shared)
    by_lang = defaultdict(list)
    for entry in pool:
        by_lang[entry[2]].append(entry)
    end = datetime(2026, 11, 1, tzinfo=timezone.utc)
    words = Counter()
    phrases = []
    outlets = sorted({e[3] for e in pool})
    with open(articles_path, "w", encoding="utf-8") as out:
        story = 0
        for i in range(1, n + 1):
            title, paragraphs, lang, host = pool[rng.randrange(len(pool))]
            other = rng.choice(by_lang[lang])[1]
            extra = rng.sample(other, min(len(other), rng.randint(1, 2)))
            text = "\n\n".join(paragraphs + extra)
            if i % 3 == 1:
                story += 1
            published = end - timedelta(seconds=rng.randrange(90 * 86400))
            out.write(json.dumps({
                "id": i,
                "title": title,
                "text": text,
                "source": host,
                "lang": lang,
                "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "story": story,
            }, ensure_ascii=False) + "\n")
            if i <= 5000:
                tokens = re.findall(r"[^\W\d_]{4,}", text.lower())
                words.update(tokens)
                if len(tokens) > 10 and rng.random() < 0.2:
                    at = rng.randrange(len(tokens) - 2)
                    phrases.append(" ".join(tokens[at:at + 2]))
    # Words neither rare nor everywhere: ranks 200..3000 of the sample.
    common = [w for w, _ in words.most_common(3000)[200:]]
    langs = sorted(by_lang)
    queries = []
    for k in range(400):
        kind = ["term", "phrase", "boolean", "filtered", "faceted", "collapsed"][k % 6]
        a, b, c = rng.sample(common, 3)
        params = {"collapse": "none"}
        if kind == "term":
            q = a
        elif kind == "phrase":
            q = f"\"{rng.choice(phrases)}\""
        elif kind == "boolean":
            q = rng.choice([f"{a} OR {b}", f"{a} {b}", f"({a} OR {b}) -{c}"])
        elif kind == "filtered":
            q = rng.choice([a, f"{a} OR {b}"])
            narrow = rng.choice(["lang", "source", "since"])
            if narrow == "lang":
                params["lang"] = rng.choice(langs)
            elif narrow == "source":
                params["source"] = rng.choice(outlets)
            else:
                params["since"] = (end - timedelta(days=rng.randint(7, 60))).strftime("%Y-%m-%d")
        elif kind == "faceted":
            q = rng.choice([a, f"{a} OR {b}"])
            params["facets"] = "true"
        else:
            q = rng.choice([a, f"{a} OR {b}"])
            params["collapse"] = "story"
        queries.append({"kind": kind, "q": q, "params": params})
    with open(queries_path, "w", encoding="utf-8") as out:
        for query in queries:
            out.write(json.dumps(query, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
