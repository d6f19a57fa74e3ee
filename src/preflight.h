/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the kernel and our privileges must offer before a load can work. */
#ifndef TCPTRACE_PREFLIGHT_H
#define TCPTRACE_PREFLIGHT_H

/* Each returns 0, or prints one line to stderr and returns -errno. */
int preflight_privileges(void);
int preflight_btf(const char *btf_path);
int preflight_tracefs(void);

#endif /* TCPTRACE_PREFLIGHT_H */
