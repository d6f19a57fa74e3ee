// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "fields.h"
#include "record.h"

#define FIELD(p, k, v) .path = p, .kind = FIELD_##k, .value = VALUE_##v
#define STABLE .stable = 1
/* Filled from the cgroup id, and refilled when it changes (main.c). */
#define BY_CGROUP STABLE, .key_off = offsetof(struct record, ev.proc.cgroup_id), \
		  .key_size = sizeof(__u64)
#define CONNECT_ONLY .types = TYPE_BIT(EVENT_CONNECT)
#define CLOSE_ONLY .types = TYPE_BIT(EVENT_CLOSE)
#define MEMBER(m) .off = offsetof(struct record, m), \
		  .size = sizeof(((struct record *)0)->m)
#define COLUMN(n, p, w, a, c) .col = { .name = n, .pos = p, .width = w, \
				       .align = ALIGN_##a, .cell = CELL_##c }
#define HIDDEN_COLUMN(n, p, w, a) .col = { .name = n, .pos = p, .width = w, \
					  .align = ALIGN_##a, .cell = CELL_VALUE, .hidden = 1 }
#define ENDPOINT_COLUMN(n, p, port) .col = { .name = n, .pos = p, .width = 21, \
					     .align = ALIGN_LEFT, .cell = CELL_ENDPOINT, \
					     .port_off = offsetof(struct record, port) }

/*
 * JSON order and names are Inspektor Gadget's trace_tcp. The table's widths
 * fit a typical IPv4 row; IPv6 endpoints overflow rather than get cut.
 */
