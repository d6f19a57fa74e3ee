#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The hostile suite: tcptrace where its input, its privileges, its kernel
# and its stdout work against it, and how it stops.
#
#   tests/hostile/run.sh [--backend NAME] [--only GROUP,...] [--tcptrace PATH]
#
# Groups (all by default, in this order):
#   input       bad flags and values: one line on stderr, exit 2, control bytes escaped
#   pins        wrong pinned objects for --mntnsmap: one line, exit 1
#   privileges  nobody, a root without capabilities: one line naming what is missing;
#               non-root with CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH works
#   kernel      no tracefs, no BTF (hidden in a mount namespace): one line, exit 1
#   sinks       stdout closed, /dev/full, `| head -n 1`
#   signals     SIGINT, SIGTERM, SIGHUP with a full unread pipe end within 1 s and
#               report losses; a second SIGINT; SIGKILL; no BPF object left after any
#   losses      events printed + counted >= expected, with an unread pipe and in a
#               flood; the progress line and the JSON loss record
#   comm        a process whose comm holds control bytes, invalid UTF-8, quotes
#   concurrent  two tcptrace at once see the same connection
#
# Prints one "ok - NAME" / "FAIL - NAME" line per check and ends with
# "N passed, N failed" (", N skipped" too outside CI). Needs root, jq,
# bpftool, setpriv, unshare, and build/bench/connrate, build/tests/commconn
# (make hostile builds them). Under CI=true nothing skips.
#
#   HOSTILE_EXIT_MS     the bound on SIGINT-to-exit (1000)
#   HOSTILE_CONNS       connections of the unread-pipe cases (2000)
#   HOSTILE_FLOOD       connections of the flood (20000)
#   HOSTILE_READY_TIMEOUT  seconds for tcptrace to attach (60)

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/proc.sh
. "$ROOT/scripts/proc.sh"
# shellcheck source=tests/report.sh
. "$ROOT/tests/report.sh"
DETAIL_LINES=20
BACKEND=tp_btf
ONLY=
TCPTRACE=$ROOT/tcptrace
CONNRATE=$ROOT/build/bench/connrate
COMMCONN=$ROOT/build/tests/commconn
READY_LINE='Tracing TCP connect, accept and close events... Hit Ctrl-C to end.'
READY_TIMEOUT=${HOSTILE_READY_TIMEOUT:-60}
EXIT_MS=${HOSTILE_EXIT_MS:-1000}
CONNS=${HOSTILE_CONNS:-2000}
FLOOD=${HOSTILE_FLOOD:-20000}
GROUPS_ALL="input pins privileges kernel sinks signals losses comm concurrent"
TMP=
PIDS=
PINS=
GROUP=

# ---- processes ----

cleanup() {
	local pid pin

	for pid in $PIDS; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pin in $PINS; do
		rm -f "$pin"
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Until file $2 has the ready line or pid $1 ends (bounded): 0 when ready.
wait_ready() {
	local deadline=$((SECONDS + READY_TIMEOUT))

	while [ $SECONDS -lt $deadline ]; do
		grep -qxF "$READY_LINE" "$2" 2>/dev/null && return 0
		alive "$1" || return 1
		sleep 0.05
	done
	return 1
}

# start NAME OUT [ARGS...]: tcptrace --backend in the background with stdout
# to OUT, stderr to $TMP/NAME.err; sets TPID; 0 once it is ready.
start() {
	local name=$1 out=$2

	shift 2
	# Background jobs of a script get SIGINT ignored: give it back.
	env --default-signal=INT,TERM,HUP "$TCPTRACE" --backend "$BACKEND" "$@" \
		>"$out" 2>"$TMP/$name.err" &
	TPID=$!
	PIDS="$PIDS $TPID"
	if wait_ready "$TPID" "$TMP/$name.err"; then
		return 0
	fi
	fail "$name: tcptrace${*:+ $*} ready"
	detail "$TMP/$name.err"
	kill -KILL "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	return 1
}

# stop_with SIG PID: the signal, then the wait; sets RC and STOP_MS.
stop_with() {
	local t0

	t0=$(now_ms)
	kill -"$1" "$2"
	# Quiet: bash reports a job killed by a signal when it reaps it.
	{
		while alive "$2" && [ $(($(now_ms) - t0)) -lt 10000 ]; do
			sleep 0.01
		done
		STOP_MS=$(($(now_ms) - t0))
		wait_bounded "$2" 1
	} 2>/dev/null
	RC=$WAIT_RC
}

# A FIFO whose reader holds it open without reading until $TMP/NAME.go
# exists, then reads it all into $TMP/NAME.out. Sets FIFO and RPID.
unread_pipe() {
	local name=$1

	FIFO=$TMP/$name.fifo
	rm -f "$FIFO" "$TMP/$name.go"
	mkfifo "$FIFO"
	# shellcheck disable=SC2016 # $1 is sh's
	sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done; exec cat' sh "$TMP/$name.go" \
		<"$FIFO" >"$TMP/$name.out" &
	RPID=$!
	PIDS="$PIDS $RPID"
}

read_pipe() {
	touch "$TMP/$1.go"
}

# The ids of the BPF objects pid $1 holds, from its fds: "prog:N map:N link:N".
bpf_ids() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null |
		sed -n 's/^\(prog\|map\|link\)_id:[[:space:]]*\([0-9]*\)$/\1:\2/p' | sort -u
}

