// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-event part of the table writer: running a compiled template.
 *
 * Each cell starts at its column's position, or right after the previous
 * cell when that one overflowed: one long IPv6 address shifts the cells that
 * follow it, and later columns line up again as soon as there is room. A
 * right-aligned cell ends where its column ends if it can. Positions are in
 * characters; pos is where the previous cell ended. No trailing blanks:
 * every cell has text.
 */
#include <string.h>
#include "errno_names.h"
#include "put_inet.h"
#include "put_num.h"
#include "safe_text.h"
#include "table_writer.h"

#define BLOCK 32		/* blanks and cells are copied in blocks of this size */

static const char blanks[BLOCK] = "                                ";

#define MEMBER_AS(type, rec, step) ({					\
	type v_;							\
	memcpy(&v_, (const char *)(rec) + (step)->off, sizeof(v_));	\
	v_;								\
})

/* An endpoint's port: the __u16 at offset arg. */
#define PORT(rec, step) ({						\
	__u16 port_;							\
	memcpy(&port_, (const char *)(rec) + (step)->arg, sizeof(port_));	\
	port_;								\
})

static inline char *put_blanks(char *p, size_t n)
{
	char *end = p + n;

	for (;;) {
		memcpy(p, blanks, BLOCK);
		if (n <= BLOCK)
			return end;
		p += BLOCK;
		n -= BLOCK;
	}
}

/*
 * A right-aligned cell written at cell, before its width was known: move it
 * d places on, with blanks before it. Returns its new end.
 */
static inline char *shift_right(char *cell, char *end, size_t d)
{
	size_t n = end - cell;
	char tmp[BLOCK];

	if (n <= BLOCK && d <= BLOCK) {
		memcpy(tmp, cell, BLOCK);
		memcpy(cell, blanks, BLOCK);
		memcpy(cell + d, tmp, BLOCK);
		return end + d;
	}
	/* A long cell (an escaped comm): the exact, slower way. */
	memmove(cell + d, cell, n);
	memset(cell, ' ', d);
	return end + d;
}

/* An fd the kernel side could not capture (-1) shows as "?". */
static inline char *put_fd(char *p, __s32 fd)
{
	if (fd < 0) {
		*p = '?';
		return p + 1;
	}
	return put_u32(p, fd);
}

/* connect: the socket's fd; accept: "listening fd>new fd"; close: none. */
static inline char *put_fd_cell(char *p, const struct record *rec, __s32 fd)
{
	switch (rec->ev.type) {
	case EVENT_CONNECT:
		return put_fd(p, fd);
	case EVENT_ACCEPT:
		p = put_fd(p, fd);
		*p++ = '>';
		return put_fd(p, rec->ev.accept_fd);
	}
	*p = '-';
	return p + 1;
}

static void set_labels(struct table_writer *tw, const void *const *ops)
{
	size_t f, i;

	for (f = 0; f < FAMILY_COUNT; f++)
		for (i = 0; i < TABLE_STEPS_MAX; i++)
			tw->steps[f][i].label = ops[tw->steps[f][i].op];
	tw->labels_set = true;
}

/* A threaded interpreter, as json_write() is. */
void table_write(struct table_writer *tw, const struct record *rec, struct outbuf *ob)
{
	static const void *const ops[TABLE_OP_COUNT] = {
		[TABLE_END] = &&op_end, [TABLE_TIME] = &&op_time,
		[TABLE_CHARS] = &&op_chars, [TABLE_U8] = &&op_u8,
		[TABLE_U16] = &&op_u16, [TABLE_U32] = &&op_u32,
		[TABLE_U64] = &&op_u64, [TABLE_S32] = &&op_s32,
		[TABLE_S64] = &&op_s64, [TABLE_IPV4] = &&op_ipv4,
		[TABLE_IPV6] = &&op_ipv6, [TABLE_ENDPOINT4] = &&op_endpoint4,
		[TABLE_ENDPOINT6] = &&op_endpoint6, [TABLE_EVENT_TYPE] = &&op_event_type,
		[TABLE_SECONDS] = &&op_seconds,
		[TABLE_CLOSED_BY] = &&op_closed_by,
		[TABLE_FD] = &&op_fd, [TABLE_ERRNO] = &&op_errno,
		[TABLE_TEXT] = &&op_text, [TABLE_CACHED] = &&op_cached,
		[TABLE_CACHE_MARK] = &&op_cache_mark, [TABLE_CACHE_FILL] = &&op_cache_fill,
	};
	const struct table_step *s = tw->steps[field_family_of(rec->ev.family)];
	char *p = outbuf_reserve(ob, tw->max_len), *cell = p, *cached_start = p;
	struct text_cache_entry *entry = NULL;
	size_t pos = 0, at = 0, width, cached_pos = 0, first_at = 0;
	bool hit;
	__s32 err;
	__u64 ns;
	unsigned int ms;

	if (__builtin_expect(!tw->labels_set, 0))
		set_labels(tw, ops);
	/*
	 * Every cell starts a gap after the previous one, and a left-aligned
	 * one not before its column; once its width is known, a right-aligned
	 * one moves on to end with its column, if that is further.
	 */
#define BEGIN() do {							\
		at = pos + s->gap;					\
		if (at < s->left_start)					\
			at = s->left_start;				\
		p = put_blanks(p, at - pos);				\
		cell = p;						\
	} while (0)
#define END_WIDTH(w) do {						\
		width = (w);						\
		if (s->right_end > at + width) {			\
			size_t d_ = s->right_end - width - at;		\
									\
			p = shift_right(cell, p, d_);			\
			cell += d_;					\
			at += d_;					\
		}							\
		pos = at + width;					\
		goto *(++s)->label;					\
	} while (0)
