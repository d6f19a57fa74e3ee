# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/report.sh: the TAP-like lines and counts of the live and hostile
# suites, sourced by both. Each line is labelled with $LABEL (the form, and
# the transport when given); a failure's detail is the first $DETAIL_LINES
# lines of a file. Outside CI a missing prerequisite skips; under CI=true it
# is a failure.

CI_MODE=false
[ "${CI:-}" = true ] && CI_MODE=true
PASSED=0
FAILED=0
SKIPPED=0
LABEL=
DETAIL_LINES=40

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - [$LABEL] $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - [$LABEL] $1"
}

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
	sed -e 's/^/#   /' "$@" 2>/dev/null | head -n "$DETAIL_LINES"
}

# check STATUS NAME [DETAIL-FILE]: pass when STATUS is 0, else fail with
# the file's lines as detail.
check() {
	if [ "$1" -eq 0 ]; then
		pass "$2"
	else
		fail "$2"
		[ -n "${3:-}" ] && detail "$3"
	fi
}

# Count and echo the ok/FAIL lines that a jq check wrote to a file.
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

# The counts; true when nothing failed.
summary() {
	if $CI_MODE; then
		echo "$PASSED passed, $FAILED failed"
	else
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	fi
	[ "$FAILED" -eq 0 ]
}
