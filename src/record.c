// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "record.h"

const struct event_type_text event_type_texts[EVENT_CLOSE + 1] = {
	[0] = { "?", 1 },
	[EVENT_CONNECT] = { "connect", 7 },
	[EVENT_ACCEPT] = { "accept", 6 },
	[EVENT_CLOSE] = { "close", 5 },
};

const struct event_type_text closed_by_texts[CLOSED_BY_RESET + 1] = {
	[CLOSED_BY_NONE] = { "", 0 },
	[CLOSED_BY_LOCAL] = { "local", 5 },
	[CLOSED_BY_PEER] = { "peer", 4 },
	[CLOSED_BY_RESET] = { "reset", 5 },
};

const char *event_type_name(unsigned int type)
{
	switch (type) {
	case EVENT_CONNECT:
		return "connect";
	case EVENT_ACCEPT:
		return "accept";
	case EVENT_CLOSE:
		return "close";
	}
	return NULL;
}

int record_decode(struct record *rec, const void *data, size_t size,
		  __u64 clock_offset_ns)
{
	struct event *ev = &rec->ev;
	__u8 type;

	if (!data || size < sizeof(*ev))
		return -EINVAL;
	/*
	 * The type is checked before anything is copied, so that a rejected
	 * sample leaves *rec alone without a copy through a temporary.
	 */
	memcpy(&type, (const char *)data + offsetof(struct event, type), sizeof(type));
	if (!event_type_name(type))
		return -EINVAL;
	/* Perf samples follow a u32 size header: 4-byte aligned at best. */
	memcpy(ev, data, sizeof(*ev));
	ev->proc.comm[sizeof(ev->proc.comm) - 1] = '\0';
	ev->proc.pcomm[sizeof(ev->proc.pcomm) - 1] = '\0';
	rec->realtime_ns = ev->timestamp_ns + clock_offset_ns;
	return 0;
}