#define END() END_WIDTH(p - cell)

	goto *s->label;
op_time:
	BEGIN();
	p = put_time_local(&tw->local, p, MEMBER_AS(__u64, rec, s));
	END();
op_seconds:
	BEGIN();
	ns = MEMBER_AS(__u64, rec, s);
	ns = ns > tw->time_zero_ns ? ns - tw->time_zero_ns : 0;
	p = put_u64(p, ns / 1000000000ULL);
	*p++ = '.';
	ms = ns / 1000000ULL % 1000;
	*p++ = '0' + ms / 100;
	*p++ = '0' + ms / 10 % 10;
	*p++ = '0' + ms % 10;
	END();
op_chars:
	BEGIN();
	/* The one cell whose width is not its length: UTF-8. An empty one
	 * (a host process's CONTAINER) says "-", or awk's columns shift. */
	p = safe_text_put(p, (const char *)rec + s->off, s->arg, &width);
	if (!width) {
		*p++ = '-';
		width = 1;
	}
	END_WIDTH(width);
op_u8:
	BEGIN();
	p = put_u32(p, MEMBER_AS(__u8, rec, s));
	END();
op_u16:
	BEGIN();
	p = put_u32(p, MEMBER_AS(__u16, rec, s));
	END();
op_u32:
	BEGIN();
	p = put_u32(p, MEMBER_AS(__u32, rec, s));
	END();
op_u64:
	BEGIN();
	p = put_u64(p, MEMBER_AS(__u64, rec, s));
	END();
op_s32:
	BEGIN();
	p = put_s32(p, MEMBER_AS(__s32, rec, s));
	END();
op_s64:
	BEGIN();
	p = put_s64(p, MEMBER_AS(__s64, rec, s));
	END();
op_ipv4:
	BEGIN();
	p = put_ipv4_memo(&tw->memos[s->memo], p, (const __u8 *)rec + s->off);
	END();
op_ipv6:
	BEGIN();
	p = put_ipv6_memo(&tw->memos[s->memo], p, (const __u8 *)rec + s->off);
	END();
op_endpoint4:
	BEGIN();
	p = put_ipv4_memo(&tw->memos[s->memo], p, (const __u8 *)rec + s->off);
	*p++ = ':';
	p = put_u32(p, PORT(rec, s));
	END();
op_endpoint6:
	BEGIN();
	/* Brackets keep the port apart from the address's colons. */
	*p++ = '[';
	p = put_ipv6_memo(&tw->memos[s->memo], p, (const __u8 *)rec + s->off);
	memcpy(p, "]:", 2);
	p = put_u32(p + 2, PORT(rec, s));
	END();
op_event_type:
	BEGIN();
	p = put_event_type(p, MEMBER_AS(__u8, rec, s));
	END();
op_closed_by:
	BEGIN();
	p = put_closed_by(p, MEMBER_AS(__u8, rec, s));
	if (p == cell)
		*p++ = '-';
	END();
op_fd:
	BEGIN();
	p = put_fd_cell(p, rec, MEMBER_AS(__s32, rec, s));
	END();
op_errno:
	BEGIN();
	err = MEMBER_AS(__s32, rec, s);
	if (err) {
		p = put_errno_name(p, err);
	} else {
		*p++ = '-';
	}
	END();
op_text:
	BEGIN();
	memcpy(p, s->text, 16);
	p += s->arg;
	END();
op_cached:
	/*
	 * The text kept starts at the run's first cell, which the same cells
	 * put at the same place after any cell that ended before aux[1]
	 * (aux[0] = aux[1]: only after one that ended there).
	 */
	entry = text_cache_lookup(&tw->caches[s->arg], rec, &hit);
	if (hit && pos >= entry->aux[0] && pos <= entry->aux[1]) {
		p = put_blanks(p, entry->aux[2] - pos);
		p = text_cache_put(p, entry);
		pos = entry->aux[3];
		s += s->off;	/* to the TABLE_CACHE_FILL step, and past it */
	} else {
		cached_pos = pos;
	}
	goto *(++s)->label;
op_cache_mark:
	first_at = at;
	cached_start = cell;
	goto *(++s)->label;
op_cache_fill:
	text_cache_store(entry, cached_start, p - cached_start);
	/* Not pushed by the cell before (first_at > cached_pos + gap): any pos up to there. */
	entry->aux[0] = first_at > cached_pos + s->gap ? 0 : cached_pos;
	entry->aux[1] = first_at - s->gap;
	entry->aux[2] = first_at;
	entry->aux[3] = pos;
	goto *(++s)->label;
op_end:
	*p++ = '\n';
	outbuf_commit(ob, p);
#undef END
#undef END_WIDTH
#undef BEGIN
}

void table_write_header(struct table_writer *tw, struct outbuf *ob)
{
	char *p = outbuf_reserve(ob, tw->max_len);
	size_t i, pos = 0, at, len;

	for (i = 0; i < tw->ncols; i++) {
		len = strlen(tw->names[i]);
		at = pos + (i ? TABLE_COLUMN_GAP : 0);
		if (tw->rights[i]) {
			if (tw->starts[i] + tw->widths[i] > at + len)
				at = tw->starts[i] + tw->widths[i] - len;
		} else if (tw->starts[i] > at) {
			at = tw->starts[i];
		}
		p = put_blanks(p, at - pos);
		memcpy(p, tw->names[i], len);
		p += len;
		pos = at + len;
	}
	*p++ = '\n';
	outbuf_commit(ob, p);
}
