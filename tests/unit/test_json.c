// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "helpers.h"
#include "json.h"

#define FFFD "\xef\xbf\xbd"

static char *to_json(const char *s, size_t len)
{
	struct capture c;

	open_capture(&c);
	json_write_string(c.f, s, len);
	return close_capture(&c);
}

/* Render s[0..len) and compare it with the exact JSON text expected. */
static void check(const char *s, size_t len, const char *expected)
{
	char *out = to_json(s, len);

	assert_string_equal(out, expected);
	free(out);
}

#define CHECK(lit, expected) check(lit, sizeof(lit) - 1, expected)

static void test_plain(void **state)
{
	CHECK("curl", "\"curl\"");
	CHECK("", "\"\"");
	check(NULL, 0, "\"\"");
}

static void test_quote_and_backslash(void **state)
{
	CHECK("a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK("/", "\"/\"");
}

static void test_every_control_byte(void **state)
{
	static const char *const named[] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n",
		['\f'] = "\\f", ['\r'] = "\\r",
	};
	char in[2] = { 0, 0 }, expected[16];
	int c;

	for (c = 1; c < 0x20; c++) {
		in[0] = c;
		if (c < (int)(sizeof(named) / sizeof(named[0])) && named[c])
			snprintf(expected, sizeof(expected), "\"%s\"", named[c]);
		else
			snprintf(expected, sizeof(expected), "\"\\u%04x\"", c);
		check(in, 1, expected);
	}
	CHECK("\x7f", "\"\\u007f\"");
	/* C1 controls are valid UTF-8 but escaped too: same string, no raw CSI. */
	CHECK("\xc2\x9b", "\"\\u009b\"");
	CHECK("\xc2\x80", "\"\\u0080\"");
}

static void test_valid_utf8_passes(void **state)
{
	CHECK("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	CHECK("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	CHECK("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
	CHECK("\xc2\xa0", "\"\xc2\xa0\"");	/* first code point past C1 */
}

static void test_invalid_utf8_replaced_per_byte(void **state)
{
	/* comm is cut byte-wise: "caf" + the first byte of é, or 2 of €. */
	CHECK("caf\xc3", "\"caf" FFFD "\"");
	CHECK("x\xe2\x82", "\"x" FFFD FFFD "\"");
	CHECK("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"");
	CHECK("\x80", "\"" FFFD "\"");
	CHECK("a\xbf\x80z", "\"a" FFFD FFFD "z\"");
	CHECK("\xc0\xaf", "\"" FFFD FFFD "\"");
	CHECK("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xff\xfe", "\"" FFFD FFFD "\"");
	/* A bad byte does not swallow the valid character after it. */
	CHECK("\xe2\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
}

static void test_len_and_nul(void **state)
{
	char comm[16] = "bash";		/* NUL-padded like the kernel's */
	char full[16];

	check(comm, sizeof(comm), "\"bash\"");
	check("abcdef", 3, "\"abc\"");
	CHECK("ab\0cd", "\"ab\"");
	/* No NUL at all: len alone bounds the read. */
	memset(full, 'x', sizeof(full));
	check(full, sizeof(full), "\"xxxxxxxxxxxxxxxx\"");
	/* The NUL ends the string even inside a would-be sequence. */
	CHECK("\xc3\0\xa9", "\"" FFFD "\"");
}

/* jq must accept every output and decode it to what we meant. */
static void check_jq(const char *s, size_t len, const char *decoded)
{
	char *json = to_json(s, len), *out;

	out = run_jq("-j .", json, strlen(json));
	assert_non_null(out);
	assert_string_equal(out, decoded);
	free(out);
	free(json);
}

#define CHECK_JQ(lit, decoded) check_jq(lit, sizeof(lit) - 1, decoded)

static void test_jq_parses_output(void **state)
{
	char all[0x80];
	int i;

	if (!have_jq())
		skip();
	CHECK_JQ("a\"b\\c/d", "a\"b\\c/d");
	CHECK_JQ("\x1b[31m\x7f\t\n", "\x1b[31m\x7f\t\n");
	CHECK_JQ("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	CHECK_JQ("\xc2\x9b", "\xc2\x9b");
	CHECK_JQ("x\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82",
		 "x" FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD);
	/* Every ASCII byte, NUL excluded. */
	for (i = 1; i < 0x80; i++)
		all[i - 1] = i;
	all[0x7f] = '\0';
	check_jq(all, strlen(all), all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quote_and_backslash),
		cmocka_unit_test(test_every_control_byte),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_invalid_utf8_replaced_per_byte),
		cmocka_unit_test(test_len_and_nul),
		cmocka_unit_test(test_jq_parses_output),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
