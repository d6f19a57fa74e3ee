// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "event.h"

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

int event_decode(const void *data, size_t size, struct event *ev)
{
	struct event tmp;

	if (!data || size < sizeof(tmp))
		return -EINVAL;
	/* Perf samples follow a u32 size header: 4-byte aligned at best. */
	memcpy(&tmp, data, sizeof(tmp));
	if (!event_type_name(tmp.type))
		return -EINVAL;
	tmp.proc.comm[sizeof(tmp.proc.comm) - 1] = '\0';
	tmp.proc.pcomm[sizeof(tmp.proc.pcomm) - 1] = '\0';
	*ev = tmp;
	return 0;
}
