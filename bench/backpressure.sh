#!/usr/bin/env bash
# Backpressure: memory stays bounded when items arrive far faster than pages are read.
# A loopback site (bench/backpressure_site.py) serves FEEDS feeds × ITEMS items (default
# 1,000 × 50 = 50,000 items) from one template, each item with a small page.
#
#   1. burst: `newsd fetch-once` over the whole site, pages answered at once; peak RSS
#      (/usr/bin/time -v) and wall time for the 50,000 articles.
#   2. slow pages: pages answer after PAGE_DELAY_MS (default 50); `newsd run` for
#      SLOW_SECONDS (default 60), then SIGTERM. Every 5 s: RSS and the items pending in
#      SQLite. Pending items stay within a few thousand: the item queue is bounded, and the
#      pollers, at most POLLS_IN_FLIGHT at once, wait on it before fetching more feeds.
#      The site reports the most page requests it had in flight at once (≤ page_workers).
#   3. restart with that backlog: `newsd run` again for SLOW_SECONDS; the pending items are
#      requeued at start-up, RSS again.
#
# Usage: bench/backpressure.sh          (NEWSD_BIN=path to skip the release build,
#                                       SCENARIOS="slow" to skip the burst)
set -euo pipefail
cd "$(dirname "$0")/.."
feeds="${FEEDS:-1000}"
items="${ITEMS:-50}"
delay="${PAGE_DELAY_MS:-50}"
slow_seconds="${SLOW_SECONDS:-60}"
scenarios="${SCENARIOS:-burst slow}"
work=$(mktemp -d)
site_pid=""
cleanup() {
    [ -n "$site_pid" ] && kill "$site_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${NEWSD_BIN:-}" ]; then
    cargo build --release --quiet
    NEWSD_BIN=target/release/newsd
fi
newsd=$(realpath "$NEWSD_BIN")

# Starts the site with a page delay; sets site_pid and port.
start_site() {
    rm -f "$work/port" "$work/port.inflight"
    python3 bench/backpressure_site.py "$work/port" "$feeds" "$items" "$1" &
    site_pid=$!
    while [ ! -s "$work/port" ]; do sleep 0.1; done
    port=$(cat "$work/port")
}

stop_site() {
    kill "$site_pid"
    wait "$site_pid" 2>/dev/null || true
    site_pid=""
    echo "  page requests in flight at most: $(cat "$work/port.inflight")"
}

# Writes newsd.toml and feeds.toml for a fresh data dir in $work/$1.
configure() {
    local dir="$work/$1"
    mkdir -p "$dir"
    {
        echo 'feeds_file = "feeds.toml"'
        echo "data_dir = \"$dir/data\""
        echo 'listen = "127.0.0.1:0"'
        echo '[fetch]'
        echo 'per_host_gap = "0s"'
        echo 'per_host_concurrency = 16'
        echo 'page_workers = 4'
        echo 'timeout = "60s"'
    } >"$dir/newsd.toml"
    # The SSRF guard refuses loopback unless told otherwise; older builds know no such key.
    cp "$dir/newsd.toml" "$dir/plain.toml"
    echo 'allow_addresses = ["127.0.0.0/8"]' >>"$dir/newsd.toml"
    python3 - "$dir/feeds.toml" "$feeds" <<'PY'
import sys
path, feeds = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for n in range(feeds):
        out.write(f'[[feed]]\nurl = "http://127.0.0.1:PORT/feed/{n}.xml"\nname = "Feed {n}"\n\n')
PY
    sed -i "s/PORT/$port/" "$dir/feeds.toml"
    if ! "$newsd" --config "$dir/newsd.toml" validate >/dev/null 2>&1; then
        mv "$dir/plain.toml" "$dir/newsd.toml"
    fi
}

count() {
    python3 -c 'import sqlite3,sys
try:
    c = sqlite3.connect(sys.argv[1], timeout=10)
    print(c.execute(sys.argv[2]).fetchone()[0])
except Exception:
    print(0)' "$1" "$2"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

if [[ " $scenarios " == *" burst "* ]]; then
    echo "== burst: $feeds feeds x $items items, pages at once, fetch-once"
    start_site 0
    configure burst
    /usr/bin/time -v "$newsd" --config "$work/burst/newsd.toml" fetch-once \
        >"$work/burst.out" 2>"$work/burst.time" || { tail -n 30 "$work/burst.time"; exit 1; }
    stop_site
    grep "new articles" "$work/burst.out" | tail -n 1 | sed 's/^/  /'
    grep -E "Maximum resident|Elapsed \(wall" "$work/burst.time" | sed 's/^\s*/  /'
    echo "  articles stored: $(count "$work/burst/data/newsd.sqlite" 'SELECT COUNT(*) FROM articles')"
fi

slow_run() {
    local label="$1"
    "$newsd" --config "$work/slow/newsd.toml" run >"$work/slow-$label.out" 2>"$work/slow-$label.err" &
    local pid=$! peak=0 rss
    for ((t = 5; t <= slow_seconds; t += 5)); do
        sleep 5
        rss=$(rss_kb "$pid")
        [ "$rss" -gt "$peak" ] && peak=$rss
        echo "  t=${t}s rss=${rss} kB articles=$(count "$work/slow/data/newsd.sqlite" 'SELECT COUNT(*) FROM articles') pending=$(count "$work/slow/data/newsd.sqlite" 'SELECT COUNT(*) FROM items WHERE done = 0')"
    done
    local hwm
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" || true
    echo "  peak RSS (VmHWM): ${hwm} kB"
}

if [[ " $scenarios " == *" slow "* ]]; then
    echo "== slow pages: ${delay} ms each, newsd run for ${slow_seconds}s"
    start_site "$delay"
    configure slow
    slow_run first
    echo "== restart with the backlog requeued, ${slow_seconds}s"
    slow_run restart
    stop_site
fi