live_ids() {
	{
		bpftool prog show -j | jq -r '.[] | "prog:\(.id)"'
		bpftool map show -j | jq -r '.[] | "map:\(.id)"'
		bpftool link show -j | jq -r '.[] | "link:\(.id)"'
	} 2>/dev/null | sort -u
}

# objects_gone NAME IDS-FILE: none of them left within 3 s.
objects_gone() {
	local name=$1 ids=$2 deadline=$((SECONDS + 3)) n

	n=$(grep -c '' "$ids")
	if [ "$n" -lt 3 ]; then
		fail "$name: the BPF objects of tcptrace were seen while it ran (got $n)"
		return
	fi
	while :; do
		# A file, not <(...): a guest's /dev may have no /dev/fd.
		live_ids >"$ids.live"
		comm -12 "$ids" "$ids.live" >"$ids.left"
		[ -s "$ids.left" ] || break
		[ $SECONDS -ge $deadline ] && break
		sleep 0.1
	done
	[ ! -s "$ids.left" ]
	check $? "$name: none of its $n BPF objects (programs, maps, links) is left" "$ids.left"
}

# One line on stderr, without a raw control byte.
one_clean_line() {
	[ "$(grep -c '' "$1")" -eq 1 ] && ! LC_ALL=C grep -q '[[:cntrl:]]' "$1"
}

# ---- input ----

# bad_input NAME WANT-RC ARGS...: exits WANT-RC at once with one clean line.
# GROUP names the group in the check's name.
bad_input() {
	local name=$1 want=$2 rc

	shift 2
	timeout 10 "$TCPTRACE" "$@" >"$TMP/input.out" 2>"$TMP/input.err"
	rc=$?
	if [ "$rc" -eq "$want" ] && one_clean_line "$TMP/input.err" && [ ! -s "$TMP/input.out" ]; then
		pass "$GROUP: $name: exit $want, one line: $(cat "$TMP/input.err")"
	else
		fail "$GROUP: $name: exit $want, one line without control bytes (got $rc):"
		detail "$TMP/input.err"
	fi
}

group_input() {
	bad_input "unknown option" 2 --bogus
	bad_input "unknown option with control bytes" 2 $'--\x1b[2Jfoo'
	bad_input "unknown option with a newline" 2 $'--a\nb'
	bad_input "unknown short option, a bell" 2 $'-\a'
	bad_input "bad --pid with control bytes" 2 --pid $'1\x1b[31m'
	bad_input "bad --timeout" 2 --timeout 1e9
	bad_input "bad --backend" 2 --backend $'k\x9bprobe'
	bad_input "bad --comm (too long)" 2 --comm 0123456789abcdef
	bad_input "positional argument with invalid UTF-8" 2 $'\xff\xfe'
	bad_input "mutually exclusive" 2 --connect-only --accept-only
	"$TCPTRACE" $'--\x1b[2Jfoo' 2>"$TMP/input.err"
	grep -qxF "tcptrace: unrecognized option '--\\x1b[2Jfoo'" "$TMP/input.err"
	check $? "input: the unknown option is echoed escaped, as '--\\x1b[2Jfoo'" "$TMP/input.err"
}

# ---- pins ----

