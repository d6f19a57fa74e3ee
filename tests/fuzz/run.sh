#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the output fuzzer for a while: tests/fuzz/run.sh DIR SECONDS, DIR
# holding the fuzz_output binary (`make fuzz` builds it in build/fuzz).
#
# The seeds (tests/fuzz/corpus, never written) are read along with DIR/corpus,
# which keeps what the fuzzer finds from run to run; a crash, leak or hang
# leaves its input in DIR. libFuzzer's log goes to DIR/fuzz.log, shown on a
# failure. The last line says how it went; the status is 0 only if no input
# failed.
set -u
dir=${1:?usage: run.sh DIR SECONDS}
seconds=${2:-60}
seeds=$(dirname "$0")/corpus
bin=$dir/fuzz_output
log=$dir/fuzz.log

mkdir -p "$dir/corpus"
# What an earlier run left stays; only what this one leaves counts.
stamp=$dir/.fuzz-start
touch "$stamp"

# -max_len: a field list and four samples with room to spare. -timeout: an
# input is a few lines, written in well under a millisecond: ten seconds is a
# hang.
"$bin" -max_total_time="$seconds" -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$dir/" -print_final_stats=1 \
	"$dir/corpus" "$seeds" >"$log" 2>&1
status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
found=$(find "$dir" -maxdepth 1 -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' \
	-o -name 'timeout-*' -o -name 'oom-*' \) | head -n 1)

if [ "$status" -eq 0 ] && [ -z "$found" ] && [ -n "$took" ]; then
	inputs=$(ls "$dir/corpus" | wc -l)
	echo "fuzz: $runs runs in $took s, no crash ($inputs inputs in $dir/corpus, log $log)"
	exit 0
fi

# The report: from the checker's or a sanitizer's first words on, or the
# log's end.
start=$(grep -n -m 1 -E '^(==[0-9]+==|fuzz_output: |.*runtime error: )' "$log" | cut -d: -f1)
if [ -n "$start" ]; then
	tail -n +"$start" "$log" | head -n 120 >&2
else
	tail -n 40 "$log" >&2
fi
if [ -n "$found" ]; then
	echo "fuzz: FAILED after ${runs:-?} runs: the input is $found; replay it with: $bin $found" >&2
else
	echo "fuzz: FAILED (status $status), no input kept: see $log" >&2
fi
exit 1
