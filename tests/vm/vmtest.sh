#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# vmtest.sh: the live suite for every backend on Debian's stock kernel, which
# has the kprobes and fentry this host's kernel lacks: it runs
# tests/live/run.sh --backend B [--transport T] for each B[:T] of
# VMTEST_BACKENDS, and tests/hostile/run.sh --backend B --only signals,losses
# for each hostile:B, all of them even when one fails, then sums up with
# "vmtest: RUN PASS|FAIL" lines. Each transport runs under two forms.
# The runs are shared out among VMTEST_GUESTS guests that boot side by side,
# one vCPU each: an emulated vCPU is one host thread, so on a 2-core host
# two such guests finish a suite in the time one 2-vCPU guest takes.  And
# a 2-vCPU guest under TCG locks up when the kernel patches a jump label
# (attaching or detaching a syscall tracepoint does) while the other vCPU
# runs through it: seen without any BPF, toggling a tracefs event.
#
#   VMTEST_BACKENDS         the runs ("kprobe:perf fentry tracepoint auto
#                           hostile:kprobe hostile:fentry"; auto only checks
#                           which form it takes)
#   VMTEST_BACKEND_TIMEOUT  seconds for one backend's run (900: 500 to 600 under TCG)
#   VMTEST_HOSTILE_TIMEOUT  seconds for one hostile:B run (420: a tcptrace
#                           starts and stops a dozen times, seconds each)
#   VMTEST_STORM_SCALE      the live suite's LIVE_STORM_SCALE in the guest (0.01:
#                           under TCG the guest is some 20 times slower)
#   VMTEST_BURST_N          the live suite's LIVE_BURST_N in the guest (2000)
#   VMTEST_GUESTS           guests booted side by side (2; vm-run.sh's VM_SMP
#                           gives each its vCPUs, 1)
#   VMTEST_VERBOSE=1        the guests' kernel logs live, and their whole
#                           consoles (see vm-run.sh)
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# Every case in the forms the host cannot run (kprobe, fentry) and in the
# classic tracepoint form; tp_btf runs on the host, each transport runs here
# under two forms, and auto only has to choose fentry: under TCG a whole
# suite takes 8-10 minutes.
BACKENDS=${VMTEST_BACKENDS:-kprobe:perf fentry tracepoint auto hostile:kprobe hostile:fentry}
PER=${VMTEST_BACKEND_TIMEOUT:-900}
HOSTILE_PER=${VMTEST_HOSTILE_TIMEOUT:-420}
STORM_SCALE=${VMTEST_STORM_SCALE:-0.01}
BURST_N=${VMTEST_BURST_N:-2000}
GUESTS=${VMTEST_GUESTS:-2}
LOG=

die()
{
	echo "vmtest: $*" >&2
	exit 1
}

# Runs in the guest (host's / read-only, /tmp a tmpfs) as: sh -c GUEST
# vmtest PER HOSTILE_PER STORM_SCALE BURST_N BACKEND...  A hung backend is
# cut by its own timeout (which kills its whole process group), so the
# others still run.
GUEST='
per=$1
hostile_per=$2
export LIVE_STORM_SCALE=$3 LIVE_BURST_N=$4
shift 4
for b do
	echo "vmtest: --- backend $b ---"
	start=$(date +%s)
	# Debian'"'"'s kernel runs every form: auto must take the cheapest.
	expect=
	only=
	[ "$b" = auto ] && expect="--expect-backend fentry" only=choice
	transport=
	case $b in
	hostile:*)
		# The emulated guest makes connections some fifty times
		# slower, and detaching a form takes 1-2 s there: fewer
		# connections, and a bound that says "does not hang" (the host
		# run checks 1 s).
		HOSTILE_CONNS=300 HOSTILE_FLOOD=1000 HOSTILE_EXIT_MS=10000 \
			timeout -k 5 "$hostile_per" tests/hostile/run.sh \
			--backend "${b#hostile:}" --only signals,losses
		;;
	*)
		case $b in *:*) transport="--transport ${b#*:}" ;; esac
		LIVE_ONLY=$only timeout -k 5 "$per" tests/live/run.sh --backend "${b%%:*}" \
			$transport $expect
		;;
	esac
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) echo "vmtest: $b PASS (${secs}s)" ;;
	124|137) echo "vmtest: $b FAIL (timed out after ${secs}s)" ;;
	*) echo "vmtest: $b FAIL (exit $rc, ${secs}s)" ;;
	esac
	[ $rc -eq 0 ] || failed=1
done
exit ${failed:-0}
'

