#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# vmlinux-from-deb.sh [--pkg PACKAGE] [--btf FILE] [-o HEADER] ARCH
#
# Write vmlinux/ARCH/vmlinux.h (or HEADER) from the BTF of a Debian kernel
# package of any architecture, on any host: `make vmlinux ARCH=arm64
# FROM_DEB=1` runs it.  ARCH is x86 or arm64 (x86_64, amd64 and aarch64 are
# taken too).
#
# The package (default: what linux-image-<debian arch> depends on, followed
# down to the versioned image, as tests/vm/vm-run.sh does) is fetched with
# `apt-get download`, never installed.  apt works in a scratch directory of
# its own (package lists, cache, an empty dpkg status) on the host's
# sources, so no `dpkg --add-architecture` is needed and nothing of the
# host's apt or dpkg state changes; it needs the network (the arch's package
# lists, ~10 MB, and the package, ~60 MB).  Another suite or mirror: point
# APT_CONFIG at a file setting Dir::Etc::SourceList (and SourceParts).
#
# The BTF is carved out of the kernel image by its header: magic 0xeB9F
# (bytes 9f eb), version 1, flags 0, hdr_len 24, then type_off, type_len,
# str_off and str_len; the blob is hdr_len + max(type_off + type_len,
# str_off + str_len) bytes.  The image is searched as it is (arm64's raw
# Image, an ELF vmlinux), then inside every compressed stream it holds (an
# x86 bzImage, a gzip'd or EFI zboot arm64 Image).  A candidate counts when
# bpftool reads it and it has struct task_struct.
#
#   --pkg PACKAGE  the kernel package (or VMLINUX_KERNEL_PKG), e.g.
#                  linux-image-6.1.0-57-arm64 or linux-image-arm64
#   --btf FILE     also keep the raw BTF there (for `bpftool gen
#                  min_core_btf FILE OUT OBJ`, which checks that an
#                  object's CO-RE relocations resolve on that kernel)
#   -o HEADER      where the header goes (default vmlinux/ARCH/vmlinux.h)
set -eu -o pipefail

PROG=vmlinux-from-deb
TOP=$(cd "$(dirname "$0")/.." && pwd)
BPFTOOL=${BPFTOOL:-bpftool}
TMP=

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

usage()
{
	echo "usage: $0 [--pkg PACKAGE] [--btf FILE] [-o HEADER] x86|arm64" >&2
	exit 2
}

cleanup()
{
	[ -z "$TMP" ] || rm -rf "$TMP"
}

# apt, on its own lists for one architecture.
apt_opts()
{
	APT=(-q -o "APT::Architecture=$DEBARCH" -o "APT::Architectures::=$DEBARCH"
	     -o "Dir::State::Lists=$TMP/apt/lists" -o "Dir::Cache=$TMP/apt/cache"
	     -o "Dir::State::Status=$TMP/apt/status")
	# apt downloads as _apt, which cannot write into our 0700 scratch dir.
	[ "$(id -u)" != 0 ] || APT+=(-o "APT::Sandbox::User=root")
	mkdir -p "$TMP/apt/lists/partial" "$TMP/apt/cache/archives/partial"
	: >"$TMP/apt/status"
}

apt_update()
{
	if ! apt-get "${APT[@]}" update >"$TMP/apt.log" 2>&1; then
		cat "$TMP/apt.log" >&2
		die "apt-get update for $DEBARCH failed"
	fi
}

# The versioned kernel image package: PKG, a metapackage followed down to
# the image it depends on.
resolve_pkg()
{
	local pkg=$1

	while ! echo "$pkg" | grep -q '^linux-image-[0-9]'; do
		pkg=$(apt-cache "${APT[@]}" depends "$pkg" 2>/dev/null |
		      sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ ]*\)$/\1/p' |
		      head -n 1)
		[ -n "$pkg" ] || return 1
	done
	echo "$pkg"
}

# Download PKG into $TMP/deb and unpack it into $TMP/x; print the .deb.
fetch()
{
	local pkg=$1 deb

	mkdir -p "$TMP/deb" "$TMP/x"
	if ! (cd "$TMP/deb" && apt-get "${APT[@]}" download "$pkg:$DEBARCH") >"$TMP/apt.log" 2>&1; then
		cat "$TMP/apt.log" >&2
		die "apt-get download $pkg:$DEBARCH failed"
	fi
	deb=$(find "$TMP/deb" -name "${pkg}_*.deb" | head -n 1)
	dpkg-deb -x "$deb" "$TMP/x" || die "dpkg-deb -x $deb failed"
	echo "$deb"
}

