#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The live checks of the container layer, sourced by run.sh (its
# pass/fail/skip, start_tracer/stop_tracer, kill_held, $TMP, BG_PIDS). The
# cgroups are named exactly as docker, containerd, CRI-O, podman,
# systemd-nspawn and LXC name theirs (systemd and cgroupfs drivers, the
# three QoS classes), under the cgroup2 mount; busybox nc servers and bash
# clients run in them, on loopback ports of their own. In every form:
#
#   ct-kernel     one run with --container A's prefix and --cgroup
#                 kubepods.slice: a server in A since before tcptrace, a
#                 client and a sub-cgroup made after it, the two pods under
#                 kubepods.slice, a host client of A's server (its connect
#                 not shown), with their fields; nothing from B (A's
#                 8-digit prefix), the cgroupfs pod, the host
#
# With LIVE_CT_ALL=1 only, in one host run (what is the same in every form;
# the QEMU guest runs ct-runc and ct-daemonset in its fentry run, the form
# auto takes there):
#
#   ct-fields     every runtime's cgroup, a server and a client in each:
#                 container.id, container.runtime, k8s.pod_uid, k8s.qos,
#                 cgroup.id and cgroup.path on the connect, accept and close
#                 events; all "" for a host service and podman's conmon
#   ct-table      the CONTAINER column (-C, --fields ...,container.id)
#   ct-container-multi  --container twice, one a machine's name
#   ct-container-ambiguous, -unknown, ct-cgroup-unknown: exit 1 or 2, one line
#   ct-cgroup-forms  --cgroup as cgroup.path shows it, and absolute
#   ct-runc       one real container: runc, a busybox rootfs, its own netns,
#                 cgroupsPath /docker/<id> (cgroupfs driver), a server in it
#                 and a client run by `runc exec`, traced with --container
#   ct-manifest   deploy/daemonset.yaml through kubectl, offline
#   ct-daemonset  the DaemonSet's container run by runc from a config.json
#                 made from that manifest (tests/live/daemonset-runc.jq): the
#                 image's rootfs, its namespaces, capabilities, mounts, args
#                 and memory limit only; it traces a connection in another
#                 container, with the node name; SIGTERM ends it with 0;
#                 without CAP_BPF or CAP_PERFMON it exits non-zero at once,
#                 without CAP_DAC_READ_SEARCH it cannot name cgroups. Where
#                 kernel.perf_event_paranoid is above 2 (Debian's kernels),
#                 it must exit at once; the rest runs with 2 (put back after).
#
# Every cgroup made here is removed (after its processes are gone), also
# when the run is interrupted; one run of this suite at a time on a host
# (/run/lock/tcptrace-live-containers), as the layout's names are shared.

CT_ROOT=		# the cgroup2 mount
CT_MOUNTED=		# the mount point if we mounted it
CT_CGROUPS=		# directories we made, in order (removed in reverse)
CT_RUNC_ROOT=		# runc's state directory (ours alone)
CT_RUNC_IDS=		# runc containers to delete (and the cgroups runc made)
CT_DS_PID=		# the `runc run` of the DaemonSet's container
CT_DS_BUNDLE=		# its bundle,
CT_DS_NAME=		# runc's name for it,
CT_DS_CG=		# its cgroupsPath
CT_DEPLOY=		# deploy/ of the tree under test
CT_PARANOID=		# kernel.perf_event_paranoid to put back
CT_LOCKDIR=/run/lock/tcptrace-live-containers	# one container suite at a time
CT_LOCKED=		# set while we hold it

# ---- ids, cgroups ----

ct_hex() {
	od -An -N"$((($1 + 1) / 2))" -tx1 /dev/urandom | tr -d ' \n' | cut -c "1-$1"
}

