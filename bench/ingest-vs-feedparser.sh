#!/usr/bin/env bash
# Ingest throughput: Gazette (libcurl file fetch + libxml2 parse + HTML to text + SQLite insert)
# against feedparser (parse only, its HTML sanitizer included) on the same real outlets' feeds
# from ../shared/data/real-feeds, each copied COPIES times. Prints both times and the ratio.
#
# Usage: bench/ingest-vs-feedparser.sh [COPIES]   (needs `make test` run once, for .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-20}
corpus=../shared/data/real-feeds
[ -d "$corpus" ] || { echo "skipped: $corpus is absent (only CI and developers have it)"; exit 0; }
python=${GAZETTE_PYTHON:-.venv/bin/python}
swift build -c release --static-swift-stdlib --product gazette >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The feeds Gazette parses today (undeclared encodings and HTML entities are issue #3).
feeds=(lanacion-ar-rss2.xml guardian-us-rss2.xml aktuality-sk-rss2.xml livemint-in-rss2.xml
       macworld-rss2-leading-whitespace.xml nyt-health-rss2.xml reporterre-fr-rss2.xml theverge-atom.xml)
mkdir -p "$work/feeds"
sources=""
for ((i = 0; i < copies; i++)); do
    for f in "${feeds[@]}"; do
        cp "$corpus/$f" "$work/feeds/$i-$f"
        sources+="{\"id\":\"s$i-${f%%.*}\",\"name\":\"$f\",\"country\":\"AR\",\"language\":\"en\",\"feeds\":[\"file:feeds/$i-$f\"]},"
    done
done
cat > "$work/gazette.json" <<JSON
{"sources":[${sources%,}],"ingest":{"allowFileURLs":true},
 "delivery":{"from":"bench@gazette.example"},"site":{"baseURL":"https://bench.example"}}
JSON
items=$("$python" -c "import feedparser,sys; print(sum(len(feedparser.parse(p).entries) for p in sys.argv[1:]))" "$work"/feeds/*)

start=$(date +%s.%N)
.build/release/gazette ingest --config "$work/gazette.json" >/dev/null
gazette=$("$python" -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$(date +%s.%N)" "$start")
stored=$(sqlite3 "$work/gazette.sqlite" "select count(*) from articles" 2>/dev/null || echo "?")

start=$(date +%s.%N)
"$python" -c "import feedparser,sys; [feedparser.parse(p) for p in sys.argv[1:]]" "$work"/feeds/*
peer=$("$python" -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$(date +%s.%N)" "$start")

printf 'feeds: %d files, %s items (feedparser count), %s articles stored by Gazette\n' \
    "$((copies * ${#feeds[@]}))" "$items" "$stored"
printf 'gazette ingest (fetch+parse+text+SQLite): %.2f s\n' "$gazette"
printf 'feedparser (parse only):                  %.2f s\n' "$peer"
printf 'ratio feedparser/gazette:                 %.1fx\n' "$("$python" -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$peer" "$gazette")"
