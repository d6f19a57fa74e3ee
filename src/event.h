/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_EVENT_H
#define TCPTRACE_EVENT_H

#include <stddef.h>
#include <linux/types.h>
#include "tcptrace.h"

/*
 * Copy a raw perf/ring buffer sample into *ev. The sample may be unaligned
 * and longer than struct event (perf pads samples to 8 bytes). Returns
 * -EINVAL, leaving *ev untouched, if it is too short or of an unknown type.
 * On success comm and pcomm are NUL-terminated whatever the kernel sent.
 */
int event_decode(const void *data, size_t size, struct event *ev);

/* "connect", "accept" or "close"; NULL for an unknown type. */
const char *event_type_name(unsigned int type);

#endif /* TCPTRACE_EVENT_H */
