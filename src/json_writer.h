/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One JSON object per line, from templates compiled once from the chosen
 * fields (json_compile.c), one per address family: for each value, the
 * literal text before it (keys, commas, quotes, the braces that open and
 * close nested objects), then how to write the value. Constant values, and
 * those that only depend on the family, are folded into the literals. Per
 * event the writer (json_writer.c) copies literals and writes values,
 * nothing else; a run of stable fields (the process) is copied from a cache
 * while its members stay the same.
 */
#ifndef TCPTRACE_JSON_WRITER_H
#define TCPTRACE_JSON_WRITER_H

#include <stddef.h>
#include <linux/types.h>
#include "fields.h"
#include "outbuf.h"
#include "put_inet.h"
#include "record.h"
#include "text_cache.h"
#include "time_cache.h"

#define JSON_LITERALS_MAX 16384
/* One template per event type, and a generic one (index 0) for a type
 * the writer does not know. */
#define JSON_TYPES (EVENT_CLOSE + 1)
#define JSON_STEPS_MAX (4 * FIELDS_MAX)
#define JSON_CACHES_MAX 4
/* Literals are copied in blocks of this many bytes, whatever their length. */
#define JSON_LITERAL_BLOCK 32

enum json_op {
	JSON_END,
	JSON_NONE,		/* a literal only: the head of a long one */
	JSON_TIME,
	JSON_CHARS,
	JSON_U8,
	JSON_U16,
	JSON_U32,
	JSON_U64,
	JSON_S32,
	JSON_S64,
	JSON_IPV4,
	JSON_IPV6,
	JSON_ERRNO,
	JSON_EVENT_TYPE,
	JSON_FLAG,		/* arg: the mask */
	JSON_CLOSED_BY,
	JSON_CACHED,		/* the steps up to JSON_CACHE_FILL, or their cached text */
	JSON_CACHE_FILL,	/* keep the text since JSON_CACHED */
	JSON_OP_COUNT,
};

struct json_step {
	const void *label;	/* where json_write() runs op: set on its first call */
	const char *lit;	/* in literals[] */
	__u8 lit_len;		/* at most one block: longer ones take several steps */
	__u8 op;		/* enum json_op: what to write after it */
	__u16 off;		/* of the member in struct record; or steps to skip */
	__u16 arg;		/* size of the member; which memo (addresses); which cache */
};

struct json_writer {
	struct json_step steps[FAMILY_COUNT][JSON_TYPES][JSON_STEPS_MAX];
	bool labels_set;
	size_t max_len;		/* the longest line it can write */
	struct time_cache utc;
	struct text_cache caches[JSON_CACHES_MAX];
	size_t ncaches;
	struct addr_memo memos[FAMILY_COUNT * JSON_TYPES * 2];
	size_t nmemos;
	size_t literals_len;
	char literals[JSON_LITERALS_MAX];
};

/*
 * Returns 0, -EINVAL if the fields do not fit (more than the limits above),
 * or -ENOMEM. A writer is used where it was initialised: it is not copied.
 */
int json_writer_init(struct json_writer *jw, const struct field_set *set);
void json_writer_free(struct json_writer *jw);

/* Appends one line, "{...}\n". */
void json_write(struct json_writer *jw, const struct record *rec, struct outbuf *ob);

#endif /* TCPTRACE_JSON_WRITER_H */
