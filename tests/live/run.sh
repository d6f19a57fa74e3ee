#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The live suite for one backend: real loopback TCP made by tcpcase, traced
# by tcptrace, and tcptrace's JSON compared with what tcpcase did.
#
#   tests/live/run.sh --backend NAME [--transport NAME] [--expect-backend NAME]
#                     [--tcptrace PATH] [--tcpcase PATH]
#
# --transport: ringbuf or perf (default: tcptrace's own choice, which must be
# ringbuf wherever the kernel has it).
# --expect-backend: the backend --backend auto must pick on this kernel.
#
# Runs tcptrace several times: once for every scenario, then with -m,
# --mntnsmap (and a wrong-layout map), -p and --connect-only. Prints one
# line per check and ends with "N passed, N failed" (", N skipped" too
# outside CI). Needs root, jq, bpftool, unshare; mounts tracefs and bpffs if
# they are not. Under CI=true nothing skips: a missing piece is a failure.
#
# LIVE_READY_TIMEOUT (60 s) bounds the wait for tcptrace to attach,
# LIVE_EVENT_TIMEOUT (15 s) the wait for the expected events.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
# shellcheck source=tests/live/flags.sh
. "$HERE/flags.sh"
CHECK_JQ=$HERE/check.jq
BACKEND=
TRANSPORT=
EXPECT_BACKEND=
LABEL=
TCPTRACE=$ROOT/tcptrace
TCPCASE=$ROOT/build/tests/tcpcase
READY_LINE='Tracing TCP connect, accept and close events... Hit Ctrl-C to end.'
SKIPPED_LINES='^tcptrace: (the kernel skipped [0-9]+ runs of its programs|lost so far: 0, kernel skipped [0-9]+ runs$)'
READY_TIMEOUT=${LIVE_READY_TIMEOUT:-60}
EVENT_TIMEOUT=${LIVE_EVENT_TIMEOUT:-15}
CASES="v4 v6 mapped refused refused-nb nb-late accept4-nb server-first passed dup exit-close thread
       half-close linger peer-reset self-connect"
CI_MODE=false
[ "${CI:-}" = true ] && CI_MODE=true

PASSED=0
FAILED=0
SKIPPED=0
TMP=
TRACER_PID=
BG_PIDS=
PINS=
FIELDS=

# ---- reporting ----

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - [$LABEL] $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - [$LABEL] $1"
}

# Outside CI a missing prerequisite skips; in CI it is a failure.
skip() {
	if $CI_MODE; then
		fail "$1 (CI=true: cannot skip)"
	else
		SKIPPED=$((SKIPPED + 1))
		echo "skip - [$LABEL] $1"
	fi
}

# Print a file's lines as "#" detail under a failure.
detail() {
	sed -e 's/^/#   /' "$@" 2>/dev/null | head -n 40
}

# Count and echo the ok/FAIL lines that check.jq wrote to a file.
tally() {
	local line

	while IFS= read -r line; do
		case $line in
		"ok - "*) PASSED=$((PASSED + 1)) ;;
		"FAIL - "*) FAILED=$((FAILED + 1)) ;;
		esac
		echo "$line"
	done <"$1"
}

summary() {
	if $CI_MODE; then
		echo "$PASSED passed, $FAILED failed"
	else
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	fi
	[ "$FAILED" -eq 0 ]
}

# ---- processes and files ----

cleanup() {
	local pid pin

	for pid in $TRACER_PID $BG_PIDS; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pin in $PINS; do
		rm -f "$pin"
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}

# Little-endian hex bytes of $1 on $2 bytes, as bpftool takes them.
le_hex() {
	local v=$1 n=$2 i out=

	for ((i = 0; i < n; i++)); do
		out+=$(printf '%02x ' $(((v >> (8 * i)) & 0xff)))
	done
	echo "${out% }"
}

# ---- setup ----

