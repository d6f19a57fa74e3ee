#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What tracing costs a connection-heavy workload, for tcptrace and its peers,
# side by side: the loopback connection rate bench/connrate achieves while
# each tracer runs, as a ratio to the untraced rates measured just before and
# just after it, plus what each tracer printed, lost, and used.
#
#   bench/run.sh [-r ROUNDS] [-d SECONDS] [-s SETUPS] [--only REGEX]
#                [-V SPEC]... [--no-netns] [--compare TCPTRACE TCPTRACE...]
#
#   -r, --rounds N     rounds (default 3): each runs every variant once
#   -d, --duration S   seconds per measurement (default 2)
#   -s, --setups LIST  comma-separated, in order (default pinned,spread):
#                        pinned  connrate -w 1 and the tracer on one CPU
#                        spread  connrate -w 2 (a pair per CPU), tracer unpinned
#   --only REGEX       keep the variants whose name matches (ERE)
#   -V, --variant SPEC a variant "NAME|KIND|COMMAND" (repeatable): the first
#                      -V replaces the default list (see VARIANTS below)
#   --no-netns         run connrate in the host's network namespace
#   --compare A B...   variants "json #1", "json #2"...: A --json, B --json...
#                      (must come last; replaces the default list)
#
# Environment:
#   TCPTRACE           tcptrace binary (default ./tcptrace)
#   TCPTRACE_ARGS      extra arguments for every default tcptrace variant
#   TCPLIFE, BPFTRACE  the peers (default: tcplife, bpftrace in PATH or /usr/sbin)
#   BENCH_VARIANTS     variants, one SPEC a line (instead of the defaults)
#   BENCH_CPU          the CPU of the pinned setup (default the last one)
#   MAX_BASELINE_DIFF  drop a pair whose two untraced rates differ by more
#                      than this fraction (default 0.10)
#   BPF_STATS          1 (default): kernel.bpf_stats_enabled=1 during the run,
#                      restored after; 0: leave it (BPF ns column then empty)
#   CONNRATE_ARGS      extra arguments for connrate (word-split)
#   BENCH_TMPDIR       where tracer output goes while it is counted
#                      (default /dev/shm; deleted after each measurement)
#   DRAIN              seconds between connrate's end and SIGINT (0.3), so a
#                      tracer prints what it still holds (100 ms polls)
#   SETTLE             pause after each measurement (0.3 s)
#   READY_TIMEOUT      bound on the wait for a tracer's ready line (30 s)
#   STOP_TIMEOUT       bound on a tracer's exit after SIGINT (30 s)
#   CC                 compiler for connrate (default gcc)
#
# VARIANTS: NAME|KIND|COMMAND. COMMAND is run by bash as "exec COMMAND"
# (variables TCPTRACE, TCPTRACE_ARGS, TCPLIFE, BPFTRACE and BENCH_DIR are
# set); KIND says how to tell it is ready and how to count its output:
#   tcptrace-json, tcptrace-table: ready line on stderr; 4 events/connection
#   tcplife: its header on stdout (needs stdbuf -oL); 2 lines/connection
#   bpftrace: the header of bench/tcptrace.bt on stdout; 4 lines/connection
# A variant that exits, or is not ready within READY_TIMEOUT, is skipped for
# the rest of the run, with the reason in its row.
#
# Order: in each round, each traced measurement stands between two untraced
# ones (U A U B U C U ...; the traced order rotates by one each round, and
# consecutive traced runs share the untraced run between them). A traced
# run's ratio is its rate over the mean of its two neighbours.
#
# Prints a header, one line per measurement on stderr, one table per setup on
# stdout. Raw measurements: build/bench/last-run.tsv. Needs root. Every wait
# is bounded; Ctrl-C stops every process it started and restores the sysctl.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
OUT=$ROOT/build/bench
CONNRATE=$OUT/connrate
TSV=$OUT/last-run.tsv
TCPTRACE_READY='Tracing TCP connect, accept and close events... Hit Ctrl-C to end.'