group_pins() {
	local dir=/sys/fs/bpf bad=/sys/fs/bpf/tcptrace_hostile_$$_bad prog=/sys/fs/bpf/tcptrace_hostile_$$_prog id

	if ! command -v bpftool >/dev/null; then
		skip "pins: needs bpftool"
		return
	fi
	[ "$(stat -f -c %T "$dir" 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf "$dir" 2>/dev/null
	PINS="$PINS $bad $prog"
	if bpftool map create "$bad" type hash key 4 value 4 entries 8 name tct_host_bad; then
		bad_input "a pinned map of the wrong layout" 1 --backend "$BACKEND" --mntnsmap "$bad"
	else
		fail "pins: bpftool map create"
	fi
	# A pinned program: one of a tcptrace's own, pinned while it runs.
	if start pins-prog "$TMP/pins.out" --json; then
		id=$(bpf_ids "$TPID" | sed -n 's/^prog://p' | head -n 1)
		bpftool prog pin id "$id" "$prog" 2>"$TMP/pins.pin.err" ||
			fail "pins: bpftool prog pin id $id"
		stop_with INT "$TPID"
		[ -e "$prog" ] && bad_input "a pinned program, not a map" 1 --backend "$BACKEND" --mntnsmap "$prog"
	fi
	rm -f "$bad" "$prog"
	bad_input "no such pinned path, with control bytes" 1 --backend "$BACKEND" \
		--mntnsmap $'/sys/fs/bpf/no\x1b[2Jsuch'
	bad_input "not a BPF object" 1 --backend "$BACKEND" --mntnsmap /etc/passwd
}

# ---- privileges ----

# One connection by commconn; its port in CONN_PORT, its pid in CONN_PID.
connect_once() {
	local facts

	facts=$("$COMMCONN" "$1") || return 1
	CONN_PORT=$(jq -r .port <<<"$facts")
	CONN_PID=$(jq -r .pid <<<"$facts")
}

# has_conn FILE PORT: a connect, an accept and two closes on that port.
has_conn() {
	local got

	got=$(jq -r --argjson p "$2" 'select(.src.port == $p or .dst.port == $p) | .type' \
		"$1" 2>/dev/null | sort | tr '\n' ' ')
	[ "$got" = "accept close close connect " ]
}

# Until FILE has commconn's events (bounded).
wait_conn() {
	local deadline=$((SECONDS + 10))

	until has_conn "$1" "$2"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# refused RC WHO WORDS: exit 1, one line that says WORDS.
refused() {
	[ "$1" -eq 1 ] && one_clean_line "$TMP/priv.err" && grep -qF "$3" "$TMP/priv.err"
	check $? "privileges: $2: exit 1 (got $1), one line naming what is missing: $(cat "$TMP/priv.err")" \
		"$TMP/priv.err"
}

group_privileges() {
	local bin=$TMP/bin/tcptrace caps=+bpf,+perfmon,+dac_read_search

	if ! command -v setpriv >/dev/null; then
		skip "privileges: needs setpriv"
		return
	fi
	# A copy anyone can run: the build tree may be closed to nobody.
	mkdir -p "$TMP/bin" && cp "$TCPTRACE" "$bin" && chmod 755 "$TMP" "$TMP/bin" "$bin"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --backend "$BACKEND" \
		>"$TMP/priv.out" 2>"$TMP/priv.err"
	refused $? "nobody" 'missing CAP_BPF and CAP_PERFMON'
	setpriv --inh-caps=-all --bounding-set=-all "$bin" --backend "$BACKEND" \
		>"$TMP/priv.out" 2>"$TMP/priv.err"
	refused $? "root without capabilities" 'missing CAP_BPF and CAP_PERFMON'
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+bpf \
		--ambient-caps=-all,+bpf "$bin" --backend "$BACKEND" >"$TMP/priv.out" 2>"$TMP/priv.err"
	refused $? "nobody with CAP_BPF alone" 'missing CAP_PERFMON'
	TCPTRACE_SAVED=$TCPTRACE
	TCPTRACE="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps --ambient-caps=$caps $bin"
	# shellcheck disable=SC2086 # the command above, word-split on purpose
	if start_cmd priv-caps "$TMP/priv.json" --json; then
		connect_once 6869676831 || fail "privileges: commconn failed"
		wait_conn "$TMP/priv.json" "${CONN_PORT:-0}"
		check $? "privileges: nobody with CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH traces a connection"
		stop_with INT "$TPID"
		check "$([ "$RC" = 0 ]; echo $?)" "privileges: and exits 0 on SIGINT (got $RC)" \
			"$TMP/priv-caps.err"
	fi
	TCPTRACE=$TCPTRACE_SAVED
}

# start with $TCPTRACE word-split (a wrapper and its arguments).
start_cmd() {
	local name=$1 out=$2

	shift 2
	# shellcheck disable=SC2086
	env --default-signal=INT,TERM,HUP $TCPTRACE --backend "$BACKEND" "$@" \
		>"$out" 2>"$TMP/$name.err" &
	TPID=$!
	PIDS="$PIDS $TPID"
	wait_ready "$TPID" "$TMP/$name.err" && return 0
	fail "$name: ready"
	detail "$TMP/$name.err"
	kill -KILL "$TPID" 2>/dev/null
	return 1
}

# ---- kernel ----

# hidden NAME DIRS WRAPPER...: tcptrace in a mount namespace with tmpfs over
# each of DIRS (comma-separated), run through WRAPPER; status in RC.
hidden() {
	local name=$1 dirs=$2

	shift 2
	# shellcheck disable=SC2016 # $1.. are sh's
	timeout 20 unshare -m --propagation private sh -c '
		IFS=,; for d in $1; do [ -d "$d" ] && mount -t tmpfs none "$d" || exit 99; done
		shift; exec "$@"' sh "$dirs" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
}

group_kernel() {
	local caps=+bpf,+perfmon,+dac_read_search tracing=/sys/kernel/tracing

	if ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
		skip "kernel: needs unshare and setpriv"
		return
	fi
	[ -d /sys/kernel/debug/tracing ] && tracing=$tracing,/sys/kernel/debug
	hidden btf /sys/kernel/btf "$TCPTRACE" --backend "$BACKEND" --timeout 1
	check "$([ "$RC" = 1 ] && one_clean_line "$TMP/btf.err" &&
		grep -q 'BTF' "$TMP/btf.err"; echo $?)" \
		"kernel: no BTF: exit 1, one line naming it: $(cat "$TMP/btf.err")" "$TMP/btf.err"
	# Without CAP_SYS_ADMIN it cannot mount tracefs itself.
	hidden tracefs "$tracing" setpriv --inh-caps=-all,$caps --bounding-set=-all,$caps \
		"$TCPTRACE" --backend "$BACKEND" --timeout 1
	check "$([ "$RC" = 1 ] && one_clean_line "$TMP/tracefs.err" &&
		grep -q 'tracefs' "$TMP/tracefs.err"; echo $?)" \
		"kernel: no tracefs, no CAP_SYS_ADMIN: exit 1, one line naming it: $(cat "$TMP/tracefs.err")" \
		"$TMP/tracefs.err"
	hidden tracefs-root "$tracing" "$TCPTRACE" --backend "$BACKEND" --timeout 0.5
	check "$([ "$RC" = 0 ] && grep -qxF "$READY_LINE" "$TMP/tracefs-root.err"; echo $?)" \
		"kernel: no tracefs, as root: it mounts tracefs and traces (exit $RC)" "$TMP/tracefs-root.err"
}