usage() {
	echo "usage: $0 --backend auto|kprobe|fentry|tp_btf|tracepoint [--transport ringbuf|perf] [--expect-backend NAME] [--tcptrace PATH] [--tcpcase PATH]" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--backend) BACKEND=${2:-} ; shift ;;
		--transport) TRANSPORT=${2:-} ; shift ;;
		--tcptrace) TCPTRACE=${2:-} ; shift ;;
		--tcpcase) TCPCASE=${2:-} ; shift ;;
		--expect-backend) EXPECT_BACKEND=${2:-} ; shift ;;
		*) usage ;;
		esac
		shift
	done
	case $BACKEND in
	auto | kprobe | fentry | tp_btf | tracepoint) ;;
	*) usage ;;
	esac
	case $TRANSPORT in
	"" | ringbuf | perf) ;;
	*) usage ;;
	esac
	LABEL=$BACKEND${TRANSPORT:+/$TRANSPORT}
	# A forced backend must be the one used; auto's pick depends on the
	# kernel, so the caller names what this kernel should give.
	[ "$BACKEND" = auto ] || EXPECT_BACKEND=${EXPECT_BACKEND:-$BACKEND}
}

# Mount fstype $1 on $2 unless a filesystem of statfs type $3 is there.
ensure_mount() {
	[ "$(stat -f -c %T "$2" 2>/dev/null)" = "$3" ] && return 0
	mount -t "$1" "$1" "$2" 2>/dev/null &&
		[ "$(stat -f -c %T "$2" 2>/dev/null)" = "$3" ]
}

# Returns non-zero when nothing can run; the reason is already printed.
preflight() {
	local tool

	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
		return 1
	fi
	for tool in jq stat mkfifo env; do
		if ! command -v "$tool" >/dev/null; then
			skip "needs $tool"
			return 1
		fi
	done
	if [ ! -x "$TCPTRACE" ]; then
		skip "no tcptrace at $TCPTRACE (run make)"
		return 1
	fi
	if [ ! -x "$TCPCASE" ]; then
		skip "no tcpcase at $TCPCASE (run make live)"
		return 1
	fi
	# The fields every event must have: tcptrace's own list, not a copy of it.
	if ! FIELDS=$("$TCPTRACE" --list-fields) || [ -z "$FIELDS" ]; then
		fail "tcptrace --list-fields failed"
		return 1
	fi
	if ! ensure_mount tracefs /sys/kernel/tracing tracefs; then
		skip "tracefs not mounted at /sys/kernel/tracing and mounting failed"
		return 1
	fi
	if ! ensure_mount bpf /sys/fs/bpf bpf_fs; then
		skip "bpffs not mounted at /sys/fs/bpf and mounting failed"
		return 1
	fi
	# A fresh guest may have lo down; the cases all run over it.
	ip link set lo up 2>/dev/null
	return 0
}

# ---- tcptrace runs ----

# start_tracer RUN [ARGS...]: tcptrace --json --backend in the background,
# output in $TMP/RUN.out and RUN.err; waits for the ready line.
start_tracer() {
	local run=$1 deadline=$((SECONDS + READY_TIMEOUT))

	shift
	: >"$TMP/$run.cases"
	# Background jobs of a script get SIGINT ignored: give it back.
	env --default-signal=INT,TERM "$TCPTRACE" --json --backend "$BACKEND" \
		${TRANSPORT:+--transport "$TRANSPORT"} "$@" >"$TMP/$run.out" 2>"$TMP/$run.err" &
	TRACER_PID=$!
	while [ $SECONDS -lt $deadline ]; do
		if grep -qsxF "$READY_LINE" "$TMP/$run.err"; then
			pass "$run: tcptrace${*:+ $*} ready"
			return 0
		fi
		alive "$TRACER_PID" || break
		sleep 0.1
	done
	if alive "$TRACER_PID"; then
		fail "$run: tcptrace${*:+ $*} not ready within ${READY_TIMEOUT}s; stderr:"
	else
		wait "$TRACER_PID"
		fail "$run: tcptrace${*:+ $*} exited with $? before ready; stderr:"
	fi
	detail "$TMP/$run.err"
	kill -KILL "$TRACER_PID" 2>/dev/null
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=
	return 1
}

