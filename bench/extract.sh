#!/usr/bin/env bash
# Article-extraction speed, one thread, over the dev corpus: newsd (`inspect pages`, median of
# three runs) beside its peers on the same pages in the same run: trafilatura (pip-installed
# into a venv here), dom_smoothie and rs-trafilatura (bench/peers, a crate of their own) and
# Readability.js (npm-installed with jsdom into target/bench-node). Pages are gunzipped first
# so that no one pays for decompression; all are pinned to one CPU. Prints pages/s, then each
# one's quality scores and a summary of titles and bylines over all pages that have them.
# Usage: bench/extract.sh [CORPUS_DIR]   (default ../shared/corpus/extraction)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${1:-../shared/corpus/extraction}")
scorer=$(realpath ../shared/tools/score_extraction.py)
venv=target/bench-venv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

# The manifest again, pointing at gunzipped copies.
mkdir -p "$work/pages"
python3 - "$corpus/truth.jsonl" "$work" <<'PY'
import gzip, json, os, sys
manifest, work = sys.argv[1], sys.argv[2]
base = os.path.dirname(manifest)
total = 0
with open(os.path.join(work, "manifest.jsonl"), "w") as out:
    for line in open(manifest):
        entry = json.loads(line)
        src = os.path.join(base, entry["page"])
        raw = gzip.open(src).read() if src.endswith(".gz") else open(src, "rb").read()
        name = "pages/%s.html" % entry["id"]
        open(os.path.join(work, name), "wb").write(raw)
        total += len(raw)
        out.write(json.dumps({"id": entry["id"], "url": entry.get("url"), "page": name}) + "\n")
open(os.path.join(work, "bytes"), "w").write(str(total))
PY
pages=$(wc -l < "$work/manifest.jsonl")
bytes=$(cat "$work/bytes")

times=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  $pin target/release/newsd inspect pages "$work/manifest.jsonl" > "$work/newsd.jsonl"
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc -l)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
printf 'newsd       pages=%d seconds=%.2f pages_per_s=%.1f mb_per_s=%.2f\n' \
  "$pages" "$median" "$(echo "$pages / $median" | bc -l)" "$(echo "$bytes / 1000000 / $median" | bc -l)"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import trafilatura' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'trafilatura==2.3.1' lxml_html_clean
fi
$pin "$venv/bin/python" bench/extract_trafilatura.py "$corpus/truth.jsonl" > "$work/trafilatura.jsonl" 2> "$work/trafilatura.err"
grep '^trafilatura' "$work/trafilatura.err"

CARGO_TARGET_DIR=target/peers cargo build --release --quiet --manifest-path bench/peers/Cargo.toml
for peer in dom_smoothie rs_trafilatura; do
  $pin target/peers/release/extract-peers "$peer" "$work/manifest.jsonl" > "$work/$peer.jsonl"
done
node_dir=target/bench-node
if [ ! -d "$node_dir/node_modules/@mozilla/readability" ] || [ ! -d "$node_dir/node_modules/jsdom" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --silent @mozilla/readability@0.6.0 jsdom@26)
fi
NODE_PATH="$node_dir/node_modules" $pin node bench/peers/readability.mjs "$work/manifest.jsonl" \
  > "$work/readability.jsonl"

summary=()
for who in newsd trafilatura dom_smoothie rs_trafilatura readability; do
  echo "== $who quality"
  python3 "$scorer" --truth "$corpus/truth.jsonl" --pred "$work/$who.jsonl" --per-page "$work/$who.tsv"
  summary+=("$who" "$work/$who.tsv")
done
echo "== titles and bylines over every page whose truth has one (exact match)"
python3 - "${summary[@]}" <<'PY'
import csv, sys
args = sys.argv[1:]
for who, path in zip(args[::2], args[1::2]):
    counts = {"title_ok": [0, 0], "byline_ok": [0, 0], "published_ok": [0, 0]}
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for key, c in counts.items():
                if row.get(key) not in (None, ""):
                    c[0] += int(row[key])
                    c[1] += 1
    print("%-15s" % who, "  ".join("%s=%.3f (%d/%d)" % (k[:-3], c[0] / max(c[1], 1), c[0], c[1])
                                    for k, c in counts.items()))
PY
