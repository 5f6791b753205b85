#!/bin/sh
# run-fuzzer.sh FUZZER SECONDS CORPUS_DIR
# Runs a libFuzzer harness for a bounded time over the committed corpus.
# New inputs go to a scratch directory, so a test run never changes the
# committed corpus; crashes are written to the scratch directory and fail the run.
set -eu
fuzzer=$1; seconds=$2; corpus=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$scratch/" -print_final_stats=1 "$scratch" "$corpus"
