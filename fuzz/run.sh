#!/usr/bin/env bash
# Fuzzes newsd's parsers on the stable toolchain: feed decoding and parsing, page extraction,
# OPML import and the search query language, each for $FUZZ_SECONDS (default 60).
#
#   fuzz/run.sh                 # every target
#   fuzz/run.sh feed query      # some of them
#
# Seeds come from the shared corpus ($NEWSD_CORPUS, default ../shared/corpus beside the
# repository) and from fuzz/seeds/<target>/ (the small inputs of crashes found and fixed), and
# are copied into fuzz/corpus/<target>/ at run time (gitignored, never committed); libFuzzer
# adds what it finds there. A crash leaves its input in fuzz/artifacts/<target>/ and makes
# this script exit non-zero after the other targets ran.
#
# `--sanitizer none` keeps cargo-fuzz off every -Z flag, so no nightly toolchain is needed;
# libFuzzer's coverage instrumentation uses stable -C flags only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
corpus_src="${NEWSD_CORPUS:-$repo/../shared/corpus}"
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(feed page opml query)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Copies the files matching a glob into a target's corpus, gunzipping `.gz` ones.
seed() {
    local target="$1" pattern="$2" file name
    local dir="$here/corpus/$target"
    mkdir -p "$dir"
    shopt -s nullglob
    for file in $pattern; do
        name="$(basename "$file")"
        case "$name" in
            *.gz) [ -e "$dir/${name%.gz}" ] || gzip -dc "$file" >"$dir/${name%.gz}" ;;
            *) [ -e "$dir/$name" ] || cp "$file" "$dir/$name" ;;
        esac
    done
    shopt -u nullglob
}

seed_queries() {
    local dir="$here/corpus/query" i=0 line
    mkdir -p "$dir"
    while IFS= read -r line; do
        i=$((i + 1))
        printf '%s' "$line" >"$dir/handwritten-$i"
    done <<'QUERIES'
climate summit
"peace talks" geneva
title:election AND (senate OR house) -poll
+ukraine -russia source:"France 24"
lang:fr published:2025-01-01..2025-12-31
NOT (a OR b) AND "c d" OR e*
tag:world author:"Jane Doe" since:7d
((((nested)))) "unterminated
field: AND OR NOT -- ++ ""
QUERIES
}

if [ ! -d "$corpus_src" ]; then
    echo "no seed corpus at $corpus_src (set NEWSD_CORPUS); fuzzing from empty corpora" >&2
fi
seed feed "$corpus_src/feeds/feeds/*"
seed feed "$here/seeds/feed/*"
seed page "$corpus_src/extraction/pages/*"
seed opml "$corpus_src/feeds/opml/*"
seed_queries

cd "$here"
failed=()
for target in "${targets[@]}"; do
    echo "== fuzzing $target for ${seconds}s" >&2
    if ! cargo fuzz run --sanitizer none "$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz targets that failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