# Single quotes: each COMMAND is expanded by the bash that runs it.
# shellcheck disable=SC2016
DEFAULT_VARIANTS=(
	'json ringbuf tp_btf|tcptrace-json|"$TCPTRACE" --json --transport ringbuf --backend tp_btf $TCPTRACE_ARGS'
	'json perf tp_btf|tcptrace-json|"$TCPTRACE" --json --transport perf --backend tp_btf $TCPTRACE_ARGS'
	'json ringbuf tracepoint|tcptrace-json|"$TCPTRACE" --json --transport ringbuf --backend tracepoint $TCPTRACE_ARGS'
	'json perf tracepoint|tcptrace-json|"$TCPTRACE" --json --transport perf --backend tracepoint $TCPTRACE_ARGS'
	'table|tcptrace-table|"$TCPTRACE" $TCPTRACE_ARGS'
	'tcplife|tcplife|stdbuf -oL "$TCPLIFE"'
	'bpftrace|bpftrace|"$BPFTRACE" "$BENCH_DIR/tcptrace.bt"'
)

ROUNDS=3
DURATION=2
SETUPS=pinned,spread
ONLY=
NETNS=--netns
SPECS=()
DRAIN=${DRAIN:-0.3}
SETTLE=${SETTLE:-0.3}
READY_TIMEOUT=${READY_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
MAX_BASELINE_DIFF=${MAX_BASELINE_DIFF:-0.10}
BPF_STATS=${BPF_STATS:-1}
BENCH_CPU=${BENCH_CPU:-$(($(nproc) - 1))}
CC=${CC:-gcc}
read -r -a CONNRATE_EXTRA <<<"${CONNRATE_ARGS:-}"

# For the variants' commands (bash -c).
export TCPTRACE=${TCPTRACE:-$ROOT/tcptrace}
export TCPTRACE_ARGS=${TCPTRACE_ARGS:-}
export BENCH_DIR=$HERE
export TCPLIFE=${TCPLIFE:-$(PATH=$PATH:/usr/sbin command -v tcplife || echo tcplife)}
export BPFTRACE=${BPFTRACE:-$(PATH=$PATH:/usr/sbin command -v bpftrace || echo bpftrace)}

TMP=
TRACER_PID=
CONNRATE_PID=
STATS_SAVED=
STATS_FILE=/proc/sys/kernel/bpf_stats_enabled

die() {
	echo "bench: $*" >&2
	exit 1
}

usage() {
	sed -n '/^#   bench\/run.sh/,/^# Environment:/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

cleanup() {
	# connrate's children die with it (PR_SET_PDEATHSIG).
	if [ -n "$CONNRATE_PID" ]; then
		kill -TERM "$CONNRATE_PID" 2>/dev/null
		wait "$CONNRATE_PID" 2>/dev/null
	fi
	if [ -n "$TRACER_PID" ]; then
		kill -KILL "$TRACER_PID" 2>/dev/null
		wait "$TRACER_PID" 2>/dev/null
	fi
	[ -n "$STATS_SAVED" ] && echo "$STATS_SAVED" >"$STATS_FILE"
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
is_secs() { [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-r | --rounds) { [ $# -ge 2 ] && is_uint "$2"; } || usage; ROUNDS=$2; shift 2 ;;
		-d | --duration) { [ $# -ge 2 ] && is_secs "$2"; } || usage; DURATION=$2; shift 2 ;;
		-s | --setups) [ $# -ge 2 ] || usage; SETUPS=$2; shift 2 ;;
		--only) [ $# -ge 2 ] || usage; ONLY=$2; shift 2 ;;
		-V | --variant) [ $# -ge 2 ] || usage; SPECS+=("$2"); shift 2 ;;
		--no-netns) NETNS=; shift ;;
		--compare)
			shift
			[ $# -ge 2 ] || usage
			local i=0 b
			for b in "$@"; do
				i=$((i + 1))
				SPECS+=("json #$i|tcptrace-json|$(printf '%q' "$b") --json \$TCPTRACE_ARGS")
			done
			shift $# ;;
		-h | --help) usage ;;
		*) usage ;;
		esac
	done
}

# The variant list: V_NAME, V_KIND, V_CMD; V_SKIP[i] is set once i is skipped.
load_variants() {
	local spec name kind cmd

	if [ ${#SPECS[@]} -eq 0 ] && [ -n "${BENCH_VARIANTS:-}" ]; then
		mapfile -t SPECS < <(grep -v '^[[:space:]]*$' <<<"$BENCH_VARIANTS")
	fi
	[ ${#SPECS[@]} -eq 0 ] && SPECS=("${DEFAULT_VARIANTS[@]}")
	V_NAME=() V_KIND=() V_CMD=() V_SKIP=()
	for spec in "${SPECS[@]}"; do
		IFS='|' read -r name kind cmd <<<"$spec"
		{ [ -n "$name" ] && [ -n "${cmd:-}" ]; } || die "bad variant (NAME|KIND|COMMAND): $spec"
		case $kind in
		tcptrace-json | tcptrace-table | tcplife | bpftrace) ;;
		*) die "variant '$name': unknown kind '$kind'" ;;
		esac
		[ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]] && continue
		V_NAME+=("$name") V_KIND+=("$kind") V_CMD+=("$cmd") V_SKIP+=("")
	done
	[ ${#V_NAME[@]} -gt 0 ] || die "no variant left (--only '$ONLY')"
}

# ---- what a kind of tracer prints ----

# "out|err ERE": where the ready line of kind $1 appears, and what it is.
ready_pattern() {
	case $1 in
	tcptrace-*) printf 'err %s\n' "^${TCPTRACE_READY//./\\.}\$" ;;
	tcplife) echo 'out ^PID +COMM +LADDR' ;;
	bpftrace) echo 'out ^TYPE +PID +COMM +SRC +DST' ;;
	esac
}

# Events expected per connection: connect, accept and two closes; tcplife
# prints one line per socket that closes, the client's and the server's.
expected_per_conn() {
	case $1 in
	tcplife) echo 2 ;;
	*) echo 4 ;;
	esac
}

# Count connrate's events in output file $2 of kind $1:
# "written connect accept close other" (other: other processes' events).
count_events() {
	case $1 in
	tcptrace-json)
		awk '{
			if (match($0, /"type":"[a-z]+"/)) t = substr($0, RSTART + 8, RLENGTH - 9); else t = "?"
			if (index($0, "\"comm\":\"connrate-")) n[t]++; else other++
		} END { printf "%d %d %d %d %d\n", n["connect"] + n["accept"] + n["close"],
			n["connect"], n["accept"], n["close"], other }' "$2" ;;
	tcptrace-table) count_columns 2 5 "$2" ;;
	bpftrace) count_columns 1 3 "$2" ;;
	tcplife)
		awk '$1 == "PID" { next }
		     $2 ~ /^connrate-(cli|srv)$/ { n++; next }
		     /^[0-9]+ / { other++ }
		     END { printf "%d - - %d %d\n", n, n, other }' "$2" ;;
	esac
}

