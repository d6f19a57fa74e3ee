#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make install into a temporary DESTDIR, then what a user would check: the
# binary runs and needs nothing but libc, the man page renders without a
# warning, the bash completion completes. "N passed, N failed" at the end.
set -u
cd "$(dirname "$0")/../.." || exit 1
DEST=$(mktemp -d "${TMPDIR:-/tmp}/tcptrace-install.XXXXXX") || exit 1
trap 'rm -rf "$DEST"' EXIT
PASSED=0
FAILED=0

check() {
	local what=$1

	shift
	if "$@" >/dev/null 2>&1; then
		PASSED=$((PASSED + 1))
		echo "ok - install: $what"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL - install: $what"
	fi
}

# ldd's list, less the vDSO, libc and the loader.
non_libc() {
	ldd "$1" 2>&1 | grep -vE 'linux-vdso|libc\.so|ld-linux|not a dynamic executable' | grep -q .
}

completes() {
	# shellcheck disable=SC1090
	bash -c 'source "$1"; COMP_WORDS=("$2" --backend t); COMP_CWORD=2; _tcptrace;
		 [ "${COMPREPLY[*]}" = "tp_btf tracepoint" ] || exit 1
		 COMP_WORDS=("$2" --fields proc.cr); COMP_CWORD=2; _tcptrace;
		 [ "${COMPREPLY[*]}" = "proc.creds.uid proc.creds.gid" ] || exit 1
		 COMP_WORDS=("$2" --lis); COMP_CWORD=1; _tcptrace;
		 [ "${COMPREPLY[*]}" = "--list-fields" ]' sh "$1" "$2"
}

renders_clean() {
	[ -z "$(groff -ww -man -Tutf8 "$1" 2>&1 >/dev/null)" ] &&
		groff -man -Tutf8 "$1" 2>/dev/null | col -b | grep -qx 'JSON FIELDS'
}

make -s install DESTDIR="$DEST" PREFIX=/usr >/dev/null
BIN=$DEST/usr/sbin/tcptrace
check "the binary is installed and runs (--version names libbpf)" \
	sh -c '"$1" --version | grep -q "^libbpf v"' sh "$BIN"
export -f non_libc
check "ldd shows only libc (libbpf, libelf and zlib are inside)" bash -c '! non_libc "$1"' sh "$BIN"
check "the man page is installed and renders without a warning (groff -ww)" \
	renders_clean "$DEST/usr/share/man/man8/tcptrace.8"
check "the bash completion completes --backend, --fields and options" \
	completes "$DEST/usr/share/bash-completion/completions/tcptrace" "$BIN"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
