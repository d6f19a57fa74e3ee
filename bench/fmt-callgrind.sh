#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The formatter's user-space cost per event, in instructions, as callgrind
# counts them: build/bench/fmtbench (record_decode + a writer + the outbuf
# flushed to /dev/null) is run for N and 2N events, and the difference of the
# two counts, divided by N, is the cost of one event: start-up (templates,
# caches, the first conversions of a second) cancels out. Only fmtbench_run()
# is counted (--toggle-collect), not the making of the samples.
#
#   bench/fmt-callgrind.sh [-n N] [--mix all|ipv4|distinct] [--before REV] [FMTBENCH]
#
#   -n N          events (default 20000; 2N are run too)
#   --mix         the samples: all (default: IPv4 and IPv6 from a few
#                 processes, see bench/fmtsamples.h), ipv4 (IPv4 loopback
#                 only) or distinct (all, but each event from new pids: the
#                 writers' process cache never hits)
#   --before REV  also measure the stdio formatter of git revision REV
#                 (e.g. 57ae271), built in a temporary directory from
#                 `git archive REV`, on the same samples
#   FMTBENCH      the binary (default build/bench/fmtbench: make bench-fmt)
#
# Prints one line per measurement: what, instructions per event, the build.
# "decode" is fmtbench's loop and record_decode() alone, with no writer.
# Needs valgrind.

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=20000
MIX=all
BEFORE=
BENCH=$ROOT/build/bench/fmtbench
TMP=

usage() {
	echo "usage: $0 [-n N] [--mix all|ipv4|distinct] [--before REV] [FMTBENCH]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-n) N=${2:-}; shift ;;
	--mix) MIX=${2:-}; shift ;;
	--before) BEFORE=${2:-}; shift ;;
	-*) usage ;;
	*) BENCH=$1 ;;
	esac
	shift
done
case $N in '' | *[!0-9]*) usage ;; esac
case $MIX in all | ipv4 | distinct) ;; *) usage ;; esac
command -v valgrind >/dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "$0: no $BENCH (make bench-fmt builds it)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fmt-callgrind.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# count BENCH MODE EVENTS: the instructions callgrind counted in fmtbench_run().
count() {
	local out=$TMP/cg.out

	if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=fmtbench_run "$1" "$2" "$3" --mix "$MIX" \
		>/dev/null 2>"$TMP/vg.err"; then
		echo "$0: $1 $2 $3 failed:" >&2
		cat "$TMP/vg.err" >&2
		exit 1
	fi
	sed -n 's/^totals: *//p' "$out"
}

# per_event BENCH MODE: (count(2N) - count(N)) / N, one decimal.
per_event() {
	local a b

	a=$(count "$1" "$2" "$N")
	b=$(count "$1" "$2" $((2 * N)))
	awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.1f\n", (b - a) / n }'
}

# The old formatter's API, on the same samples: event_decode() and
# format_*_event() into a FILE on /dev/null, flushed after each batch of 64
# as main did after each poll.
build_before() {
	local dir=$TMP/before

	mkdir -p "$dir"
	git -C "$ROOT" archive "$BEFORE" src include | tar -x -C "$dir"
	cat >"$dir/oldbench.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "format.h"
#include "fmtsamples.h"

#define POOL 65536
#define OFFSET_NS (1795608000ULL * 1000000000ULL - 1000ULL * 1000000000ULL)

static unsigned char *pool;
static size_t pool_n;

__attribute__((noinline)) void fmtbench_run(FILE *out, int json, size_t n)
{
	const unsigned char *s = pool + SAMPLE_OFFSET, *end = s + pool_n * SAMPLE_STRIDE;
	struct event ev;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!event_decode(s, SAMPLE_SIZE, &ev)) {
			if (json > 0)
				format_json_event(out, &ev, ev.timestamp_ns + OFFSET_NS);
			else if (json == 0)
				format_table_event(out, &ev, ev.timestamp_ns + OFFSET_NS);
		}
		s += SAMPLE_STRIDE;
		if (s == end)
			s = pool + SAMPLE_OFFSET;
		if (i % 64 == 63)
			fflush(out);
	}
	fflush(out);
}

int main(int argc, char **argv)
{
	size_t n = strtoull(argv[2], NULL, 10);
	FILE *out = fopen("/dev/null", "w");

	if (argc > 4 && !strcmp(argv[4], "ipv4"))
		sample_family_mix = 12;
	if (argc > 4 && !strcmp(argv[4], "distinct"))
		sample_distinct = 1;
	setenv("TZ", "UTC", 1);
	pool_n = n < POOL ? n : POOL;
	pool = calloc(pool_n, SAMPLE_STRIDE);
	if (!out || !pool)
		return 1;
	samples_make(pool, pool_n, 1000ULL * 1000000000ULL);
	/* decode: event_decode() alone (json = -1 writes nothing). */
	fmtbench_run(out, !strcmp(argv[1], "json") ? 1 : !strcmp(argv[1], "table") ? 0 : -1, n);
	return 0;
}
EOC
	cp "$HERE/fmtsamples.h" "$dir/"
	${CC:-gcc} -g -O2 -std=gnu11 -I"$dir/include" -I"$dir/src" -I"$dir" \
		"$dir/oldbench.c" "$dir"/src/{event,format,json,safe_text,utf8,errno_names}.c \
		-o "$dir/oldbench"
	echo "$dir/oldbench"
}

echo "# valgrind --tool=callgrind --toggle-collect=fmtbench_run, $N and $((2 * N)) events, mix $MIX:"
echo "# instructions per event = (I(2N) - I(N)) / N"
for mode in json table decode; do
	printf '%-8s %10s  %s\n' "$mode" "$(per_event "$BENCH" "$mode")" "$BENCH"
done
if [ -n "$BEFORE" ]; then
	old=$(build_before)
	for mode in json table decode; do
		printf '%-8s %10s  %s\n' "$mode" "$(per_event "$old" "$mode")" "$BEFORE (stdio formatter)"
	done
fi
