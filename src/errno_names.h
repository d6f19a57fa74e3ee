/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_ERRNO_NAMES_H
#define TCPTRACE_ERRNO_NAMES_H

#include <stddef.h>

/* Room for any name errno_name_r() writes, "E-2147483648" included. */
#define ERRNO_NAME_LEN 24	/* "error#-2147483648" and its NUL */

/*
 * Symbolic name of a positive errno: "ECONNREFUSED". 0 gives "" (no error).
 * Known numbers give a static string; an unknown one gives "E<number>"
 * (e.g. "E4000") written into buf, so the number is never lost and no
 * static buffer is shared between threads. Never returns NULL.
 * Negative numbers are unknown: pass -ret for a -errno return value.
 */
const char *errno_name_r(int err, char *buf, size_t size);

/*
 * Like errno_name_r() without a buffer: an unknown number gives the static
 * "EUNKNOWN". Prefer errno_name_r() where the number matters.
 */
const char *errno_name(int err);

/*
 * errno_name_r() for the per-event path: writes the name at p, without a NUL,
 * and returns the end (0 writes nothing). At most ERRNO_NAME_LEN - 1 bytes.
 */
char *put_errno_name(char *p, int err);

#endif /* TCPTRACE_ERRNO_NAMES_H */
