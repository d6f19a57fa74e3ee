/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The table: one header line, then one line per event in the same columns,
 * from the chosen fields that have a column (fields.c), in column order.
 * Compiled once (table_compile.c) into one template per address family, as
 * the JSON writer is, and run per event by table_writer.c.
 */
#ifndef TCPTRACE_TABLE_WRITER_H
#define TCPTRACE_TABLE_WRITER_H

#include <stddef.h>
#include <linux/types.h>
#include "fields.h"
#include "outbuf.h"
#include "put_inet.h"
#include "record.h"
#include "text_cache.h"
#include "time_cache.h"

#define TABLE_STEPS_MAX (FIELDS_MAX + 8)
#define TABLE_CACHES_MAX 4
#define TABLE_COLUMN_GAP 1

enum table_op {
	TABLE_END,
	TABLE_TIME,
	TABLE_SECONDS,		/* since time_zero_ns: seconds, milliseconds */
	TABLE_CHARS,
	TABLE_U8,
	TABLE_U16,
	TABLE_U32,
	TABLE_U64,
	TABLE_S32,
	TABLE_S64,
	TABLE_IPV4,
	TABLE_IPV6,
	TABLE_ENDPOINT4,
	TABLE_ENDPOINT6,
	TABLE_EVENT_TYPE,
	TABLE_CLOSED_BY,
	TABLE_FD,
	TABLE_ERRNO,
	TABLE_TEXT,		/* fixed in this family's template: text */
	TABLE_CACHED,		/* the cells up to TABLE_CACHE_FILL, or their cached text */
	TABLE_CACHE_MARK,	/* after a run's first cell: where it starts */
	TABLE_CACHE_FILL,
	TABLE_OP_COUNT,
};

struct table_step {
	const void *label;	/* where table_write() runs op: set on its first call */
	const char *text;	/* TABLE_TEXT */
	__u16 left_start;	/* a left-aligned cell starts here at the earliest; else 0 */
	__u16 right_end;	/* a right-aligned cell ends here if it can; else 0 */
	__u8 gap;		/* blanks before a cell: 0 for the first column */
	__u8 op;		/* enum table_op */
	__u8 memo;		/* addresses: which memo */
	__u16 off;		/* of the member in struct record; or steps to skip */
	__u16 arg;		/* size of the member, the port's offset, the text's
				 * length; or which cache */
};

struct table_writer {
	struct table_step steps[FAMILY_COUNT][TABLE_STEPS_MAX];
	bool labels_set;
	const char *names[FIELDS_MAX];	/* the header */
	__u16 starts[FIELDS_MAX];
	__u8 widths[FIELDS_MAX];
	__u8 rights[FIELDS_MAX];
	size_t ncols;
	size_t max_len;		/* the longest line it can write */
	struct time_cache local;
	__u64 time_zero_ns;	/* -t: TIME(s) counts from here; 0: time of day */
	struct text_cache caches[TABLE_CACHES_MAX];
	size_t ncaches;
	struct addr_memo memos[FAMILY_COUNT * FIELDS_MAX];
	size_t nmemos;
};

/* Returns 0, -EINVAL if a chosen field's cell cannot be shown, or -ENOMEM. */
int table_writer_init(struct table_writer *tw, const struct field_set *set);
/* As table_writer_init, with a TIME(s) column of the seconds since
 * zero_ns (ns since the epoch) instead of the time of day (bcc's -t). */
int table_writer_init_relative(struct table_writer *tw, const struct field_set *set,
			       __u64 zero_ns);
void table_writer_free(struct table_writer *tw);

void table_write_header(struct table_writer *tw, struct outbuf *ob);
void table_write(struct table_writer *tw, const struct record *rec, struct outbuf *ob);

#endif /* TCPTRACE_TABLE_WRITER_H */
