/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What user space knows of one event: the kernel's struct event, plus what
 * user space adds to it. The output fields (fields.c) read a record only.
 */
#ifndef TCPTRACE_RECORD_H
#define TCPTRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "container.h"
#include "tcptrace.h"

#define CGROUP_PATH_LEN 256
#define NODE_NAME_LEN 64

/* What the cgroup of the event's task says (cgroup_cache.c). */
struct record_cgroup {
	__u64 id;		/* the cgroup this describes: ev.proc.cgroup_id, once filled */
	char path[CGROUP_PATH_LEN];	/* below the cgroup2 mount; "" if unknown */
	struct container_info ctr;
};

struct record {
	struct event ev;
	__u64 realtime_ns;	/* ev.timestamp_ns on CLOCK_REALTIME: ns since the epoch */
	/*
	 * What user space adds, filled after record_decode(), which leaves it
	 * alone: a record that lives from event to event refills it only when
	 * it changes. Each is one row in fields.c.
	 */
	struct record_cgroup cg;
	char node[NODE_NAME_LEN];	/* --node: the same on every event */
};

/*
 * Decode a raw perf/ring buffer sample into *rec. The sample may be
 * unaligned, and longer than struct event: perf pads samples to 8 bytes, and
 * a newer BPF object may append fields this build does not know. Returns
 * -EINVAL, leaving *rec untouched, if it is shorter than struct event or of
 * an unknown type. On success comm and pcomm are NUL-terminated whatever the
 * kernel sent, and realtime_ns = timestamp_ns + clock_offset_ns
 * (CLOCK_REALTIME - CLOCK_MONOTONIC).
 */
int record_decode(struct record *rec, const void *data, size_t size,
		  __u64 clock_offset_ns);

/* "connect", "accept" or "close"; NULL for an unknown type. */
const char *event_type_name(unsigned int type);

/* Type names padded to 8 bytes, for a fixed-size copy; entry 0 is "?". */
struct event_type_text {
	char name[8];
	__u8 len;
};

extern const struct event_type_text event_type_texts[EVENT_CLOSE + 1];

#define PUT_EVENT_TYPE_MAX 7
#define PUT_EVENT_TYPE_ROOM 8

/* The type's name ("?" if unknown) at p, without a NUL; returns the end. */
static inline char *put_event_type(char *p, unsigned int type)
{
	const struct event_type_text *t = &event_type_texts[type <= EVENT_CLOSE ? type : 0];

	memcpy(p, t->name, sizeof(t->name));
	return p + t->len;
}

extern const struct event_type_text closed_by_texts[CLOSED_BY_RESET + 1];

#define PUT_CLOSED_BY_MAX 5

/* "local", "peer", "reset", or "" for none (and an unknown value). */
static inline char *put_closed_by(char *p, unsigned int by)
{
	const struct event_type_text *t = &closed_by_texts[by <= CLOSED_BY_RESET ? by : 0];

	memcpy(p, t->name, sizeof(t->name));
	return p + t->len;
}

#define PUT_BOOL_MAX 5

static inline char *put_bool(char *p, bool v)
{
	memcpy(p, v ? "true\0\0\0" : "false\0\0", 8);
	return p + (v ? 4 : 5);
}

#endif /* TCPTRACE_RECORD_H */
