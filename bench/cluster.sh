#!/usr/bin/env bash
# Dedup throughput (issue 5): copy detection + online story clustering with 10k, 100k and 1M
# articles in the 72 h window, one thread, newsd (cargo bench --bench cluster) beside the Python
# online TF-IDF baseline (bench/cluster_baseline.py, clustering only) on the same stream.
# Streams are generated from the corpora's text by bench/cluster_gen.py into target/bench-data.
# Usage: bench/cluster.sh [WINDOW...]   (default: 10000 100000 1000000)
#        PEER_MAX=N skips the Python peer above a window of N articles (default 10000: its
#        uncapped candidate sets make it slow down as the window grows; 100k took > 14 min).
set -euo pipefail
cd "$(dirname "$0")/.."
windows=("${@:-10000 100000 1000000}")
peer_max="${PEER_MAX:-10000}"
data=target/bench-data
mkdir -p "$data"

cargo bench --no-run --quiet --bench cluster
for window in ${windows[@]}; do
    # v2: the generator that keeps stories apart (a stream made before it would be reused).
    stream="$data/cluster-v2-$window.jsonl"
    if [ ! -s "$stream" ]; then
        echo "== generating $stream"
        python3 bench/cluster_gen.py --window "$window" > "$stream.tmp" && mv "$stream.tmp" "$stream"
    fi
    echo "== newsd, window $window"
    cargo bench --quiet --bench cluster -- "$stream" --window "$window"
    if [ "$window" -le "$peer_max" ]; then
        echo "== python baseline, window $window"
        python3 bench/cluster_baseline.py "$stream" --window "$window"
    fi
done
