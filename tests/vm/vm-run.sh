#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# vm-run.sh [--timeout SECONDS] -- CMD [ARG...]
#
# Run CMD inside a QEMU guest that boots Debian's stock kernel, so that the
# kprobe and fentry forms can be tested on a host whose kernel lacks them.
# The guest sees the host's / read-only (9p), chroots into it and runs CMD in
# the caller's working directory; /tmp and /run are fresh tmpfs in the guest.
# CMD's stdout and stderr both come out on our stdout; we exit with its status.
#
# Environment:
#   VM_KERNEL_PKG    kernel package (default: what linux-image-amd64 depends on)
#   VM_CACHE_DIR     kernel/initramfs cache (default: <repo>/build/vm)
#   VM_TIMEOUT       default for --timeout (600)
#   VM_MEM, VM_SMP   guest RAM (1G) and CPUs (1: under TCG, a guest of two
#                    locks up when a jump label is patched, see vmtest.sh)
#   VM_ACCEL         tcg or kvm (default: kvm where /dev/kvm and vmx/svm are)
#   VMTEST_VERBOSE=1 show the guest kernel's log live on stderr, boot included
#
# The guest has two serial ports: ttyS0 carries CMD's output, ttyS1 the
# kernel's log (at every level, kept as <cache>/last-kernel.log when the
# guest fails), so kernel messages never mix into CMD's output.
set -eu -o pipefail

PROG=vm-run
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${VM_CACHE_DIR:-$TOP/build/vm}
TIMEOUT=${VM_TIMEOUT:-600}
VERBOSE=${VMTEST_VERBOSE:-0}
BUSYBOX=/bin/busybox
# 9p and what it needs, then tcp_diag so that `ss` (and `ss -K`) work on
# TCP as on a normal system, and nf_tables for the live suite's nft rules
# (crc32c_generic first: libcrc32c, which nf_tables needs, asks the crypto
# API for crc32c when it loads, and the guest has no modprobe to find it).
# The load order is read from the modules.
MODULES="virtio_pci 9pnet_virtio 9p tcp_diag crc32c_generic nf_tables"
TMP=
JOBS=

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

usage()
{
	echo "usage: $0 [--timeout SECONDS] -- CMD [ARG...]" >&2
	exit 2
}

# timeout passes the TERM on to QEMU.
cleanup()
{
	[ -z "$JOBS" ] || kill -TERM $JOBS 2>/dev/null || true
	[ -z "$TMP" ] || rm -rf "$TMP"
}

# The versioned kernel image package: VM_KERNEL_PKG or linux-image-amd64,
# a metapackage followed down to the image it depends on.
resolve_pkg()
{
	local pkg=${VM_KERNEL_PKG:-linux-image-amd64}

	while ! echo "$pkg" | grep -q '^linux-image-[0-9]'; do
		pkg=$(apt-cache depends "$pkg" 2>/dev/null |
		      sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ ]*\)$/\1/p' |
		      head -n 1)
		[ -n "$pkg" ] || return 1
	done
	echo "$pkg"
}

# Pick the kernel package.  apt-cache costs ~0.6 s a call here (no
# pkgcache.bin), so the answer is kept until the apt lists change.  Without
# lists, run `apt-get update` once, or offline use a kernel already cached.
pick_pkg()
{
	local want=${VM_KERNEL_PKG:-linux-image-amd64} memo=$CACHE/resolved pkg cached

	if [ -s "$memo" ] && [ "$memo" -nt /var/lib/apt/lists ] &&
	   [ "$(head -n 1 "$memo")" = "$want" ]; then
		sed -n 2p "$memo"
		return
	fi
	if pkg=$(resolve_pkg); then
		printf '%s\n%s\n' "$want" "$pkg" >"$memo"
		echo "$pkg"
		return
	fi
	case $want in
	linux-image-[0-9]*) cached=$CACHE/$want/release ;;
	*) cached=$(ls -t "$CACHE"/linux-image-*/release 2>/dev/null | head -n 1) ;;
	esac
	if [ -s "$cached" ]; then
		basename "$(dirname "$cached")"
		return
	fi
	echo "$PROG: apt lists lack $want, running apt-get update" >&2
	apt-get update -q >/dev/null 2>&1 || die "apt-get update failed (needs root and Debian's mirror)"
	pkg=$(resolve_pkg) || die "no package $want in the apt lists"
	printf '%s\n%s\n' "$want" "$pkg" >"$memo"
	echo "$pkg"
}

