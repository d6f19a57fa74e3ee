/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the kernel and our privileges must offer before a load can work. */
#ifndef TCPTRACE_PREFLIGHT_H
#define TCPTRACE_PREFLIGHT_H

#include <errno.h>
#include <stdbool.h>

/* Each returns 0, or prints one line to stderr and returns -errno. */
int preflight_privileges(void);
int preflight_btf(const char *btf_path);
int preflight_tracefs(void);

/*
 * After a load or attach failed with err: what to add to its line when the
 * cause is likely kernel.perf_event_paranoid (Debian's kernels, and others
 * with its patch, refuse perf events at 3 or more to a tracer without
 * CAP_SYS_ADMIN, whatever CAP_PERFMON says), else "".
 */
static inline bool err_is_denial(int err)
{
	return err == -EACCES || err == -EPERM;
}

const char *paranoid_hint(int err, bool has_sys_admin, int paranoid);
const char *preflight_denied_hint(int err);

#endif /* TCPTRACE_PREFLIGHT_H */
