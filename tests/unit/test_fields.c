// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"
#include "fields.h"
#include "record.h"

/* The README, from the tree this test was built from (make runs from the top). */
#define MANPAGE "doc/tcptrace.8"
#define README "README.md"
#define README_BEGIN "<!-- fields: begin (tests/unit/test_fields.c checks this table) -->"
#define README_END "<!-- fields: end -->"

static const char *column_of(const struct field *f)
{
	return f->col.name ? f->col.name : "-";
}

/* One row per path; none both a value and an object; members inside a record. */
static void test_table_is_sound(void **state)
{
	bool pos_used[FIELDS_MAX] = { false };
	size_t i, j, ncols = 0;

	assert_true(fields_count <= FIELDS_MAX);
	for (i = 0; i < fields_count; i++) {
		const struct field *f = &fields[i];

		assert_true(strlen(f->path) < FIELD_PATH_MAX);
		assert_ptr_equal(field_find(f->path), f);
		assert_true(f->kind < FIELD_KIND_COUNT);
		assert_string_not_equal(field_kind_name(f->kind), "?");
		if (f->value == VALUE_CONST)
			assert_non_null(f->text);
		else if (f->value != VALUE_IP_VERSION)
			assert_true(f->size && f->off + f->size <= sizeof(struct record));
		for (j = 0; j < fields_count; j++) {
			size_t n = strlen(f->path);

			if (i != j)
				assert_false(!strncmp(f->path, fields[j].path, n) &&
					     (fields[j].path[n] == '.' || fields[j].path[n] == '\0'));
		}
		if (f->col.name) {
			assert_true(f->col.pos < FIELDS_MAX);
			assert_false(pos_used[f->col.pos]);
			pos_used[f->col.pos] = true;
			assert_true(strlen(f->col.name) <= f->col.width);
			ncols++;
		}
	}
	/* Columns 0..n-1, none missing; today's ten shown unless asked for. */
	for (i = 0; i < ncols; i++)
		assert_true(pos_used[i]);
	assert_int_equal(ncols, 30);
	for (i = 0, j = 0; i < fields_count; i++)
		j += fields[i].col.name && !fields[i].col.hidden;
	assert_int_equal(j, 10);
}

/* The JSON shape, in its order: Inspektor Gadget's names, then tcptrace's own. */
static void test_paths_in_order(void **state)
{
	static const char *const want[] = {
		"timestamp", "timestamp_raw", "type", "type_raw", "proc.comm", "proc.pid",
		"proc.tid", "proc.mntns_id", "proc.creds.uid", "proc.creds.gid",
		"proc.parent.comm", "proc.parent.pid", "proc.parent.tid", "netns_id",
		"cgroup.id", "cgroup.path", "container.id", "container.runtime", "k8s.pod_uid",
		"k8s.qos", "node",
		"src.addr", "src.port", "src.version", "src.proto", "src.proto_raw",
		"dst.addr", "dst.port", "dst.version", "dst.proto", "dst.proto_raw",
		"error", "error_raw", "fd", "accept_fd",
		"sock_id", "ipv4_mapped", "latency_ns", "syn_retrans", "duration_ns",
		"bytes_sent", "bytes_received", "retransmits", "srtt_us", "closed_by",
	};
	size_t i;

	assert_int_equal(fields_count, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < fields_count; i++)
		assert_string_equal(fields[i].path, want[i]);
}

static char *listing(void)
{
	struct capture c;

	open_capture(&c);
	assert_int_equal(fields_print(c.f), 0);
	return close_capture(&c);
}

/* --list-fields: path, kind, column or "-", one line each, blank-separated. */
static void test_print(void **state)
{
	char *out = listing(), *line, *save = NULL, path[64], kind[16], col[16];
	size_t i = 0;

	assert_non_null(strstr(out, "timestamp          time   TIME\n"));
	assert_non_null(strstr(out, "\nproc.creds.uid     uint   UID\n"));
	assert_non_null(strstr(out, "\naccept_fd          int    -\n"));
	assert_non_null(strstr(out, "\nsrc.version        uint   IP\n"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		assert_true(i < fields_count);
		assert_int_equal(sscanf(line, "%63s %15s %15s", path, kind, col), 3);
		assert_string_equal(path, fields[i].path);
		assert_string_equal(kind, field_kind_name(fields[i].kind));
		assert_string_equal(col, column_of(&fields[i]));
	}
	assert_int_equal(i, fields_count);
	free(out);
}

static void test_select(void **state)
{
	struct field_set set;
	size_t i;

	assert_int_equal(fields_select(&set, NULL), 0);
	assert_int_equal(set.n, fields_count);
	for (i = 0; i < set.n; i++)
		assert_ptr_equal(set.f[i], &fields[i]);

	assert_int_equal(fields_select(&set, "dst.port,type"), 0);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.f[0]->path, "dst.port");
	assert_string_equal(set.f[1]->path, "type");

	/* One object's members come together, where the first of them was asked for. */
	assert_int_equal(fields_select(&set, "proc.pid,type,proc.parent.pid,src.port,proc.comm,"
					     "proc.parent.comm"), 0);
	assert_int_equal(set.n, 6);
	assert_string_equal(set.f[0]->path, "proc.pid");
	assert_string_equal(set.f[1]->path, "proc.parent.pid");
	assert_string_equal(set.f[2]->path, "proc.parent.comm");
	assert_string_equal(set.f[3]->path, "proc.comm");
	assert_string_equal(set.f[4]->path, "type");
	assert_string_equal(set.f[5]->path, "src.port");

	assert_int_equal(fields_select(&set, "proc"), -EINVAL);		/* an object */
	assert_int_equal(fields_select(&set, "nope"), -EINVAL);
	assert_int_equal(fields_select(&set, "type,type"), -EINVAL);
	assert_int_equal(fields_select(&set, ""), -EINVAL);
	assert_int_equal(fields_select(&set, "type,"), -EINVAL);
	assert_int_equal(fields_select(&set, ",type"), -EINVAL);
	assert_int_equal(set.n, 0);
}

