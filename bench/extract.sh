#!/usr/bin/env bash
# Article-extraction speed, one thread, over the dev corpus: newsd (`inspect pages`, median of
# three runs) beside trafilatura (pip-installed into a venv here) on the same pages in the same
# run. Pages are gunzipped first so that neither side pays for decompression; both are pinned
# to one CPU. Prints pages/s and MB/s of raw HTML, then both quality scores.
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

for who in newsd trafilatura; do
  echo "== $who quality"
  python3 "$scorer" --truth "$corpus/truth.jsonl" --pred "$work/$who.jsonl"
done