# SIGINT must end it with status 0 and nothing on stderr but the ready line.
stop_tracer() {
	local run=$1

	kill -INT "$TRACER_PID"
	if ! wait_bounded "$TRACER_PID" 10; then
		fail "$run: tcptrace did not exit within 10s of SIGINT"
	elif [ "$WAIT_RC" -eq 0 ]; then
		pass "$run: tcptrace exits 0 on SIGINT"
	else
		fail "$run: tcptrace exits 0 on SIGINT (got $WAIT_RC)"
	fi
	TRACER_PID=
	# The kernel may skip a tracepoint program while another BPF program
	# runs on that CPU; tcptrace reports that (at exit, and every 10 s
	# while it runs, as a progress line with no lost events), and the
	# event checks tell whether anything of ours went missing. Any other
	# line is a failure.
	grep -E "$SKIPPED_LINES" "$TMP/$run.err" | sed 's/^/# note: /'
	if [ "$(grep -vcE "$SKIPPED_LINES" "$TMP/$run.err")" -eq 1 ] &&
	   grep -qxF "$READY_LINE" "$TMP/$run.err"; then
		pass "$run: stderr is the ready line (and no report of lost events)"
	else
		fail "$run: stderr is the ready line (and no report of lost events); it was:"
		detail "$TMP/$run.err"
	fi
}

# The valid JSON lines so far, for check.jq to slurp.
valid_events() {
	jq -c -R 'fromjson? // empty' <"$TMP/$1.out" >"$TMP/$1.events" 2>/dev/null
}

judge() {
	local run=$1 mode=$2

	jq -n -r --arg mode "$mode" --arg prefix "[$LABEL] $run:" --arg fields "$FIELDS" \
		--slurpfile cases "$TMP/$run.cases" \
		--slurpfile events "$TMP/$run.events" -f "$CHECK_JQ"
}

# Until every event the run's cases expect has arrived (bounded), then a
# little more for any that must not come (duplicates, filtered ones).
wait_events() {
	local run=$1 deadline=$((SECONDS + EVENT_TIMEOUT)) missing

	[ -s "$TMP/$run.cases" ] || return 0
	while :; do
		valid_events "$run"
		missing=$(judge "$run" missing 2>/dev/null)
		[ "$missing" = 0 ] && break
		[ $SECONDS -ge $deadline ] && break
		sleep 0.2
	done
	sleep 0.5
}

