// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Compiling the JSON templates: the chosen fields become items (a value and
 * the literal before it), for one address family at a time, then steps.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "errno_names.h"
#include "json.h"
#include "json_writer.h"
#include "put_inet.h"
#include "put_num.h"

#define DEPTH_MAX 8

struct item {
	__u16 lit, lit_len;
	__u8 op;
	size_t value_max;	/* the most bytes the value takes */
	const struct field *f;
};

struct builder {
	struct json_writer *jw;
	enum field_family family;
	unsigned int type;	/* the event type of the template; 0: any */
	struct item items[FIELDS_MAX + 1];	/* the last: the end of the line */
	size_t nitems, nsteps;
	size_t lit_start;	/* where the literal being built starts */
	int depth;		/* objects open below the top level */
	bool has_member[DEPTH_MAX + 1];
	const char *open[DEPTH_MAX];	/* names of the open objects */
	size_t open_len[DEPTH_MAX];
	const struct field *cached[JSON_CACHES_MAX][FIELDS_MAX];	/* each cache's run */
	size_t cached_n[JSON_CACHES_MAX];
	int err;
};

static void lit_add(struct builder *b, const char *s, size_t n)
{
	struct json_writer *jw = b->jw;

	/* Room for the last block copy past the end, too. */
	if (jw->literals_len + n + JSON_LITERAL_BLOCK > sizeof(jw->literals)) {
		b->err = -EINVAL;
		return;
	}
	memcpy(jw->literals + jw->literals_len, s, n);
	jw->literals_len += n;
}

static void lit_add_string(struct builder *b, const char *s, size_t n)
{
	char buf[JSON_STRING_ROOM(FIELD_PATH_MAX)];

	if (n > FIELD_PATH_MAX) {
		b->err = -EINVAL;
		return;
	}
	lit_add(b, buf, json_put_string(buf, s, n) - buf);
}

/* ,"name": in the innermost open object. */
static void lit_add_key(struct builder *b, const char *name, size_t len)
{
	if (b->has_member[b->depth])
		lit_add(b, ",", 1);
	b->has_member[b->depth] = true;
	lit_add(b, "\"", 1);
	lit_add_string(b, name, len);
	lit_add(b, "\":", 2);
}

static void close_objects(struct builder *b, int depth)
{
	while (b->depth > depth) {
		lit_add(b, "}", 1);
		b->depth--;
	}
}

/*
 * Close the objects the path is not in, open those it is in; returns its
 * last name. The fields of one object are adjacent (fields_select).
 */
static const char *enter_objects(struct builder *b, const char *path)
{
	const char *name = path, *dot;
	int d;

	for (d = 0; (dot = strchr(name, '.')); d++, name = dot + 1) {
		size_t len = dot - name;

		if (d < b->depth && (b->open_len[d] != len || memcmp(b->open[d], name, len)))
			close_objects(b, d);
		if (d < b->depth)
			continue;
		if (d == DEPTH_MAX) {
			b->err = -EINVAL;
			break;
		}
		lit_add_key(b, name, len);
		lit_add(b, "{", 1);
		b->open[d] = name;
		b->open_len[d] = len;
		b->depth++;
		b->has_member[b->depth] = false;
	}
	close_objects(b, d);
	return name;
}

static void add_item(struct builder *b, enum json_op op, const struct field *f,
		     size_t value_max)
{
	struct item *it = &b->items[b->nitems++];

	it->lit = b->lit_start;
	it->lit_len = b->jw->literals_len - b->lit_start;
	it->op = op;
	it->f = f;
	it->value_max = value_max;
	b->lit_start = b->jw->literals_len;
}

/* JSON_U8, JSON_U16, JSON_U32, JSON_U64 are consecutive. */
static int uint_op(const struct field *f, enum json_op *op, size_t *max)
{
	int kind = put_uint_kind(f->size, max);

	if (kind < 0)
		return -EINVAL;
	*op = JSON_U8 + kind;
	return 0;
}

/*
 * The op for a field's value, and the most bytes it writes; or, for a value
 * fixed in this family's template, its text in *text. -EINVAL if none fits.
 */
