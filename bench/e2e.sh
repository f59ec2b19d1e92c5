#!/usr/bin/env bash
# End-to-end ingest (issue 8): `newsd fetch-once` on a fresh data directory against a local site
# of FEEDS RSS feeds x ITEMS real article pages on HOSTS loopback hosts (127.0.0.2 ...), then a
# second pass where every feed answers 304, then a feeds-only run (the same feeds without links,
# so no page is fetched). In the same run, the peers: a Python pipeline (feedparser, requests
# with 8 threads, trafilatura in 2 processes, SQLite FTS5; bench/e2e_python.py) and
# `newsboat -x reload` (cold, then all 304). Every command is measured with /usr/bin/time -v:
# wall time, CPU seconds (user + sys, children included), peak RSS (the largest process).
#
# Usage: bench/e2e.sh [CORPUS_DIR]            (default ../shared/corpus/extraction)
# Environment: PORT (8719), FEEDS (200), ITEMS (25), HOSTS (20), PAGE_WORKERS (8),
#   PEERS=0 to skip the peers.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${1:-../shared/corpus/extraction}")
port=${PORT:-8719} feeds=${FEEDS:-200} items=${ITEMS:-25} hosts=${HOSTS:-20}
page_workers=${PAGE_WORKERS:-8}
work=$(realpath -m target/bench-e2e)
venv=target/bench-venv
newsd=$(realpath -m target/release/newsd)

cargo build --release --quiet
[ -x /usr/bin/time ] || apt-get install -y time
command -v newsboat >/dev/null || apt-get install -y newsboat
if ! "$venv/bin/python" -c 'import trafilatura, feedparser, requests' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'trafilatura==2.3.1' lxml_html_clean feedparser requests
fi

mkdir -p "$work"
python3 bench/e2e_site.py "$corpus" "$work/site" --port "$port" --feeds "$feeds" \
  --items "$items" --hosts "$hosts"
read -r pages page_bytes < "$work/site/pages.txt"

python3 bench/e2e_server.py "$work/site" --port "$port" --hosts "$hosts" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q ready "$work/server.log" && break; sleep 0.1; done
grep -q ready "$work/server.log" || { cat "$work/server.log"; exit 1; }

# The benchmark's config. It is not a polite one: per-host limits are lifted (the site is ours,
# on loopback), and loopback addresses, which newsd refuses to fetch by default, are allowed.
config() { # FEEDS_FILE DATA_DIR
  cat <<EOF
# bench/e2e.sh: NOT a config for the real web. Per-host politeness is relaxed (8 requests in
# flight per host, no gap between them) and loopback addresses are allowed, because every
# host is a local benchmark server on 127.0.0.2-127.0.0.$((1 + hosts)).
feeds_file = "$1"
data_dir = "$2"

[fetch]
per_host_concurrency = 8
per_host_gap = "0s"
page_workers = $page_workers
EOF
  # Without it the SSRF guard refuses the loopback hosts.
  echo 'allow_addresses = ["127.0.0.0/8"]'
}

# measure NAME COMMAND...: runs COMMAND under /usr/bin/time -v; stdout to $work/NAME.out.
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed:"; tail -5 "$work/$name.err"; return 1; }
  awk -v name="$name" '
    /Elapsed \(wall clock\)/ { n = split($NF, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /User time/ { user = $NF } /System time/ { sys = $NF }
    /Maximum resident set size/ { rss = $NF / 1024 }
    END { printf "%s wall=%.2f cpu=%.2f rss_mb=%.0f\n", name, wall, user + sys, rss }' \
    "$work/$name.time" | tee "$work/$name.summary"
}
# CPU seconds the site's server has used so far (it shares the 2 cores with what is measured).
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }
served() { # NAME COMMAND...: `measure`, then the CPU the server spent meanwhile
  local name=$1 before after; before=$(server_cpu); measure "$@"; after=$(server_cpu)
  echo "$name: server cpu=$(python3 -c "print(f'{$after - $before:.2f}')")"
}
wall() { sed -n 's/.* wall=\([0-9.]*\).*/\1/p' "$work/$1.summary"; }
rate() { python3 -c "print(f'{$1 / $2:.1f}')"; }

echo "== site: $feeds feeds x $items items = $pages pages ($((page_bytes / 1000000)) MB) on $hosts hosts"

echo "== newsd fetch-once, fresh data directory (page_workers = $page_workers)"
rm -rf "$work/data" "$work/data-feeds"
config "site/feeds.toml" "$work/data" > "$work/newsd.toml"
served newsd_cold "$newsd" --config "$work/newsd.toml" fetch-once
cat "$work/newsd_cold.out"
echo "newsd articles/s (pages fetched, extracted, deduplicated, stored, indexed): $(rate "$pages" "$(wall newsd_cold)")"
"$newsd" --config "$work/newsd.toml" search --limit 1 government > "$work/search.out" 2>&1 \
  && echo "searchable: 'government' -> $(head -1 "$work/search.out" | cut -c1-100)"

echo "== newsd fetch-once again: every feed answers 304"
served newsd_304 "$newsd" --config "$work/newsd.toml" fetch-once
head -1 "$work/newsd_304.out"
echo "newsd feeds/s (all 304): $(rate "$feeds" "$(wall newsd_304)")"

echo "== newsd fetch-once, feeds only (the feeds without links: items kept with the feed's text)"
config "site/feeds-nolink.toml" "$work/data-feeds" > "$work/newsd-feeds.toml"
served newsd_feeds "$newsd" --config "$work/newsd-feeds.toml" fetch-once
head -1 "$work/newsd_feeds.out"
echo "newsd feeds/s (feeds only, cold): $(rate "$feeds" "$(wall newsd_feeds)")"

[ "${PEERS:-1}" = 1 ] || exit 0

echo "== Python pipeline (feedparser, requests x8 threads, trafilatura x2 processes, SQLite FTS5)"
rm -f "$work/python.sqlite"
served python "$venv/bin/python" bench/e2e_python.py "$work/site/urls.txt" "$work/python.sqlite"
cat "$work/python.out"
echo "python articles/s: $(rate "$pages" "$(wall python)")"

echo "== newsboat -x reload (reload-threads 8), cold then all 304"
rm -rf "$work/newsboat" && mkdir -p "$work/newsboat"
echo "reload-threads 8" > "$work/newsboat/config"
nb=(env HOME="$work/newsboat" newsboat -x reload -u "$work/site/urls.txt"
  -c "$work/newsboat/cache.db" -C "$work/newsboat/config")
served newsboat_cold "${nb[@]}"
echo "newsboat feeds/s (cold): $(rate "$feeds" "$(wall newsboat_cold)")"
served newsboat_304 "${nb[@]}"
echo "newsboat feeds/s (all 304): $(rate "$feeds" "$(wall newsboat_304)")"

echo "== ratios (wall time)"
echo "articles/s: newsd / python = $(rate "$(wall python)" "$(wall newsd_cold)")x"
echo "feeds only, cold: newsd / newsboat = $(rate "$(wall newsboat_cold)" "$(wall newsd_feeds)")x"
echo "all 304: newsd / newsboat = $(rate "$(wall newsboat_304)" "$(wall newsd_304)")x"