# ---- sinks ----

group_sinks() {
	local t0 ms rc

	t0=$(now_ms)
	"$TCPTRACE" --backend "$BACKEND" >&- 2>"$TMP/closed.err"
	rc=$? ms=$(($(now_ms) - t0))
	check "$([ $rc -eq 1 ] && one_clean_line "$TMP/closed.err" &&
		grep -q 'stdout is closed' "$TMP/closed.err" && ! grep -qF "$READY_LINE" "$TMP/closed.err"; echo $?)" \
		"sinks: stdout closed: exit 1 before loading anything (${ms} ms), one line: $(cat "$TMP/closed.err")" \
		"$TMP/closed.err"
	"$TCPTRACE" --backend "$BACKEND" >/dev/full 2>"$TMP/full.err"
	rc=$?
	check "$([ $rc -eq 1 ] && [ "$(grep -vcxF "$READY_LINE" "$TMP/full.err")" -eq 1 ] &&
		grep -q 'No space left on device' "$TMP/full.err"; echo $?)" \
		"sinks: table to /dev/full: exit 1, one line naming ENOSPC" "$TMP/full.err"
	if start full-json /dev/full --json; then
		connect_once 66756c6c || fail "sinks: commconn failed"
		wait_bounded "$TPID" 10
		check "$([ "$WAIT_RC" = 1 ] && [ "$(grep -vcxF "$READY_LINE" "$TMP/full-json.err")" -eq 1 ] &&
			grep -q 'writing the output failed: No space left on device' "$TMP/full-json.err"; echo $?)" \
			"sinks: JSON to /dev/full: at the first event, exit 1 (got $WAIT_RC), one line naming ENOSPC" \
			"$TMP/full-json.err"
	fi
	head_pipe
}