/* Each kind has one JSON type: what the live suite's schema check expects. */
static void test_kinds(void **state)
{
	assert_true(field_kind_is_string(FIELD_TIME));
	assert_true(field_kind_is_string(FIELD_STRING));
	assert_true(field_kind_is_string(FIELD_ADDR));
	assert_true(field_kind_is_string(FIELD_ERRNO));
	assert_false(field_kind_is_string(FIELD_UINT));
	assert_false(field_kind_is_string(FIELD_INT));
	assert_false(field_kind_is_string(FIELD_PORT));
	assert_string_equal(field_kind_name(FIELD_KIND_COUNT), "?");
}

/*
 * The README's field reference lists exactly what --list-fields prints, in
 * its order: `path` | kind | column, one table row each.
 */
static void test_readme_lists_the_fields(void **state)
{
	char *line = NULL, path[64], kind[16], col[16];
	bool inside = false, ended = false;
	size_t cap = 0, i = 0;
	FILE *f = fopen(README, "r");

	if (!f)
		fail_msg("cannot open %s (run the tests from the top of the tree)", README);
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, README_BEGIN, strlen(README_BEGIN))) {
			inside = true;
			continue;
		}
		if (inside && !strncmp(line, README_END, strlen(README_END))) {
			ended = true;
			break;
		}
		if (!inside || strncmp(line, "| `", 3))
			continue;
		if (sscanf(line, "| `%63[^`]` | %15[^ |] | %15[^ |] |", path, kind, col) != 3)
			fail_msg("README: a field row of an unexpected shape: %s", line);
		if (i >= fields_count)
			fail_msg("README lists %s, which --list-fields does not", path);
		assert_string_equal(path, fields[i].path);
		assert_string_equal(kind, field_kind_name(fields[i].kind));
		assert_string_equal(col, column_of(&fields[i]));
		i++;
	}
	free(line);
	fclose(f);
	assert_true(inside && ended);
	if (i != fields_count)
		fail_msg("README lists %zu fields, --list-fields %zu", i, fields_count);
}

/*
 * The man page's JSON FIELDS: ".TP", a ".B path" line, then "(kind)
 * meaning", for every field in order.
 */
static void test_manpage_lists_the_fields(void **state)
{
	char *line = NULL, path[64], kind[16];
	bool inside = false, want_kind = false, after_tp = false, tp;
	size_t cap = 0, i = 0;
	FILE *f = fopen(MANPAGE, "r");

	if (!f)
		fail_msg("cannot open %s (run the tests from the top of the tree)", MANPAGE);
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, ".SH ", 4)) {
			if (inside)
				break;
			inside = !strcmp(line, ".SH JSON FIELDS\n");
			continue;
		}
		tp = after_tp;
		after_tp = !strcmp(line, ".TP\n");
		if (!inside)
			continue;
		if (want_kind) {
			if (sscanf(line, "(%15[^)])", kind) != 1)
				fail_msg("%s: no (kind) after %s", MANPAGE, path);
			assert_string_equal(kind, field_kind_name(fields[i].kind));
			want_kind = false;
			i++;
		} else if (tp && !strncmp(line, ".B ", 3) && sscanf(line + 3, "%63s", path) == 1) {
			if (i >= fields_count)
				fail_msg("%s lists %s, which --list-fields does not", MANPAGE, path);
			assert_string_equal(path, fields[i].path);
			want_kind = true;
		}
	}
	free(line);
	fclose(f);
	if (i != fields_count)
		fail_msg("%s lists %zu fields, --list-fields %zu", MANPAGE, i, fields_count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_sound),
		cmocka_unit_test(test_paths_in_order),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_readme_lists_the_fields),
		cmocka_unit_test(test_manpage_lists_the_fields),
	};

	return cmocka_run_group_tests_name("fields", tests, NULL, NULL);
}
