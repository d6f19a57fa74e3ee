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
# --mntnsmap (and a wrong-layout map), -p, --connect-only, --failure-only,
# with accepts asleep before it started, for a burst of connections, and
# for a storm of failures (its maps must not keep what it leaves). Prints
# one line per check and ends with "N passed, N failed" (", N skipped" too
# outside CI). Needs root, jq, bpftool, unshare, nft; mounts tracefs and
# bpffs if they are not (and cgroup2, in a temporary directory, if no
# cgroup2 is mounted). Under CI=true nothing skips: a missing piece is a
# failure.
#
# LIVE_READY_TIMEOUT (60 s) bounds the wait for tcptrace to attach,
# LIVE_EVENT_TIMEOUT (15 s) the wait for the expected events.
# LIVE_BURST_N (5000): connections of the burst run.
# LIVE_STORM_SCALE (1): the storm's counts, times this: 100000 refused,
# 100000 aborted, 100000 synchronous failures, 10000 IPv4-mapped connects.
# LIVE_STORM_TIMEOUT (240 s) bounds the storm; LIVE_STORM_TOLERANCE (32):
# how many entries more than before the storm a map may hold after it.
# LIVE_ONLY=choice: only which form the backend takes (for auto, whose
# form's cases run on their own). LIVE_CT_ALL=1: the container checks that
# are the same in every form too (containers.sh; make live asks one run).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
# shellcheck source=tests/report.sh
. "$ROOT/tests/report.sh"
# shellcheck source=tests/live/flags.sh
. "$HERE/flags.sh"
# shellcheck source=tests/live/containers.sh
. "$HERE/containers.sh"
CHECK_JQ=$HERE/check.jq
BACKEND=
TRANSPORT=
EXPECT_BACKEND=
TCPTRACE=$ROOT/tcptrace
TCPCASE=$ROOT/build/tests/tcpcase
TCPSTORM=$ROOT/build/tests/tcpstorm
DENY_OBJ=$ROOT/build/tests/deny_connect.bpf.o
BURST_JQ=$HERE/burst.jq
BURST_N=${LIVE_BURST_N:-5000}
STORM_SCALE=${LIVE_STORM_SCALE:-1}
STORM_TIMEOUT=${LIVE_STORM_TIMEOUT:-240}
STORM_TOLERANCE=${LIVE_STORM_TOLERANCE:-32}
READY_LINE='Tracing TCP connect, accept and close events... Hit Ctrl-C to end.'
SKIPPED_LINES='^tcptrace: (the kernel skipped [0-9]+ runs of its programs|lost so far: 0, kernel skipped [0-9]+ runs$)'
READY_TIMEOUT=${LIVE_READY_TIMEOUT:-60}
EVENT_TIMEOUT=${LIVE_EVENT_TIMEOUT:-15}
# LIVE_CASES: the main run's cases instead (to try a few).
CASES=${LIVE_CASES:-"v4 v6 mapped refused refused-nb nb-late accept4-nb server-first passed dup exit-close thread
       half-close linger peer-reset self-connect unreach-v4 unreach-v6 port-exhaustion timeout
       abort-close abort-kill eintr ealready not-tcp asleep-accepts"}
# The cases that drop SYNs with nft; eperm, which needs a cgroup, runs apart.
NFT_CASES="timeout abort-close abort-kill eintr ealready"
TMP=
TRACER_PID=
BG_PIDS=
PINS=
FIELDS=
PREFLIGHT_OK=false
CGROUP_DIR=
CGROUP2_MOUNT=
DENY_PINS=

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
	teardown_deny_cgroup
	# LIVE_KEEP=1: leave the run's files (outputs, facts) for a look.
	if [ -n "$TMP" ] && [ "${LIVE_KEEP:-}" = 1 ]; then
		echo "# kept $TMP"
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
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
	PREFLIGHT_OK=true
	return 0
}

# ---- tcptrace runs ----