# `| head -n 1`: the reader goes; tcptrace ends quietly with 0.
head_pipe() {
	local pid i

	(
		env --default-signal=INT,TERM,HUP "$TCPTRACE" --backend "$BACKEND" --json \
			2>"$TMP/head.err" | head -n 1 >"$TMP/head.out"
		echo "${PIPESTATUS[0]}" >"$TMP/head.rc"
	) &
	pid=$!
	PIDS="$PIDS $pid"
	wait_ready "$pid" "$TMP/head.err"
	for i in $(seq 50); do
		alive "$pid" || break
		"$COMMCONN" 68656164 >/dev/null
		sleep 0.2
	done
	wait_bounded "$pid" 5
	[ "$(cat "$TMP/head.rc" 2>/dev/null)" = 0 ] && [ -s "$TMP/head.out" ] &&
		[ "$(grep -vcxF "$READY_LINE" "$TMP/head.err")" -eq 0 ]
	check $? "sinks: | head -n 1: exit 0 (got $(cat "$TMP/head.rc" 2>/dev/null)), nothing on stderr but the ready line" \
		"$TMP/head.err"
}

# ---- signals ----

# full_pipe_signal SIG: tcptrace --json into a pipe nobody reads, a flood
# that fills it, then SIG.
full_pipe_signal() {
	local sig=$1 name=sig-$1

	unread_pipe "$name"
	start "$name" "$FIFO" --json || { read_pipe "$name"; return; }
	bpf_ids "$TPID" >"$TMP/$name.ids"
	"$CONNRATE" -n "$CONNS" -w 1 >/dev/null || fail "$name: connrate failed"
	sleep 0.3
	stop_with "$sig" "$TPID"
	check "$([ "$STOP_MS" -lt "$EXIT_MS" ]; echo $?)" \
		"signals: SIG$sig with a full unread pipe: exits within ${EXIT_MS} ms (${STOP_MS} ms)"
	check "$([ "$RC" = 0 ]; echo $?)" "signals: SIG$sig: exit status 0 (got $RC)" "$TMP/$name.err"
	check "$(grep -qE '^tcptrace: lost [1-9][0-9]* events \(stdout could not take them\)$' "$TMP/$name.err"; echo $?)" \
		"signals: SIG$sig: reports the events stdout did not take: $(grep -o 'lost [0-9]* events (stdout' "$TMP/$name.err")" \
		"$TMP/$name.err"
	objects_gone "signals: SIG$sig" "$TMP/$name.ids"
	read_pipe "$name"
	wait_bounded "$RPID" 5
}

# stdout and stderr in one pipe nobody reads (`2>&1`): a line on stderr
# must not block either. The ready line is in the pipe: tcptrace is ready
# when it holds as many links as the first run did.
both_full_signal() {
	local name=sig-both links deadline=$((SECONDS + READY_TIMEOUT))

	links=$(grep -c '^link:' "$TMP/sig-INT.ids" 2>/dev/null)
	unread_pipe "$name"
	env --default-signal=INT,TERM,HUP "$TCPTRACE" --backend "$BACKEND" --json >"$FIFO" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
	until [ "$(bpf_ids "$TPID" | grep -c '^link:')" -ge "${links:-1}" ]; do
		if [ $SECONDS -ge $deadline ] || ! alive "$TPID"; then
			fail "signals: 2>&1 into a full pipe: tcptrace attached"
			read_pipe "$name"
			return
		fi
		sleep 0.05
	done
	sleep 0.3
	"$CONNRATE" -n "$CONNS" -w 1 >/dev/null
	sleep 0.3
	stop_with INT "$TPID"
	check "$([ "$STOP_MS" -lt "$EXIT_MS" ] && [ "$RC" = 0 ]; echo $?)" \
		"signals: SIGINT, stdout and stderr in one full unread pipe: exit 0 (got $RC) within ${EXIT_MS} ms (${STOP_MS} ms)"
	read_pipe "$name"
	wait_bounded "$RPID" 5
	[ "$(head -n 1 "$TMP/$name.out")" = "$READY_LINE" ]
	check $? "signals: 2>&1: the ready line came first in the pipe"
}

