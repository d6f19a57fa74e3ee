#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The live checks of the flags a bcc or Inspektor Gadget user types, sourced
# by run.sh (its pass/fail/skip, start_tracer/stop_tracer, $TMP): port
# filters (-P, -L, -D), --cgroupmap, -U and -t in the table, --fields, and
# jq filters written against Inspektor Gadget's documented trace_tcp output.
# The connections are busybox nc on a fixed free loopback port.

# A loopback port nothing listens on.
free_port() {
	local p

	for p in $(seq 40000 40999 | shuf -n 50); do
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# One connection to 127.0.0.1:$1 (a busybox nc listener that exits after
# it), then a refused connect to $1 + 1; $2 wraps the client (e.g. a
# cgroup move).
nc_pair() {
	local port=$1 wrap=${2:-} lpid

	busybox nc -l -p "$port" >/dev/null </dev/null &
	lpid=$!
	BG_PIDS="$BG_PIDS $lpid"
	# Until it listens (bounded).
	for _ in $(seq 50); do
		ss -Htln "sport = :$port" | grep -q . && break
		sleep 0.05
	done
	$wrap bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; exec 3>&-" 2>/dev/null
	$wrap bash -c "exec 3<>/dev/tcp/127.0.0.1/$((port + 1))" 2>/dev/null
	wait_bounded "$lpid" 10
}

# Events of run $1 on port $2 (either end), as "type:local:remote" lines.
port_events() {
	jq -r --argjson p "$2" 'select(.type != "lost") | select(.src.port == $p or .dst.port == $p or .dst.port == $p + 1)
		| "\(.type):\(if .src.port == $p then "P" else "e" end):\(if .dst.port == $p then "P" elif .dst.port == $p + 1 then "Q" else "e" end)"' \
		"$TMP/$1.out" 2>/dev/null | sort | tr '\n' ' '
}

# One port filter: run $1, flag $2, the events on the pair's ports that
# must show (type:local:remote, P the port, Q the refused one, e another).
port_filter_case() {
	local run=$1 flag=$2 want=$3 port got

	port=$(free_port) || { fail "$run: a free port"; return; }
	start_tracer "$run" "$flag" "$port" || return
	nc_pair "$port"
	sleep 0.6
	stop_tracer "$run"
	got=$(port_events "$run" "$port")
	if [ "$got" = "$want" ]; then
		pass "$run: $flag $port shows exactly: $got"
	else
		fail "$run: $flag $port shows exactly: $want (got: $got)"
	fi
}

# -P either end, -L the local port, -D the remote one.
run_port_filters() {
	port_filter_case port-either -P "accept:P:e close:P:e close:e:P connect:e:P "
	port_filter_case port-local -L "accept:P:e close:P:e "
	port_filter_case port-remote -D "close:e:P connect:e:P "
}

# The cgroup v2 mount: the host's hybrid one, or one of our own.
cgroup2_dir() {
	local d

	for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ] && { echo "$d"; return 0; }
	done
	d=$TMP/cgroup2
	mkdir -p "$d" && mount -t cgroup2 none "$d" 2>/dev/null && { echo "$d"; return 0; }
	return 1
}

# --cgroupmap with bcc's layout: a connection from a task in the mapped
# cgroup shows, the same from outside does not.
run_cgroupmap() {
	local run=cgroupmap root cg map id port inside outside

	if ! root=$(cgroup2_dir) || ! command -v bpftool >/dev/null; then
		skip "$run: needs cgroup2 and bpftool"
		return
	fi
	cg=$root/tcptrace-live-$$
	map=/sys/fs/bpf/tcptrace_live_$$_cg
	mkdir -p "$cg" && PINS="$PINS $map"
	id=$(stat -c %i "$cg")
	# shellcheck disable=SC2046 # le_hex splits into bytes on purpose
	if ! bpftool map create "$map" type hash key 8 value 8 entries 16 name tct_live_cg ||
	   ! bpftool map update pinned "$map" key hex $(le_hex "$id" 8) value hex $(le_hex 1 8); then
		fail "$run: create a pinned cgroup map with bpftool"
		rmdir "$cg"
		return
	fi
	start_tracer "$run" --cgroupmap "$map" || { rmdir "$cg"; return; }
	inside=$(free_port) && nc_pair "$inside" "cgexec_in $cg"
	outside=$(free_port) && nc_pair "$outside"
	sleep 0.6
	stop_tracer "$run"
	if [ "$(port_events "$run" "$inside")" = "close:e:P connect:e:P connect:e:Q " ]; then
		pass "$run: the connects and close of a task in cgroup $id show"
	else
		fail "$run: the connects and close of a task in cgroup $id show (got: $(port_events "$run" "$inside"))"
	fi
	if [ -z "$(port_events "$run" "$outside")" ]; then
		pass "$run: nothing from outside the cgroup"
	else
		fail "$run: nothing from outside the cgroup (got: $(port_events "$run" "$outside"))"
	fi
	rm -f "$map"
	rmdir "$cg" 2>/dev/null
}

