// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "preflight.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return !!(data[cap / 32].effective & (1u << (cap % 32)));
}

int preflight_privileges(void)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &header, data)) {
		int err = -errno;

		fprintf(stderr, "tcptrace: cannot read capabilities: %s\n", strerror(-err));
		return err;
	}
	/* Before 5.8 CAP_SYS_ADMIN alone covers both. */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	fprintf(stderr, "tcptrace: permission denied: run as root (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)\n");
	return -EPERM;
}

int preflight_btf(const char *btf_path)
{
	if (!access(btf_path, R_OK))
		return 0;
	fprintf(stderr, "tcptrace: this kernel has no BTF (%s: %s): it needs CONFIG_DEBUG_INFO_BTF=y\n",
		btf_path, strerror(errno));
	return -ENOENT;
}

/*
 * libbpf finds tracepoint ids under tracefs. Some systems never mount it
 * (no systemd, minimal containers); mount it where the kernel documents it.
 */
int preflight_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return 0;
	fprintf(stderr, "tcptrace: tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s\n",
		strerror(errno));
	return -errno;
}
