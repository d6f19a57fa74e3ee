// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Choosing fields by JSON path, and ordering them for the JSON writer. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "fields.h"
#include "record.h"

/* Length of the first depth components of path ("proc.creds" for 2), or 0 if it has fewer objects. */
static size_t object_prefix(const char *path, int depth)
{
	const char *p = path;

	while (depth--) {
		p = strchr(p, '.');
		if (!p)
			return 0;
		p++;
	}
	return p - path - 1;
}

static int depth_of(const char *path)
{
	int n = 0;

	while ((path = strchr(path, '.')))
		n++, path++;
	return n;
}

/*
 * The sort key of set->f[i] at depth d: for an enclosing object, the index of
 * the first chosen field inside it (so an object stays where its first member
 * was asked for); at the field's own depth, its own index.
 */
static size_t group_key(const struct field_set *set, size_t i, int d)
{
	const char *path = set->f[i]->path;
	size_t len = object_prefix(path, d + 1), j;

	if (!len)
		return i;
	for (j = 0; j < i; j++)
		if (object_prefix(set->f[j]->path, d + 1) == len &&
		    !memcmp(set->f[j]->path, path, len))
			return j;
	return i;
}

static int group_cmp(const struct field_set *set, size_t a, size_t b)
{
	int d, depth_a = depth_of(set->f[a]->path), depth_b = depth_of(set->f[b]->path);
	size_t ka, kb;

	for (d = 0; d <= depth_a && d <= depth_b; d++) {
		ka = group_key(set, a, d);
		kb = group_key(set, b, d);
		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	return 0;
}

/* Stable: an insertion sort by the keys of the order as given. */
static void group_objects(struct field_set *set)
{
	size_t order[FIELDS_MAX], i, j, k;
	const struct field *sorted[FIELDS_MAX];

	for (i = 0; i < set->n; i++) {
		for (j = i; j > 0 && group_cmp(set, order[j - 1], i) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (k = 0; k < set->n; k++)
		sorted[k] = set->f[order[k]];
	memcpy(set->f, sorted, set->n * sizeof(sorted[0]));
}

/* "a.b" and "a.b.c" cannot both be: b would be a value and an object. */
static bool conflicts(const struct field *a, const struct field *b)
{
	size_t la = strlen(a->path), lb = strlen(b->path);

	if (la == lb)
		return !strcmp(a->path, b->path);
	if (la > lb)
		return conflicts(b, a);
	return !memcmp(a->path, b->path, la) && b->path[la] == '.';
}

static int add_field(struct field_set *set, const struct field *f)
{
	size_t i;

	if (!f || set->n >= FIELDS_MAX)
		return -EINVAL;
	for (i = 0; i < set->n; i++)
		if (conflicts(set->f[i], f))
			return -EINVAL;
	set->f[set->n++] = f;
	return 0;
}

static int add_listed(struct field_set *set, const char *list)
{
	char path[FIELD_PATH_MAX];
	const char *p = list, *comma;
	size_t len;
	int err;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(path))
			return -EINVAL;
		memcpy(path, p, len);
		path[len] = '\0';
		err = add_field(set, field_find(path));
		if (err)
			return err;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int fields_select_columns(struct field_set *set, bool uid, bool container)
{
	size_t i;

	set->n = 0;
	for (i = 0; i < fields_count; i++) {
		const struct field *f = &fields[i];

		if (f->col.name && (!f->col.hidden ||
				    (uid && f->off == offsetof(struct record, ev.proc.uid)) ||
				    (container && f->off == offsetof(struct record, cg.ctr.id))))
			set->f[set->n++] = f;
	}
	group_objects(set);
	return 0;
}

int fields_select(struct field_set *set, const char *list)
{
	size_t i;
	int err = 0;

	set->n = 0;
	if (!list) {
		for (i = 0; i < fields_count && !err; i++)
			err = add_field(set, &fields[i]);
	} else {
		err = add_listed(set, list);
	}
	if (err) {
		set->n = 0;
		return err;
	}
	group_objects(set);
	return 0;
}