# Run the rest of the command line inside cgroup $1.
cgexec_in() {
	local cg=$1

	shift
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"
}

# -U and -t in the table; --fields in JSON.
run_table_flags() {
	local run=table out port

	port=$(free_port) || { fail "$run: a free port"; return; }
	out=$TMP/$run.table
	env --default-signal=INT,TERM "$TCPTRACE" --backend "$BACKEND" \
		${TRANSPORT:+--transport "$TRANSPORT"} -U -t --timeout 3 >"$out" 2>"$TMP/$run.err" &
	TRACER_PID=$!
	until grep -qsxF "$READY_LINE" "$TMP/$run.err" || ! alive "$TRACER_PID"; do sleep 0.1; done
	nc_pair "$port"
	wait_bounded "$TRACER_PID" 10
	TRACER_PID=
	if head -n 1 "$out" | grep -qE '^TIME\(s\) +TYPE +UID +PID +TID +COMM'; then
		pass "$run: -U -t: the header reads TIME(s) TYPE UID PID TID COMM ..."
	else
		fail "$run: -U -t: the header reads TIME(s) TYPE UID PID TID COMM ... (got: $(head -n 1 "$out"))"
	fi
	if grep -E "127\.0\.0\.1:$port" "$out" | grep -qE '^[0-9]+\.[0-9]{3} +connect +0 +[0-9]+'; then
		pass "$run: -U -t: a row starts with seconds since start, the type and uid 0"
	else
		fail "$run: -U -t: a row starts with seconds since start, the type and uid 0:"
		detail "$out"
	fi
	run=fields
	start_tracer "$run" --fields type,dst.port,sock_id || return
	nc_pair "$port"
	sleep 0.6
	stop_tracer "$run"
	if jq -e -s 'length > 0 and all(.[]; select(.type != "lost") | keys == ["dst", "sock_id", "type"] and (.dst | keys) == ["port"])' \
		"$TMP/$run.out" >/dev/null; then
		pass "$run: --fields type,dst.port,sock_id: every event has exactly those"
	else
		fail "$run: --fields type,dst.port,sock_id: every event has exactly those:"
		detail "$TMP/$run.out"
	fi
}

# Filters written against Inspektor Gadget's documented trace_tcp JSON,
# run on the main run's events: each must hold.
run_ig_jq() {
	local f events=$TMP/main.events

	[ -s "$events" ] || { fail "ig-jq: the main run's events"; return; }
	while IFS= read -r f; do
		if jq -e -s "$f" "$events" >/dev/null 2>&1; then
			pass "ig-jq: $f"
		else
			fail "ig-jq: $f"
		fi
	done <<'JQ'
map(select(.error_raw != 0)) | length > 0 and all(.[]; .type == "connect" and .error != "")
map(select(.error_raw == 0)) | all(.[]; .error == "")
all(.[]; .type_raw == ({"connect": 0, "accept": 1, "close": 2}[.type]))
all(.[]; .src.proto_raw == 6 and .dst.proto_raw == 6)
all(.[]; (.timestamp_raw / 1e9 | floor) == (.timestamp | .[0:19] + "Z" | fromdateiso8601))
sort_by(.timestamp_raw) | map(.timestamp_raw) | . == sort
all(.[]; (.proc.parent.tid | type) == "number" and .proc.parent.tid > 0)
all(.[]; .error_raw == 0 or (.error | test("^E[A-Z0-9]+$|^error#-?[0-9]+$")))
JQ
}

run_flag_suite() {
	run_port_filters
	run_cgroupmap
	run_table_flags
	run_ig_jq
}
