#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# check-bpf-object.sh ARCH OBJ REF
#
# `make cross-bpf`'s check of a BPF object built for another architecture
# (OBJ, for ARCH: x86 or arm64) against this host's (REF): a BPF ELF with
# BTF and CO-RE relocations (.BTF, .BTF.ext), the same programs in the same
# sections, the same maps and globals as REF, and ARCH's own registers in
# its BTF (what __TARGET_ARCH_<ARCH> makes BPF_KPROBE and
# PT_REGS_PARM1_CORE_SYSCALL read: arm64's user_pt_regs and pt_regs.orig_x0,
# x86's pt_regs.di).
set -eu -o pipefail

PROG=check-bpf-object
LLVM_OBJDUMP=${LLVM_OBJDUMP:-llvm-objdump}
BPFTOOL=${BPFTOOL:-bpftool}
TMP=

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

cleanup()
{
	[ -z "$TMP" ] || rm -rf "$TMP"
}

# The global symbols: kind (F program, O map or global), section, name.
symbols()
{
	"$LLVM_OBJDUMP" -t "$1" | awk '$2 == "g" { print $3, $4, $6 }' | sort
}

# The members of struct NAME in a raw BTF dump, one a line.
members()
{
	awk -v s="STRUCT '$2'" '
		$1 ~ /^\[[0-9]+\]$/ { on = ($2 " " $3 == s) ; next }
		on { gsub("'\''", "", $1); print $1 }' "$1"
}

main()
{
	local arch=$1 obj=$2 ref=$3 sec n_prog n_map want

	[ $# -eq 3 ] || { echo "usage: $0 ARCH OBJ REF" >&2; exit 2; }
	[ -s "$obj" ] || die "$obj missing"
	[ -s "$ref" ] || die "$ref missing"
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX")
	trap cleanup EXIT

	"$LLVM_OBJDUMP" -h "$obj" >"$TMP/sections" || die "$obj: not an object llvm-objdump reads"
	grep -q 'file format elf64-bpf' "$TMP/sections" || die "$obj is not a little-endian BPF ELF object"
	for sec in .BTF .BTF.ext; do
		grep -Eq "^ *[0-9]+ \\$sec " "$TMP/sections" || die "$obj has no $sec section"
	done
	"$BPFTOOL" btf dump file "$obj" >"$TMP/btf" 2>"$TMP/err" ||
		die "bpftool cannot read the BTF of $obj: $(cat "$TMP/err")"

	symbols "$obj" >"$TMP/obj.sym"
	symbols "$ref" >"$TMP/ref.sym"
	if ! diff -u "$TMP/ref.sym" "$TMP/obj.sym" >"$TMP/diff"; then
		sed "1,2d" "$TMP/diff" >&2
		die "$obj ($arch) does not hold the programs and maps of $ref (- only in $ref, + only in $obj)"
	fi
	n_prog=$(grep -c '^F ' "$TMP/obj.sym" || true)
	n_map=$(grep -c '^O \.maps ' "$TMP/obj.sym" || true)
	[ "$n_prog" -gt 0 ] || die "$obj has no programs"

	members "$TMP/btf" pt_regs >"$TMP/pt_regs"
	case $arch in
	arm64)
		grep -q "^\[[0-9]*\] STRUCT 'user_pt_regs' " "$TMP/btf" ||
			die "$obj has no struct user_pt_regs: BPF_KPROBE was not built for arm64"
		want=orig_x0 ;;
	x86) want=di ;;
	*) die "unknown ARCH '$arch'" ;;
	esac
	grep -qx "$want" "$TMP/pt_regs" ||
		die "$obj's struct pt_regs has no $want: not built for $arch (-D__TARGET_ARCH_$arch, vmlinux/$arch)"

	echo "$PROG: $obj ($arch): $n_prog programs and $n_map maps as in $ref, BTF with $arch's pt_regs"
}

main "$@"