# run_case RUN LABEL CASE FILTER: one tcpcase run; its facts go to the
# run's cases, with the filter that says which of its events must show.
run_case() {
	local run=$1 label=$2 case=$3 filter=$4 base

	base=$TMP/$run.${label//\//_}
	if "$TCPCASE" "$case" --timeout 60 >"$base.facts" 2>"$base.err"; then
		add_case "$run" "$label" "$filter" "$base.facts"
	else
		fail "$run: $label: tcpcase $case failed:"
		detail "$base.err"
	fi
}

add_case() {
	if jq -c --arg name "$2" --argjson filter "$3" \
		'{"label": $name, filter: $filter, facts: .}' "$4" >>"$TMP/$1.cases"; then
		pass "$1: $2: scenario ran ($(jq -r '.notes | to_entries | map("\(.key)=\(.value)") | join(" ")' "$4"))"
	else
		fail "$1: $2: tcpcase printed no facts"
		detail "$4"
	fi
}

# Every line JSON, every event of the documented shape, then the cases.
check_output() {
	local run=$1 bad

	valid_events "$run"
	bad=$(jq -R -r '. as $l | try (fromjson | empty) catch $l' <"$TMP/$run.out")
	if [ -z "$bad" ]; then
		pass "$run: every line of stdout is JSON ($(grep -c '' "$TMP/$run.out") lines)"
	else
		fail "$run: every line of stdout is JSON; not:"
		printf '%s\n' "$bad" | detail
	fi
	if judge "$run" schema >"$TMP/$run.schema" && [ ! -s "$TMP/$run.schema" ]; then
		pass "$run: every event has the fields of --list-fields, and no other"
	else
		fail "$run: every event has the fields of --list-fields, and no other; not:"
		detail "$TMP/$run.schema"
	fi
	[ -s "$TMP/$run.cases" ] || return 0
	if judge "$run" check >"$TMP/$run.checks"; then
		tally "$TMP/$run.checks"
	else
		fail "$run: check.jq failed"
		detail "$TMP/$run.checks"
	fi
}

# start_held RUN LABEL CASE [WRAPPER...]: a tcpcase whose agents exist but
# make no socket call until released; sets HELD_PID and HELD_BASE (its
# procs are in $HELD_BASE.ready).
start_held() {
	local run=$1 label=$2 case=$3 deadline=$((SECONDS + 30))

	shift 3
	HELD_BASE=$TMP/$run.${label//\//_}
	mkfifo "$HELD_BASE.go" || { fail "$run: mkfifo"; return 1; }
	"$@" "$TCPCASE" "$case" --timeout 300 --ready-file "$HELD_BASE.ready" \
		--go "$HELD_BASE.go" >"$HELD_BASE.facts" 2>"$HELD_BASE.err" &
	HELD_PID=$!
	BG_PIDS="$BG_PIDS $HELD_PID"
	while [ ! -s "$HELD_BASE.ready" ] && alive "$HELD_PID" &&
	      [ $SECONDS -lt $deadline ]; do
		sleep 0.05
	done
	[ -s "$HELD_BASE.ready" ] && return 0
	fail "$run: $label: ${*:+$* }tcpcase $case never got ready:"
	detail "$HELD_BASE.err"
	kill_held "$HELD_PID"
	return 1
}

# release_held RUN LABEL PID BASE FILTER: let it run. Opening the fifo
# blocks until tcpcase has it open, so the word cannot be lost.
release_held() {
	local run=$1 label=$2 pid=$3 base=$4 filter=$5

	# shellcheck disable=SC2016 # $1 is sh's
	if ! timeout 30 sh -c 'echo go >"$1"' sh "$base.go"; then
		fail "$run: $label: could not release tcpcase"
		kill_held "$pid"
		return 1
	fi
	if ! wait_bounded "$pid" 120 || [ "$WAIT_RC" -ne 0 ]; then
		fail "$run: $label: tcpcase failed ($WAIT_RC):"
		detail "$base.err"
		return 1
	fi
	add_case "$run" "$label" "$filter" "$base.facts"
}

kill_held() {
	local pid

	for pid in "$@"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# ---- the runs ----

# Every scenario under one tcptrace, no filter: all their events.
# Returns non-zero if tcptrace does not even start.
run_main() {
	local c

	start_tracer main || return 1
	for c in $CASES; do
		run_case main "$c" "$c" '{}'
	done
	wait_events main
	stop_tracer main
	check_output main
}

# The mount namespace of a held tcpcase's client, checked to be its own.
held_mntns() {
	local run=$1 label=$2 base=$3 client id host_id

	client=$(jq -r .procs.client.pid "$base.ready")
	id=$(stat -L -c %i "/proc/$client/ns/mnt" 2>/dev/null)
	host_id=$(stat -L -c %i /proc/self/ns/mnt)
	if [ -z "$id" ] || [ "$id" = "$host_id" ]; then
		fail "$run: $label: tcpcase under unshare -m has a mount namespace of its own (got '$id', ours $host_id)"
		return 1
	fi
	pass "$run: $label: tcpcase under unshare -m has a mount namespace of its own ($id)"
	echo "$id" >"$base.mntns"
}

# -m ID1 -m ID2, or --mntnsmap with the IDs added to the pinned map once
# tcptrace runs (it must use the map, not a copy of it): two tcpcases, each
# in a namespace of its own (unshare -m), are seen: v4, and exit-close
# (the close at exit is still in that namespace). The same case outside
# is not. The outside one runs first, so its events, if any, arrive before
# the last expected ones.
run_mntns() {
	local run=$1 how=$2 pid1 base1 pid2 base2 id1 id2 map="" id

	if ! command -v unshare >/dev/null; then
		skip "$run: needs unshare"
		return
	fi
	if [ "$how" = map ] && ! command -v bpftool >/dev/null; then
		skip "$run: needs bpftool"
		return
	fi
	# --propagation unchanged: / need not be a mount point (chroot).
	start_held "$run" v4/inside v4 unshare -m --propagation unchanged || return
	pid1=$HELD_PID base1=$HELD_BASE
	if ! start_held "$run" exit-close/inside exit-close unshare -m --propagation unchanged; then
		kill_held "$pid1"
		return
	fi
	pid2=$HELD_PID base2=$HELD_BASE
	if ! held_mntns "$run" v4/inside "$base1" ||
	   ! held_mntns "$run" exit-close/inside "$base2"; then
		kill_held "$pid1" "$pid2"
		return
	fi
	id1=$(cat "$base1.mntns") id2=$(cat "$base2.mntns")
	if [ "$how" = m ]; then
		start_tracer "$run" -m "$id1" -m "$id2" || { kill_held "$pid1" "$pid2"; return; }
	else
		map=/sys/fs/bpf/tcptrace_live_$$_mntns
		PINS="$PINS $map"
		# A decoy entry: a non-empty map that does not hold the IDs yet.
		# le_hex splits into bytes on purpose.
		# shellcheck disable=SC2046
		if ! bpftool map create "$map" type hash key 8 value 4 entries 64 name tct_live_mntns ||
		   ! bpftool map update pinned "$map" key hex $(le_hex 1 8) value hex 01 00 00 00; then
			fail "$run: create and fill a pinned map with bpftool"
			kill_held "$pid1" "$pid2"
			return
		fi
		start_tracer "$run" --mntnsmap "$map" || { kill_held "$pid1" "$pid2"; return; }
		for id in "$id1" "$id2"; do
			# shellcheck disable=SC2046
			if bpftool map update pinned "$map" key hex $(le_hex "$id" 8) value hex 01 00 00 00; then
				pass "$run: $id added to the pinned map while tcptrace runs"
			else
				fail "$run: $id added to the pinned map while tcptrace runs"
			fi
		done
	fi
	run_case "$run" v4/outside v4 '{"none":true}'
	release_held "$run" v4/inside "$pid1" "$base1" '{}'
	release_held "$run" exit-close/inside "$pid2" "$base2" '{}'
	wait_events "$run"
	stop_tracer "$run"
	check_output "$run"
	[ -n "$map" ] && rm -f "$map"
}

# -v names the backend in use (the one forced, or the one auto must pick
# here) and the transport (the one forced, else the ring buffer, which
# every kernel the suite runs on has).
run_backend_choice() {
	local run=choice want=${EXPECT_BACKEND:-fentry|kprobe|tp_btf|tracepoint} got
	local want_transport=${TRANSPORT:-ringbuf} got_transport

	"$TCPTRACE" -v --backend "$BACKEND" ${TRANSPORT:+--transport "$TRANSPORT"} \
		--timeout 0.2 >/dev/null 2>"$TMP/$run.err"
	got=$(sed -n 's/^tcptrace: using the \([a-z_]*\) backend$/\1/p' "$TMP/$run.err")
	if [ -n "$got" ] && echo "$got" | grep -qxE "$want"; then
		pass "$run: --backend $BACKEND uses $got"
	else
		fail "$run: --backend $BACKEND uses $want (got '${got}'):"
		detail "$TMP/$run.err"
	fi
	got_transport=$(sed -n 's/^tcptrace: using the \([a-z]*\) transport$/\1/p' "$TMP/$run.err")
	if [ "$got_transport" = "$want_transport" ]; then
		pass "$run: ${TRANSPORT:+--transport $TRANSPORT }uses the $got_transport transport"
	else
		fail "$run: ${TRANSPORT:+--transport $TRANSPORT }uses the $want_transport transport (got '$got_transport'):"
		detail "$TMP/$run.err"
	fi
}

# A pinned map with 4-byte keys: exit non-zero, one line on stderr, before
# tracing anything.
run_bad_map() {
	local run=badmap map=/sys/fs/bpf/tcptrace_live_$$_bad pid rc lines deadline

	if ! command -v bpftool >/dev/null; then
		skip "$run: needs bpftool"
		return
	fi
	PINS="$PINS $map"
	if ! bpftool map create "$map" type hash key 4 value 4 entries 64 name tct_live_bad; then
		fail "$run: create a pinned map with bpftool"
		return
	fi
	env --default-signal=INT,TERM "$TCPTRACE" --json --backend "$BACKEND" \
		${TRANSPORT:+--transport "$TRANSPORT"} --mntnsmap "$map" \
		>"$TMP/$run.out" 2>"$TMP/$run.err" &
	pid=$!
	TRACER_PID=$pid
	deadline=$((SECONDS + READY_TIMEOUT))
	while alive "$pid" && ! grep -qxF "$READY_LINE" "$TMP/$run.err" &&
	      [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	if alive "$pid"; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		rc=running
	else
		wait "$pid"
		rc=$?
	fi
	TRACER_PID=
	case $rc in
	running) fail "$run: tcptrace --mntnsmap <key 4 map> exits non-zero (it kept running)" ;;
	0) fail "$run: tcptrace --mntnsmap <key 4 map> exits non-zero (got 0)" ;;
	*) pass "$run: tcptrace --mntnsmap <key 4 map> exits non-zero ($rc)" ;;
	esac
	lines=$(grep -c '' "$TMP/$run.err")
	if [ "$lines" -eq 1 ] && ! grep -qxF "$READY_LINE" "$TMP/$run.err"; then
		pass "$run: one line on stderr: $(cat "$TMP/$run.err")"
	else
		fail "$run: one line on stderr (got $lines):"
		detail "$TMP/$run.err"
	fi
	if [ ! -s "$TMP/$run.out" ]; then
		pass "$run: nothing on stdout"
	else
		fail "$run: nothing on stdout; got:"
		detail "$TMP/$run.out"
	fi
	rm -f "$map"
}

# -p PID of a held tcpcase's client: its connect and close show, its
# server's events and another case's do not.
run_pid_filter() {
	local run=pid pid base client

	start_held "$run" v4/held v4 || return
	pid=$HELD_PID base=$HELD_BASE
	client=$(jq -r .procs.client.pid "$base.ready")
	start_tracer "$run" -p "$client" || { kill_held "$pid"; return; }
	run_case "$run" v4/other v4 '{"none":true}'
	release_held "$run" v4/held "$pid" "$base" "{\"pids\":[$client]}"
	wait_events "$run"
	stop_tracer "$run"
	check_output "$run"
}

# --connect-only: connects (established and refused) show, nothing else.
run_connect_only() {
	local run=connect-only

	start_tracer "$run" --connect-only || return
	run_case "$run" v4 v4 '{"types":["connect"]}'
	run_case "$run" refused refused '{"types":["connect"]}'
	wait_events "$run"
	stop_tracer "$run"
	check_output "$run"
}

main() {
	parse_args "$@"
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcptrace-live.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	echo "# tcptrace live suite: backend $BACKEND, transport ${TRANSPORT:-default}, kernel $(uname -r), $TCPTRACE"
	if ! preflight; then
		:
	elif ! run_main; then
		echo "# tcptrace does not start with --backend $BACKEND: the other runs are not attempted"
	else
		run_backend_choice
		run_mntns mntns-m m
		run_mntns mntns-map map
		run_bad_map
		run_pid_filter
		run_connect_only
		run_flag_suite
	fi
	summary
}

main "$@"