# Output whose field $1 is the event type and field $2 the comm.
count_columns() {
	awk -v tf="$1" -v cf="$2" '$tf !~ /^(connect|accept|close)$/ { next }
		$cf ~ /^connrate-(cli|srv)$/ { n[$tf]++; next }
		{ other++ }
		END { printf "%d %d %d %d %d\n", n["connect"] + n["accept"] + n["close"],
			n["connect"], n["accept"], n["close"], other }' "$3"
}

# Sum of the "lost N events" a tracer reported (tcptrace and tcplife on
# stderr, bpftrace's "Lost N events" on stdout).
lost_events() {
	grep -hoiE '^([a-z]+: )?lost [0-9]+ events' "$@" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if (tolower($i) == "lost") s += $(i + 1) } END { print s + 0 }'
}

# ---- /proc readings of a running tracer ----

# utime + stime of process $1 (all its threads), in clock ticks.
cpu_ticks() {
	local stat f

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	echo $((f[11] + f[12]))
}

# "run_time_ns recursion_misses", summed over the BPF programs process $1
# holds open (every tracer here keeps its programs' fds).
prog_stats() {
	local fd ns=0 miss=0 k v

	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-prog ] || continue
		while read -r k v; do
			case $k in
			run_time_ns:) ns=$((ns + v)) ;;
			recursion_misses:) miss=$((miss + v)) ;;
			esac
		done <"/proc/$1/fdinfo/${fd##*/}"
	done
	echo "$ns $miss"
}