check_inputs()
{
	[ -x ./tcptrace ] || die "./tcptrace is missing: run make first"
	[ -x build/tests/tcpcase ] || die "build/tests/tcpcase is missing: run make build/tests/tcpcase"
	[ -x build/tests/tcpstorm ] && [ -f build/tests/deny_connect.bpf.o ] ||
		die "build/tests/tcpstorm or deny_connect.bpf.o is missing: run make build/tests/tcpstorm build/tests/deny_connect.bpf.o"
	[ -x tests/live/run.sh ] || die "tests/live/run.sh is missing"
	case " $BACKENDS " in
	*" hostile:"*)
		[ -x build/bench/connrate ] && [ -x build/tests/commconn ] ||
			die "build/bench/connrate or build/tests/commconn is missing: run make build/bench/connrate build/tests/commconn"
		;;
	esac
}

# The summary, one line a backend, from the guest's lines in the log $1.
summary()
{
	echo "vmtest: summary"
	for b in $BACKENDS; do
		line=$(grep -E "^vmtest: $b (PASS|FAIL)" "$1" | tail -n 1)
		echo "${line:-vmtest: $b FAIL (did not run: the guest run failed)}"
	done
}

# Seconds for one boot running the runs $@: each one's budget, and a
# minute for the boot.
guest_budget()
{
	total=60
	for b do
		case $b in
		hostile:*) total=$((total + HOSTILE_PER + 10)) ;;
		*) total=$((total + PER + 10)) ;;
		esac
	done
	echo "$total"
}

# A run's cost under TCG relative to the others (a live suite 5-7 minutes,
# a hostile run 2, auto's choice seconds): what shares them out.
weight()
{
	case $1 in
	auto) echo 1 ;;
	hostile:*) echo 3 ;;
	*) echo 8 ;;
	esac
}

# The runs $@ shared out among $GUESTS guests, one line of runs a guest:
# the costliest first, each to the guest with the least so far.
share_out()
{
	for b do
		echo "$(weight "$b") $b"
	done | sort -k1,1nr -s | awk -v n="$GUESTS" '
	{
		best = 1
		for (i = 2; i <= n; i++)
			if (load[i] < load[best])
				best = i
		load[best] += $1
		runs[best] = runs[best] " " $2
	}
	END {
		for (i = 1; i <= n; i++)
			if (runs[i] != "")
				print substr(runs[i], 2)
	}'
}

# One guest boot for the backends $@ (after the tag $1), its console
# appended to $LOG line by line (guests side by side interleave whole
# lines, each labelled); sh has no pipefail: vm-run's status goes to
# $LOG.st.TAG.
boot_one()
{
	local tag=$1

	shift
	{
		st=0
		tests/vm/vm-run.sh --timeout "$(guest_budget "$@")" -- \
			sh -c "$GUEST" vmtest "$PER" "$HOSTILE_PER" "$STORM_SCALE" "$BURST_N" "$@" || st=$?
		echo $st >"$LOG.st.$tag"
	} | tee -a "$LOG"
}

# The runs $@ in guests side by side; st is 0 when every guest ended well.
run_guest()
{
	local runs n=0 pids= pid f

	rm -f "$LOG".st.*
	share_out "$@" >"$LOG.share"
	while read -r runs; do
		n=$((n + 1))
		echo "vmtest: guest $n runs: $runs"
		# shellcheck disable=SC2086 # one word a run
		boot_one $n $runs &
		pids="$pids $!"
	done <"$LOG.share"
	for pid in $pids; do
		wait "$pid" || true
	done
	st=0
	for f in "$LOG".st.*; do
		[ "$(cat "$f" 2>/dev/null)" = 0 ] || st=$(cat "$f" 2>/dev/null || echo 1)
	done
}

# The backends the log has no verdict for.
unfinished()
{
	for b in $BACKENDS; do
		grep -qE "^vmtest: $b (PASS|FAIL)" "$LOG" || printf '%s ' "$b"
	done
}

main()
{
	cd "$TOP"
	check_inputs
	LOG=$(mktemp "${TMPDIR:-/tmp}/vmtest.XXXXXX")
	trap 'rm -f "$LOG" "$LOG".st.* "$LOG.share" "$LOG.sum"' EXIT
	run_guest $BACKENDS
	# A guest that locked up (the TCG lockup above, should it come with
	# one vCPU too) panics (vm-run.sh), and its kernel log is printed: no
	# verdict then, not a failed check.  Boot once more for what did not
	# finish.  A failed check is never retried.
	left=$(unfinished)
	if [ -n "$left" ] && [ "$st" != 0 ]; then
		echo "vmtest: the guest run failed (vm-run status $st) before a verdict for: $left; booting once more for them"
		run_guest $left
	fi
	summary "$LOG" | tee "$LOG.sum"
	if grep -q 'did not run' "$LOG.sum"; then
		die "the guest run failed (vm-run status $st)"
	elif grep -q ' FAIL' "$LOG.sum"; then
		die "FAIL; one backend alone: tests/vm/vm-run.sh -- tests/live/run.sh --backend NAME (or tests/hostile/run.sh --backend NAME --only signals,losses)"
	elif [ "$st" != 0 ]; then
		die "the guest run failed (vm-run status $st)"
	fi
}

main "$@"; exit
