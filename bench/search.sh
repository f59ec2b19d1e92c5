#!/usr/bin/env bash
# The search benchmark (issue 6): N articles (default 100,000) generated from the shared
# corpora, indexed by newsd (`newsd reindex`, timed) and loaded into PostgreSQL full-text search
# (tsvector, title weight A, body B, GIN index, websearch_to_tsquery, ts_rank, ts_headline),
# then the same mixed query set against both at 8 concurrent clients: newsd over HTTP, with
# snippets, facets and story collapsing where the query asks; PostgreSQL as an application on
# it would query it. PostgreSQL is installed (apt) and started on 127.0.0.1 when absent, and
# stopped after.
#
#   bench/search.sh [N] [SHARED_DIR]
#
# Server CPU per query by kind (steadier than latency on a shared machine): start `newsd run`
# on target/bench-search, then bench/search_cpu.py PID http://127.0.0.1:18080 \
#   target/bench-search/queries.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SHARED="${2:-../shared}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CLIENTS="${CLIENTS:-8}"
WORK="target/bench-search"
mkdir -p "$WORK"

echo "== building"
cargo build --release --quiet --bin newsd
cargo bench --no-run --quiet --bench search_load
LOAD="$(ls -t target/release/deps/search_load-* | grep -v '\.d$' | head -n 1)"
NEWSD="$PWD/target/release/newsd"

echo "== generating $N articles and the query set"
if [ ! -s "$WORK/articles-$N.jsonl" ]; then
    python3 bench/search_corpus.py "$SHARED" "$N" "$WORK/articles-$N.jsonl" "$WORK/queries.jsonl"
fi
awk '{ n += length($0) } END { printf "%.0f MB of JSON\n", n / 1e6 }' "$WORK/articles-$N.jsonl"

echo "== newsd: load SQLite, then index (newsd reindex)"
DATA="$WORK/newsd-data"
rm -rf "$DATA" "$WORK/newsd.toml" "$WORK/feeds.toml"
printf '' >"$WORK/feeds.toml"
cat >"$WORK/newsd.toml" <<EOF
# Search benchmark: no feeds, the articles are loaded directly.
feeds_file = "feeds.toml"
data_dir = "$PWD/$DATA"
listen = "127.0.0.1:18080"
[index]
commit_docs = 10000
EOF
"$NEWSD" --config "$WORK/newsd.toml" fetch-once >/dev/null
python3 bench/search_load_sqlite.py "$DATA/newsd.sqlite" "$WORK/articles-$N.jsonl"
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$WORK/reindex.rss" "$NEWSD" --config "$WORK/newsd.toml" reindex
end=$(date +%s.%N)
index_bytes=$(du -sb "$DATA/index" | cut -f1)
python3 -c "import sys; n, s, b, rss = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4]), int(sys.argv[5]); print(f'newsd index: {n} docs in {s:.1f}s = {n / s:.0f} docs/s, {b / n:.0f} bytes/doc, peak RSS {rss // 1024} MB')" \
    "$N" "$start" "$end" "$index_bytes" "$(cat "$WORK/reindex.rss")" | tee "$WORK/newsd-index.txt"

echo "== newsd: $CLIENTS clients over HTTP for ${SECONDS_PER_RUN}s"
if curl -fs http://127.0.0.1:18080/healthz >/dev/null 2>&1; then
    echo "something already listens on 127.0.0.1:18080; stop it first" >&2
    exit 1
fi
"$NEWSD" --config "$WORK/newsd.toml" run >"$WORK/newsd.log" 2>&1 &
NEWSD_PID=$!
trap 'kill $NEWSD_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fs http://127.0.0.1:18080/healthz >/dev/null 2>&1 && break
    sleep 0.1
done
# At start the daemon rebuilds its deduplication window from the store (articles of the last
# 72 h, a CPU-bound second or two); searches are answered meanwhile, but the measurement waits
# so that it counts searching only.
for _ in $(seq 600); do
    grep -q "deduplication window rebuilt" "$WORK/newsd.log" && break
    sleep 0.1
done
echo "load before: $(uptime)"
"$LOAD" http http://127.0.0.1:18080 "$WORK/queries.jsonl" "$SECONDS_PER_RUN" "$CLIENTS" | tee "$WORK/newsd.json"
echo "load after: $(uptime)"
kill "$NEWSD_PID"
wait "$NEWSD_PID" 2>/dev/null || true

echo "== PostgreSQL full-text search"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
PG_DATA="$PWD/$WORK/pg"
rm -rf "$PG_DATA"
RUN_AS=""
if [ "$(id -u)" = 0 ]; then
    RUN_AS="runuser -u postgres --"
    mkdir -p "$PG_DATA" && chown postgres "$PG_DATA" "$PWD/$WORK"
fi
$RUN_AS "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U bench >/dev/null
$RUN_AS "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "-p 55432 -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_connections=50" -l "$PG_DATA/log" -w start >/dev/null
trap '$RUN_AS "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true' EXIT
PSQL="$PG_BIN/psql -h 127.0.0.1 -p 55432 -U bench -d postgres -q"
$PSQL -c "CREATE TABLE articles (id bigint PRIMARY KEY, title text, text text, source text,
    lang text, published timestamptz, story bigint, tsv tsvector)"
python3 - "$WORK/articles-$N.jsonl" >"$WORK/articles.tsv" <<'PY'
import json, sys
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    print("\t".join([str(a["id"]), esc(a["title"]), esc(a["text"]), esc(a["source"]),
                     a["lang"], a["published"], str(a["story"])]))
PY
start=$(date +%s.%N)
$PSQL -c "\\copy articles (id, title, text, source, lang, published, story) FROM '$WORK/articles.tsv'"
$PSQL -c "SET client_min_messages = warning" -c "UPDATE articles SET tsv = setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(text, '')), 'B')"
$PSQL -c "CREATE INDEX articles_tsv ON articles USING gin (tsv)"
$PSQL -c "CREATE INDEX articles_published ON articles (published)"
$PSQL -c "VACUUM ANALYZE articles"
end=$(date +%s.%N)
pg_bytes=$($PSQL -t -A -c "SELECT pg_total_relation_size('articles')")
python3 -c "import sys; n, s, b = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4]); print(f'PostgreSQL load + tsvector + GIN: {n} docs in {s:.1f}s = {n / s:.0f} docs/s, {b / n:.0f} bytes/doc (table with text, and indexes)')" \
    "$N" "$start" "$end" "$pg_bytes" | tee "$WORK/postgres-index.txt"
echo "load before: $(uptime)"
"$LOAD" postgres "host=127.0.0.1 port=55432 user=bench dbname=postgres" "$WORK/queries.jsonl" "$SECONDS_PER_RUN" "$CLIENTS" | tee "$WORK/postgres.json"
echo "load after: $(uptime)"
