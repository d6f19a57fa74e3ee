// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "helpers.h"
#include "json.h"
#include "text_scan.h"
#include "utf8.h"

#define FFFD "\xef\xbf\xbd"

/* json_put_string() writes the inside of a string: the quotes are the caller's. */
static char *to_json(const char *s, size_t len)
{
	char *out = malloc(JSON_STRING_ROOM(len) + 3), *end;

	assert_non_null(out);
	out[0] = '"';
	end = json_put_string(out + 1, s, len);
	assert_true(end - (out + 1) <= (ptrdiff_t)(6 * len));
	end[0] = '"';
	end[1] = '\0';
	return out;
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

/* The fast path (16 bytes at a time) at every offset of a longer string. */
static void test_long_strings(void **state)
{
	char in[80], want[16 * 80], *out;
	int i, at;

	for (at = 0; at < 40; at++) {
		memset(in, 'a', sizeof(in));
		in[at] = '"';
		in[at + 20] = '\x01';
		memcpy(in + at + 30, "\xc3\xa9", 2);
		in[sizeof(in) - 1] = 'z';
		snprintf(want, sizeof(want), "\"%.*s\\\"%.19s\\u0001%.9s\xc3\xa9%.*sz\"",
			 at, in, in + at + 1, in + at + 21, (int)sizeof(in) - at - 33, in + at + 32);
		out = to_json(in, sizeof(in));
		assert_string_equal(out, want);
		free(out);
	}
	/* A NUL in the middle of a block ends the string there. */
	memset(in, 'b', sizeof(in));
	for (i = 0; i < 40; i++) {
		in[i] = '\0';
		out = to_json(in, sizeof(in));
		snprintf(want, sizeof(want), "\"%.*s\"", i, in);
		assert_string_equal(out, want);
		free(out);
		in[i] = 'b';
	}
}

/* What each byte needs, the slow way: the reference for both scans. */
static unsigned int special_ref(const unsigned char *s, unsigned char a, unsigned char b)
{
	unsigned int mask = 0, i;

	for (i = 0; i < 16; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == a || s[i] == b)
			mask |= 1u << i;
	return mask;
}

static void test_scan_portable_and_sse(void **state)
{
	unsigned long long x = 88172645463325252ULL;
	unsigned char s[16];
	int i, k;

	for (i = 0; i < 200000; i++) {
		for (k = 0; k < 16; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly printable, with every byte value now and then. */
			s[k] = x % 4 ? 0x20 + (x >> 8) % 0x5f : x >> 16;
		}
		assert_int_equal(scan_special16_swar(s, '"', '\\'), special_ref(s, '"', '\\'));
		assert_int_equal(scan_special16(s, '"', '\\'), special_ref(s, '"', '\\'));
		assert_int_equal(scan_special16_swar(s, '\\', '\\'), special_ref(s, '\\', '\\'));
	}
	/* Each byte value in each place. */
	for (k = 0; k < 16; k++) {
		for (i = 0; i < 256; i++) {
			memset(s, 'x', sizeof(s));
			s[k] = i;
			assert_int_equal(scan_special16_swar(s, '"', '\\'), special_ref(s, '"', '\\'));
			assert_int_equal(scan_special16(s, '"', '\\'), special_ref(s, '"', '\\'));
		}
	}
}

/* Random bytes: the output is always what a byte-by-byte writer makes. */
static char *json_ref(const unsigned char *s, size_t len, char *p)
{
	uint32_t cp;
	size_t i = 0, n;

	while (i < len && s[i]) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			p += sprintf(p, "\xef\xbf\xbd");
			n = 1;
		} else if (cp == '"' || cp == '\\') {
			p += sprintf(p, "\\%c", (char)cp);
		} else if (cp == '\b') {
			p += sprintf(p, "\\b");
		} else if (cp == '\f') {
			p += sprintf(p, "\\f");
		} else if (cp == '\n') {
			p += sprintf(p, "\\n");
		} else if (cp == '\r') {
			p += sprintf(p, "\\r");
		} else if (cp == '\t') {
			p += sprintf(p, "\\t");
		} else if (cp < 0x20 || cp == 0x7f || utf8_is_c1(cp)) {
			p += sprintf(p, "\\u%04x", (unsigned int)cp);
		} else {
			memcpy(p, s + i, n);
			p += n;
		}
		i += n;
	}
	*p = '\0';
	return p;
}

static void test_random_bytes(void **state)
{
	unsigned long long x = 0x2545f4914f6cdd1dULL;
	unsigned char in[48];
	char want[6 * sizeof(in) + 1], *out;
	int i, k, len;

	for (i = 0; i < 50000; i++) {
		len = i % (sizeof(in) + 1);
		for (k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[k] = x % 3 ? 0x20 + (x >> 8) % 0x5f : (x >> 16) | 1;
		}
		json_ref(in, len, want);
		out = to_json((const char *)in, len);
		out[strlen(out) - 1] = '\0';
		assert_string_equal(out + 1, want);
		free(out);
	}
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
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_scan_portable_and_sse),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