# Two SIGINTs: the second ends it at once, with 130.
double_sigint() {
	local name=sig-INT2 t0 ms

	unread_pipe "$name"
	start "$name" "$FIFO" --json || { read_pipe "$name"; return; }
	bpf_ids "$TPID" >"$TMP/$name.ids"
	"$CONNRATE" -n "$CONNS" -w 1 >/dev/null
	sleep 0.3
	t0=$(now_ms)
	kill -INT "$TPID"
	sleep 0.02
	stop_with INT "$TPID"
	ms=$(($(now_ms) - t0))
	check "$([ "$RC" = 130 ] && [ "$ms" -lt "$EXIT_MS" ]; echo $?)" \
		"signals: a second SIGINT: exit status 130 (got $RC) within ${EXIT_MS} ms (${ms} ms)" "$TMP/$name.err"
	objects_gone "signals: two SIGINTs" "$TMP/$name.ids"
	read_pipe "$name"
	wait_bounded "$RPID" 5
}

group_signals() {
	local sig

	if ! command -v bpftool >/dev/null || [ ! -x "$CONNRATE" ]; then
		skip "signals: needs bpftool and $CONNRATE (make hostile)"
		return
	fi
	for sig in INT TERM HUP; do
		full_pipe_signal "$sig"
	done
	both_full_signal
	double_sigint
	# A reader that reads: the usual exit.
	if start sig-normal "$TMP/sig-normal.out" --json; then
		bpf_ids "$TPID" >"$TMP/sig-normal.ids"
		"$CONNRATE" -n 200 -w 1 >/dev/null
		stop_with INT "$TPID"
		check "$([ "$RC" = 0 ] && [ "$STOP_MS" -lt "$EXIT_MS" ]; echo $?)" \
			"signals: SIGINT, stdout a file: exit 0 (got $RC) within ${EXIT_MS} ms (${STOP_MS} ms)"
		objects_gone "signals: SIGINT, stdout a file" "$TMP/sig-normal.ids"
	fi
	if start sig-KILL "$TMP/sig-kill.out" --json; then
		bpf_ids "$TPID" >"$TMP/sig-KILL.ids"
		stop_with KILL "$TPID"
		objects_gone "signals: SIGKILL" "$TMP/sig-KILL.ids"
	fi
}

# ---- losses ----

# The counts at exit on stderr file $1: lost events of every cause, skipped runs.
counted() {
	awk '/^tcptrace: lost [0-9]+ events/ { s += $3 }
	     /^tcptrace: dropped [0-9]+ malformed/ { s += $3 }
	     /^tcptrace: the kernel skipped [0-9]+ runs/ { s += $5 }
	     END { print s + 0 }' "$1"
}

printed() {
	jq -R 'fromjson? | select(.type == "connect" or .type == "accept" or .type == "close")' \
		"$1" 2>/dev/null | jq -s length
}

# A connrate in a mount namespace of its own, held until released: tcptrace
# -m traces it alone. Sets LOAD_PID, LOAD_MNTNS, LOAD_GO.
held_load() {
	local n=$1 workers=$2 name=$3 host deadline=$((SECONDS + 10))

	LOAD_GO=$TMP/$name.loadgo
	mkfifo "$LOAD_GO"
	# shellcheck disable=SC2016 # $1.. are sh's
	unshare -m --propagation unchanged sh -c 'read go <"$1"; exec "$2" -n "$3" -w "$4"' sh \
		"$LOAD_GO" "$CONNRATE" "$n" "$workers" >"$TMP/$name.load" 2>&1 &
	LOAD_PID=$!
	PIDS="$PIDS $LOAD_PID"
	host=$(stat -L -c %i /proc/self/ns/mnt)
	while [ $SECONDS -lt $deadline ]; do
		LOAD_MNTNS=$(stat -L -c %i "/proc/$LOAD_PID/ns/mnt" 2>/dev/null)
		[ -n "$LOAD_MNTNS" ] && [ "$LOAD_MNTNS" != "$host" ] && return 0
		sleep 0.05
	done
	fail "$name: connrate in a mount namespace of its own"
	return 1
}

release_load() {
	echo go >"$LOAD_GO"
	wait_bounded "$LOAD_PID" 120
	[ "$WAIT_RC" = 0 ] || { fail "$1: connrate failed ($WAIT_RC)"; detail "$TMP/$1.load"; }
}

