// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "utf8.h"

static size_t decode(const char *s, size_t len, uint32_t *cp)
{
	*cp = 0xdeadbeef;
	return utf8_decode((const unsigned char *)s, len, cp);
}

static void test_valid_boundaries(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 0x41 },
		{ "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xc3\xa9", 2, 0xe9 },		/* é */
		{ "\xdf\xbf", 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xe2\x82\xac", 3, 0x20ac },		/* € */
		{ "\xed\x9f\xbf", 3, 0xd7ff },		/* just below the surrogates */
		{ "\xee\x80\x80", 3, 0xe000 },		/* just above them */
		{ "\xef\xbf\xbf", 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },	/* 😀 */
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
	};
	size_t i;
	uint32_t cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(decode(cases[i].s, strlen(cases[i].s), &cp),
				 cases[i].len);
		assert_int_equal(cp, cases[i].cp);
	}
}

static void test_decode_stops_at_sequence_end(void **state)
{
	uint32_t cp;

	/* Only the first sequence is consumed, whatever follows. */
	assert_int_equal(decode("\xc3\xa9xyz", 5, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(decode("a\xff", 2, &cp), 1);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"\x80",			/* lone continuation byte */
		"\xbf",
		"\xc0\xaf",		/* overlong '/' */
		"\xc1\xbf",		/* overlong */
		"\xe0\x80\xaf",		/* overlong 3-byte */
		"\xe0\x9f\xbf",		/* overlong, just below U+0800 */
		"\xf0\x80\x80\xaf",	/* overlong 4-byte */
		"\xf0\x8f\xbf\xbf",	/* overlong, just below U+10000 */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xed\xbf\xbf",		/* surrogate U+DFFF */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",	/* old 5-byte form */
		"\xfe",
		"\xff",
		"\xe2\x28\xa1",		/* bad second byte */
		"\xe2\x82\x28",		/* bad third byte */
		"\xf0\x9f\x98\x28",	/* bad fourth byte */
	};
	size_t i;
	uint32_t cp;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(bad[i], strlen(bad[i]), &cp), 0);
}

static void test_truncated(void **state)
{
	uint32_t cp;

	/* The length given, not a NUL, bounds the sequence. */
	assert_int_equal(decode("\xe2\x82\xac", 2, &cp), 0);
	assert_int_equal(decode("\xf0\x9f\x98\x80", 3, &cp), 0);
	assert_int_equal(decode("\xc3\xa9", 1, &cp), 0);
	assert_int_equal(decode("A", 0, &cp), 0);
	/* A NUL is not a continuation byte. */
	assert_int_equal(decode("\xc3\0", 2, &cp), 0);
}

static void test_c1(void **state)
{
	assert_false(utf8_is_c1(0x7f));
	assert_true(utf8_is_c1(0x80));
	assert_true(utf8_is_c1(0x9b));
	assert_true(utf8_is_c1(0x9f));
	assert_false(utf8_is_c1(0xa0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_boundaries),
		cmocka_unit_test(test_decode_stops_at_sequence_end),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_c1),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
