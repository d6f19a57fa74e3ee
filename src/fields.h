/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output fields, each listed once (fields.c): where the JSON writer puts
 * it, whether and how the table shows it, and where its value comes from in a
 * record. Both writers walk this table, and so does --list-fields: a new
 * field is one row there.
 */
#ifndef TCPTRACE_FIELDS_H
#define TCPTRACE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/types.h>

#define FIELDS_MAX 48
#define FIELD_PATH_MAX 64

/* What --list-fields calls a field's type; each one has one JSON type. */
enum field_kind {
	FIELD_TIME,		/* string: RFC 3339 in UTC with nanoseconds */
	FIELD_STRING,		/* string */
	FIELD_UINT,		/* number >= 0 */
	FIELD_INT,		/* number, may be negative */
	FIELD_ADDR,		/* string: an IPv4 or IPv6 address as inet_ntop prints it */
	FIELD_PORT,		/* number 0..65535 */
	FIELD_ERRNO,		/* string: errno name ("ECONNREFUSED"), "" for none */
	FIELD_BOOL,		/* true or false */
	FIELD_KIND_COUNT,
};

/* Where a value comes from: mostly the member at off, of size bytes. */
enum field_value {
	VALUE_TIME,		/* __u64 ns since the epoch */
	VALUE_CHARS,		/* a NUL-padded char array */
	VALUE_UINT,		/* an unsigned integer of 1, 2, 4 or 8 bytes */
	VALUE_INT,		/* a signed integer of 4 or 8 bytes */
	VALUE_ADDR,		/* 16 address bytes, of family ev.family */
	VALUE_ERRNO,		/* __s32 positive errno, 0 for none */
	VALUE_EVENT_TYPE,	/* __u8 enum event_type, as its name */
	VALUE_IP_VERSION,	/* ev.family (no member) as 4 or 6, else 0 */
	VALUE_CONST,		/* always text (no member) */
	VALUE_FLAG,		/* whether the __u16 member has the bits of mask */
	VALUE_CLOSED_BY,	/* __u8 enum closed_by, as its name */
	VALUE_TYPE_RAW,		/* __u8 enum event_type, as Inspektor Gadget numbers it */
};

/* How the table shows a field: its value as text, or one of these. */
enum field_cell {
	CELL_VALUE,		/* numbers, names; chars made terminal-safe */
	CELL_TIME_OF_DAY,	/* local "13:45:37.047" */
	CELL_IP_VERSION,	/* "4", "6", "?" */
	CELL_ENDPOINT,		/* address and the port member at port_off: "[::1]:80" */
	CELL_FD,		/* connect "3", accept "3>5" (listening>accepted), close "-" */
	CELL_ERRNO,		/* the name, "-" for none */
	CELL_SHORT_ID,		/* chars, the first 12: a container id as docker ps shows it */
};

enum field_align {
	ALIGN_LEFT,
	ALIGN_RIGHT,
};

struct field_column {
	const char *name;	/* header; NULL: not in the table */
	__u8 pos;		/* 0-based place among the table's columns */
	__u8 width;		/* in characters; longer cells overflow, never cut */
	__u8 align;		/* enum field_align */
	__u8 cell;		/* enum field_cell */
	__u8 hidden;		/* shown only when asked for (--fields, -U) */
	__u16 port_off;		/* CELL_ENDPOINT: offset of the __u16 port in the record */
};

struct field {
	const char *path;	/* in the JSON object: "proc.creds.uid" */
	__u8 kind;		/* enum field_kind */
	__u8 value;		/* enum field_value */
	__u16 off;		/* offset of the member in struct record */
	__u16 size;		/* its size */
	const char *text;	/* VALUE_CONST */
	__u16 mask;		/* VALUE_FLAG */
	/* TYPE_BIT()s of the event types whose events can hold a value
	 * other than zero here (the kernel side zeroes the others); 0: all.
	 * The JSON writer folds the zero of the others into its literals. */
	__u8 types;
	/*
	 * Has few distinct values at a time: it describes the process or its
	 * namespaces. The writers keep the text of a run
	 * of such fields and copy it while their members stay the same
	 * (text_cache.h): a busy host's events come from a few processes.
	 */
	__u8 stable;
	/* A stable field whose member is derived from another (a cgroup's
	 * path, from its id): the text cache keys on that one. 0: the member. */
	__u16 key_off, key_size;
	struct field_column col;
};

/*
 * The writers compile one template per address family, so that what only
 * depends on the family (the IP version, how to print an address) is
 * settled before any event comes.
 */
enum field_family {
	FAMILY_OTHER,		/* no address: a kernel bug, shown as "?" */
	FAMILY_INET,
	FAMILY_INET6,
	FAMILY_COUNT,
};

static inline enum field_family field_family_of(__u16 family)
{
	return family == AF_INET ? FAMILY_INET : family == AF_INET6 ? FAMILY_INET6 : FAMILY_OTHER;
}

/* Every field, in JSON order. */
extern const struct field fields[];
extern const size_t fields_count;

const char *field_kind_name(enum field_kind kind);
/* Whether the kind is a JSON string (else a number). */
int field_kind_is_string(enum field_kind kind);
/* NULL if no field has this path. */
const struct field *field_find(const char *path);

/*
 * --list-fields: one line per field, in JSON order: path, kind, table
 * column or "-", separated by blanks. Returns 0 or -errno.
 */
int fields_print(FILE *out);

/* A choice of fields, ordered so that the members of one object are adjacent. */
struct field_set {
	const struct field *f[FIELDS_MAX];
	size_t n;
};

/*
 * list: comma-separated paths ("proc.pid,dst.addr"), or NULL for every field.
 * Fields of one JSON object are grouped where the first of them appears.
 * Returns 0, or -EINVAL for an unknown or repeated path or an empty list.
 */
int fields_select(struct field_set *set, const char *list);

/* The table's default columns (those not hidden), and with uid the UID
 * column (-U), with container the CONTAINER column (-C). */
int fields_select_columns(struct field_set *set, bool uid, bool container);

#endif /* TCPTRACE_FIELDS_H */