static int value_op(const struct builder *b, const struct field *f, enum json_op *op,
		    size_t *max, const char **text)
{
	static const char *const versions[FAMILY_COUNT] = { "0", "4", "6" };

	*text = NULL;
	*op = JSON_NONE;
	*max = 0;
	if (b->type && f->types && !(f->types & TYPE_BIT(b->type))) {
		/* Always zero in this type's events. */
		*text = f->kind == FIELD_BOOL ? "false" : field_kind_is_string(f->kind) ? "" : "0";
		return 0;
	}
	switch (f->value) {
	case VALUE_TIME:
		*op = JSON_TIME, *max = PUT_TIME_UTC_MAX;
		return f->size == 8 ? 0 : -EINVAL;
	case VALUE_CHARS:
		*op = JSON_CHARS, *max = 6 * f->size;
		return 0;
	case VALUE_UINT:
		return uint_op(f, op, max);
	case VALUE_INT:
		*op = f->size == 8 ? JSON_S64 : JSON_S32;
		*max = f->size == 8 ? PUT_S64_MAX : PUT_S32_MAX;
		return f->size == 4 || f->size == 8 ? 0 : -EINVAL;
	case VALUE_ADDR:
		if (b->family == FAMILY_OTHER)
			*text = "?";
		*op = b->family == FAMILY_INET ? JSON_IPV4 : JSON_IPV6;
		*max = b->family == FAMILY_INET ? PUT_IPV4_MAX : PUT_IPV6_MAX;
		return f->size == 16 ? 0 : -EINVAL;
	case VALUE_ERRNO:
		*op = JSON_ERRNO, *max = ERRNO_NAME_LEN - 1;
		return f->size == 4 ? 0 : -EINVAL;
	case VALUE_EVENT_TYPE:
		if (b->type) {
			*text = event_type_name(b->type);
			return 0;
		}
		*op = JSON_EVENT_TYPE, *max = PUT_EVENT_TYPE_MAX;
		return f->size == 1 ? 0 : -EINVAL;
	case VALUE_IP_VERSION:
		*text = versions[b->family];
		return 0;
	case VALUE_CONST:
		*text = f->text;
		return 0;
	case VALUE_FLAG:
		*op = JSON_FLAG, *max = PUT_BOOL_MAX;
		return f->size == 2 ? 0 : -EINVAL;
	case VALUE_TYPE_RAW:
		/* 0 connect, 1 accept, 2 close: a constant of each type's
		 * template; -1 in the template of an unknown type. */
		*text = b->type ? (const char *[]){ "-1", "0", "1", "2" }[b->type] : "-1";
		return f->size == 1 ? 0 : -EINVAL;
	case VALUE_CLOSED_BY:
		*op = JSON_CLOSED_BY, *max = PUT_CLOSED_BY_MAX;
		return f->size == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static void add_field(struct builder *b, const struct field *f)
{
	bool quoted = field_kind_is_string(f->kind);
	const char *leaf = enter_objects(b, f->path), *text;
	enum json_op op;
	size_t max;

	lit_add_key(b, leaf, strlen(leaf));
	if (quoted)
		lit_add(b, "\"", 1);
	if (value_op(b, f, &op, &max, &text))
		b->err = -EINVAL;
	else if (text)
		lit_add_string(b, text, strlen(text));	/* fixed: part of the literal */
	else
		add_item(b, op, f, max);
	if (quoted)
		lit_add(b, "\"", 1);
}

static struct json_step *add_step(struct builder *b, size_t lit, size_t lit_len,
				  enum json_op op, const struct field *f)
{
	struct json_step *s;

	/* A long literal: its head in literal-only steps. */
	while (lit_len > JSON_LITERAL_BLOCK) {
		add_step(b, lit, JSON_LITERAL_BLOCK, JSON_NONE, NULL);
		lit += JSON_LITERAL_BLOCK;
		lit_len -= JSON_LITERAL_BLOCK;
	}
	if (b->nsteps >= JSON_STEPS_MAX) {
		b->err = -EINVAL;
		return &b->jw->steps[b->family][b->type][0];
	}
	s = &b->jw->steps[b->family][b->type][b->nsteps++];
	*s = (struct json_step){ .lit = b->jw->literals + lit, .lit_len = lit_len, .op = op };
	if (f) {
		s->off = f->off;
		s->arg = op == JSON_FLAG ? f->mask : f->size;
	}
	/* Each address step keeps its own last address. */
	if (op == JSON_IPV4 || op == JSON_IPV6)
		s->arg = b->jw->nmemos++;
	return s;
}

/* How many items from i on are stable. */
static size_t stable_run(const struct builder *b, size_t i)
{
	size_t n = 0;

	while (i + n < b->nitems && b->items[i + n].f && b->items[i + n].f->stable)
		n++;
	return n;
}

/*
 * The cache for the run f[0..n): the same run in another family's template
 * shares it, since stable values do not depend on the family.
 */
static int cache_for(struct builder *b, const struct field **f, size_t n, size_t text_max)
{
	struct json_writer *jw = b->jw;
	size_t i;
	int err;

	for (i = 0; i < jw->ncaches; i++)
		if (b->cached_n[i] == n && !memcmp(b->cached[i], f, n * sizeof(*f)))
			return i;
	if (jw->ncaches == JSON_CACHES_MAX)
		return -ENOSPC;
	err = text_cache_init(&jw->caches[i], f, n, text_max);
	if (err)
		return err;
	memcpy(b->cached[i], f, n * sizeof(*f));
	b->cached_n[i] = n;
	jw->ncaches++;
	return i;
}

/*
 * Items i..i+n, as a cached run: JSON_CACHED (with the literal before the
 * run), the items' steps, JSON_CACHE_FILL. A hit skips to the fill step.
 */
static void add_cached(struct builder *b, size_t i, size_t n, int cache)
{
	struct json_step *head;
	size_t k, first;

	head = add_step(b, b->items[i].lit, b->items[i].lit_len, JSON_CACHED, NULL);
	head->arg = cache;
	first = b->nsteps;
	for (k = 0; k < n; k++) {
		const struct item *it = &b->items[i + k];

		add_step(b, it->lit, k ? it->lit_len : 0, it->op, it->f);
	}
	add_step(b, 0, 0, JSON_CACHE_FILL, NULL);
	head->off = b->nsteps - first;
}

static void add_steps(struct builder *b)
{
	const struct field *f[FIELDS_MAX];
	size_t i, k, n, text_max;
	int cache;

	for (i = 0; i < b->nitems && !b->err; i += n) {
		n = stable_run(b, i);
		cache = -1;
		if (n >= 2) {
			text_max = 0;
			for (k = 0; k < n; k++) {
				f[k] = b->items[i + k].f;
				text_max += b->items[i + k].value_max + (k ? b->items[i + k].lit_len : 0);
			}
			cache = cache_for(b, f, n, text_max);
			/* Other failures (a run too long for a key) only mean no cache. */
			if (cache == -ENOMEM)
				b->err = cache;
		}
		if (cache >= 0) {
			add_cached(b, i, n, cache);
			continue;
		}
		/* Not stable, or no cache left: written each time. */
		n = 1;
		add_step(b, b->items[i].lit, b->items[i].lit_len, b->items[i].op, b->items[i].f);
	}
}

/* One family's template, and the longest line it writes. */
static void compile(struct builder *b, const struct field_set *set)
{
	struct json_writer *jw = b->jw;
	size_t i, max = 0;

	b->nitems = b->nsteps = 0;
	b->depth = 0;
	memset(b->has_member, 0, sizeof(b->has_member));
	b->lit_start = jw->literals_len;
	lit_add(b, "{", 1);
	for (i = 0; i < set->n && !b->err; i++)
		add_field(b, set->f[i]);
	close_objects(b, 0);
	lit_add(b, "}\n", 2);
	if (b->err)
		return;
	add_item(b, JSON_END, NULL, 0);
	for (i = 0; i < b->nitems; i++)
		max += b->items[i].lit_len + b->items[i].value_max;
	if (max > jw->max_len)
		jw->max_len = max;
	add_steps(b);
}

int json_writer_init(struct json_writer *jw, const struct field_set *set)
{
	static struct builder b;	/* big, and only used here */
	enum field_family family;

	memset(jw, 0, sizeof(*jw));
	memset(&b, 0, sizeof(b));
	b.jw = jw;
	time_cache_init(&jw->utc, true);
	if (set->n > FIELDS_MAX)
		return -EINVAL;
	for (family = 0; family < FAMILY_COUNT && !b.err; family++) {
		for (b.type = 0; b.type < JSON_TYPES && !b.err; b.type++) {
			b.family = family;
			compile(&b, set);
		}
	}
	if (b.err)
		json_writer_free(jw);
	return b.err;
}

void json_writer_free(struct json_writer *jw)
{
	size_t i;

	for (i = 0; i < jw->ncaches; i++)
		text_cache_free(&jw->caches[i]);
	jw->ncaches = 0;
}