# A pod uid: 8-4-4-4-12 hex.
ct_uuid() {
	local h

	h=$(ct_hex 32)
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

# The cgroup2 mount: the first one, as tcptrace takes it; else one of our own.
ct_cgroup2() {
	local d

	d=$(ct_hierarchies '^cgroup2$' | head -n 1)
	if [ -n "$d" ] && [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
		echo "$d"
		return 0
	fi
	d=$TMP/ct-cgroup2
	mkdir -p "$d" && mount -t cgroup2 none "$d" 2>/dev/null || return 1
	CT_MOUNTED=$d
	echo "$d"
}

# mkdir -p under the cgroup2 mount, each directory made remembered.
ct_mkcg() {
	local rel=$1 part dir=$CT_ROOT

	for part in ${rel//\// }; do
		dir=$dir/$part
		[ -d "$dir" ] && continue
		mkdir "$dir" || return 1
		CT_CGROUPS="$CT_CGROUPS $dir"
	done
}

# Until no process is left in cgroup $1 (bounded): then rmdir works. (A
# cgroup file's size is 0 whatever it holds: read it.)
ct_drain() {
	for _ in $(seq 100); do
		[ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# Deepest first. A directory that will not go is named, not fatal.
ct_rm_cgroups() {
	local list=$1 d out=

	for d in $list; do
		out="$d $out"
	done
	for d in $out; do
		[ -d "$d" ] || continue
		ct_drain "$d"
		rmdir "$d" 2>/dev/null || echo "# note: could not remove cgroup $d"
	done
}

# The cgroups of the layout (/system.slice, /docker, /kubepods...) are
# names every run of this suite on the host shares, and each run removes
# those it made: one run at a time (other work trees run it too). A lock
# directory holding its owner's pid (not flock: the tracers, servers and
# containers started meanwhile would inherit its fd); one whose owner is
# gone is taken over.
ct_lock() {
	local deadline=$((SECONDS + 600)) owner

	mkdir -p "${CT_LOCKDIR%/*}" 2>/dev/null
	while ! mkdir "$CT_LOCKDIR" 2>/dev/null; do
		owner=$(cat "$CT_LOCKDIR/pid" 2>/dev/null)
		if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
			rm -rf "$CT_LOCKDIR"
			continue
		fi
		if [ $SECONDS -ge $deadline ]; then
			echo "# note: ct: another run of the container suite (pid ${owner:-?}) held $CT_LOCKDIR for 10 minutes: going on"
			return 0
		fi
		sleep 1
	done
	echo $$ >"$CT_LOCKDIR/pid"
	CT_LOCKED=1
}

ct_unlock() {
	[ -n "$CT_LOCKED" ] && rm -rf "$CT_LOCKDIR"
	CT_LOCKED=
}

ct_cleanup() {
	local id pid

	for pid in $BG_PIDS $CT_DS_PID; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	BG_PIDS=
	for id in $CT_RUNC_IDS; do
		ct_runc_remove "$id"
	done
	ct_rm_cgroups "$CT_CGROUPS"
	CT_CGROUPS=
	if [ -n "$CT_PARANOID" ]; then
		echo "$CT_PARANOID" >/proc/sys/kernel/perf_event_paranoid
		CT_PARANOID=
	fi
	if [ -n "$CT_MOUNTED" ]; then
		umount "$CT_MOUNTED" 2>/dev/null
		CT_MOUNTED=
	fi
	ct_unlock
}

# ---- the cases ----

# ct_case NAME REL RUNTIME ID POD_UID QOS: a cgroup at REL below the
# cgroup2 mount and what every event of a task in it must say.
ct_case() {
	local name=$1 rel=$2 dir=$CT_ROOT/$2

	ct_mkcg "$rel" || { fail "ct: mkdir $dir"; return 1; }
	echo "$dir" >"$TMP/ct.dir.$name"
	echo "$rel" >"$TMP/ct.rel.$name"
	# printf, not jq (slow in an emulated guest): the strings are ours,
	# hex digits, uuids and plain names.
	printf '{"id":"%s","runtime":"%s","pod_uid":"%s","qos":"%s","path":"%s","cgid":%s}\n' \
		"$4" "$3" "$5" "$6" "/$rel" "$(stat -c %i "$dir")" >"$TMP/ct.want.$name"
}

ct_dir() { cat "$TMP/ct.dir.$1"; }

# The cgroups every run uses, named as their runtimes name them. A and B
# share an 8-digit prefix (the ambiguous one).
ct_setup() {
	local p u1 u2 u3 u4

	p=$(ct_hex 8)
	CT_A=${p}a$(ct_hex 55) CT_B=${p}b$(ct_hex 55) CT_PREFIX=$p
	CT_C=$(ct_hex 64) CT_D=$(ct_hex 64) CT_E=$(ct_hex 64) CT_F=$(ct_hex 64) CT_G=$(ct_hex 64)
	u1=$(ct_uuid) u2=$(ct_uuid) u3=$(ct_uuid) u4=$(ct_uuid)
	CT_MACHINE=tctlive$$m CT_LXC1=tctlive$$l CT_LXC2=tctlive$$o
	CT_NAMES="docker-scope docker-cgroupfs containerd-systemd crio-systemd containerd-cgroupfs
		  cgroupfs-guaranteed podman podman-conmon nspawn lxc-payload lxc-cgroupfs host"
	ct_case docker-scope "system.slice/docker-$CT_A.scope" docker "$CT_A" "" "" &&
	ct_case docker-cgroupfs "docker/$CT_B" docker "$CT_B" "" "" &&
	ct_case containerd-systemd "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u1//-/_}.slice/cri-containerd-$CT_C.scope" \
		containerd "$CT_C" "$u1" burstable &&
	ct_case crio-systemd "kubepods.slice/kubepods-pod${u3//-/_}.slice/crio-$CT_D.scope" \
		cri-o "$CT_D" "$u3" guaranteed &&
	ct_case containerd-cgroupfs "kubepods/besteffort/pod$u2/$CT_E" containerd "$CT_E" "$u2" besteffort &&
	ct_case cgroupfs-guaranteed "kubepods/pod$u4/$CT_G" containerd "$CT_G" "$u4" guaranteed &&
	ct_case podman "machine.slice/libpod-$CT_F.scope" podman "$CT_F" "" "" &&
	ct_case podman-conmon "machine.slice/libpod-conmon-$CT_F.scope" "" "" "" "" &&
	ct_case nspawn "machine.slice/machine-$CT_MACHINE.scope" systemd-nspawn "$CT_MACHINE" "" "" &&
	ct_case lxc-payload "lxc.payload.$CT_LXC1" lxc "$CT_LXC1" "" "" &&
	ct_case lxc-cgroupfs "lxc/$CT_LXC2" lxc "$CT_LXC2" "" "" &&
	ct_case host "system.slice/tcptrace-live-$$.service" "" "" "" ""
}

# ---- connections ----

CT_PORTS=" "		# the ports this suite took: never twice

# A loopback port no socket uses (TIME_WAIT included), not taken before by
# this suite, above flags.sh's range: in CT_PORT.
ct_port() {
	local p

	for p in $(seq 41000 44999 | shuf -n 100); do
		case $CT_PORTS in *" $p "*) continue ;; esac
		ss -Htan "sport = :$p or dport = :$p" 2>/dev/null | grep -q . && continue
		CT_PORTS="$CT_PORTS$p "
		CT_PORT=$p
		return 0
	done
	return 1
}

# ct_server CGROUP_DIR: a busybox nc listener for one connection on a fresh
# port (CT_PORT), in cgroup CGROUP_DIR ("": ours), in the background; its
# pid in CT_SERVER (the shell that moves itself into the cgroup execs nc).
# Returns once it listens, checked to be the one listening (a port taken
# in between by someone else: the next port).
ct_server() {
	local try

	for try in 1 2 3 4 5; do
		ct_port || return 1
		if [ -n "$1" ]; then
			sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$1" \
				busybox nc -l -p "$CT_PORT" >/dev/null </dev/null &
		else
			busybox nc -l -p "$CT_PORT" >/dev/null </dev/null &
		fi
		CT_SERVER=$!
		BG_PIDS="$BG_PIDS $CT_SERVER"
		for _ in $(seq 200); do
			ss -Htlnp "sport = :$CT_PORT" | grep -q "pid=$CT_SERVER," && return 0
			alive "$CT_SERVER" || break
			sleep 0.05
		done
		kill_held "$CT_SERVER"
		echo "# note: port $CT_PORT: our listener did not get it (try $try)"
	done
	return 1
}

# ct_client PORT CGROUP_DIR: one connection to loopback PORT from a bash in
# cgroup CGROUP_DIR ("": ours), closed at once; its pid in CT_CLIENT.
ct_client() {
	if [ -n "$2" ]; then
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$2" \
			bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; exec 3>&-" 2>/dev/null &
	else
		bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; exec 3>&-" 2>/dev/null &
	fi
	CT_CLIENT=$!
	wait_bounded "$CT_CLIENT" 10
}

# ct_pair SERVER_DIR CLIENT_DIR: one connection on a fresh port (CT_PORT),
# both ends done; the pids in CT_SERVER and CT_CLIENT.
ct_pair() {
	ct_server "$1" || return 1
	ct_client "$CT_PORT" "$2"
	wait_bounded "$CT_SERVER" 10
}

# ct_pair_case RUN LABEL NAME [CLIENT_NAME]: a pair in case NAME's cgroup
# (the client in CLIENT_NAME's); its port and pids go to $TMP/RUN.*.LABEL.
ct_pair_case() {
	local run=$1 label=$2 s=$3 c=${4:-$3}

	if ! ct_pair "$(ct_dir "$s")" "$(ct_dir "$c")"; then
		fail "$run: $label: a listener on a free port"
		return 1
	fi
	echo "$CT_PORT" >"$TMP/$run.port.$label"
	echo "$CT_SERVER $CT_CLIENT" >"$TMP/$run.pids.$label"
}

# ---- judging ----

# ct_judge RUN LABEL SERVER_WANT CLIENT_WANT: the events of the run's pair
# LABEL (the server's: its pid, the port as local port; the client's: its
# pid, the port as remote one; by port alone where the pids are not known),
# each side's against its expectation (a file of ct_case's, or "none": that
# side's events must not show). Other processes on the host may use the
# port too (as an ephemeral port) once the pair is done.
ct_judge() {
	local run=$1 label=$2 port swant=null cwant=null verdict spid=0 cpid=0

	port=$(cat "$TMP/$run.port.$label") || return
	[ -f "$TMP/$run.pids.$label" ] && read -r spid cpid <"$TMP/$run.pids.$label"
	[ "$3" = none ] || swant=$(cat "$3")
	[ "$4" = none ] || cwant=$(cat "$4")
	verdict=$(jq -s -r --argjson p "$port" --argjson s "$swant" --argjson c "$cwant" \
		--argjson spid "$spid" --argjson cpid "$cpid" '
		def got: {id: .container.id, runtime: .container.runtime, pod_uid: .k8s.pod_uid,
			  qos: .k8s.qos, path: .cgroup.path, cgid: .cgroup.id};
		def mine($pid): $pid == 0 or .proc.pid == $pid;
		[.[] | select(.type != "lost")
		 | select((.src.port == $p and mine($spid)) or (.dst.port == $p and mine($cpid)))
		 | (if .src.port == $p then "server" else "client" end) as $side
		 | {kind: "\(.type):\($side)", want: (if $side == "server" then $s else $c end), got: got}]
		as $ev
		| ([if $s then "accept:server", "close:server" else empty end,
		    if $c then "connect:client", "close:client" else empty end] | sort) as $kinds
		| ($ev | map(.kind) | sort) as $have
		| [$ev[] | select(.want != null and .got != .want) | . as $x
		   | "\(.kind): " + ([$x.got | to_entries[] | select(.value != $x.want[.key])
		   | "\(.key) \(.value | tojson), not \($x.want[.key] | tojson)"] | join(", "))] as $bad
		| if $have == $kinds and ($bad | length) == 0 then
			"ok " + (if $kinds == [] then "no event" else $kinds | join(" ") end)
		  elif $have != $kinds then
			"events \($have | join(" ")), want \($kinds | join(" "))"
			+ (if ($bad | length) > 0 then "; " + ($bad | unique | join("; ")) else "" end)
		  else ($bad | unique | join("; ")) end' "$TMP/$run.out" 2>&1)
	case $verdict in
	"ok "*) pass "$run: $label: ${verdict#ok }${5:+ ($5)}" ;;
	*) fail "$run: $label${5:+ ($5)}: $verdict" ;;
	esac
}

ct_want() { echo "$TMP/ct.want.$1"; }

# ---- the runs ----

# Every runtime's cgroup, one pair each (server and client in it), then a
# host client to a container's server: the fields on both sides. The
# tracer takes the top cgroups of the cases alone (--cgroup each): what
# else runs on the host, another suite's connection storm say, is none of
# this run's business.
ct_run_fields() {
	local run=ct-fields name want top args=()

	for top in $(for name in $CT_NAMES; do cat "$TMP/ct.rel.$name"; done | cut -d/ -f1 | sort -u); do
		args+=(--cgroup "$top")
	done
	start_tracer "$run" "${args[@]}" || return
	for name in $CT_NAMES; do
		ct_pair_case "$run" "$name" "$name"
	done
	ct_pair_case "$run" cross docker-scope host
	sleep 0.6
	stop_tracer "$run"
	for name in $CT_NAMES; do
		want=$(jq -r '"\(.runtime) \(.id[0:12]) \(.pod_uid) \(.qos)" | gsub("  +"; " ") | gsub("^ | $"; "")' "$(ct_want "$name")")
		ct_judge "$run" "$name" "$(ct_want "$name")" "$(ct_want "$name")" "${want:-host: all \"\"}"
	done
	ct_judge "$run" cross "$(ct_want docker-scope)" "$(ct_want host)" \
		"server in docker $CT_A, client on the host"
	if jq -s -e 'map(select(.type != "lost")) | length > 0 and
		all(.[]; (.container // {} | keys) == ["id", "runtime"] and (.k8s // {} | keys) == ["pod_uid", "qos"]
			and (.cgroup.id | type) == "number" and (.cgroup.path | type) == "string")' \
		"$TMP/$run.out" >/dev/null; then
		pass "$run: every event has container.{id,runtime}, k8s.{pod_uid,qos}, cgroup.{id,path}"
	else
		fail "$run: every event has container.{id,runtime}, k8s.{pod_uid,qos}, cgroup.{id,path}"
	fi
}

# The table's CONTAINER column: header, a container's short id, "-" for
# the host.
ct_table_case() {
	local run=$1 pids_c pids_h out=$TMP/$1.table col pcol row_c row_h

	shift
	# Both pairs are under system.slice: the rest of the host stays out.
	env --default-signal=INT,TERM "$TCPTRACE" --backend "$BACKEND" \
		${TRANSPORT:+--transport "$TRANSPORT"} --cgroup system.slice "$@" >"$out" 2>"$TMP/$run.err" &
	TRACER_PID=$!
	until grep -qsxF "$READY_LINE" "$TMP/$run.err" || ! alive "$TRACER_PID"; do sleep 0.1; done
	if ! alive "$TRACER_PID"; then
		wait "$TRACER_PID"
		fail "$run: tcptrace $* exited with $? before ready; stderr:"
		detail "$TMP/$run.err"
		TRACER_PID=
		return
	fi
	ct_pair "$(ct_dir docker-scope)" "$(ct_dir docker-scope)"
	pids_c="$CT_SERVER $CT_CLIENT"
	ct_pair "$(ct_dir host)" "$(ct_dir host)"
	pids_h="$CT_SERVER $CT_CLIENT"
	sleep 0.6
	kill -INT "$TRACER_PID"
	wait_bounded "$TRACER_PID" 10
	TRACER_PID=
	col=$(head -n 1 "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i == "CONTAINER") print i }')
	pcol=$(head -n 1 "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i == "PID") print i }')
	if [ -z "$col" ] || [ -z "$pcol" ]; then
		fail "$run: $*: a CONTAINER column and a PID one (header: $(head -n 1 "$out"))"
		return
	fi
	pass "$run: $*: the header has CONTAINER (column $col): $(head -n 1 "$out")"
	# The rows of the pair's processes, split as awk splits them: an
	# empty cell would shift the columns after it.
	row_c=$(awk -v c="$col" -v p="$pcol" -v pids=" $pids_c " 'index(pids, " " $p " ") { print $c }' "$out" |
		sort -u | tr '\n' ' ')
	row_h=$(awk -v c="$col" -v p="$pcol" -v pids=" $pids_h " 'index(pids, " " $p " ") { print $c }' "$out" |
		sort -u | tr '\n' ' ')
	if [ "$row_c" = "${CT_A:0:12} " ]; then
		pass "$run: $*: a docker container's rows show ${CT_A:0:12}"
	else
		fail "$run: $*: a docker container's rows show ${CT_A:0:12} (got: '$row_c'):"
		detail "$out"
	fi
	if [ "$row_h" = "- " ]; then
		pass "$run: $*: a host process's rows show no id ('-')"
	else
		fail "$run: $*: a host process's rows show no id, '-' (got: '$row_h')"
	fi
}

ct_run_table() {
	ct_table_case ct-table -C
	ct_table_case ct-table-fields --fields type,proc.pid,src.addr,dst.addr,container.id
}

# The kernel side, in one run: --container A's 12-digit prefix and --cgroup
# kubepods.slice (they add up). A server of A's started before tcptrace and
# a client started after it; a sub-cgroup of A made after it; the
# containerd and CRI-O pods under kubepods.slice; a host client of A's
# server (its accept and close show, its connect does not): all shown, with
# their fields. Not B (A's 8-digit prefix), not the cgroupfs pod under
# kubepods/, not the host.
ct_run_kernel() {
	local run=ct-kernel sub pre

	ct_server "$(ct_dir docker-scope)" || { fail "$run: a server in A"; return; }
	pre=$CT_SERVER
	echo "$CT_PORT" >"$TMP/$run.port.before"
	start_tracer "$run" --container "${CT_A:0:12}" --cgroup kubepods.slice || return
	ct_client "$CT_PORT" "$(ct_dir docker-scope)"
	wait_bounded "$pre" 10
	echo "$pre $CT_CLIENT" >"$TMP/$run.pids.before"
	sub=system.slice/docker-$CT_A.scope/tcptrace-sub
	ct_mkcg "$sub" && echo "$CT_ROOT/$sub" >"$TMP/ct.dir.sub"
	jq -c --arg path "/$sub" --argjson cgid "$(stat -c %i "$CT_ROOT/$sub")" \
		'.path = $path | .cgid = $cgid' "$(ct_want docker-scope)" >"$(ct_want sub)"
	ct_pair_case "$run" sub sub
	ct_pair_case "$run" C containerd-systemd
	ct_pair_case "$run" D crio-systemd
	ct_pair_case "$run" cross docker-scope host
	ct_pair_case "$run" B docker-cgroupfs
	ct_pair_case "$run" E containerd-cgroupfs
	ct_pair_case "$run" host host
	sleep 0.6
	stop_tracer "$run"
	ct_judge "$run" before "$(ct_want docker-scope)" "$(ct_want docker-scope)" \
		"--container ${CT_A:0:12}: a server in it since before tcptrace, a client started after"
	ct_judge "$run" sub "$(ct_want sub)" "$(ct_want sub)" "a cgroup made in A after tcptrace started"
	ct_judge "$run" C "$(ct_want containerd-systemd)" "$(ct_want containerd-systemd)" \
		"--cgroup kubepods.slice: a burstable pod"
	ct_judge "$run" D "$(ct_want crio-systemd)" "$(ct_want crio-systemd)" "a guaranteed pod"
	ct_judge "$run" cross "$(ct_want docker-scope)" none "A's server: shown; its host client: not"
	ct_judge "$run" B none none "docker $CT_B: the same 8-digit prefix"
	ct_judge "$run" E none none "the cgroupfs pod: kubepods/, not kubepods.slice/"
	ct_judge "$run" host none none "host"
}

# Repeatable, and a name: --container MACHINE --container C-prefix.
ct_run_container_multi() {
	local run=ct-container-multi

	start_tracer "$run" --container "$CT_MACHINE" --container "${CT_C:0:16}" || return
	ct_pair_case "$run" nspawn nspawn
	ct_pair_case "$run" C containerd-systemd
	ct_pair_case "$run" lxc lxc-payload
	ct_pair_case "$run" A docker-scope
	sleep 0.6
	stop_tracer "$run"
	ct_judge "$run" nspawn "$(ct_want nspawn)" "$(ct_want nspawn)" "--container $CT_MACHINE"
	ct_judge "$run" C "$(ct_want containerd-systemd)" "$(ct_want containerd-systemd)" "--container ${CT_C:0:16}"
	ct_judge "$run" lxc none none "lxc"
	ct_judge "$run" A none none "docker"
}

# ct_refused RUN WHAT ARGS...: tcptrace must exit at once, 1 or 2, one line
# on stderr naming the value (the last argument), nothing on stdout.
ct_refused() {
	local run=$1 what=$2 pid lines value

	shift 2
	value=${*: -1}
	env --default-signal=INT,TERM "$TCPTRACE" --json --backend "$BACKEND" \
		${TRANSPORT:+--transport "$TRANSPORT"} "$@" >"$TMP/$run.out" 2>"$TMP/$run.err" &
	pid=$!
	TRACER_PID=$pid
	if ! wait_bounded "$pid" 20; then
		TRACER_PID=
		fail "$run: $* ($what) exits by itself (it kept running)"
		return
	fi
	TRACER_PID=
	lines=$(grep -c '' "$TMP/$run.err")
	if { [ "$WAIT_RC" = 2 ] || [ "$WAIT_RC" = 1 ]; } && [ "$lines" = 1 ] && [ ! -s "$TMP/$run.out" ] &&
	   grep -qF -- "$value" "$TMP/$run.err"; then
		pass "$run: $* ($what): exit $WAIT_RC, one line: $(cat "$TMP/$run.err")"
	else
		fail "$run: $* ($what): exit 1 or 2, one line on stderr naming $value, nothing on stdout (got exit $WAIT_RC, $lines lines):"
		detail "$TMP/$run.err" "$TMP/$run.out"
	fi
}

ct_run_container_bad() {
	ct_refused ct-container-ambiguous "prefix of $CT_A and $CT_B" --container "$CT_PREFIX"
	ct_refused ct-container-unknown "no such container" --container "$(ct_hex 12)"
	ct_refused ct-cgroup-unknown "no such cgroup" --cgroup "tcptrace-live-$$-none"
}

# --cgroup as cgroup.path shows it, and absolute, in one run: the cgroupfs
# besteffort pod and the systemd burstable one; not the guaranteed pods
# (above both: kubepods/pod*, kubepods.slice/kubepods-pod*.slice).
ct_run_cgroup_forms() {
	local run=ct-cgroup-forms

	start_tracer "$run" --cgroup /kubepods/besteffort \
		--cgroup "$CT_ROOT/kubepods.slice/kubepods-burstable.slice" || return
	ct_pair_case "$run" E containerd-cgroupfs
	ct_pair_case "$run" C containerd-systemd
	ct_pair_case "$run" G cgroupfs-guaranteed
	ct_pair_case "$run" D crio-systemd
	sleep 0.6
	stop_tracer "$run"
	ct_judge "$run" E "$(ct_want containerd-cgroupfs)" "$(ct_want containerd-cgroupfs)" \
		"--cgroup /kubepods/besteffort"
	ct_judge "$run" C "$(ct_want containerd-systemd)" "$(ct_want containerd-systemd)" \
		"--cgroup $CT_ROOT/kubepods.slice/kubepods-burstable.slice"
	ct_judge "$run" G none none "a guaranteed pod: kubepods/pod*"
	ct_judge "$run" D none none "a guaranteed pod: kubepods.slice/kubepods-pod*.slice"
}

# ---- runc ----

# The busybox rootfs: build/containers/busybox once (never committed); a
# copy in $TMP where build/ is read-only (the QEMU guest).
ct_busybox_rootfs() {
	local dir=$ROOT/build/containers/busybox a

	if [ ! -x "$dir/bin/nc" ] || [ /bin/busybox -nt "$dir/bin/busybox" ]; then
		if ! mkdir -p "$dir.new" 2>/dev/null; then
			dir=$TMP/busybox-rootfs
			mkdir -p "$dir.new" || return 1
		fi
		rm -rf "$dir.new"
		mkdir -p "$dir.new/bin" "$dir.new/proc" "$dir.new/dev" "$dir.new/sys" "$dir.new/tmp" \
			"$dir.new/etc" || return 1
		cp /bin/busybox "$dir.new/bin/busybox" || return 1
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "$dir.new/bin/$a"
		done
		rm -rf "$dir"
		mv "$dir.new" "$dir" || return 1
	fi
	echo "$dir"
}

# The mount points of the cgroup hierarchies, in mount order: of type $1
# (cgroup2, cgroup), or of both (v1 controllers and v2).
ct_hierarchies() {
	awk -v want="${1:-^cgroup2?$}" '{
		for (i = 7; i < NF; i++)
			if ($i == "-") { if ($(i + 1) ~ want) print $5; break }
	}' /proc/self/mountinfo
}

# ct_runc_track NAME CGROUPS_PATH: before runc makes container NAME in
# cgroup CGROUPS_PATH (cgroupfs driver: that path in every hierarchy),
# remember it and the directories that do not exist yet, to remove.
ct_runc_track() {
	local name=$1 rel=${2#/} h part dir

	CT_RUNC_IDS="$CT_RUNC_IDS $name"
	: >"$TMP/runc-dirs.$name"
	for h in $(ct_hierarchies); do
		dir=$h
		for part in ${rel//\// }; do
			dir=$dir/$part
			[ -d "$dir" ] || echo "$dir" >>"$TMP/runc-dirs.$name"
		done
	done
}

# Kill and delete runc container $1, then the cgroup directories made for it.
ct_runc_remove() {
	local name=$1 id

	ct_runc kill "$name" KILL 2>/dev/null
	ct_runc delete --force "$name" 2>/dev/null
	[ -f "$TMP/runc-dirs.$name" ] && ct_rm_cgroups "$(cat "$TMP/runc-dirs.$name")"
	rm -f "$TMP/runc-dirs.$name"
	CT_RUNC_IDS=$(for id in $CT_RUNC_IDS; do [ "$id" = "$name" ] || printf '%s ' "$id"; done)
}

# runc with our own state directory.
ct_runc() {
	runc --root "$CT_RUNC_ROOT" "$@"
}

# Wait (bounded) until runc container $1 is stopped or gone.
ct_runc_wait_stopped() {
	local st

	for _ in $(seq 200); do
		st=$(ct_runc state "$1" 2>/dev/null | jq -r .status 2>/dev/null)
		[ "$st" = stopped ] || [ -z "$st" ] && return 0
		sleep 0.05
	done
	return 1
}

# The config.json of a busybox container: own pid, mount, uts, ipc and
# network namespaces (lo brought up inside), no user namespace and no
# rlimits (both refused here), cgroupsPath $3 with the cgroupfs driver, $4
# in its environment.
ct_busybox_config() {
	local rootfs=$1 script=$2 cgpath=$3 env=$4

	jq -n --arg rootfs "$rootfs" --arg script "$script" --arg cg "$cgpath" --arg env "$env" '
	["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_KILL"] as $caps
	| {ociVersion: "1.0.2",
	   process: {terminal: false, user: {uid: 0, gid: 0}, cwd: "/",
		     args: ["sh", "-c", $script], env: ["PATH=/bin", $env],
		     capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
		     noNewPrivileges: true},
	   root: {path: $rootfs, readonly: true},
	   hostname: "tct-busybox",
	   mounts: [
	     {destination: "/proc", type: "proc", source: "proc"},
	     {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
	     {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]},
	     {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}],
	   linux: {namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
		   cgroupsPath: $cg,
		   maskedPaths: ["/proc/kcore", "/proc/keys", "/sys/firmware"],
		   readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger"]}}'
}

# True when this shell is chrooted within its mount namespace (the QEMU
# guest runs the suite chrooted into the host's /, its init is not):
# `runc exec` then starts its process at the root of the container's mount
# namespace, which is not the container's rootfs. (Where pid 1 is in
# another mount namespace, or hidden, there is no telling: not chrooted.)
ct_chrooted() {
	local root1

	[ "$(readlink /proc/1/ns/mnt 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ] || return 1
	root1=$(stat -L -c %d:%i /proc/1/root/ 2>/dev/null) || return 1
	[ "$(stat -c %d:%i /)" != "$root1" ]
}

# The client in the container: until its server listens, one connection.
# shellcheck disable=SC2016 # the container's sh expands it
CT_RUNC_CLIENT='for i in $(seq 100); do netstat -ltn | grep -q ":8080 " && break; sleep 0.05; done
	echo hello | nc 127.0.0.1 8080'

# One real container: `runc create` (its cgroup /docker/<id> exists), then
# tcptrace --container <prefix>, then `runc start`: a server (busybox nc on
# 8080 of the container's own loopback), and `runc exec` the client (or,
# chrooted, the container's init starts it). Every event of it carries its
# cgroup; a host pair does not show.
ct_run_runc() {
	local run=ct-runc rootfs id name bundle cgdir pid netns want client=exec

	if ! command -v runc >/dev/null; then
		skip "$run: needs runc"
		return
	fi
	if ! rootfs=$(ct_busybox_rootfs); then
		fail "$run: a busybox rootfs"
		return
	fi
	id=$(ct_hex 64) name=tcptrace-live-$$-runc bundle=$TMP/$run
	mkdir -p "$bundle"
	if ct_chrooted; then
		client=init
		echo "# note: $run: this shell is chrooted (the QEMU guest): runc exec would start the client outside the container's rootfs; the container's init starts it"
	fi
	# The server, then the client (CLIENT=init) or a wait for the one runc
	# exec starts (when a PID namespace's init exits, the kernel kills the
	# rest of it).
	# shellcheck disable=SC2016 # the container's sh expands it
	ct_busybox_config "$rootfs" 'ip link set lo up || exit 1
		nc -l -p 8080 </dev/null >/dev/null &
		if [ "$CLIENT" = init ]; then sh -c "$CLIENT_SCRIPT"; st=$?; wait; exit $st; fi
		wait
		for i in $(seq 200); do [ -e /tmp/done ] && exit 0; sleep 0.05; done; exit 1' \
		"/docker/$id" "CLIENT=$client" |
		jq --arg c "CLIENT_SCRIPT=$CT_RUNC_CLIENT" '.process.env += [$c]' >"$bundle/config.json"
	ct_runc_track "$name" "/docker/$id"
	if ! ct_runc create --bundle "$bundle" "$name" </dev/null >"$TMP/$run.runc" 2>&1; then
		# The one case a guest may not run: say why.
		skip "$run: runc create failed here: $(tail -n 1 "$TMP/$run.runc")"
		ct_runc_remove "$name"
		return
	fi
	pid=$(ct_runc state "$name" | jq -r .pid)
	cgdir=$CT_ROOT/docker/$id
	if [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/docker/$id" ]; then
		pass "$run: runc put the container in cgroup /docker/$id (cgroupfs driver)"
	else
		fail "$run: runc put the container in cgroup /docker/$id (got: $(tr '\n' ' ' <"/proc/$pid/cgroup"))"
	fi
	netns=$(stat -L -c %i "/proc/$pid/ns/net")
	jq -n -c --arg id "$id" --arg path "/docker/$id" --argjson cgid "$(stat -c %i "$cgdir")" \
		'{id: $id, runtime: "docker", pod_uid: "", qos: "", path: $path, cgid: $cgid}' >"$(ct_want runc)"
	start_tracer "$run" --container "${id:0:12}" || { ct_runc_remove "$name"; return; }
	ct_runc start "$name" >>"$TMP/$run.runc" 2>&1 || fail "$run: runc start"
	if [ "$client" = init ]; then
		:
	elif ct_runc exec "$name" sh -c "$CT_RUNC_CLIENT" </dev/null >>"$TMP/$run.runc" 2>&1; then
		pass "$run: runc exec: a client in the container connected to its server"
	else
		fail "$run: runc exec: a client in the container connected to its server:"
		detail "$TMP/$run.runc"
	fi
	# Then let init end, by an exec of its own: the one that touches the
	# file may be killed with it (its status is not the client's).
	[ "$client" = init ] ||
		ct_runc exec "$name" touch /tmp/done </dev/null >>"$TMP/$run.runc" 2>&1 || true
	if ct_runc_wait_stopped "$name" && [ "$(ct_runc state "$name" 2>/dev/null | jq -r .status)" = stopped ]; then
		pass "$run: the container ends after its one connection (client: $client)"
	else
		fail "$run: the container ends after its one connection (client: $client):"
		detail "$TMP/$run.runc"
	fi
	ct_pair_case "$run" host host
	sleep 0.6
	stop_tracer "$run"
	ct_runc_remove "$name"
	echo 8080 >"$TMP/$run.port.container"
	ct_judge "$run" container "$(ct_want runc)" "$(ct_want runc)" "runc, --container ${id:0:12}"
	ct_judge "$run" host none none "host"
	want=$(jq -s -c --argjson n "$netns" '[.[] | select(.type != "lost") | select(.netns_id != $n)] | length' "$TMP/$run.out")
	if [ "$want" = 0 ] && [ -s "$TMP/$run.out" ]; then
		pass "$run: its events are in the container's network namespace ($netns)"
	else
		fail "$run: its events are in the container's network namespace ($netns): $want not"
	fi
	ct_sample "$TMP/$run.out" 3
}

# The first $2 events of file $1, their container's fields, as "#" lines.
ct_sample() {
	jq -c 'select(.type != "lost") | {type, comm: .proc.comm, pid: .proc.pid, netns_id,
		src: "\(.src.addr):\(.src.port)", dst: "\(.dst.addr):\(.dst.port)",
		cgroup, container, k8s, node}' "$1" 2>/dev/null | head -n "$2" | sed 's/^/#   /'
}

# ---- the DaemonSet ----

# The manifest through the typed API objects, offline: kubectl set env
# --local converts it to an apps/v1 DaemonSet and back (dropping any field
# the API does not know), here with one variable more, taken out again:
# $TMP/ds.json, what the DaemonSet's runc run is made from.
ct_ds_json() {
	local run=$1 yaml=$CT_DEPLOY/daemonset.yaml

	if ! command -v kubectl >/dev/null; then
		skip "$run: needs kubectl"
		return 1
	fi
	if ! kubectl set env --local -f "$yaml" -o json TCPTRACE_CHECK=1 >"$TMP/ds.typed.json" 2>"$TMP/$run.err" ||
	   ! jq 'del(.spec.template.spec.containers[].env[] | select(.name == "TCPTRACE_CHECK"))' \
		"$TMP/ds.typed.json" >"$TMP/ds.json"; then
		fail "$run: kubectl reads $yaml offline:"
		detail "$TMP/$run.err"
		return 1
	fi
	pass "$run: kubectl reads $yaml offline ($(kubectl version --client 2>/dev/null | head -n 1))"
}

# The manifest, offline: as written (kubectl label --local) and through
# the typed API objects (ct_ds_json): every value written must survive.
ct_run_manifest() {
	local run=ct-manifest yaml=$CT_DEPLOY/daemonset.yaml lost

	ct_ds_json "$run" || return 1
	if ! kubectl label --local -f "$yaml" -o json tcptrace-check=1 >"$TMP/ds.raw.json" 2>"$TMP/$run.err"; then
		fail "$run: kubectl label --local reads $yaml:"
		detail "$TMP/$run.err"
		return 1
	fi
	lost=$(jq -n -r --slurpfile raw "$TMP/ds.raw.json" --slurpfile typed "$TMP/ds.typed.json" '
		$raw[0] | del(.metadata.labels["tcptrace-check"]) | [paths(scalars) as $p
		| select(($typed[0] | getpath($p)) != getpath($p)) | $p | map(tostring) | join(".")] | join(", ")')
	if [ -z "$lost" ]; then
		pass "$run: every field is one of apps/v1 DaemonSet's (none lost in the typed round trip)"
	else
		fail "$run: every field is one of apps/v1 DaemonSet's; not: $lost"
	fi
	# What the runc run below relies on, stated once more as a check.
	local f
	while IFS= read -r f; do
		if jq -e "$f" "$TMP/ds.json" >/dev/null 2>&1; then
			pass "$run: $f"
		else
			fail "$run: $f"
		fi
	done <<'JQ'
.kind == "DaemonSet" and .apiVersion == "apps/v1"
.spec.template.spec.hostPID == true and (.spec.template.spec.hostNetwork // false) == false
.spec.template.spec.containers | length == 1
.spec.template.spec.containers[0].securityContext | .privileged != true and .allowPrivilegeEscalation == false and .readOnlyRootFilesystem == true and .capabilities.drop == ["ALL"]
.spec.template.spec.containers[0].securityContext.capabilities.add | sort == ["BPF", "DAC_READ_SEARCH", "PERFMON"]
.spec.template.spec as $p | [$p.containers[0].volumeMounts[] as $m | $m.readOnly == true and ([$p.volumes[] | select(.name == $m.name and .hostPath.path == $m.mountPath)] | length == 1)] | all
[.spec.template.spec.volumes[].hostPath.path] | sort == ["/sys/fs/cgroup", "/sys/kernel/btf", "/sys/kernel/tracing"]
.spec.template.spec.containers[0] | (.command + .args) as $a | ($a | index(["--json"])) != null and ($a | index(["--node", "$(NODE_NAME)"])) != null
.spec.template.spec.containers[0].env[] | select(.name == "NODE_NAME") | .valueFrom.fieldRef.fieldPath == "spec.nodeName"
.spec.template.spec.tolerations | any(.operator == "Exists" and (.key // "") == "" and (.effect // "") == "")
.spec.template.spec.containers[0].resources | .requests.memory and .limits.memory and .requests.cpu
(.spec.template.spec.containers[0].livenessProbe // .spec.template.spec.containers[0].readinessProbe) == null
JQ
}

# The image's rootfs (make image puts it in build/image/rootfs) when its
# binary is the one under test; else the binary alone: a FROM-scratch image
# holds nothing else.
ct_ds_rootfs() {
	local dir=$TMP/ds-rootfs img=$ROOT/build/image/rootfs

	mkdir -p "$dir"
	if [ -x "$img/tcptrace" ] && cmp -s "$img/tcptrace" "$TCPTRACE"; then
		cp -a "$img/." "$dir/" && echo "image" && return 0
	fi
	cp "$TCPTRACE" "$dir/tcptrace" && echo "binary"
}

# ct_ds_up RUN CONFIG: the DaemonSet's container from config.json CONFIG
# (in bundle CT_DS_BUNDLE, as CT_DS_NAME in cgroup CT_DS_CG), until tcptrace
# in it is ready; returns non-zero (its stderr in CT_DS_BUNDLE/err) if it
# exits first or never gets there.
ct_ds_up() {
	local deadline=$((SECONDS + READY_TIMEOUT))

	cp "$2" "$CT_DS_BUNDLE/config.json"
	ct_runc_track "$CT_DS_NAME" "$CT_DS_CG"
	# `runc run` in the foreground: its status is the container's.
	ct_runc run --bundle "$CT_DS_BUNDLE" "$CT_DS_NAME" </dev/null \
		>"$CT_DS_BUNDLE/out" 2>"$CT_DS_BUNDLE/err" &
	CT_DS_PID=$!
	while ! grep -qsxF "$READY_LINE" "$CT_DS_BUNDLE/err" && alive "$CT_DS_PID" &&
	      [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	grep -qsxF "$READY_LINE" "$CT_DS_BUNDLE/err"
}

# SIGTERM, as the kubelet stops a container; its status in WAIT_RC, its
# stdout in $TMP/RUN.out; then the container and its cgroups are removed.
ct_ds_down() {
	ct_runc kill "$CT_DS_NAME" TERM 2>/dev/null
	[ -n "$CT_DS_PID" ] && wait_bounded "$CT_DS_PID" 10
	CT_DS_PID=
	cp "$CT_DS_BUNDLE/out" "$TMP/$1.out"
	ct_runc_remove "$CT_DS_NAME"
}

# runc's own warnings aside, what the container said on stderr.
ct_ds_err() {
	grep -v '^time=' "$CT_DS_BUNDLE/err"
}

# ct_ds_refused RUN CONFIG WHY PATTERN: the container of CONFIG must exit
# non-zero at once, one line on stderr matching PATTERN (grep -E).
ct_ds_refused() {
	local run=$1 rc

	if ct_ds_up "$run" "$2"; then
		ct_ds_down "$run"
		fail "$run: $3: it exits non-zero at once (it traced)"
		return
	fi
	wait_bounded "$CT_DS_PID" 10
	rc=$WAIT_RC CT_DS_PID=
	ct_ds_down "$run"
	if [ "$rc" != 0 ] && [ "$(ct_ds_err | grep -c '')" = 1 ] && ct_ds_err | grep -qE "$4"; then
		pass "$run: $3: it exits $rc at once, one line: $(ct_ds_err)"
	else
		fail "$run: $3: it exits non-zero at once, one line matching '$4' (got $rc):"
		ct_ds_err | detail
	fi
}

# Debian's kernels (and others with its patch) refuse perf_event_open()
# without CAP_SYS_ADMIN when kernel.perf_event_paranoid is above 2, whatever
# CAP_PERFMON says: the manifest asks such nodes for 2. Checks that the
# DaemonSet's container (config $2) then exits at once, and sets 2 for the
# rest of the run (ct_cleanup puts the value back).
ct_ds_paranoid() {
	local run=$1-paranoid value

	value=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null) || return 0
	[ "$value" -gt 2 ] || return 0
	ct_ds_refused "$run" "$2" "kernel.perf_event_paranoid=$value (Debian's patch), the line names the sysctl" \
		'Permission denied.*sysctl kernel\.perf_event_paranoid=2'
	if echo 2 >/proc/sys/kernel/perf_event_paranoid; then
		CT_PARANOID=$value
		pass "$run: kernel.perf_event_paranoid $value -> 2 for the rest, as the manifest asks of such a node"
	else
		fail "$run: kernel.perf_event_paranoid $value -> 2"
		return 1
	fi
}

ct_run_daemonset() {
	local run=ct-daemonset rootfs_kind full id pod node pid rss peak now limit want cap

	if ! command -v runc >/dev/null; then
		skip "$run: needs runc"
		return
	fi
	CT_DS_BUNDLE=$TMP/$run CT_DS_NAME=tcptrace-live-$$-ds
	mkdir -p "$CT_DS_BUNDLE"
	if ! rootfs_kind=$(ct_ds_rootfs); then
		fail "$run: a rootfs"
		return
	fi
	if [ "$rootfs_kind" = image ]; then
		pass "$run: rootfs: the image's (build/image/rootfs from make image: /tcptrace alone), its binary the one under test"
	else
		skip "$run: the image's rootfs (build/image/rootfs: make image); the binary alone instead"
	fi
	id=$(ct_hex 64) pod=$(ct_uuid) node=tct-node-$$
	CT_DS_CG=/kubepods/burstable/pod$pod/$id
	full=$TMP/$run.config
	if ! jq -f "$HERE/daemonset-runc.jq" --arg rootfs "$TMP/ds-rootfs" --arg node "$node" \
		--arg cgroupsPath "$CT_DS_CG" "$TMP/ds.json" >"$full" 2>"$TMP/$run.err"; then
		fail "$run: config.json from the manifest:"
		detail "$TMP/$run.err"
		return
	fi
	pass "$run: config.json from the manifest: $(jq -c '{args: .process.args, caps: .process.capabilities.effective,
		ns: [.linux.namespaces[].type], ro: [.mounts[] | select(.options | index("ro")) | .destination],
		memory: .linux.resources.memory.limit}' "$full")"
	ct_ds_paranoid "$run" "$full" || return

	if ! ct_ds_up "$run" "$full"; then
		fail "$run: tcptrace in the DaemonSet's container is ready:"
		ct_ds_err | detail
		ct_ds_down "$run"
		return
	fi
	pass "$run: tcptrace in the DaemonSet's container (runc: host PID namespace, those capabilities and mounts only) is ready"
	pid=$(ct_runc state "$CT_DS_NAME" | jq -r .pid)
	ct_pair_case "$run" C containerd-systemd
	ct_pair_case "$run" host host
	sleep 1
	rss=$(awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { print r " KiB now, " h " KiB at most" }' "/proc/$pid/status")
	peak=$(ct_memory "$CT_DS_CG" peak)
	now=$(ct_memory "$CT_DS_CG" current)
	limit=$(jq -r '.linux.resources.memory.limit // empty' "$full")
	ct_ds_down "$run"
	if [ "$WAIT_RC" = 0 ]; then
		pass "$run: SIGTERM (what the kubelet sends) ends it with status 0"
	else
		fail "$run: SIGTERM (what the kubelet sends) ends it with status 0 (got $WAIT_RC)"
	fi
	ct_judge "$run" C "$(ct_want containerd-systemd)" "$(ct_want containerd-systemd)" \
		"a pod's container, traced from the DaemonSet's"
	ct_judge "$run" host "$(ct_want host)" "$(ct_want host)" "host"
	want=$(jq -s -r --arg n "$node" 'map(select(.type != "lost")) | "\(length) \(map(select(.node != $n)) | length)"' "$TMP/$run.out")
	if [ "${want% *}" -gt 0 ] && [ "${want#* }" = 0 ]; then
		pass "$run: every event (${want% *}) has node \"$node\" (--node \$(NODE_NAME) from spec.nodeName)"
	else
		fail "$run: every event has node \"$node\" (events, events without it: $want)"
	fi
	if [ -n "$peak" ] && [ -n "$limit" ] && [ "$peak" -lt "$limit" ]; then
		pass "$run: memory: the container's $((now / 1024)) KiB now, $((peak / 1024)) KiB at most, under the limit of $((limit / 1024)) KiB (tcptrace's RSS: $rss)"
	elif [ -z "$peak" ]; then
		skip "$run: memory: no memory peak in the container's cgroup here (tcptrace's RSS: $rss)"
	else
		fail "$run: memory: the container's peak $peak bytes under the limit $limit"
	fi
	ct_sample "$TMP/$run.out" 2
	[ -n "${CT_GUEST:-}" ] || ct_run_pods_join "$run"

	# Each capability, taken away: BPF and PERFMON are needed to trace at
	# all (it must exit non-zero at once, one line naming it: the kubelet
	# restarts it, and that is its liveness story); DAC_READ_SEARCH names
	# the cgroups (without it the fields are "", the filter still works).
	for cap in CAP_BPF CAP_PERFMON; do
		run=ct-daemonset-no-${cap#CAP_}
		jq --arg cap "$cap" '.process.capabilities |= with_entries(.value -= [$cap])' "$full" >"$full.$cap"
		ct_ds_refused "$run" "$full.$cap" "without $cap" "$cap"
	done
	[ -n "${CT_GUEST:-}" ] && return	# the same on every kernel: the host run's
	cap=CAP_DAC_READ_SEARCH run=ct-daemonset-no-DAC_READ_SEARCH
	jq --arg cap "$cap" --arg c "${CT_C:0:12}" '.process.capabilities |= with_entries(.value -= [$cap])
		| .process.args += ["--container", $c]' "$full" >"$full.$cap"
	if ! ct_ds_up "$run" "$full.$cap"; then
		fail "$run: without $cap, with --container ${CT_C:0:12}, it traces:"
		ct_ds_err | detail
		ct_ds_down "$run"
		return
	fi
	pass "$run: without $cap, with --container ${CT_C:0:12}, it traces"
	ct_pair_case "$run" C containerd-systemd
	ct_pair_case "$run" host host
	sleep 0.6
	ct_ds_down "$run"
	jq -c '.id = "" | .runtime = "" | .pod_uid = "" | .qos = "" | .path = ""' \
		"$(ct_want containerd-systemd)" >"$(ct_want unnamed)"
	ct_judge "$run" C "$(ct_want unnamed)" "$(ct_want unnamed)" \
		"the cgroup id, not its name: open_by_handle_at needs $cap"
	ct_judge "$run" host none none "--container still filters"
}

# The README's join of events with `kubectl get pods -A -o json`, on the
# DaemonSet run's events and a pod list that has containerd container C.
ct_run_pods_join() {
	local run=$1 got

	jq -n --arg uid "$(jq -r .pod_uid "$(ct_want containerd-systemd)")" --arg id "$CT_C" \
		'{items: [{metadata: {namespace: "shop", name: "web-7d4b9", uid: $uid},
			   status: {containerStatuses: [{name: "nginx", containerID: "containerd://\($id)"}]}}]}' |
	jq '[.items[] | .metadata as $m
	  | ((.status.containerStatuses // []) + (.status.initContainerStatuses // []))[]
	  | select(.containerID) | {key: (.containerID | sub("^[a-z-]+://"; "")),
	    value: {namespace: $m.namespace, pod: $m.name, uid: $m.uid, container: .name}}]
	  | from_entries' >"$TMP/$run.containers.json"
	got=$(jq -c --slurpfile c "$TMP/$run.containers.json" 'select(.k8s.pod_uid != "")
	    | {type, node, pod: $c[0][.container.id], dst: "\(.dst.addr):\(.dst.port)", error}' \
		"$TMP/$run.out" | jq -s -c 'map(.pod) | unique')
	if [ "$got" = '[{"namespace":"shop","pod":"web-7d4b9","uid":"'"$(jq -r .pod_uid "$(ct_want containerd-systemd)")"'","container":"nginx"}]' ]; then
		pass "$run: the README's join by container.id names the pod: $got"
	else
		fail "$run: the README's join by container.id names the pod (got: $got)"
	fi
}

# ct_memory CGROUP peak|current: the memory of that container's cgroup in
# bytes, as its limit counts it (the BPF maps included): cgroup v2's
# memory.peak or .current, or the v1 memory controller's (hybrid hosts).
ct_memory() {
	local h v2=memory.$2 v1=memory.max_usage_in_bytes

	[ "$2" = current ] && v1=memory.usage_in_bytes
	if [ -r "$CT_ROOT$1/$v2" ]; then
		cat "$CT_ROOT$1/$v2"
		return
	fi
	for h in $(ct_hierarchies '^cgroup$'); do
		if [ -r "$h$1/$v1" ]; then
			cat "$h$1/$v1"
			return
		fi
	done
}

run_container_suite() {
	if ! CT_ROOT=$(ct_cgroup2); then
		skip "ct: needs cgroup v2 (none mounted, and mounting one failed)"
		return
	fi
	CT_DEPLOY=$ROOT/deploy
	CT_RUNC_ROOT=$TMP/runc
	trap 'ct_cleanup; cleanup' EXIT
	ct_lock
	echo "# containers: cgroup2 at $CT_ROOT"
	# Every form: what the kernel side does (the cgroup id in process
	# context, the --container and --cgroup filters), in one tcptrace run.
	# One host run (LIVE_CT_ALL=1) adds what is the same in every form:
	# every runtime's fields, the table, the other filter spellings and
	# refusals, runc, the manifest and the DaemonSet.
	if ct_setup; then
		ct_run_kernel
		if ct_chrooted; then
			# The QEMU guest: emulated, slow, its time per form bounded,
			# and its auto run only checks which form auto takes
			# (fentry, on Debian's kernel). Its fentry run adds what
			# depends on the node: runc on a cgroup v2-only host, the
			# DaemonSet's container (tcptrace's default form) on Debian's
			# kernel. What user space alone does is the host run's.
			if [ "$BACKEND" = fentry ]; then
				echo "# note: ct: the QEMU guest: runc and the DaemonSet here; every runtime's fields, the table, the filters' spellings and refusals and the manifest's checks are the host's"
				ct_run_runc
				ct_ds_json ct-manifest && CT_GUEST=1 ct_run_daemonset
			fi
		elif [ "${LIVE_CT_ALL:-0}" = 1 ]; then
			ct_run_fields
			ct_run_table
			ct_run_container_multi
			ct_run_container_bad
			ct_run_cgroup_forms
			ct_run_runc
			ct_run_manifest && ct_run_daemonset
		fi
	fi
	ct_cleanup
	trap cleanup EXIT
}
