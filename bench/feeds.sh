#!/usr/bin/env bash
# Feed-parse throughput, one thread: newsd's parser (cargo bench --bench feeds) beside Python
# feedparser (the peer) on the same files in the same run, then the ratio. Both parse from
# memory; feedparser cannot read JSON Feed, so the ratio is taken over the XML files.
# Usage: bench/feeds.sh [DIR]   (default ../shared/corpus/feeds/feeds)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-../shared/corpus/feeds/feeds}"

venv=target/bench-venv
if ! "$venv/bin/python3" -c "import feedparser" 2>/dev/null; then
    echo "== installing feedparser into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet feedparser
fi

echo "== newsd (all files)"
cargo bench --quiet --bench feeds -- "$dir"
echo "== newsd (XML files)"
ours="$(cargo bench --quiet --bench feeds -- "$dir" --xml-only)"
echo "$ours"
echo "== feedparser (XML files)"
peer="$("$venv/bin/python3" bench/feedparser_bench.py "$dir" --xml-only)"
echo "$peer"

rate() { sed -n 's/.*: \([0-9.]*\) files\/s.*/\1/p'; }
python3 -c "print(f'ratio (files/s, XML files): {float(\"$(echo "$ours" | rate)\") / float(\"$(echo "$peer" | rate)\"):.0f}x feedparser')"
