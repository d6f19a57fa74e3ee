# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Process helpers shared by the live suite and the benchmark (bash, sourced).

# True while pid $1 runs; a zombie (exited, not yet waited for) has ended.
alive() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Wait up to $2 seconds for pid $1, a child, to end; its exit status in
# WAIT_RC ("timeout", after a SIGKILL, if it did not).
wait_bounded() {
	local pid=$1 deadline=$((SECONDS + $2))

	while alive "$pid" && [ $SECONDS -lt $deadline ]; do
		sleep 0.05
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		WAIT_RC=timeout
		return 1
	fi
	wait "$pid"
	WAIT_RC=$?
	return 0
}
