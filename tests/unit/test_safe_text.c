// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "safe_text.h"

/*
 * Render s[0..len) and check both the text and its width in characters,
 * with safe_text() and with the table's safe_text_put().
 */
static void check(const char *s, size_t len, const char *expected, size_t width)
{
	char buf[128], *put = malloc(SAFE_TEXT_ROOM(len) + 1), *end;
	size_t put_width;

	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(safe_text(buf, sizeof(buf), s, len), width);
	assert_string_equal(buf, expected);
	assert_non_null(put);
	end = safe_text_put(put, s, len, &put_width);
	*end = '\0';
	assert_string_equal(put, expected);
	assert_int_equal(put_width, width);
	free(put);
}

#define CHECK(lit, expected, width) check(lit, sizeof(lit) - 1, expected, width)

static void test_printable_passes(void **state)
{
	CHECK("curl", "curl", 4);
	CHECK("Web Content", "Web Content", 11);
	CHECK("", "", 0);
}

static void test_utf8_passes_and_counts_characters(void **state)
{
	CHECK("caf\xc3\xa9", "caf\xc3\xa9", 4);
	CHECK("\xe2\x82\xac" "5", "\xe2\x82\xac" "5", 2);
	CHECK("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 1);
}

static void test_terminal_escape_neutralised(void **state)
{
	CHECK("\x1b[31mred", "\\x1b[31mred", 11);
	CHECK("a\nb\tc\r", "a\\x0ab\\x09c\\x0d", 15);
	CHECK("\x7f", "\\x7f", 4);
	/* C1 CSI (U+009B) is valid UTF-8 that terminals may act on. */
	CHECK("\xc2\x9b" "2J", "\\xc2\\x9b2J", 10);
}

static void test_invalid_utf8_escaped_per_byte(void **state)
{
	CHECK("caf\xc3", "caf\\xc3", 7);
	CHECK("\xff\xfe", "\\xff\\xfe", 8);
	CHECK("\xc0\xaf", "\\xc0\\xaf", 8);
	CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80", 12);
	CHECK("\xe2\xc3\xa9", "\\xe2\xc3\xa9", 5);
}

static void test_backslash_doubled(void **state)
{
	/* Otherwise a real "\x1b" in a name would read as an escape. */
	CHECK("a\\x1b", "a\\\\x1b", 6);
}

static void test_stops_at_nul_and_len(void **state)
{
	char comm[16] = "bash";

	check(comm, sizeof(comm), "bash", 4);
	check("abcdef", 2, "ab", 2);
	/* len ends a sequence: the first byte alone is not UTF-8. */
	check("\xc3\xa9", 1, "\\xc3", 4);
}

static void test_small_buffer_cut_at_whole_escape(void **state)
{
	char buf[8];

	memset(buf, 0x55, sizeof(buf));
	/* "\x01" fits (4 + NUL), "\x01\x02" would not. */
	assert_int_equal(safe_text(buf, 6, "\x01\x02", 2), 4);
	assert_string_equal(buf, "\\x01");
	/* A UTF-8 character is not split either. */
	assert_int_equal(safe_text(buf, 3, "a\xc3\xa9", 3), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(safe_text(buf, 1, "abc", 3), 0);
	assert_string_equal(buf, "");
	/* size 0 writes nothing at all. */
	buf[0] = 'z';
	assert_int_equal(safe_text(buf, 0, "abc", 3), 0);
	assert_int_equal(buf[0], 'z');
}

/* The fast path at every offset, and random bytes: both functions agree. */
static void test_put_matches(void **state)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	char in[40], want[256], got[SAFE_TEXT_ROOM(40) + 1], *end;
	size_t want_width, got_width;
	int i, k, len;

	for (i = 0; i < 50000; i++) {
		len = i % (sizeof(in) + 1);
		for (k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[k] = x % 3 ? 0x20 + (x >> 8) % 0x5f : (x >> 16) | 1;
		}
		want_width = safe_text(want, sizeof(want), in, len);
		end = safe_text_put(got, in, len, &got_width);
		*end = '\0';
		assert_string_equal(got, want);
		assert_int_equal(got_width, want_width);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_passes),
		cmocka_unit_test(test_utf8_passes_and_counts_characters),
		cmocka_unit_test(test_terminal_escape_neutralised),
		cmocka_unit_test(test_invalid_utf8_escaped_per_byte),
		cmocka_unit_test(test_backslash_doubled),
		cmocka_unit_test(test_stops_at_nul_and_len),
		cmocka_unit_test(test_small_buffer_cut_at_whole_escape),
		cmocka_unit_test(test_put_matches),
	};

	return cmocka_run_group_tests_name("safe_text", tests, NULL, NULL);
}
