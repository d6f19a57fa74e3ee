#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tcptrace's overhead on a connection-heavy workload: the loopback connection
# rate bench/connrate achieves untraced, and while tcptrace traces it, as a
# ratio to the untraced rate measured in the same run.
#
#   bench/run.sh [-r ROUNDS] [-d SECONDS] [-w WORKERS] [--table] [--null]
#                [--no-netns] [--compare TCPTRACE TCPTRACE...]
#
#   -r, --rounds N     rounds (default 5); each round runs every variant once,
#                      in an order rotated by one each round
#   -d, --duration S   seconds per measurement (default 2)
#   -w, --workers N    connrate client/server pairs (default 1), each pair
#                      pinned to one CPU (CONNRATE_ARGS=--no-pin: not pinned)
#   --table            also measure the table output (no --json)
#   --null             also measure --json > /dev/null (events not counted)
#   --no-netns         run connrate in the host's network namespace
#   --compare A B...   measure each tcptrace binary given (must come last),
#                      each against the same untraced baseline
#
# Environment:
#   TCPTRACE           the binary (default ./tcptrace; ignored with --compare)
#   TCPTRACE_ARGS      extra arguments for every tcptrace run (word-split)
#   BACKEND            --backend value (default tracepoint)
#   CONNRATE_ARGS      extra arguments for connrate (word-split)
#   BENCH_TMPDIR       where tcptrace's output goes while it is counted
#                      (default /dev/shm; deleted after each round)
#   DRAIN              seconds between connrate's end and SIGINT (default 0.5),
#                      so tcptrace can print what it holds back; 0 shows
#                      events dropped at exit
#   SETTLE             pause between measurements (default 0.5 s)
#   READY_TIMEOUT      bound on the wait for tcptrace's ready line (30 s)
#   STOP_TIMEOUT       bound on tcptrace's exit after SIGINT (30 s)
#   CC                 compiler for connrate (default gcc)
#
# Each traced measurement: start tcptrace (stdout to a file in BENCH_TMPDIR,
# stderr to another), wait for its ready line on stderr, run connrate, wait
# DRAIN, SIGINT, wait for its exit (status 0 required), then count the events
# whose comm is connrate-cli/connrate-srv (4 per connection: connect, accept,
# two closes) and collect what else it printed on stderr ("lost N events"...).
# Just before SIGINT it also
# reads, from /proc/PID/fdinfo of tcptrace's BPF program fds, the sum of their
# recursion_misses (runs the kernel skipped because another BPF program was
# running on that CPU: events lost without a "lost" line), and tcptrace's CPU
# time since its ready line (/proc/PID/stat), per connection.
#
# Prints a header (date, kernel, load), one line per measurement on stderr,
# and the summary table on stdout; the raw measurements are kept in
# build/bench/last-run.tsv. Needs root. Every wait is bounded.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
OUT=$ROOT/build/bench
CONNRATE=$OUT/connrate
READY_LINE='Tracing TCP connect, accept and close events... Hit Ctrl-C to end.'