# An unread pipe while N connections happen, read later; over 10 s, so
# the progress line and a loss record come while it runs.
unread_losses() {
	local name=loss-unread p c want=$((4 * CONNS)) t0 lost_out records=1

	held_load "$CONNS" 1 "$name" || return
	unread_pipe "$name"
	start "$name" "$FIFO" --json -m "$LOAD_MNTNS" || { read_pipe "$name"; return; }
	t0=$SECONDS
	release_load "$name"
	sleep 1
	read_pipe "$name"
	# Read again well before its first look at the counts (10 s after it
	# started): the record it writes then goes through.
	[ $((SECONDS - t0)) -le 7 ] && records=2
	while [ $((SECONDS - t0)) -lt 25 ] && ! grep -q '^tcptrace: lost so far:' "$TMP/$name.err"; do
		sleep 0.2
	done
	grep -q '^tcptrace: lost so far: [1-9][0-9]* (.*output [1-9]' "$TMP/$name.err"
	check $? "losses: a progress line while it runs: $(grep -m1 '^tcptrace: lost so far' "$TMP/$name.err")" \
		"$TMP/$name.err"
	sleep 0.3
	stop_with INT "$TPID"
	wait_bounded "$RPID" 5
	p=$(printed "$TMP/$name.out") c=$(counted "$TMP/$name.err")
	check "$([ $((p + c)) -ge $want ]; echo $?)" \
		"losses: unread pipe: printed $p + counted $c >= $want expected events" "$TMP/$name.err"
	lost_out=$(sed -n 's/^tcptrace: lost \([0-9]*\) events (stdout could not take them)$/\1/p' "$TMP/$name.err")
	check "$([ "${lost_out:-0}" -gt 0 ]; echo $?)" "losses: unread pipe: output losses counted (${lost_out:-0})"
	json_records "$name" "${lost_out:-0}" "$records"
}

# json_records NAME OUTPUT-LOST RECORDS: every line JSON; at least RECORDS
# loss records of the documented shape (one while it ran, when the pipe
# was read again in time for it, and one at exit), the last with the
# output count stderr gave.
json_records() {
	local name=$1 out=$TMP/$1.out n last fields

	jq -c . "$out" >/dev/null 2>"$TMP/$name.jq"
	check $? "losses: every line of stdout is JSON ($(grep -c '' "$out") lines)" "$TMP/$name.jq"
	jq -c 'select(.type == "lost")' "$out" >"$TMP/$name.records" 2>/dev/null
	n=$(grep -c '' "$TMP/$name.records")
	fields=$(jq -c '[paths | map(tostring) | join(".")] | sort' "$TMP/$name.records" | sort -u)
	check "$([ "$n" -ge "$3" ] && [ "$fields" = '["kernel_skipped_runs","lost","lost.malformed","lost.output","lost.transport","timestamp","type"]' ]; echo $?)" \
		"losses: $n JSON loss records (want $3: $([ "$3" = 2 ] && echo "while running and ")at exit), valid, of the documented fields" \
		"$TMP/$name.records"
	last=$(tail -n 1 "$TMP/$name.records" | jq -r '.lost.output')
	check "$([ "$last" = "$2" ]; echo $?)" \
		"losses: the last record's lost.output is stderr's count ($last, $2)" "$TMP/$name.records"
}

# A flood with a reader that reads: printed + counted >= expected.
flood_losses() {
	local name=loss-flood p c want=$((4 * FLOOD))

	held_load "$FLOOD" 2 "$name" || return
	rm -f "$TMP/$name.fifo"
	mkfifo "$TMP/$name.fifo"
	cat "$TMP/$name.fifo" >"$TMP/$name.out" &
	RPID=$!
	PIDS="$PIDS $RPID"
	start "$name" "$TMP/$name.fifo" --json -m "$LOAD_MNTNS" || return
	release_load "$name"
	sleep 0.5
	stop_with INT "$TPID"
	wait_bounded "$RPID" 10
	p=$(printed "$TMP/$name.out") c=$(counted "$TMP/$name.err")
	check "$([ $((p + c)) -ge $want ] && [ "$RC" = 0 ]; echo $?)" \
		"losses: flood of $FLOOD connections: printed $p + counted $c >= $want expected events" \
		"$TMP/$name.err"
}

group_losses() {
	if [ ! -x "$CONNRATE" ] || ! command -v unshare >/dev/null; then
		skip "losses: needs unshare and $CONNRATE (make hostile)"
		return
	fi
	unread_losses
	flood_losses
}

# ---- comm ----

# ESC [ 2 J, a quote, a backslash, a newline, 0xff, a tab, DEL, and half of
# a UTF-8 character.
EVIL_HEX=1b5b324a225c0aff097fc3
EVIL_CODEPOINTS=27,91,50,74,34,92,10,65533,9,127,65533