# The kernel image in the unpacked tree: /boot/vmlinuz-REL (Debian 12, 13),
# or /usr/lib/modules/REL/vmlinuz (later Debian).
find_image()
{
	local f

	for f in "$TMP"/x/boot/vmlinuz-* "$TMP"/x/usr/lib/modules/*/vmlinuz "$TMP"/x/lib/modules/*/vmlinuz; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Carve the kernel's BTF out of IMG into OUT and dump it as C into
# OUT.h; print the offset it was found at.
carve_btf()
{
	local img=$1 out=$2 size off len

	size=$(stat -c %s "$img")
	for off in $(LC_ALL=C grep -obUaP '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$img" | cut -d: -f1); do
		# type_off type_len str_off str_len, little-endian u32s.
		# shellcheck disable=SC2046 # four numbers, split on purpose
		set -- $(dd if="$img" bs=16 iflag=skip_bytes skip=$((off + 8)) count=1 status=none |
			 od -An -tu4 --endian=little)
		[ $# -eq 4 ] || continue
		len=$(($1 + $2 > $3 + $4 ? $1 + $2 : $3 + $4))
		len=$((24 + len))
		[ $((off + len)) -le "$size" ] || continue
		dd if="$img" of="$out" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none
		if "$BPFTOOL" btf dump file "$out" format c >"$out.h" 2>/dev/null &&
		   grep -q '^struct task_struct {' "$out.h"; then
			echo "$off"
			return 0
		fi
	done
	return 1
}

# Find the BTF in IMG, or in a compressed stream inside it; print where.
find_btf()
{
	local img=$1 out=$2 magic tool off at

	if at=$(carve_btf "$img" "$out"); then
		echo "byte $at of ${img#"$TMP"/x/}"
		return 0
	fi
	for magic in 'gzip:\x1f\x8b\x08' 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' \
		     'lz4:\x02\x21\x4c\x18'; do
		tool=${magic%%:*}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$img" | cut -d: -f1); do
			# Whatever follows the stream makes the decompressor
			# complain; the BTF check decides.
			tail -c +$((off + 1)) "$img" | "$tool" -dcq >"$TMP/unpacked" 2>/dev/null || true
			if at=$(carve_btf "$TMP/unpacked" "$out"); then
				echo "byte $at of the $tool stream at byte $off of ${img#"$TMP"/x/}"
				return 0
			fi
		done
	done
	return 1
}

main()
{
	local arch='' pkg=${VMLINUX_KERNEL_PKG:-} keep='' header='' image_pkg deb img rel where
	local name ver sum bpftool_ver t

	while [ $# -gt 0 ]; do
		case $1 in
		--pkg) [ $# -ge 2 ] || usage; pkg=$2; shift 2 ;;
		--btf) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
		-o) [ $# -ge 2 ] || usage; header=$2; shift 2 ;;
		-*) usage ;;
		*) [ -z "$arch" ] || usage; arch=$1; shift ;;
		esac
	done
	case $arch in
	x86|x86_64|amd64) arch=x86 DEBARCH=amd64 ;;
	arm64|aarch64) arch=arm64 DEBARCH=arm64 ;;
	'') usage ;;
	*) die "unknown ARCH '$arch' (x86 or arm64)" ;;
	esac
	header=${header:-$TOP/vmlinux/$arch/vmlinux.h}
	pkg=${pkg:-linux-image-$DEBARCH}
	for t in apt-get apt-cache dpkg-deb "$BPFTOOL"; do
		command -v "$t" >/dev/null || die "$t missing"
	done

	TMP=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	apt_opts
	echo "$PROG: reading Debian's $DEBARCH package lists" >&2
	apt_update
	image_pkg=$(resolve_pkg "$pkg") || die "no kernel image package behind $pkg for $DEBARCH"

	echo "$PROG: fetching $image_pkg:$DEBARCH" >&2
	deb=$(fetch "$image_pkg")
	if ! img=$(find_image); then
		# Later Debian keeps the image in linux-binary-REL.
		name=$(apt-cache "${APT[@]}" depends "$image_pkg" 2>/dev/null |
		       sed -n 's/^ *Depends: \(linux-binary-[^ ]*\)$/\1/p' | head -n 1)
		[ -n "$name" ] || die "$image_pkg has no vmlinuz"
		echo "$PROG: fetching $name:$DEBARCH" >&2
		deb=$(fetch "$name")
		img=$(find_image) || die "neither $image_pkg nor $name has a vmlinuz"
	fi
	case $img in
	*/boot/vmlinuz-*) rel=${img##*/vmlinuz-} ;;
	*) rel=$(basename "$(dirname "$img")") ;;
	esac
	name=$(dpkg-deb -f "$deb" Package)
	ver=$(dpkg-deb -f "$deb" Version)
	sum=$(sha256sum "$deb" | cut -d' ' -f1)

	where=$(find_btf "$img" "$TMP/vmlinux.btf") ||
		die "no kernel BTF in ${img#"$TMP"/x/} of $name $ver (CONFIG_DEBUG_INFO_BTF unset?)"
	echo "$PROG: BTF of $rel at $where" >&2

	# "bpftool v7.1.0 (libbpf v1.1)", as vmlinux/x86/vmlinux.h has it
	bpftool_ver=$("$BPFTOOL" version)
	bpftool_ver=$(echo "$bpftool_ver" | sed -n '1p; s/^using \(libbpf .*\)/(\1)/p' | tr '\n' ' ')
	bpftool_ver=${bpftool_ver% }
	mkdir -p "$(dirname "$header")"
	{
		echo '/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */'
		echo "/* Generated by 'scripts/vmlinux-from-deb.sh $arch' with $bpftool_ver from the BTF of kernel $rel ($DEBARCH), Debian package $name $ver. */"
		echo "/* $(basename "$deb") (SHA-256 $sum): BTF at $where. */"
		cat "$TMP/vmlinux.btf.h"
	} >"$header.tmp.$$"
	mv "$header.tmp.$$" "$header"
	if [ -n "$keep" ]; then
		cp "$TMP/vmlinux.btf" "$keep"
	fi
	echo "$PROG: wrote $header ($(stat -c %s "$header") bytes)" >&2
}

main "$@"