# "VmHWM VmRSS" of process $1, in kB.
rss_kb() {
	awk '$1 == "VmHWM:" { h = $2 } $1 == "VmRSS:" { r = $2 } END { print h + 0, r + 0 }' \
		"/proc/$1/status" 2>/dev/null || echo "0 0"
}

# ---- one measurement ----

# Run connrate (setup's worker count and CPU prefix); its rate and count in
# CR_RATE, CR_CONNS. In the background, so a signal is handled at once.
run_connrate() {
	local rc json

	"${PIN[@]}" "$CONNRATE" -d "$DURATION" -w "$WORKERS" $NETNS "${CONNRATE_EXTRA[@]}" \
		>"$TMP/connrate.out" 2>"$TMP/connrate.err" &
	CONNRATE_PID=$!
	wait "$CONNRATE_PID"
	rc=$?
	CONNRATE_PID=
	json=$(cat "$TMP/connrate.out")
	[ "$rc" = 0 ] || die "connrate failed (status $rc): $(cat "$TMP/connrate.err") $json"
	CR_RATE=$(sed -n 's/.*"conn_per_s":\([0-9.]*\).*/\1/p' <<<"$json")
	CR_CONNS=$(sed -n 's/.*"connections":\([0-9]*\).*/\1/p' <<<"$json")
	{ [ -n "$CR_RATE" ] && [ -n "$CR_CONNS" ]; } || die "cannot parse connrate's output: $json"
}

# One row of the TSV: setup round variant kind rate conns, then the rest.
record() {
	SEQ=$((SEQ + 1))
	local IFS=$'\t'
	echo "$SEQ	$SETUP	$ROUND	$*" >>"$TSV"
}

measure_untraced() {
	run_connrate
	record untraced untraced "$CR_RATE" "$CR_CONNS" - - - - - - - - - - - - - ok
	printf 'bench: %s round %d/%d  %-24s %8.0f conn/s\n' "$SETUP" "$ROUND" "$ROUNDS" \
		untraced "$CR_RATE" >&2
	sleep "$SETTLE"
}

# Start variant $1 and wait for its ready line: 0 when ready (TRACER_PID,
# STARTUP_MS set), 1 when it is skipped from now on (V_SKIP set).
start_tracer() {
	local v=$1 where re file t0 t1 deadline rc

	read -r where re <<<"$(ready_pattern "${V_KIND[$v]}")"
	file=$TMP/$where
	rm -f "$TMP/out" "$TMP/err"	# no ready line of a previous run
	t0=${EPOCHREALTIME/./}
	"${TPIN[@]}" bash -c "exec ${V_CMD[$v]}" >"$TMP/out" 2>"$TMP/err" &
	TRACER_PID=$!
	deadline=$((SECONDS + READY_TIMEOUT))
	until grep -qE "$re" "$file" 2>/dev/null; do
		if ! alive "$TRACER_PID"; then
			wait "$TRACER_PID"
			rc=$?
			skip_variant "$v" "$rc" "exited (status $rc) before its ready line"
			return 1
		fi
		if [ $SECONDS -ge $deadline ]; then
			kill -KILL "$TRACER_PID" 2>/dev/null
			wait "$TRACER_PID" 2>/dev/null
			skip_variant "$v" - "no ready line within ${READY_TIMEOUT}s"
			return 1
		fi
		sleep 0.01
	done
	t1=${EPOCHREALTIME/./}
	STARTUP_MS=$(((t1 - t0) / 1000))
	return 0
}