# start_tracer RUN [ARGS...]: tcptrace --json --backend in the background,
# output in $TMP/RUN.out and RUN.err; waits for the ready line.
start_tracer() {
	local run=$1 deadline=$((SECONDS + READY_TIMEOUT))

	shift
	: >"$TMP/$run.cases"
	: >"$TMP/$run.keep"
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
# stop_tracer RUN [lossy]: lossy (a storm, meant to outrun the buffers):
# a report of lost events is a note, not a failure.
stop_tracer() {
	local run=$1 allowed=$SKIPPED_LINES

	[ "${2:-}" = lossy ] && allowed="$allowed|^tcptrace: lost [0-9]+ events|^tcptrace: lost so far: "
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
	grep -E "$allowed" "$TMP/$run.err" | sed 's/^/# note: /'
	if [ "$(grep -vcE "$allowed" "$TMP/$run.err")" -eq 1 ] &&
	   grep -qxF "$READY_LINE" "$TMP/$run.err"; then
		pass "$run: stderr is the ready line (and no report of lost events)"
	else
		fail "$run: stderr is the ready line (and no report of lost events); it was:"
		detail "$TMP/$run.err"
	fi
}

# The valid JSON lines so far, for check.jq to slurp. When the run keeps a
# list of pids and ports ($TMP/RUN.keep, from its cases), only the lines
# that name one of them: other traffic on the host (a benchmark, say) can
# be millions of events, too many for jq to slurp.
valid_events() {
	local re

	if [ -s "$TMP/$1.keep" ]; then
		re="\"(pid|port)\": *($(sort -un "$TMP/$1.keep" | paste -sd'|' -))[^0-9]"
		grep -E "$re" "$TMP/$1.out" | jq -c -R 'fromjson? // empty' >"$TMP/$1.events" 2>/dev/null
	else
		jq -c -R 'fromjson? // empty' <"$TMP/$1.out" >"$TMP/$1.events" 2>/dev/null
	fi
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
# Further arguments go to tcpcase.
run_case() {
	local run=$1 label=$2 case=$3 filter=$4 base

	shift 4
	base=$TMP/$run.${label//\//_}
	if "$TCPCASE" "$case" --timeout 60 "$@" >"$base.facts" 2>"$base.err"; then
		add_case "$run" "$label" "$filter" "$base.facts"
	else
		fail "$run: $label: tcpcase $case failed:"
		detail "$base.err"
	fi
}

add_case() {
	jq -r '.procs[].pid, .tcpcase.pid, .listener.local.port // empty,
	       (.conns[] | .local.port, .remote.port)' "$4" >>"$TMP/$1.keep" 2>/dev/null
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
	check_prec_fields "$run"
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

# The precision fields on every event, typed (issue 7): in a function of
# its own, beside the schema check.
check_prec_fields() {
	local run=$1

	if judge "$run" fields >"$TMP/$run.fields" && [ ! -s "$TMP/$run.fields" ]; then
		pass "$run: every event has sock_id, ipv4_mapped, latency_ns, syn_retrans, duration_ns, bytes_sent, bytes_received, retransmits, srtt_us, closed_by"
	else
		fail "$run: every event has sock_id, ipv4_mapped, latency_ns, syn_retrans, duration_ns, bytes_sent, bytes_received, retransmits, srtt_us, closed_by; not:"
		detail "$TMP/$run.fields"
	fi
}

# needs_nft WHAT CASE: false (and a skip) for a case of NFT_CASES without nft.
needs_nft() {
	case " $(echo $NFT_CASES) " in
	*" $2 "*) ;;
	*) return 0 ;;
	esac
	command -v nft >/dev/null && return 0
	skip "$1: needs nft (nftables: make test-deps)"
	return 1
}

# ---- the eperm case's cgroup ----

# A cgroup v2 directory of ours with deny_connect.bpf.o's programs attached
# for connect4 and connect6: sets CGROUP_DIR, or DENY_WHY when it cannot.
setup_deny_cgroup() {
	local root

	DENY_WHY=
	if ! command -v bpftool >/dev/null; then
		DENY_WHY="needs bpftool"
	elif [ ! -f "$DENY_OBJ" ]; then
		DENY_WHY="no $DENY_OBJ (run make live)"
	fi
	[ -z "$DENY_WHY" ] || return 1
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$root" ]; then
		root=$TMP/cgroup2
		mkdir -p "$root"
		if ! mount -t cgroup2 cgroup2 "$root"; then
			DENY_WHY="no cgroup2 mounted, and mounting one failed"
			return 1
		fi
		CGROUP2_MOUNT=$root
	fi
	if ! mkdir "$root/tcptrace_live_$$"; then
		DENY_WHY="cannot create a cgroup under $root"
		return 1
	fi
	CGROUP_DIR=$root/tcptrace_live_$$
	DENY_PINS=/sys/fs/bpf/tcptrace_live_$$_deny
	if ! bpftool prog loadall "$DENY_OBJ" "$DENY_PINS" >"$TMP/deny.log" 2>&1 ||
	   ! bpftool cgroup attach "$CGROUP_DIR" connect4 pinned "$DENY_PINS/deny_connect4" >>"$TMP/deny.log" 2>&1 ||
	   ! bpftool cgroup attach "$CGROUP_DIR" connect6 pinned "$DENY_PINS/deny_connect6" >>"$TMP/deny.log" 2>&1; then
		DENY_WHY="loading or attaching $DENY_OBJ to $CGROUP_DIR failed: $(tail -n 1 "$TMP/deny.log")"
		teardown_deny_cgroup
		return 1
	fi
	return 0
}

teardown_deny_cgroup() {
	if [ -n "$CGROUP_DIR" ]; then
		bpftool cgroup detach "$CGROUP_DIR" connect4 pinned "$DENY_PINS/deny_connect4" 2>/dev/null
		bpftool cgroup detach "$CGROUP_DIR" connect6 pinned "$DENY_PINS/deny_connect6" 2>/dev/null
		rmdir "$CGROUP_DIR" 2>/dev/null
		CGROUP_DIR=
	fi
	if [ -n "$DENY_PINS" ]; then
		rm -rf "$DENY_PINS"
		DENY_PINS=
	fi
	if [ -n "$CGROUP2_MOUNT" ]; then
		umount "$CGROUP2_MOUNT" 2>/dev/null
		CGROUP2_MOUNT=
	fi
}

# The eperm case: its client in the cgroup, where connect() gives EPERM.
run_eperm() {
	local run=$1 filter='{}'

	[ -n "${2:-}" ] && filter=$2
	if [ -z "$CGROUP_DIR" ]; then
		skip "$run: eperm: $DENY_WHY"
		return
	fi
	run_case "$run" eperm eperm "$filter" --cgroup "$CGROUP_DIR"
}

# ---- the runs ----

# Every scenario under one tcptrace, no filter: all their events.
# Returns non-zero if tcptrace does not even start.
run_main() {
	local c

	start_tracer main || return 1
	for c in $CASES; do
		needs_nft "main: $c" "$c" || continue
		run_case main "$c" "$c" '{}'
	done
	run_eperm main
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

# --failure-only: a refused connect, one that fails at once (no route), an
# aborted one and an established one: the three failures show, nothing else.
run_failure_only() {
	local run=failure-only c

	start_tracer "$run" --failure-only || return
	for c in refused unreach-v4 abort-close v4; do
		needs_nft "$run: $c" "$c" || continue
		run_case "$run" "$c" "$c" '{"failures":true}'
	done
	run_eperm "$run" '{"failures":true}'
	wait_events "$run"
	stop_tracer "$run"
	check_output "$run"
}

# Accepts asleep (threads of the server, each in accept()) before tcptrace
# started: each accept event still has the listening fd.
run_asleep_accepts() {
	local run=asleep label=accepts-asleep-before-tcptrace pid base

	start_held "$run" "$label" asleep-accepts || return
	pid=$HELD_PID base=$HELD_BASE
	start_tracer "$run" || { kill_held "$pid"; return; }
	release_held "$run" "$label" "$pid" "$base" '{}'
	wait_events "$run"
	stop_tracer "$run"
	check_output "$run"
}

# How many lines of the run $1 so far name process $2 (a pid of its own:
# its children have none), cheaply: the guest polls this under TCG.
events_of() {
	grep -cE "\"pid\": *$2[^0-9]" "$TMP/$1.out"
}

# A burst of BURST_N connections under one tcptrace: every one of their
# events, each socket's connect or accept joined with its close by sock_id.
run_burst() {
	local run=burst pid deadline n

	if [ ! -x "$TCPSTORM" ]; then
		skip "$run: no tcpstorm at $TCPSTORM (run make live)"
		return
	fi
	start_tracer "$run" || return
	if ! "$TCPSTORM" burst "$BURST_N" --timeout 300 >"$TMP/$run.facts" 2>"$TMP/$run.storm.err"; then
		fail "$run: tcpstorm burst $BURST_N failed:"
		detail "$TMP/$run.storm.err"
		stop_tracer "$run"
		return
	fi
	pass "$run: tcpstorm made $BURST_N connections ($(jq -r '"\(.t_end - .t_start | . * 1000 | floor) ms"' "$TMP/$run.facts"))"
	pid=$(jq -r .pid "$TMP/$run.facts")
	echo "$pid" >"$TMP/$run.keep"
	deadline=$((SECONDS + EVENT_TIMEOUT))
	while n=$(events_of "$run" "$pid") && [ "$n" -lt $((4 * BURST_N)) ] &&
	      [ $SECONDS -lt $deadline ]; do
		sleep 0.5
	done
	sleep 0.5
	stop_tracer "$run"
	# Not check_output: the schema checks take minutes over 20000 events
	# (the main run checks the schema); burst.jq counts every event of the
	# process, of which it needs a few fields (parsing is what costs in
	# the guest).
	grep -E "\"pid\": *$pid[^0-9]" "$TMP/$run.out" |
		jq -c -R 'fromjson? | {type, proc: {pid: .proc.pid}, sock_id, error,
			src: {port: .src.port}, dst: {port: .dst.port}}' >"$TMP/$run.events"
	if jq -n -r --arg prefix "[$LABEL] $run:" --slurpfile facts "$TMP/$run.facts" \
		--slurpfile events "$TMP/$run.events" -f "$BURST_JQ" >"$TMP/$run.checks"; then
		tally "$TMP/$run.checks"
	else
		fail "$run: burst.jq failed"
		detail "$TMP/$run.checks"
	fi
}

# The hash maps of the running tracer: "ID NAME TYPE MAX" lines. Its maps
# are the ones its fds hold (bpftool here cannot name a map's process).
tracer_maps() {
	local ids

	ids=$(cat /proc/"$TRACER_PID"/fdinfo/* 2>/dev/null |
	      awk '$1 == "map_id:" { print $2 }' | sort -un | paste -sd, -)
	[ -n "$ids" ] || return 1
	bpftool map show -j | jq -r --argjson ids "[$ids]" \
		'.[] | select(.id as $i | $ids | index($i)) | select(.type | test("hash"))
		 | "\(.id) \(.name) \(.type) \(.max_entries)"'
}

# map_sizes FILE: "NAME ENTRIES MAX" for every hash map of the tracer.
map_sizes() {
	local id name type max n

	tracer_maps >"$1.maps" || return 1
	[ -s "$1.maps" ] || return 1
	while read -r id name type max; do
		n=$(bpftool map dump id "$id" -j 2>/dev/null | jq length) || n=unknown
		echo "$name ${n:-unknown} $max"
	done <"$1.maps" >"$1"
}

# Round BASE * STORM_SCALE, at least 1 when the scale is not 0.
scaled() {
	awk -v b="$1" -v s="$STORM_SCALE" 'BEGIN { n = int(b * s + 0.5); if (n < 1 && s > 0) n = 1; print n }'
}

# Until the run's output stops growing (tcptrace has read what was
# buffered), at most $2 seconds.
wait_quiet() {
	local run=$1 deadline=$((SECONDS + $2)) size last=-1

	while size=$(stat -c %s "$TMP/$run.out") && [ "$size" != "$last" ] &&
	      [ $SECONDS -lt $deadline ]; do
		last=$size
		sleep 1
	done
}

# Hygiene (issue 7 item 8): a storm of refused, aborted and synchronously
# failed connects, and IPv4-mapped ones, under tcptrace; every hash map of
# tracer holds, after it, about what it held before; and a connection made
# after the storm is reported all the same.
run_storm() {
	local run=storm after=storm-after refused aborted sync mapped off
	local kind n done unexpected secs name b a max bn an deadline missing

	if [ ! -x "$TCPSTORM" ]; then
		skip "$run: no tcpstorm at $TCPSTORM (run make live)"
		return
	fi
	if ! command -v bpftool >/dev/null; then
		skip "$run: needs bpftool"
		return
	fi
	if ! command -v nft >/dev/null; then
		skip "$run: needs nft (nftables: make test-deps)"
		return
	fi
	refused=$(scaled 100000) aborted=$(scaled 100000) sync=$(scaled 100000)
	mapped=$(scaled 10000)
	start_tracer "$run" || return
	if ! map_sizes "$TMP/$run.before"; then
		fail "$run: tcptrace's maps found (its fds, bpftool map show)"
		stop_tracer "$run"
		return
	fi
	"$TCPSTORM" storm --refused "$refused" --aborted "$aborted" --sync "$sync" \
		--mapped "$mapped" --timeout "$STORM_TIMEOUT" >"$TMP/$run.facts" 2>"$TMP/$run.storm.err"
	for kind in refused aborted sync mapped; do
		# A here-string, not < <(...): the guest has no /dev/fd.
		read -r n done unexpected secs <<<"$(jq -r --arg k "$kind" \
			'select(.kind == $k) | "\(.n) \(.done) \(.unexpected) \(.seconds)"' "$TMP/$run.facts")"
		if [ -n "${n:-}" ] && [ "$done" = "$n" ] && [ "$unexpected" = 0 ]; then
			pass "$run: $n $kind connects in ${secs}s"
		else
			fail "$run: $kind connects: ${n:-?} asked, ${done:-?} done (${unexpected:-?} with another result) within ${STORM_TIMEOUT}s:"
			detail "$TMP/$run.storm.err"
		fi
	done
	wait_quiet "$run" 30
	if map_sizes "$TMP/$run.after"; then
		while read -r name b max; do
			a=$(awk -v n="$name" '$1 == n { print $2 }' "$TMP/$run.after")
			echo "map $name: before $b after ${a:-gone}"
			if [ -n "$a" ] && [ "$a" != unknown ] && [ "$b" != unknown ] &&
			   [ "$a" -le $((b + STORM_TOLERANCE)) ]; then
				pass "$run: map $name holds after the storm what it held before, give or take $STORM_TOLERANCE ($b -> $a of $max)"
			else
				fail "$run: map $name holds after the storm what it held before, give or take $STORM_TOLERANCE ($b -> ${a:-gone} of $max)"
			fi
		done <"$TMP/$run.before"
	else
		fail "$run: tcptrace's maps found after the storm"
	fi
	# What tcptrace reported of the storm, for the log.
	grep -F '"tc-storm"' "$TMP/$run.out" |
		jq -r -R 'fromjson? | select(.proc.comm == "tc-storm") | "\(.type) \(.error)"' |
		sort | uniq -c | sed 's/^ */# storm events: /'
	# Then one more connection: judged on what came after the storm.
	off=$(stat -c %s "$TMP/$run.out")
	: >"$TMP/$after.cases"
	: >"$TMP/$after.keep"
	run_case "$after" v4/after-the-storm v4 '{}'
	deadline=$((SECONDS + EVENT_TIMEOUT))
	while :; do
		tail -c +$((off + 1)) "$TMP/$run.out" >"$TMP/$after.out"
		valid_events "$after"
		missing=$(judge "$after" missing 2>/dev/null)
		[ "$missing" = 0 ] || [ $SECONDS -ge $deadline ] && break
		sleep 0.2
	done
	sleep 0.5
	stop_tracer "$run" lossy
	tail -c +$((off + 1)) "$TMP/$run.out" >"$TMP/$after.out"
	check_output "$after"
}

main() {
	parse_args "$@"
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcptrace-live.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	echo "# tcptrace live suite: backend $BACKEND, transport ${TRANSPORT:-default}, kernel $(uname -r), $TCPTRACE"
	preflight && setup_deny_cgroup
	if [ "$PREFLIGHT_OK" != true ]; then
		:
	elif [ "${LIVE_ONLY:-}" = choice ]; then
		# Which form auto takes, alone: its cases ran in that form already.
		run_backend_choice
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
		run_failure_only
		run_asleep_accepts
		run_burst
		run_storm
		run_container_suite
	fi
	summary
}

main "$@"
