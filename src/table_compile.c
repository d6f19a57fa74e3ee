// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Compiling the table's templates: the chosen columns, one family at a time. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "errno_names.h"
#include "put_inet.h"
#include "put_num.h"
#include "safe_text.h"
#include "table_writer.h"

#define FD_CELL_MAX (2 * PUT_S32_MAX + 1)

/* Fixed cells, padded for the 16-byte copy of TABLE_TEXT. */
static const char fixed_texts[][16] = { "?", "4", "6" };

/* TABLE_U8, TABLE_U16, TABLE_U32, TABLE_U64 are consecutive. */
static int uint_op(const struct field *f, __u8 *op, size_t *max)
{
	int kind = put_uint_kind(f->size, max);

	if (kind < 0)
		return -EINVAL;
	*op = TABLE_U8 + kind;
	return 0;
}

/* CELL_VALUE: the value itself, as text. */
static int value_op(const struct field *f, enum field_family family,
		    struct table_step *s, size_t *max)
{
	switch (f->value) {
	case VALUE_CHARS:
		s->op = TABLE_CHARS, *max = 4 * f->size;
		return 0;
	case VALUE_UINT:
		return uint_op(f, &s->op, max);
	case VALUE_INT:
		s->op = f->size == 8 ? TABLE_S64 : TABLE_S32;
		*max = f->size == 8 ? PUT_S64_MAX : PUT_S32_MAX;
		return f->size == 4 || f->size == 8 ? 0 : -EINVAL;
	case VALUE_ADDR:
		if (family == FAMILY_OTHER) {
			s->op = TABLE_TEXT, s->text = fixed_texts[0], s->arg = 1, *max = 1;
			return 0;
		}
		s->op = family == FAMILY_INET ? TABLE_IPV4 : TABLE_IPV6;
		*max = family == FAMILY_INET ? PUT_IPV4_MAX : PUT_IPV6_MAX;
		return f->size == 16 ? 0 : -EINVAL;
	case VALUE_EVENT_TYPE:
		s->op = TABLE_EVENT_TYPE, *max = PUT_EVENT_TYPE_MAX;
		return f->size == 1 ? 0 : -EINVAL;
	case VALUE_CLOSED_BY:
		s->op = TABLE_CLOSED_BY, *max = PUT_CLOSED_BY_MAX;
		return f->size == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* The step that writes f's cell in this family's template, and its longest text. */
static int cell_op(const struct field *f, enum field_family family, bool tw_relative,
		   struct table_step *s, size_t *max)
{
	s->off = f->off;
	s->arg = f->size;
	switch (f->col.cell) {
	case CELL_VALUE:
		return value_op(f, family, s, max);
	case CELL_TIME_OF_DAY:
		s->op = tw_relative ? TABLE_SECONDS : TABLE_TIME, *max = PUT_TIME_LOCAL_MAX;
		return f->value == VALUE_TIME && f->size == 8 ? 0 : -EINVAL;
	case CELL_IP_VERSION:
		s->op = TABLE_TEXT, s->text = fixed_texts[family], s->arg = 1, *max = 1;
		return 0;
	case CELL_ENDPOINT:
		if (family == FAMILY_OTHER) {
			s->op = TABLE_TEXT, s->text = fixed_texts[0], s->arg = 1, *max = 1;
			return 0;
		}
		s->op = family == FAMILY_INET ? TABLE_ENDPOINT4 : TABLE_ENDPOINT6;
		s->arg = f->col.port_off;
		*max = family == FAMILY_INET ? PUT_IPV4_MAX + 6 : PUT_ENDPOINT_MAX;
		return f->value == VALUE_ADDR && f->size == 16 ? 0 : -EINVAL;
	case CELL_FD:
		s->op = TABLE_FD, *max = FD_CELL_MAX;
		return f->value == VALUE_INT && f->size == 4 ? 0 : -EINVAL;
	case CELL_SHORT_ID:
		/* Ids are hex or names: short, and made terminal-safe as any text. */
		s->op = TABLE_CHARS, s->arg = 12, *max = 4 * 12;
		return f->value == VALUE_CHARS && f->size >= 12 ? 0 : -EINVAL;
	case CELL_ERRNO:
		s->op = TABLE_ERRNO, *max = ERRNO_NAME_LEN - 1;
		return f->value == VALUE_ERRNO && f->size == 4 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* The chosen fields that have a column, in column order. */
static int columns_of(const struct field_set *set, const struct field **cols, size_t *n)
{
	const struct field *by_pos[FIELDS_MAX] = { NULL };
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct field *f = set->f[i];

		if (!f->col.name)
			continue;
		if (f->col.pos >= FIELDS_MAX || by_pos[f->col.pos])
			return -EINVAL;
		by_pos[f->col.pos] = f;
	}
	*n = 0;
	for (i = 0; i < FIELDS_MAX; i++)
		if (by_pos[i])
			cols[(*n)++] = by_pos[i];
	return 0;
}

/* The cache for a run of columns, shared by the families' templates. */
static int cache_for(struct table_writer *tw, const struct field **run, size_t n,
		     size_t text_max, const struct field *(*cached)[FIELDS_MAX])
{
	size_t i;
	int err;

	if (n >= FIELDS_MAX)
		return -ENOSPC;
	for (i = 0; i < tw->ncaches; i++)
		if (!memcmp(cached[i], run, n * sizeof(*run)) && !cached[i][n])
			return i;
	if (tw->ncaches == TABLE_CACHES_MAX)
		return -ENOSPC;
	err = text_cache_init(&tw->caches[i], run, n, text_max);
	if (err)
		return err;
	memcpy(cached[i], run, n * sizeof(*run));
	tw->ncaches++;
	return i;
}

struct compiler {
	struct table_writer *tw;
	const struct field *cols[FIELDS_MAX];
	size_t ncols, nsteps;
	const struct field *cached[TABLE_CACHES_MAX][FIELDS_MAX];
	size_t max[FIELDS_MAX];	/* the longest text of each column's cell */
};

static struct table_step *add_step(struct compiler *c, enum field_family family)
{
	if (c->nsteps >= TABLE_STEPS_MAX)
		return NULL;
	return &c->tw->steps[family][c->nsteps++];
}

static int add_cell(struct compiler *c, enum field_family family, size_t i)
{
	struct table_writer *tw = c->tw;
	struct table_step *s = add_step(c, family);
	int err;

	if (!s)
		return -EINVAL;
	if (tw->rights[i])
		s->right_end = tw->starts[i] + tw->widths[i];
	else
		s->left_start = tw->starts[i];
	s->gap = i ? TABLE_COLUMN_GAP : 0;
	err = cell_op(c->cols[i], family, c->tw->time_zero_ns, s, &c->max[i]);
	if (s->op == TABLE_IPV4 || s->op == TABLE_IPV6 || s->op == TABLE_ENDPOINT4 ||
	    s->op == TABLE_ENDPOINT6)
		s->memo = tw->nmemos++;
	return err;
}

/* Columns i..i+n, stable, as a cached run: TABLE_CACHED, their cells, TABLE_CACHE_FILL. */
static int add_cached(struct compiler *c, enum field_family family, size_t i, size_t n,
		      int cache)
{
	struct table_step *head = add_step(c, family), *mark, *fill;
	size_t k, first = c->nsteps;
	int err;

	if (!head)
		return -EINVAL;
	head->op = TABLE_CACHED;
	head->arg = cache;
	for (k = 0; k < n; k++) {
		err = add_cell(c, family, i + k);
		if (err)
			return err;
		if (k == 0) {
			mark = add_step(c, family);
			if (!mark)
				return -EINVAL;
			mark->op = TABLE_CACHE_MARK;
		}
	}
	fill = add_step(c, family);
	if (!fill)
		return -EINVAL;
	fill->op = TABLE_CACHE_FILL;
	fill->gap = i ? TABLE_COLUMN_GAP : 0;
	head->off = c->nsteps - first;
	return 0;
}

static size_t stable_run(const struct compiler *c, size_t i)
{
	size_t n = 0;

	while (i + n < c->ncols && c->cols[i + n]->stable)
		n++;
	return n;
}

/* Where the cells of columns i.. can end, at most, blanks before them included. */
static size_t run_max(const struct compiler *c, size_t i, size_t n)
{
	size_t k, max = 0;

	for (k = i; k < i + n; k++)
		max += TABLE_COLUMN_GAP + c->tw->widths[k] + c->max[k];
	return max;
}

static int compile(struct compiler *c, enum field_family family)
{
	size_t i, n, k;
	int err, cache;

	c->nsteps = 0;
	for (i = 0; i < c->ncols; i += n) {
		n = stable_run(c, i);
		cache = -1;
		if (n >= 2) {
			/* Each cell's longest text first, for the entry size. */
			for (k = 0; k < n; k++) {
				struct table_step tmp;

				err = cell_op(c->cols[i + k], family, c->tw->time_zero_ns, &tmp,
					      &c->max[i + k]);
				if (err)
					return err;
			}
			cache = cache_for(c->tw, c->cols + i, n, run_max(c, i, n), c->cached);
			if (cache == -ENOMEM)
				return cache;
		}
		if (cache >= 0) {
			err = add_cached(c, family, i, n, cache);
		} else {
			n = 1;
			err = add_cell(c, family, i);
		}
		if (err)
			return err;
	}
	if (!add_step(c, family))
		return -EINVAL;	/* TABLE_END is op 0 */
	return 0;
}

int table_writer_init(struct table_writer *tw, const struct field_set *set)
{
	return table_writer_init_relative(tw, set, 0);
}

int table_writer_init_relative(struct table_writer *tw, const struct field_set *set,
			       __u64 zero_ns)
{
	static struct compiler c;	/* big, and only used here */
	enum field_family family;
	size_t i, start = 0, max = 0;
	int err;

	memset(tw, 0, sizeof(*tw));
	memset(&c, 0, sizeof(c));
	c.tw = tw;
	tw->time_zero_ns = zero_ns;
	time_cache_init(&tw->local, false);
	err = columns_of(set, c.cols, &c.ncols);
	if (err)
		return err;
	tw->ncols = c.ncols;
	for (i = 0; i < c.ncols; i++) {
		tw->names[i] = c.cols[i]->col.name;
		if (zero_ns && c.cols[i]->col.cell == CELL_TIME_OF_DAY)
			tw->names[i] = "TIME(s)";
		tw->starts[i] = start;
		tw->widths[i] = c.cols[i]->col.width;
		tw->rights[i] = c.cols[i]->col.align == ALIGN_RIGHT;
		start += tw->widths[i] + TABLE_COLUMN_GAP;
	}
	for (family = 0; family < FAMILY_COUNT && !err; family++) {
		err = compile(&c, family);
		if (!err && run_max(&c, 0, c.ncols) > max)
			max = run_max(&c, 0, c.ncols);
	}
	if (err) {
		table_writer_free(tw);
		return err;
	}
	/* Or the header, if a name is longer than a column's cells; and the newline. */
	for (i = 0; i < c.ncols; i++)
		max += strlen(tw->names[i]);
	tw->max_len = max + 1;
	return 0;
}

void table_writer_free(struct table_writer *tw)
{
	size_t i;

	for (i = 0; i < tw->ncaches; i++)
		text_cache_free(&tw->caches[i]);
	tw->ncaches = 0;
}