# Mark variant $1 skipped (exit status $2, or -), with reason $3 and the
# first line it printed.
skip_variant() {
	local first

	TRACER_PID=
	# The first line it printed (bpftrace's RLIMIT_MEMLOCK warning says nothing).
	first=$(grep -hv -e '^$' -e 'RLIMIT_MEMLOCK' "$TMP/err" "$TMP/out" 2>/dev/null | head -n 1)
	# 127: bash's or stdbuf's "command not found".
	if [ "$2" = 127 ]; then
		V_SKIP[$1]="not installed (make bench-deps): $first"
	else
		V_SKIP[$1]="$3${first:+: $first}"
	fi
	printf '%s\t%s\n' "${V_NAME[$1]}" "${V_SKIP[$1]}" >>"$TMP/skips"
	echo "bench: $SETUP: ${V_NAME[$1]}: skipped: ${V_SKIP[$1]}" >&2
	rm -f "$TMP/out" "$TMP/err"
}

# One traced measurement of variant $1: 0 if measured, 1 if skipped.
measure_traced() {
	local v=$1 kind=${V_KIND[$1]} ticks0 stats0 stats1 rss ns miss ticks status counts lost

	start_tracer "$v" || return 1
	ticks0=$(cpu_ticks "$TRACER_PID")
	read -r stats0 _ <<<"$(prog_stats "$TRACER_PID")"
	run_connrate
	sleep "$DRAIN"
	read -r stats1 miss <<<"$(prog_stats "$TRACER_PID")"
	ticks=$(($(cpu_ticks "$TRACER_PID") - ticks0))
	read -r -a rss <<<"$(rss_kb "$TRACER_PID")"
	ns=$((stats1 - stats0))
	[ "$BPF_STATS" = 1 ] || ns=-
	stop_tracer
	status=$STOP_STATUS
	TRACER_PID=
	read -r -a counts <<<"$(count_events "$kind" "$TMP/out")"
	lost=$(lost_events "$TMP/err" "$TMP/out")
	note_stderr "$v" "$status"
	record "${V_NAME[$v]}" "$kind" "$CR_RATE" "$CR_CONNS" "${counts[@]}" \
		$(($(expected_per_conn "$kind") * CR_CONNS)) "$lost" "$miss" "$ticks" "$ns" \
		"$STARTUP_MS" "${rss[@]}" "$status"
	printf 'bench: %s round %d/%d  %-24s %8.0f conn/s  events %s  lost %s  skipped runs %s\n' \
		"$SETUP" "$ROUND" "$ROUNDS" "${V_NAME[$v]}" "$CR_RATE" "${counts[0]}" "$lost" "$miss" >&2
	rm -f "$TMP/out" "$TMP/err"
	sleep "$SETTLE"
}

# SIGINT the tracer and wait for it (not in a subshell: it is our child);
# its exit status in STOP_STATUS. bpftrace 0.17 once in a while outlives the
# first SIGINT (1 run in ~20 here): a second one goes after 5 s, SIGKILL
# after STOP_TIMEOUT more ("killed").
stop_tracer() {
	local deadline=$((SECONDS + 5))

	kill -INT "$TRACER_PID" 2>/dev/null
	while alive "$TRACER_PID" && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	if alive "$TRACER_PID"; then
		kill -INT "$TRACER_PID" 2>/dev/null
		if wait_bounded "$TRACER_PID" "$STOP_TIMEOUT"; then
			STOP_STATUS="$WAIT_RC after a second SIGINT"
		else
			STOP_STATUS=killed
		fi
		return
	fi
	wait "$TRACER_PID"
	STOP_STATUS=$?
}

# Keep what variant $1 printed on stderr besides its ready line, and a
# non-zero exit status ($2), for the notes under the table.
note_stderr() {
	local v=$1 line

	case $2 in
	0) ;;
	killed) line="killed: still running ${STOP_TIMEOUT}s after a second SIGINT" ;;
	*" after "*) line="exit status $2" ;;
	*) line="exit status $2 after SIGINT" ;;
	esac
	[ "$2" = 0 ] || printf '%s\t%s\t%s\n' "$SETUP" "${V_NAME[$v]}" "$line" >>"$TMP/notes"
	# Not kept: bpftrace's "Attaching N probes...", and its warning that it
	# cannot raise RLIMIT_MEMLOCK (which BPF no longer uses since Linux 5.11).
	grep -vxF "$TCPTRACE_READY" "$TMP/err" | grep -v -e '^Attaching [0-9]* probes' -e 'RLIMIT_MEMLOCK' |
		while IFS= read -r line; do
			printf '%s\t%s\t%s\n' "$SETUP" "${V_NAME[$v]}" "$line"
		done >>"$TMP/notes"
}

