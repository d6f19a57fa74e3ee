// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"
#include "losses.h"

static void assert_line(const struct loss_counts *c, const char *want)
{
	char buf[256];

	assert_int_equal(loss_progress_line(buf, sizeof(buf), c), strlen(want));
	assert_string_equal(buf, want);
}

static void test_progress_line(void **state)
{
	struct loss_counts c = { .fell_behind = 90, .no_slot = 10, .output = 20 };

	assert_line(&c, "tcptrace: lost so far: 120 (transport 100, output 20)\n");
	c.skipped_runs = 3;
	assert_line(&c, "tcptrace: lost so far: 120 (transport 100, output 20), kernel skipped 3 runs\n");
	c = (struct loss_counts){ .malformed = 2 };
	assert_line(&c, "tcptrace: lost so far: 2 (malformed 2)\n");
	/* Only skipped runs: no events known lost. */
	c = (struct loss_counts){ .skipped_runs = 7 };
	assert_line(&c, "tcptrace: lost so far: 0, kernel skipped 7 runs\n");
}

/* Cut to the buffer, never past it, and the full length comes back. */
static void test_progress_line_cut(void **state)
{
	struct loss_counts c = { .fell_behind = 1, .output = 2, .malformed = 3, .skipped_runs = 4 };
	char buf[16];
	size_t n;

	memset(buf, '#', sizeof(buf));
	n = loss_progress_line(buf, 10, &c);
	assert_true(n > 10);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(buf[10], '#');
}

static void test_grew(void **state)
{
	struct loss_counts a = { 0 }, b = { 0 };

	assert_false(loss_grew(&a, &b));
	b.skipped_runs = 1;
	assert_true(loss_grew(&b, &a));
	b = a;
	b.output = 1;
	assert_true(loss_grew(&b, &a));
}

static void test_summary(void **state)
{
	struct loss_counts c = { .fell_behind = 5, .output = 6, .skipped_runs = 2 };
	struct capture cap;
	char *got;

	open_capture(&cap);
	loss_print_summary(cap.f, &c);
	got = close_capture(&cap);
	assert_string_equal(got,
		"tcptrace: lost 5 events (the reader fell behind the kernel)\n"
		"tcptrace: lost 6 events (stdout could not take them)\n"
		"tcptrace: the kernel skipped 2 runs of its programs (another BPF program was running on that CPU); events may be missing\n");
	free(got);
	c = (struct loss_counts){ 0 };
	open_capture(&cap);
	loss_print_summary(cap.f, &c);
	got = close_capture(&cap);
	assert_string_equal(got, "");
	free(got);
}

static void test_json(void **state)
{
	struct loss_counts c = { .fell_behind = 1, .no_slot = 2, .output = 30, .malformed = 4,
				 .skipped_runs = 5 };
	char buf[LOSS_JSON_MAX];
	size_t n;
	char *out;

	/* 2026-11-25T13:45:37.047611803Z */
	n = loss_put_json(buf, &c, 1795614337047611803ULL);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
		"{\"type\":\"lost\",\"timestamp\":\"2026-11-25T13:45:37.047611803Z\","
		"\"lost\":{\"transport\":3,\"output\":30,\"malformed\":4},\"kernel_skipped_runs\":5}\n");
	if (!have_jq())
		return;
	out = run_jq("-c '[.type, .lost.output, .kernel_skipped_runs]'", buf, n);
	assert_non_null(out);
	assert_string_equal(out, "[\"lost\",30,5]\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_line),
		cmocka_unit_test(test_progress_line_cut),
		cmocka_unit_test(test_grew),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("losses", tests, NULL, NULL);
}