group_comm() {
	local line

	if start comm-json "$TMP/comm.json" --json; then
		connect_once "$EVIL_HEX" || fail "comm: commconn failed"
		wait_conn "$TMP/comm.json" "${CONN_PORT:-0}"
		check $? "comm: its four events arrive"
		stop_with INT "$TPID"
		jq -c . "$TMP/comm.json" >/dev/null 2>"$TMP/comm.jq"
		check $? "comm: every JSON line is valid" "$TMP/comm.jq"
		line=$(jq -r --argjson p "${CONN_PID:-0}" \
			'select(.proc.pid == $p) | .proc.comm | explode | map(tostring) | join(",")' \
			"$TMP/comm.json" 2>/dev/null | sort -u)
		check "$([ "$line" = "$EVIL_CODEPOINTS" ]; echo $?)" \
			"comm: jq reads the comm: control bytes kept, invalid UTF-8 as U+FFFD ($line)"
	fi
	if start comm-table "$TMP/comm.table"; then
		connect_once "$EVIL_HEX" || fail "comm: commconn failed"
		sleep 1
		stop_with INT "$TPID"
		line=$(grep -F ":$CONN_PORT " "$TMP/comm.table" | head -n 1)
		check "$(! tr -d '\n' <"$TMP/comm.table" | LC_ALL=C grep -q '[[:cntrl:]]' &&
			grep -qF '\x1b[2J"\\\x0a\xff\x09\x7f\xc3' <<<"$line"; echo $?)" \
			"comm: the table has no raw control byte, the comm escaped: $line"
	fi
}

# ---- concurrent ----

group_concurrent() {
	local first second

	start conc-1 "$TMP/conc-1.json" --json || return
	first=$TPID
	if ! start conc-2 "$TMP/conc-2.json" --json; then
		stop_with INT "$first"
		return
	fi
	second=$TPID
	connect_once 74776f2074726163657273 || fail "concurrent: commconn failed"
	wait_conn "$TMP/conc-1.json" "${CONN_PORT:-0}"
	check $? "concurrent: the first tcptrace sees the connection"
	wait_conn "$TMP/conc-2.json" "${CONN_PORT:-0}"
	check $? "concurrent: the second tcptrace sees it too"
	stop_with INT "$second"
	check "$([ "$RC" = 0 ]; echo $?)" "concurrent: the second exits 0"
	stop_with INT "$first"
	check "$([ "$RC" = 0 ]; echo $?)" "concurrent: the first exits 0"
}

# ---- main ----

usage() {
	echo "usage: $0 [--backend auto|kprobe|fentry|tp_btf|tracepoint] [--only GROUP,...] [--tcptrace PATH]" >&2
	echo "groups: $GROUPS_ALL" >&2
	exit 2
}

parse_args() {
	local g

	while [ $# -gt 0 ]; do
		case $1 in
		--backend) BACKEND=${2:-} ; shift ;;
		--only) ONLY=${2:-} ; shift ;;
		--tcptrace) TCPTRACE=${2:-} ; shift ;;
		*) usage ;;
		esac
		shift
	done
	case $BACKEND in
	auto | kprobe | fentry | tp_btf | tracepoint) ;;
	*) usage ;;
	esac
	ONLY=${ONLY//,/ }
	for g in $ONLY; do
		case " $GROUPS_ALL " in
		*" $g "*) ;;
		*) usage ;;
		esac
	done
	ONLY=${ONLY:-$GROUPS_ALL}
}

preflight() {
	local tool

	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
		return 1
	fi
	for tool in jq mkfifo env timeout; do
		command -v "$tool" >/dev/null || { skip "needs $tool"; return 1; }
	done
	for tool in "$TCPTRACE" "$COMMCONN"; do
		[ -x "$tool" ] || { skip "no $tool (make hostile)"; return 1; }
	done
	[ "$(stat -f -c %T /sys/kernel/tracing 2>/dev/null)" = tracefs ] ||
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	ip link set lo up 2>/dev/null
	return 0
}

main() {
	local g

	parse_args "$@"
	LABEL=$BACKEND
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcptrace-hostile.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	echo "# tcptrace hostile suite: backend $BACKEND, groups: $ONLY, kernel $(uname -r)"
	if preflight; then
		for g in $ONLY; do
			GROUP=$g
			"group_$g"
		done
	fi
	summary
}

main "$@"
