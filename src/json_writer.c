// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The per-event part of the JSON writer: running a compiled template. */
#include <string.h>
#include "errno_names.h"
#include "json.h"
#include "json_writer.h"
#include "put_inet.h"
#include "put_num.h"

/* Members are read with memcpy: the compiler makes it one load. */
#define MEMBER_AS(type, rec, step) ({					\
	type v_;							\
	memcpy(&v_, (const char *)(rec) + (step)->off, sizeof(v_));	\
	v_;								\
})

/*
 * A threaded interpreter, as the kernel's BPF interpreter is: each op ends
 * by copying the next step's literal (one fixed-size block) and jumping
 * straight to the next op's code, whose address the step holds: no loop,
 * no range check, no table.
 */
static void set_labels(struct json_writer *jw, const void *const *ops)
{
	size_t f, t, i;

	for (f = 0; f < FAMILY_COUNT; f++)
		for (t = 0; t < JSON_TYPES; t++)
			for (i = 0; i < JSON_STEPS_MAX; i++)
				jw->steps[f][t][i].label = ops[jw->steps[f][t][i].op];
	jw->labels_set = true;
}

void json_write(struct json_writer *jw, const struct record *rec, struct outbuf *ob)
{
	static const void *const ops[JSON_OP_COUNT] = {
		[JSON_END] = &&op_end, [JSON_NONE] = &&op_none,
		[JSON_TIME] = &&op_time, [JSON_CHARS] = &&op_chars,
		[JSON_U8] = &&op_u8, [JSON_U16] = &&op_u16, [JSON_U32] = &&op_u32,
		[JSON_U64] = &&op_u64, [JSON_S32] = &&op_s32, [JSON_S64] = &&op_s64,
		[JSON_IPV4] = &&op_ipv4, [JSON_IPV6] = &&op_ipv6,
		[JSON_ERRNO] = &&op_errno, [JSON_EVENT_TYPE] = &&op_event_type,
		[JSON_FLAG] = &&op_flag, [JSON_CLOSED_BY] = &&op_closed_by,
		[JSON_CACHED] = &&op_cached, [JSON_CACHE_FILL] = &&op_cache_fill,
	};
	unsigned int type = rec->ev.type < JSON_TYPES ? rec->ev.type : 0;
	const struct json_step *s = jw->steps[field_family_of(rec->ev.family)][type];
	char *p = outbuf_reserve(ob, jw->max_len), *cached_start = NULL;
	struct text_cache_entry *entry = NULL;
	bool hit;
	__s32 err;

	if (__builtin_expect(!jw->labels_set, 0))
		set_labels(jw, ops);
#define NEXT() do {							\
		s++;							\
		memcpy(p, s->lit, JSON_LITERAL_BLOCK);			\
		p += s->lit_len;					\
		goto *s->label;						\
	} while (0)

	s--;
	NEXT();
op_none:
	NEXT();
op_time:
	p = put_time_utc(&jw->utc, p, MEMBER_AS(__u64, rec, s));
	NEXT();
op_chars:
	p = json_put_string(p, (const char *)rec + s->off, s->arg);
	NEXT();
op_u8:
	p = put_u32(p, MEMBER_AS(__u8, rec, s));
	NEXT();
op_u16:
	p = put_u32(p, MEMBER_AS(__u16, rec, s));
	NEXT();
op_u32:
	p = put_u32(p, MEMBER_AS(__u32, rec, s));
	NEXT();
op_u64:
	p = put_u64(p, MEMBER_AS(__u64, rec, s));
	NEXT();
op_s32:
	p = put_s32(p, MEMBER_AS(__s32, rec, s));
	NEXT();
op_s64:
	p = put_s64(p, MEMBER_AS(__s64, rec, s));
	NEXT();
op_ipv4:
	p = put_ipv4_memo(&jw->memos[s->arg], p, (const __u8 *)rec + s->off);
	NEXT();
op_ipv6:
	p = put_ipv6_memo(&jw->memos[s->arg], p, (const __u8 *)rec + s->off);
	NEXT();
op_errno:
	err = MEMBER_AS(__s32, rec, s);
	if (err)
		p = put_errno_name(p, err);
	NEXT();
op_event_type:
	p = put_event_type(p, MEMBER_AS(__u8, rec, s));
	NEXT();
op_flag:
	p = put_bool(p, MEMBER_AS(__u16, rec, s) & s->arg);
	NEXT();
op_closed_by:
	p = put_closed_by(p, MEMBER_AS(__u8, rec, s));
	NEXT();
op_cached:
	entry = text_cache_lookup(&jw->caches[s->arg], rec, &hit);
	if (hit) {
		p = text_cache_put(p, entry);
		s += s->off;	/* to the JSON_CACHE_FILL step, and past it */
	} else {
		cached_start = p;
	}
	NEXT();
op_cache_fill:
	text_cache_store(entry, cached_start, p - cached_start);
	NEXT();
op_end:
	outbuf_commit(ob, p);
#undef NEXT
}