# ---- a setup ----

# PIN (connrate's prefix), TPIN (the tracer's) and WORKERS for setup $1.
setup_config() {
	case $1 in
	pinned) WORKERS=1 PIN=(taskset -c "$BENCH_CPU") TPIN=(taskset -c "$BENCH_CPU") ;;
	spread) WORKERS=2 PIN=() TPIN=() ;;
	*) die "unknown setup '$1' (pinned, spread)" ;;
	esac
}

# Rounds of U T U T ... U, the traced order rotated by one each round.
run_setup() {
	local k n=${#V_NAME[@]} v

	SETUP=$1
	setup_config "$SETUP"
	# Warm-up, not recorded: the first connections of a run are slower.
	"${PIN[@]}" "$CONNRATE" -d 1 -w "$WORKERS" $NETNS "${CONNRATE_EXTRA[@]}" >/dev/null ||
		die "connrate warm-up failed"
	ROUND=1
	measure_untraced
	for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
		for ((k = 0; k < n; k++)); do
			v=$(((k + ROUND - 1) % n))
			[ -n "${V_SKIP[$v]}" ] && continue
			measure_traced "$v" && measure_untraced
		done
	done
}

# The table of setup $1, from the TSV.
summarize() {
	local i

	{
		echo "name"
		for i in "${!V_NAME[@]}"; do echo "${V_NAME[$i]}"; done
	} >"$TMP/names"
	awk -F'\t' -v setup="$1" -v maxdiff="$MAX_BASELINE_DIFF" -v hz="$(getconf CLK_TCK)" \
		-f "$HERE/summary.awk" "$TMP/names" "$TMP/skips" "$TSV"
	[ -s "$TMP/notes" ] || return 0
	awk -F'\t' -v setup="$1" '$1 == setup { n[$2 "\t" $3]++; if (!(($2 "\t" $3) in seen)) { seen[$2 "\t" $3]; o[++k] = $2 "\t" $3 } }
		END {
			if (k) print "\nprinted on stderr (variant, runs, line):"
			for (i = 1; i <= k; i++) { split(o[i], p, "\t"); printf "  %-23s %2d  %s\n", p[1], n[o[i]], p[2] }
		}' "$TMP/notes"
}

# ---- the run ----

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Other processes' tracing programs (kprobe, tracepoint, perf_event,
# raw_tracepoint, tracing): "comm[pid] N ..." or "none". They run on this
# load's events too and slow every measurement, untraced ones included.
other_tracers() {
	local fd pid t out=

	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-prog ] || continue
		pid=${fd#/proc/}
		pid=${pid%%/*}
		[ "$pid" = $$ ] && continue
		t=$(sed -n 's/^prog_type:[[:space:]]*//p' "/proc/$pid/fdinfo/${fd##*/}" 2>/dev/null)
		case $t in 2 | 5 | 7 | 17 | 24 | 26) out+="$pid " ;; esac
	done
	[ -n "$out" ] || { echo none; return; }
	for pid in $out; do echo "$(cat "/proc/$pid/comm" 2>/dev/null)[$pid]"; done |
		sort | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 } END { print "" }'
}

header() {
	local ver

	echo "# bench/run.sh $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r), $(nproc) CPUs"
	echo "# commit $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'); rounds $ROUNDS of ${DURATION}s; drain ${DRAIN}s; setups $SETUPS (pinned: CPU $BENCH_CPU)"
	ver=$("$TCPTRACE" --version 2>/dev/null | head -n 1)
	echo "# tcptrace = $TCPTRACE (${ver:-?})${TCPTRACE_ARGS:+, TCPTRACE_ARGS=$TCPTRACE_ARGS}"
	echo "# tcplife = $TCPLIFE ($(dpkg-query -W -f='libbpf-tools ${Version}' libbpf-tools 2>/dev/null || echo '?'));" \
		"bpftrace = $BPFTRACE ($("$BPFTRACE" --version 2>/dev/null || echo '?'))"
	echo "# load average before: $(loadavg)"
	echo "# other processes' tracing BPF programs before: $(other_tracers)"
}