ROUNDS=5
DURATION=2
WORKERS=1
TABLE=false
NULLSINK=false
NETNS=--netns
BINS=()
BACKEND=${BACKEND:-tracepoint}
DRAIN=${DRAIN:-0.5}
SETTLE=${SETTLE:-0.5}
READY_TIMEOUT=${READY_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
CC=${CC:-gcc}
read -r -a EXTRA_ARGS <<<"${TCPTRACE_ARGS:-}"
read -r -a CONNRATE_EXTRA <<<"${CONNRATE_ARGS:-}"

TMP=
TRACER_PID=
CONNRATE_PID=

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
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
is_secs() { [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
	case $1 in
	-r | --rounds) { [ $# -ge 2 ] && is_uint "$2"; } || usage; ROUNDS=$2; shift 2 ;;
	-d | --duration) { [ $# -ge 2 ] && is_secs "$2"; } || usage; DURATION=$2; shift 2 ;;
	-w | --workers) { [ $# -ge 2 ] && is_uint "$2"; } || usage; WORKERS=$2; shift 2 ;;
	--table) TABLE=true; shift ;;
	--null) NULLSINK=true; shift ;;
	--no-netns) NETNS=; shift ;;
	--compare)
		shift
		[ $# -ge 2 ] || usage
		BINS=("$@")
		shift $# ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
[ ${#BINS[@]} -eq 0 ] && BINS=("${TCPTRACE:-$ROOT/tcptrace}")
for s in "$DRAIN" "$SETTLE" "$READY_TIMEOUT" "$STOP_TIMEOUT"; do
	is_secs "$s" || die "not a number of seconds: '$s'"
done

[ "$(id -u)" -eq 0 ] || die "needs root (tcptrace, and connrate --netns)"
for b in "${BINS[@]}"; do
	[ -x "$b" ] || die "not an executable: $b (build it with make)"
done

# ---- connrate: plain gcc, rebuilt when its source is newer ----

mkdir -p "$OUT" || die "cannot create $OUT"
if [ ! -x "$CONNRATE" ] || [ "$HERE/connrate.c" -nt "$CONNRATE" ]; then
	"$CC" -O2 -g -Wall -Wextra -std=gnu11 "$HERE/connrate.c" -o "$CONNRATE" -lm ||
		die "cannot build $CONNRATE"
fi

TMPBASE=${BENCH_TMPDIR:-/dev/shm}
[ -d "$TMPBASE" ] && [ -w "$TMPBASE" ] || TMPBASE=$OUT
TMP=$(mktemp -d "$TMPBASE/tcptrace-bench.XXXXXX") || die "cannot create a temporary directory"

# ---- variants ----

# Each variant: a label, a binary (empty: untraced) and an output mode.
V_LABEL=(untraced)
V_BIN=("")
V_MODE=(none)
add_variants() {
	local mode=$1 name=$2 i

	for i in "${!BINS[@]}"; do
		if [ ${#BINS[@]} -gt 1 ]; then
			V_LABEL+=("$name #$((i + 1))")
		else
			V_LABEL+=("$name")
		fi
		V_BIN+=("${BINS[$i]}")
		V_MODE+=("$mode")
	done
}
add_variants json json
$TABLE && add_variants table table
$NULLSINK && add_variants null "json>/dev/null"
NV=${#V_LABEL[@]}

# ---- one measurement ----

# Run connrate; its JSON line in CR_JSON, rate and count in CR_RATE, CR_CONNS.
# (In the background, so that a signal to this script is handled at once.)
run_connrate() {
	local rc

	"$CONNRATE" -d "$DURATION" -w "$WORKERS" $NETNS "${CONNRATE_EXTRA[@]}" \
		>"$TMP/connrate.out" 2>"$TMP/connrate.err" &
	CONNRATE_PID=$!
	wait "$CONNRATE_PID"
	rc=$?
	CONNRATE_PID=
	CR_JSON=$(cat "$TMP/connrate.out")
	[ "$rc" = 0 ] || die "connrate failed (status $rc): $(cat "$TMP/connrate.err") $CR_JSON"
	CR_RATE=$(sed -n 's/.*"conn_per_s":\([0-9.]*\).*/\1/p' <<<"$CR_JSON")
	CR_CONNS=$(sed -n 's/.*"connections":\([0-9]*\).*/\1/p' <<<"$CR_JSON")
	{ [ -n "$CR_RATE" ] && [ -n "$CR_CONNS" ]; } || die "cannot parse connrate's output: $CR_JSON"
}

# Count connrate's events in tcptrace's output: "connect accept close other".
count_events() {
	local mode=$1 file=$2

	if [ "$mode" = json ]; then
		awk '{
			if (match($0, /"type":"[a-z]+"/)) t = substr($0, RSTART + 8, RLENGTH - 9); else t = "?"
			if (index($0, "\"comm\":\"connrate-")) n[t]++; else other++
		} END { printf "%d %d %d %d\n", n["connect"], n["accept"], n["close"], other }' "$file"
	else
		awk 'NR == 1 && $1 == "TIME" { next }
		     $5 ~ /^connrate-(cli|srv)$/ { n[$2]++; next }
		     { other++ }
		     END { printf "%d %d %d %d\n", n["connect"], n["accept"], n["close"], other }' "$file"
	fi
}

# tcptrace's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	stat=${stat##*) }
	local f

	read -r -a f <<<"$stat"
	echo $((f[11] + f[12]))
}

# Sum of recursion_misses over the BPF programs process $1 holds open.
recursion_misses() {
	local fd sum=0 n

	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-prog ] || continue
		n=$(sed -n 's/^recursion_misses:[[:space:]]*//p' "/proc/$1/fdinfo/${fd##*/}" 2>/dev/null)
		sum=$((sum + ${n:-0}))
	done
	echo "$sum"
}

# Measure variant $1 in round $2: append a line to the TSV.
measure() {
	local v=$1 round=$2 bin=${V_BIN[$1]} mode=${V_MODE[$1]}
	local args=() out=$TMP/out err=$TMP/err deadline counts="- - - -" lost=0 lostline line
	local misses=- ticks=- t0

	if [ "$mode" = none ]; then
		run_connrate
	else
		args=(--backend "$BACKEND")
		[ "$mode" != table ] && args+=(--json)
		[ "$mode" = null ] && out=/dev/null
		"$bin" "${args[@]}" "${EXTRA_ARGS[@]}" >"$out" 2>"$err" &
		TRACER_PID=$!
		deadline=$((SECONDS + READY_TIMEOUT))
		until grep -qxF "$READY_LINE" "$err" 2>/dev/null; do
			alive "$TRACER_PID" ||
				die "${V_LABEL[$v]}: tcptrace exited before its ready line: $(cat "$err")"
			[ $SECONDS -lt $deadline ] ||
				die "${V_LABEL[$v]}: no ready line from tcptrace in ${READY_TIMEOUT}s: $(cat "$err")"
			sleep 0.02
		done
		t0=$(cpu_ticks "$TRACER_PID")
		run_connrate
		sleep "$DRAIN"
		misses=$(recursion_misses "$TRACER_PID")
		ticks=$(($(cpu_ticks "$TRACER_PID") - t0))
		kill -INT "$TRACER_PID" 2>/dev/null
		wait_bounded "$TRACER_PID" "$STOP_TIMEOUT" ||
			die "${V_LABEL[$v]}: tcptrace did not exit within ${STOP_TIMEOUT}s of SIGINT"
		TRACER_PID=
		[ "$WAIT_RC" = 0 ] || die "${V_LABEL[$v]}: tcptrace exited with status $WAIT_RC: $(cat "$err")"
		# "lost N events", and any other line tcptrace printed besides the ready line.
		lostline=$(grep -vxF "$READY_LINE" "$err")
		if [ -n "$lostline" ]; then
			lost=$(sed -n 's/^tcptrace: lost \([0-9]*\) events.*/\1/p' <<<"$lostline" | head -n 1)
			lost=${lost:-0}
			while IFS= read -r line; do
				echo "bench: round $round, ${V_LABEL[$v]}: $line" >&2
				echo "$round	${V_LABEL[$v]}	$line" >>"$OUT/last-run.lost"
			done <<<"$lostline"
		fi
		[ "$mode" != null ] && counts=$(count_events "$mode" "$out")
		rm -f "$TMP/out" "$err"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$v" "${V_LABEL[$v]}" "$CR_RATE" "$CR_CONNS" \
		"${counts// /	}" "$lost" "$misses" "$ticks" >>"$OUT/last-run.tsv"
	printf 'bench: round %d/%d  %-16s %8.0f conn/s %8d conns  events (connect accept close other) %s  lost %s  misses %s\n' \
		"$round" "$ROUNDS" "${V_LABEL[$v]}" "$CR_RATE" "$CR_CONNS" "$counts" "$lost" "$misses" >&2
	sleep "$SETTLE"
}

# ---- the run ----

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

echo "# bench/run.sh $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r), $(nproc) CPUs"
echo "# rounds $ROUNDS, drain ${DRAIN}s; load: connrate -d $DURATION -w $WORKERS${NETNS:+ $NETNS}${CONNRATE_EXTRA[*]:+ ${CONNRATE_EXTRA[*]}}; tracer: --backend $BACKEND${EXTRA_ARGS[*]:+ ${EXTRA_ARGS[*]}}"
for i in "${!BINS[@]}"; do
	ver=$("${BINS[$i]}" --version 2>/dev/null | head -1)
	if [ ${#BINS[@]} -gt 1 ]; then
		echo "# #$((i + 1)) = ${BINS[$i]} ($ver)"
	else
		echo "# tcptrace = ${BINS[$i]} ($ver)"
	fi
done
echo "# load average before: $(loadavg)"

printf 'round\tvariant\tlabel\tconn_per_s\tconnections\tev_connect\tev_accept\tev_close\tev_other\tlost\trecursion_misses\tcpu_ticks\n' >"$OUT/last-run.tsv"
: >"$OUT/last-run.lost"

# Warm-up, not recorded: the first connections of a run are slower.
"$CONNRATE" -d 1 -w "$WORKERS" $NETNS "${CONNRATE_EXTRA[@]}" >/dev/null || die "connrate warm-up failed"
sleep "$SETTLE"

for ((r = 1; r <= ROUNDS; r++)); do
	for ((k = 0; k < NV; k++)); do
		measure $(((k + r - 1) % NV)) "$r"
	done
done

echo "# load average after: $(loadavg)"
echo

# Medians, ratios of medians, and per-round ratios (variant / untraced of the same round).
awk -F'\t' -v nv="$NV" -v hz="$(getconf CLK_TCK)" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR == 1 { next }
{
	v = $2; label[v] = $3; n[v]++; rate[v, n[v]] = $4; rr[$1, v] = $4
	conns[v] += $5
	if ($6 != "-") { counted[v] = 1; ev_c[v] += $6; ev_a[v] += $7; ev_x[v] += $8; other[v] += $9 }
	lost[v] += $10; misses[v] += $11; ticks[v] += $12
	rounds[$1] = 1
}
END {
	for (v = 0; v < nv; v++) { delete tmp; for (i = 1; i <= n[v]; i++) tmp[i] = rate[v, i]; med[v] = median(tmp, n[v]) }
	fmt = "%-15s %8s %6s %-20s %7s %-17s %7s %6s %7s\n"
	printf fmt, "variant", "conn/s", "ratio", "round ratios", "ev/conn", "missing events", "lost", "misses", "cpu us"
	printf fmt, "", "(median)", "", "median (min-max)", "", "connect/acc/close", "", "", "/conn"
	for (v = 0; v < nv; v++) {
		if (v == 0) {
			printf fmt, label[v], sprintf("%.0f", med[v]), "1.000", "-", "-", "-", "-", "-", "-"
			continue
		}
		delete tmp; k = 0
		for (r in rounds) if (rr[r, 0] > 0 && (r, v) in rr) tmp[++k] = rr[r, v] / rr[r, 0]
		pm = median(tmp, k)
		if (counted[v]) {
			epc = sprintf("%.4f", (ev_c[v] + ev_a[v] + ev_x[v]) / conns[v])
			split_ = sprintf("%d/%d/%d", conns[v] - ev_c[v], conns[v] - ev_a[v], 2 * conns[v] - ev_x[v])
		} else {
			epc = "n/a"; split_ = "n/a"
		}
		printf fmt, label[v], sprintf("%.0f", med[v]), sprintf("%.3f", med[v] / med[0]),
			sprintf("%.3f (%.3f-%.3f)", pm, tmp[1], tmp[k]), epc, split_, lost[v], misses[v],
			sprintf("%.2f", ticks[v] / hz * 1e6 / conns[v])
	}
	o = 0; for (v = 1; v < nv; v++) o += other[v]
	printf "\nratio: median conn/s / untraced median; round ratios: conn/s / untraced conn/s of the same round.\n"
	printf "ev/conn: connrate events printed / connections (4 expected); missing events: expected - printed, by type;\n"
	printf "lost: from tcptrace'"'"'s \"lost N events\" lines; misses: recursion_misses of its BPF programs; cpu: its\n"
	printf "own CPU time (user+system) from its ready line to SIGINT, per connection. Sums over all rounds.\n"
	printf "%d events of other processes on the host were printed too (not counted above).\n", o
}' "$OUT/last-run.tsv"

if [ -s "$OUT/last-run.lost" ]; then
	echo
	echo "tcptrace printed on stderr (round, variant, line):"
	sed 's/^/  /' "$OUT/last-run.lost"
else
	echo "tcptrace printed nothing on stderr but its ready line."
fi
echo "raw measurements: ${OUT#"$ROOT"/}/last-run.tsv"