# Print the uncompressed ELF vmlinux inside a bzImage.  Booting it directly
# (PVH entry) skips the ~3 s XZ decompression that TCG spends on a bzImage;
# this is what the kernel's scripts/extract-vmlinux does.
extract_vmlinux()
{
	local img=$1 out=$2 magic tool off

	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' \
		     'lz4:\x02\x21\x4c\x18' 'gzip:\x1f\x8b\x08'; do
		tool=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$img" | cut -d: -f1); do
			# The stream is followed by the rest of the bzImage, so
			# the decompressor complains; the ELF check decides.
			tail -c +$((off + 1)) "$img" | "$tool" -dcq >"$out" 2>/dev/null || true
			[ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
		done
	done
	return 1
}

# Print a module's dependencies (the modinfo "depends=" field; there is no
# kmod on the host, so read it with strings).
mod_deps()
{
	strings -a "$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# Copy the modules named in $MODULES and everything they depend on from the
# extracted tree $1 to $2, writing their load order to $2/order (or the name
# of a module not found to $2/missing).
copy_modules()
{
	local src=$1 dst=$2 m

	mkdir -p "$dst"
	: >"$dst/order"
	# name -> path, with the kernel's dash/underscore equivalence
	find "$src" -name '*.ko' | sed 's,^\(.*/\)\([^/]*\)\.ko$,\2 \1\2.ko,' |
		awk '{ n = $1; gsub("-", "_", n); print n, $2 }' >"$dst/index"
	for m in $MODULES; do
		add_module "$m" "$dst" || return 1
	done
	rm -f "$dst/index"
}

# Depth first, dependencies before the module: that is the insmod order.
add_module()
{
	local m=${1//-/_} dst=$2 path d

	grep -qx "$m" "$dst/order" && return 0
	path=$(awk -v m="$m" '$1 == m { print $2; exit }' "$dst/index")
	[ -n "$path" ] || { echo "$m" >"$dst/missing"; return 1; }
	for d in $(mod_deps "$path"); do
		add_module "$d" "$dst" || return 1
	done
	cp "$path" "$dst/$m.ko"
	echo "$m" >>"$dst/order"
}

# Download and unpack the kernel package into $CACHE/$pkg (vmlinux, modules,
# release), once.  Built in a scratch directory and renamed into place, so an
# interrupted or concurrent run never sees half a cache.
# A cached kernel with every module of $MODULES (a cache made before one
# was added lacks it: fetched again then).
cached_kernel()
{
	local m

	[ -s "$1/release" ] || return 1
	for m in $MODULES; do
		grep -qx "${m//-/_}" "$1/modules/order" 2>/dev/null || return 1
	done
}

fetch_kernel()
{
	local pkg=$1 dir=$CACHE/$1 work deb rel m

	cached_kernel "$dir" && return 0
	# What an interrupted fetch left (we hold the lock: no one else is
	# fetching now).
	rm -rf "$CACHE"/.fetch.*
	work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	echo "$PROG: fetching $pkg (first run, cached in $dir)" >&2
	if ! (cd "$work" && apt-get download "$pkg") >"$work/apt.log" 2>&1; then
		local err
		err=$(grep -m1 '^E:' "$work/apt.log" || tail -n 1 "$work/apt.log")
		rm -rf "$work"
		die "apt-get download $pkg failed: $err"
	fi
	deb=$(ls "$work"/*.deb)
	dpkg -x "$deb" "$work/x" || { rm -rf "$work"; die "dpkg -x $deb failed"; }
	rel=$(ls "$work/x/lib/modules" | head -n 1)
	mkdir -p "$work/out"
	if ! extract_vmlinux "$work/x/boot/vmlinuz-$rel" "$work/out/vmlinux"; then
		rm -rf "$work"
		die "no compressed ELF vmlinux found in $pkg's vmlinuz-$rel"
	fi
	if ! copy_modules "$work/x/lib/modules/$rel" "$work/out/modules"; then
		m=$(cat "$work/out/modules/missing")
		rm -rf "$work"
		die "$pkg has no module $m, which the 9p host share needs (cloud flavours have no 9p)"
	fi
	# libbpf (kconfig externs) and bpftool look for /boot/config-$(uname -r).
	cp "$work/x/boot/config-$rel" "$work/out/"
	echo "$rel" >"$work/out/release"
	rm -rf "$dir"
	mv "$work/out" "$dir"
	rm -rf "$work"
}

# The guest's /init.  Everything printed for the host is tagged with
# "VMTEST-<nonce>" so that CMD's own output can never fake it.
write_init()
{
	cat >"$1" <<'EOF'
#!/bin/busybox sh
# vm-run guest init: mount the host's / and run /vmtest/cmd chrooted into it.
# No /dev/console in the cpio (mknod needs root): devtmpfs first, then the
# port; the kernel's "unable to open an initial console" is harmless.
# /dev/console is the kernel's log port (ttyS1): CMD talks on ttyS0.
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/ttyS0 >/dev/ttyS0 2>&1
# This ash finds busybox applets without links (FEATURE_SH_STANDALONE) but
# runs them through /proc/self/exe.
/bin/busybox mount -t proc proc /proc
mount -t sysfs sys /sys
. /vmtest/conf

fail()
{
	echo "VMTEST-$NONCE error $*"
	stty -onlcr
	poweroff -f
}

# Every kernel message to the log port, a lockup's backtrace included (the
# boot ran quiet); CMD's bytes pass through unchanged (no \n -> \r\n).
echo 8 >/proc/sys/kernel/printk
stty -onlcr

for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
done
H=/mnt/host
# cache=loose: the guest may keep what it read (the share is read-only and a
# run is short); it halves the time of starting programs over 9p under TCG.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host $H ||
	fail "cannot mount the host's / over 9p"
mount -o bind /dev $H/dev &&
mount -o bind /proc $H/proc &&
mount -o bind /sys $H/sys &&
mount -t tracefs tracefs $H/sys/kernel/tracing &&
mount -t debugfs debugfs $H/sys/kernel/debug &&
mount -t securityfs securityfs $H/sys/kernel/security &&
mount -t bpf bpf $H/sys/fs/bpf &&
mount -t cgroup2 cgroup2 $H/sys/fs/cgroup &&
# A work tree under the host's /tmp or /run (a CI clone may live there) would
# vanish under the guest's tmpfs: keep the host's view of it and put it back.
case $WORKDIR in
/tmp/*|/run/*) mkdir -p /workdir && mount -o bind "$H$WORKDIR" /workdir ||
	fail "cannot keep $WORKDIR" ;;
esac
mount -t tmpfs -o mode=1777 tmp $H/tmp &&
mount -t tmpfs -o mode=755 run $H/run &&
mkdir -p /dev/pts /dev/shm &&
mount -t devpts -o ptmxmode=666 devpts $H/dev/pts &&
mount -t tmpfs -o mode=1777 shm $H/dev/shm &&
mount -t tmpfs -o mode=755 boot $H/boot &&
cp /boot/config-* $H/boot/ || fail "guest mounts failed"
if [ -d /workdir ]; then
	mkdir -p "$H$WORKDIR" && mount -o bind /workdir "$H$WORKDIR" ||
		fail "cannot mount $WORKDIR"
fi
ln -sf pts/ptmx /dev/ptmx
ip link set lo up || fail "cannot bring lo up"
hostname vmtest

mkdir -p $H/run/vmtest
cp /vmtest/cmd $H/run/vmtest/cmd
echo "VMTEST-$NONCE kernel $(uname -r)"
echo "VMTEST-$NONCE start"
# The host's environment is not ours: start CMD from a clean one.
env -i /bin/busybox chroot $H /bin/sh /run/vmtest/cmd </dev/null
echo "VMTEST-$NONCE exit=$?"
# stty sets the tty with TCSADRAIN: it returns once every byte is out of the
# UART, so poweroff cannot cut the tail of the output.
stty -onlcr
poweroff -f
EOF
}

# Quote each argument for sh: 'a'\''b'.
shquote()
{
	local a out=

	for a in "$@"; do
		out="$out '${a//\'/\'\\\'\'}'"
	done
	echo "${out# }"
}

# The per-run part of the initramfs: CMD as a script (no kernel command line
# quoting), the host's working directory and environment, the nonce.
write_cmd()
{
	local dir=$1 nonce=$2

	shift 2
	mkdir -p "$dir/vmtest"
	{
		echo "cd $(shquote "$PWD") 2>/dev/null ||"
		echo "	{ echo $(shquote "$PROG: $PWD is not in the guest (is it on a host-only filesystem?)") >&2; exit 125; }"
		echo "export PATH=$(shquote "$PATH") HOME=/root TERM=dumb"
		[ -z "${CI+set}" ] || echo "export CI=$(shquote "$CI")"
		echo "exec $(shquote "$@")"
	} >"$dir/vmtest/cmd"
	printf 'NONCE=%s\nWORKDIR=%s\n' "$nonce" "$(shquote "$PWD")" >"$dir/vmtest/conf"
}

# newc cpio of the directory $1 (no cpio on the host: busybox's).
mkcpio()
{
	(cd "$1" && find . -mindepth 1 | sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null)
}

# The fixed part of the initramfs: busybox, /init and the modules.  Rebuilt
# when any of them changes (the key is their checksum), never in place.
build_base()
{
	local kdir=$1 out=$1/base.cpio stage=$TMP/base key

	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
		 "$stage/mnt/host" "$stage/lib/modules" "$stage/boot"
	write_init "$stage/init"
	key=$(cat "$stage/init" "$kdir/modules/order" "$kdir/release" | cksum)
	key="$key $(stat -L -c '%s %Y' "$BUSYBOX")"
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0

	chmod 755 "$stage/init"
	cp "$BUSYBOX" "$stage/bin/busybox"
	cp "$kdir/modules/"*.ko "$kdir/modules/order" "$stage/lib/modules/"
	cp "$kdir/config-"* "$stage/boot/"
	mkcpio "$stage" >"$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
	echo "$key" >"$out.key"
}

# KVM only where the CPU shows VT-x/AMD-V (CI runners often do).  Some
# sandboxes offer a /dev/kvm that opens but cannot run this kernel ("KVM
# internal error ... emulation failure", then QEMU hangs), so the device
# alone is not enough.  VM_ACCEL overrides.
accel()
{
	if [ -n "${VM_ACCEL:-}" ]; then
		echo "$VM_ACCEL"
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	     grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo kvm
	else
		echo tcg
	fi
}

# Filter the serial console: CMD's output to stdout (everything when
# verbose), the guest kernel to stderr, the status and errors to files.
console_filter()
{
	local awk=awk

	# mawk fills its whole input buffer before it reads a line: make it
	# line by line, or the output comes in 4 KiB bursts.
	awk -W version 2>&1 | grep -q mawk && awk="awk -W interactive"
	$awk -v m="VMTEST-$1" -v verbose="$VERBOSE" -v dir="$TMP" '
	{
		sub(/\r$/, "")
		print > (dir "/console.log")
		i = index($0, m)
		if (i == 0) {
			if (on || verbose) { print; fflush() }
			next
		}
		if (verbose) { print; fflush() }
		else if (on && i > 1) { printf "%s", substr($0, 1, i - 1); fflush() }
		rest = substr($0, i + length(m) + 1)
		if (rest == "start") {
			on = 1
		} else if (rest ~ /^exit=/) {
			on = 0
			print substr(rest, 6) > (dir "/status")
		} else if (rest ~ /^kernel /) {
			print "'"$PROG"': guest kernel " substr(rest, 8) > "/dev/stderr"
		} else if (rest ~ /^error /) {
			print substr(rest, 7) > (dir "/error")
		}
	}'
}

# Boot the guest; QEMU's (or timeout's) status is ours.  QEMU and the filter
# run in the background because bash runs traps only between foreground
# commands, and an interrupted run must take QEMU down with it.
run_guest()
{
	local kdir=$1 nonce=$2 st=0
	# A soft lockup panics, and a panic ends QEMU (-no-reboot): a locked-up
	# guest costs a minute, not the whole --timeout.  The threshold is twice
	# the default: TCG on a loaded host is slow, never stuck for 40 s.
	local append="console=ttyS1 panic=-1 softlockup_panic=1 watchdog_thresh=20"

	[ "$VERBOSE" = 1 ] || append="$append quiet"
	mkfifo "$TMP/console"
	: >"$TMP/kernel.log"
	console_filter "$nonce" <"$TMP/console" &
	JOBS=$!
	if [ "$VERBOSE" = 1 ]; then
		tail -n +1 -f "$TMP/kernel.log" >&2 &
		JOBS="$JOBS $!"
	fi
	# multidevs=remap: the export of / spans several host filesystems,
	# remap keeps their inode numbers from colliding in the guest.
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
		-machine pc -accel "$(accel)" -smp "${VM_SMP:-1}" -m "${VM_MEM:-1G}" \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial stdio -serial "file:$TMP/kernel.log" \
		-kernel "$kdir/vmlinux" -initrd "$TMP/initrd" -append "$append" \
		-fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=host,mount_tag=host \
		</dev/null >"$TMP/console" 2>"$TMP/qemu.err" &
	local qemu=$! filter=${JOBS%% *}
	JOBS="$qemu $JOBS"
	wait "$qemu" || st=$?
	wait "$filter" || true
	kill $JOBS 2>/dev/null || true
	JOBS=
	# QEMU's complaints, less the "terminating on signal" of a timeout.
	grep -v 'terminating on signal' "$TMP/qemu.err" >&2 || true
	return "$st"
}

# What the guest kernel said went wrong (a lockup, an oops, a panic): from
# its first such line, enough of the log to hold the backtraces.
kernel_trouble()
{
	awk '/BUG:|Oops|Kernel panic|watchdog:|WARNING:/ { on = 1 }
	     on && n++ < 120 { sub(/\r$/, ""); print "vm-run: kernel: " $0 }' "$1"
}

main()
{
	local pkg kdir nonce qst

	while [ $# -gt 0 ]; do
		case $1 in
		--timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
		--timeout=*) TIMEOUT=${1#*=}; shift ;;
		--) shift; break ;;
		*) usage ;;
		esac
	done
	[ $# -gt 0 ] || usage
	case $TIMEOUT in ''|*[!0-9]*) die "--timeout wants whole seconds, not '$TIMEOUT'" ;; esac
	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: apt-get install busybox-static"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: apt-get install qemu-system-x86"

	mkdir -p "$CACHE"
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/vm-run.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	# One fetcher at a time; the rest wait and then find the cache.
	exec 9>"$CACHE/.lock"
	flock 9
	pkg=$(pick_pkg)
	kdir=$CACHE/$pkg
	fetch_kernel "$pkg"
	build_base "$kdir"
	exec 9>&-

	nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	write_cmd "$TMP/run" "$nonce" "$@"
	# The kernel unpacks concatenated newc archives one after the other.
	{ cat "$kdir/base.cpio"; mkcpio "$TMP/run"; } >"$TMP/initrd"

	run_guest "$kdir" "$nonce" && qst=0 || qst=$?

	if [ -s "$TMP/status" ]; then
		return "$(cat "$TMP/status")"
	fi
	cp "$TMP/console.log" "$CACHE/last-console.log" 2>/dev/null || true
	cp "$TMP/kernel.log" "$CACHE/last-kernel.log" 2>/dev/null || true
	kernel_trouble "$TMP/kernel.log" >&2
	if [ -s "$TMP/error" ]; then
		die "guest: $(cat "$TMP/error")"
	elif [ "$qst" = 124 ] || [ "$qst" = 137 ]; then
		die "guest timed out after ${TIMEOUT}s (console: $CACHE/last-console.log; VMTEST_VERBOSE=1 shows it live)"
	elif [ "$qst" != 0 ]; then
		die "qemu failed with status $qst"
	fi
	die "guest stopped without an exit status (console: $CACHE/last-console.log, kernel log: $CACHE/last-kernel.log)"
}

# On one line: bash reads a script as it runs it, so an edit made to this
# file while it runs must find nothing left to read.
main "$@"; exit