const struct field fields[] = {
	{ FIELD("timestamp", TIME, TIME), MEMBER(realtime_ns),
	  COLUMN("TIME", 0, 12, LEFT, TIME_OF_DAY) },
	{ FIELD("timestamp_raw", UINT, UINT), MEMBER(realtime_ns) },
	{ FIELD("type", STRING, EVENT_TYPE), MEMBER(ev.type),
	  COLUMN("TYPE", 1, 7, LEFT, VALUE) },
	{ FIELD("type_raw", INT, TYPE_RAW), MEMBER(ev.type) },
	{ FIELD("proc.comm", STRING, CHARS), MEMBER(ev.proc.comm), STABLE,
	  COLUMN("COMM", 5, 15, LEFT, VALUE) },
	{ FIELD("proc.pid", UINT, UINT), MEMBER(ev.proc.pid), STABLE,
	  COLUMN("PID", 3, 7, RIGHT, VALUE) },
	{ FIELD("proc.tid", UINT, UINT), MEMBER(ev.proc.tid), STABLE,
	  COLUMN("TID", 4, 7, RIGHT, VALUE) },
	{ FIELD("proc.mntns_id", UINT, UINT), MEMBER(ev.proc.mntns_id), STABLE,
	  HIDDEN_COLUMN("MNTNS", 11, 10, RIGHT) },
	{ FIELD("proc.creds.uid", UINT, UINT), MEMBER(ev.proc.uid), STABLE,
	  HIDDEN_COLUMN("UID", 2, 6, RIGHT) },
	{ FIELD("proc.creds.gid", UINT, UINT), MEMBER(ev.proc.gid), STABLE,
	  HIDDEN_COLUMN("GID", 12, 6, RIGHT) },
	{ FIELD("proc.parent.comm", STRING, CHARS), MEMBER(ev.proc.pcomm), STABLE,
	  HIDDEN_COLUMN("PCOMM", 14, 15, LEFT) },
	{ FIELD("proc.parent.pid", UINT, UINT), MEMBER(ev.proc.ppid), STABLE,
	  HIDDEN_COLUMN("PPID", 13, 7, RIGHT) },
	{ FIELD("proc.parent.tid", UINT, UINT), MEMBER(ev.proc.ptid), STABLE },
	{ FIELD("netns_id", UINT, UINT), MEMBER(ev.netns_id), STABLE,
	  HIDDEN_COLUMN("NETNS", 15, 10, RIGHT) },
	{ FIELD("cgroup.id", UINT, UINT), MEMBER(ev.proc.cgroup_id), STABLE,
	  HIDDEN_COLUMN("CGROUP", 25, 8, RIGHT) },
	{ FIELD("cgroup.path", STRING, CHARS), MEMBER(cg.path), BY_CGROUP },
	{ FIELD("container.id", STRING, CHARS), MEMBER(cg.ctr.id), BY_CGROUP,
	  .col = { .name = "CONTAINER", .pos = 26, .width = 12, .align = ALIGN_LEFT,
		   .cell = CELL_SHORT_ID, .hidden = 1 } },
	{ FIELD("container.runtime", STRING, CHARS), MEMBER(cg.ctr.runtime), BY_CGROUP,
	  HIDDEN_COLUMN("RUNTIME", 27, 10, LEFT) },
	{ FIELD("k8s.pod_uid", STRING, CHARS), MEMBER(cg.ctr.pod_uid), BY_CGROUP,
	  HIDDEN_COLUMN("POD_UID", 28, 36, LEFT) },
	{ FIELD("k8s.qos", STRING, CHARS), MEMBER(cg.ctr.qos), BY_CGROUP },
	/* The same on every event: keyed on the cgroup only to join the run. */
	{ FIELD("node", STRING, CHARS), MEMBER(node), BY_CGROUP,
	  HIDDEN_COLUMN("NODE", 29, 12, LEFT) },
	{ FIELD("src.addr", ADDR, ADDR), MEMBER(ev.saddr),
	  ENDPOINT_COLUMN("SRC", 7, ev.sport) },
	{ FIELD("src.port", PORT, UINT), MEMBER(ev.sport) },
	{ FIELD("src.version", UINT, IP_VERSION),
	  COLUMN("IP", 6, 2, LEFT, IP_VERSION) },
	{ FIELD("src.proto", STRING, CONST), .text = "TCP" },
	{ FIELD("src.proto_raw", UINT, CONST), .text = "6" },
	{ FIELD("dst.addr", ADDR, ADDR), MEMBER(ev.daddr),
	  ENDPOINT_COLUMN("DST", 8, ev.dport) },
	{ FIELD("dst.port", PORT, UINT), MEMBER(ev.dport) },
	{ FIELD("dst.version", UINT, IP_VERSION) },
	{ FIELD("dst.proto", STRING, CONST), .text = "TCP" },
	{ FIELD("dst.proto_raw", UINT, CONST), .text = "6" },
	{ FIELD("error", ERRNO, ERRNO), MEMBER(ev.error),
	  COLUMN("ERROR", 10, 12, LEFT, ERRNO) },
	{ FIELD("error_raw", INT, INT), MEMBER(ev.error) },
	{ FIELD("fd", INT, INT), MEMBER(ev.proc.fd),
	  COLUMN("FD", 9, 7, LEFT, FD) },
	{ FIELD("accept_fd", INT, INT), MEMBER(ev.accept_fd) },
	{ FIELD("sock_id", UINT, UINT), MEMBER(ev.sock_id),
	  HIDDEN_COLUMN("SOCK", 16, 9, RIGHT) },
	{ FIELD("ipv4_mapped", BOOL, FLAG), MEMBER(ev.flags), .mask = EVENT_F_IPV4_MAPPED },
	{ FIELD("latency_ns", UINT, UINT), MEMBER(ev.latency_ns), CONNECT_ONLY,
	  HIDDEN_COLUMN("LAT_NS", 17, 10, RIGHT) },
	{ FIELD("syn_retrans", UINT, UINT), MEMBER(ev.syn_retrans), CONNECT_ONLY,
	  HIDDEN_COLUMN("SYNRT", 18, 5, RIGHT) },
	{ FIELD("duration_ns", UINT, UINT), MEMBER(ev.duration_ns), CLOSE_ONLY,
	  HIDDEN_COLUMN("DUR_NS", 19, 12, RIGHT) },
	{ FIELD("bytes_sent", UINT, UINT), MEMBER(ev.bytes_sent), CLOSE_ONLY,
	  HIDDEN_COLUMN("TX", 20, 8, RIGHT) },
	{ FIELD("bytes_received", UINT, UINT), MEMBER(ev.bytes_received), CLOSE_ONLY,
	  HIDDEN_COLUMN("RX", 21, 8, RIGHT) },
	{ FIELD("retransmits", UINT, UINT), MEMBER(ev.retransmits), CLOSE_ONLY,
	  HIDDEN_COLUMN("RETRANS", 22, 7, RIGHT) },
	{ FIELD("srtt_us", UINT, UINT), MEMBER(ev.srtt_us), CLOSE_ONLY,
	  HIDDEN_COLUMN("SRTT_US", 23, 7, RIGHT) },
	{ FIELD("closed_by", STRING, CLOSED_BY), MEMBER(ev.closed_by), CLOSE_ONLY,
	  HIDDEN_COLUMN("CLOSED_BY", 24, 9, LEFT) },
};

const size_t fields_count = sizeof(fields) / sizeof(fields[0]);

static const char *const kind_names[FIELD_KIND_COUNT] = {
	[FIELD_TIME] = "time",
	[FIELD_STRING] = "string",
	[FIELD_UINT] = "uint",
	[FIELD_INT] = "int",
	[FIELD_ADDR] = "addr",
	[FIELD_PORT] = "port",
	[FIELD_ERRNO] = "errno",
	[FIELD_BOOL] = "bool",
};

const char *field_kind_name(enum field_kind kind)
{
	return (unsigned int)kind < FIELD_KIND_COUNT ? kind_names[kind] : "?";
}

int field_kind_is_string(enum field_kind kind)
{
	return kind == FIELD_TIME || kind == FIELD_STRING || kind == FIELD_ADDR ||
	       kind == FIELD_ERRNO;
}

const struct field *field_find(const char *path)
{
	size_t i;

	for (i = 0; i < fields_count; i++)
		if (!strcmp(fields[i].path, path))
			return &fields[i];
	return NULL;
}

int fields_print(FILE *out)
{
	size_t i;

	for (i = 0; i < fields_count; i++) {
		const struct field *f = &fields[i];

		fprintf(out, "%-18s %-6s %s\n", f->path, field_kind_name(f->kind),
			f->col.name ? f->col.name : "-");
	}
	return fflush(out) ? -errno : 0;
}
