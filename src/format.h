/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_FORMAT_H
#define TCPTRACE_FORMAT_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "tcptrace.h"

/* Buffer sizes that always fit the helpers' output. */
#define FORMAT_ADDR_LEN 46		/* INET6_ADDRSTRLEN */
#define FORMAT_ENDPOINT_LEN 56		/* "[" addr "]:65535" */
#define FORMAT_TIME_UTC_LEN 32		/* "2026-11-25T12:00:00.123456789Z" */
#define FORMAT_TIME_LOCAL_LEN 16	/* "12:00:00.123" */

/*
 * The formatters take the event's wall-clock time from the caller
 * (realtime_ns: nanoseconds since the epoch), so they know nothing of clocks.
 */

/* One JSON object per line, with the field names of Inspektor Gadget's trace_tcp. */
void format_json_event(FILE *out, const struct event *ev, __u64 realtime_ns);

/* The table: one header line, then one line per event in the same columns. */
void format_table_header(FILE *out);
void format_table_event(FILE *out, const struct event *ev, __u64 realtime_ns);

/*
 * The helpers below write a NUL-terminated string into buf and return 0, or
 * write "?" and return -errno (-EAFNOSUPPORT for an unknown family, -ENOSPC
 * for a buffer too small, -EOVERFLOW for a time the libc cannot convert).
 */

/* addr (network byte order; AF_INET uses addr[0..3]) as inet_ntop prints it. */
int format_addr(char *buf, size_t size, __u16 family, const __u8 *addr);
/* "127.0.0.1:80", "[::1]:80"; port in host byte order. */
int format_endpoint(char *buf, size_t size, __u16 family, const __u8 *addr,
		    __u16 port);
/* RFC 3339 in UTC with nanoseconds: "2026-11-25T12:00:00.123456789Z". */
int format_time_utc(char *buf, size_t size, __u64 realtime_ns);
/* Local time of day with milliseconds: "12:00:00.123". */
int format_time_local(char *buf, size_t size, __u64 realtime_ns);

#endif /* TCPTRACE_FORMAT_H */
