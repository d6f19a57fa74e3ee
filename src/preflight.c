// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "preflight.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define TRACEFS_MAGIC 0x74726163
#define PROBE_TRACEPOINT_ID "events/syscalls/sys_enter_connect/id"

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

static int read_caps(struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &header, data) ? -errno : 0;
}

int preflight_privileges(void)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	int err = read_caps(data);

	if (err) {
		fprintf(stderr, "tcptrace: cannot read capabilities: %s\n", strerror(-err));
		return err;
	}
	/* Before 5.8 CAP_SYS_ADMIN alone covers both. */
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	fprintf(stderr, "tcptrace: permission denied: missing %s: run as root, or with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH (before Linux 5.8: CAP_SYS_ADMIN)\n",
		!has_cap(data, CAP_BPF) && !has_cap(data, CAP_PERFMON) ? "CAP_BPF and CAP_PERFMON" :
		!has_cap(data, CAP_BPF) ? "CAP_BPF" : "CAP_PERFMON");
	return -EPERM;
}

/* Opened, not access()ed: access() checks the real uid and ignores the
 * capabilities a non-root tracer runs with. */
int preflight_btf(const char *btf_path)
{
	int fd = open(btf_path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	if (err == -ENOENT && access("/sys/kernel", F_OK))
		fprintf(stderr, "tcptrace: cannot read the kernel's BTF: sysfs is not mounted on /sys\n");
	else if (err == -ENOENT)
		fprintf(stderr, "tcptrace: no kernel BTF at %s: the kernel lacks CONFIG_DEBUG_INFO_BTF=y, or /sys/kernel/btf is hidden (in a container, mount the host's /sys/kernel/btf)\n",
			btf_path);
	else
		fprintf(stderr, "tcptrace: cannot read the kernel's BTF at %s: %s\n", btf_path,
			strerror(-err));
	return err;
}

/* Where libbpf looks for tracepoint ids: debugfs's tracing directory if it
 * can reach it, else tracefs. */
static bool debugfs_tracing(void)
{
	return !faccessat(AT_FDCWD, DEBUGFS_TRACING, F_OK, AT_EACCESS);
}

static int mount_tracefs(void)
{
	struct statfs st;
	int err;

	if (!statfs(TRACEFS, &st) && st.f_type == TRACEFS_MAGIC)
		return 0;
	if (!mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return 0;
	err = -errno;
	fprintf(stderr, "tcptrace: tracefs is not mounted on " TRACEFS " and mounting it failed: %s%s\n",
		strerror(-err), err == -EPERM ? " (needs CAP_SYS_ADMIN; or mount it: mount -t tracefs nodev " TRACEFS ")" : "");
	return err;
}

/*
 * libbpf reads tracepoint ids under tracefs. Some systems never mount it
 * (no systemd, minimal containers): mount it where the kernel documents
 * it. Then read one id, as libbpf will: a non-root tracer needs
 * CAP_DAC_READ_SEARCH for tracefs, which is root's alone (mode 0700).
 */
int preflight_tracefs(void)
{
	char path[128];
	const char *dir;
	bool debugfs;
	int fd, err;

	debugfs = debugfs_tracing();
	dir = debugfs ? DEBUGFS_TRACING : TRACEFS;
	if (!debugfs && mount_tracefs())
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, PROBE_TRACEPOINT_ID);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	if (err == -EACCES || err == -EPERM)
		fprintf(stderr, "tcptrace: cannot read tracefs (%s): %s: needs CAP_DAC_READ_SEARCH, or root\n",
			dir, strerror(-err));
	else if (err == -ENOENT)
		fprintf(stderr, "tcptrace: no syscall tracepoints in %s: the kernel lacks CONFIG_FTRACE_SYSCALLS=y\n",
			dir);
	else
		fprintf(stderr, "tcptrace: cannot read %s: %s\n", path, strerror(-err));
	return err;
}

const char *paranoid_hint(int err, bool has_sys_admin, int paranoid)
{
	if (!err_is_denial(err) || has_sys_admin || paranoid < 3)
		return "";
	return "; kernel.perf_event_paranoid is 3 or more, which some kernels (Debian's) enforce on a tracer without CAP_SYS_ADMIN: set it to 2 (sysctl kernel.perf_event_paranoid=2), or add CAP_SYS_ADMIN";
}

/* The facts are read only once a load has failed, never on the way in. */
const char *preflight_denied_hint(int err)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	int paranoid = -1;
	FILE *f;

	if (!err_is_denial(err))
		return "";
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = -1;
		fclose(f);
	}
	return paranoid_hint(err, !read_caps(data) && has_cap(data, CAP_SYS_ADMIN), paranoid);
}