main() {
	local s

	parse_args "$@"
	for s in "$DRAIN" "$SETTLE" "$MAX_BASELINE_DIFF"; do
		is_secs "$s" || die "not a number: '$s'"
	done
	for s in "$READY_TIMEOUT" "$STOP_TIMEOUT"; do
		is_uint "$s" || die "not a whole number of seconds: '$s'"
	done
	[[ $BENCH_CPU =~ ^[0-9]+$ ]] || die "BENCH_CPU is not a CPU number: '$BENCH_CPU'"
	[ "$(id -u)" -eq 0 ] || die "needs root (the tracers, and connrate --netns)"
	command -v taskset >/dev/null || die "taskset is missing (make bench-deps)"
	load_variants

	mkdir -p "$OUT" || die "cannot create $OUT"
	if [ ! -x "$CONNRATE" ] || [ "$HERE/connrate.c" -nt "$CONNRATE" ]; then
		"$CC" -O2 -g -Wall -Wextra -std=gnu11 "$HERE/connrate.c" -o "$CONNRATE" -lm ||
			die "cannot build $CONNRATE"
	fi
	local base=${BENCH_TMPDIR:-/dev/shm}
	[ -d "$base" ] && [ -w "$base" ] || base=$OUT
	TMP=$(mktemp -d "$base/tcptrace-bench.XXXXXX") || die "cannot create a temporary directory"
	echo "name	note" >"$TMP/skips"
	: >"$TMP/notes"
	printf 'seq\tsetup\tround\tvariant\tkind\tconn_per_s\tconnections\twritten\tev_connect\tev_accept\tev_close\tev_other\texpected\tlost\trecursion_misses\tcpu_ticks\tbpf_run_ns\tstartup_ms\tvmhwm_kb\tvmrss_kb\tstatus\n' >"$TSV"
	SEQ=0

	if [ "$BPF_STATS" = 1 ]; then
		STATS_SAVED=$(cat "$STATS_FILE") || die "cannot read $STATS_FILE"
		echo 1 >"$STATS_FILE" || die "cannot enable $STATS_FILE"
	fi
	header
	IFS=',' read -r -a setups <<<"$SETUPS"
	for s in "${setups[@]}"; do setup_config "$s"; done
	for s in "${setups[@]}"; do run_setup "$s"; done
	echo "# load average after: $(loadavg)"
	echo "# other processes' tracing BPF programs after: $(other_tracers)"
	for s in "${setups[@]}"; do
		echo
		summarize "$s"
	done
	echo
	legend
	echo "raw measurements: ${TSV#"$ROOT"/}"
}

legend() {
	cat <<EOF
pinned: connrate -w 1 and the tracer on CPU $BENCH_CPU (taskset); spread: connrate -w 2, one pair per CPU, tracer unpinned.
pairs: traced runs kept/dropped; dropped: its two untraced neighbours differ by more than $(awk -v d="$MAX_BASELINE_DIFF" 'BEGIN { print d * 100 }')%.
ratio: traced conn/s / mean of its two untraced neighbours, median (min-max) of the kept pairs.
events/conn: connrate's events the tracer printed per connection / expected (tcptrace, bpftrace: connect,
accept, 2 closes; tcplife: a line per closed socket); missing: expected - printed, all runs.
lost: what the tracer reported ("lost N events"); skipped runs: recursion_misses of its BPF programs.
cpu: the tracer's user+system time from ready to the load's end, per connection; bpf: run_time_ns of
its BPF programs (kernel.bpf_stats_enabled=1) per connection, whoever triggered them; start: exec to
ready line (ms, median); RSS: VmHWM / VmRSS after the load (MiB, median).
EOF
}

main "$@"
