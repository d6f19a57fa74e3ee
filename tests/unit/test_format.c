// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "helpers.h"
#include "format.h"

/* 2026-11-25T12:00:00.123456789Z */
#define T0 (1795608000ULL * 1000000000ULL + 123456789ULL)

static const __u8 lo4[16] = { 127, 0, 0, 1 };
static const __u8 peer4[16] = { 10, 1, 2, 3 };
static const __u8 lo6[16] = { [15] = 1 };
static const __u8 doc6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
	0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78,
};

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static struct event connect4(void)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EVENT_CONNECT;
	ev.proc.mntns_id = 4026531840ULL;
	ev.proc.pid = 1234;
	ev.proc.tid = 1234;
	ev.proc.ppid = 1000;
	ev.proc.fd = 3;
	strcpy(ev.proc.comm, "curl");
	strcpy(ev.proc.pcomm, "bash");
	ev.netns_id = 4026531833U;
	ev.accept_fd = -1;
	ev.family = AF_INET;
	memcpy(ev.saddr, lo4, 4);
	memcpy(ev.daddr, lo4, 4);
	ev.sport = 41234;
	ev.dport = 8080;
	return ev;
}

static struct event accept4(void)
{
	struct event ev = connect4();

	ev.type = EVENT_ACCEPT;
	ev.proc.pid = 900;
	ev.proc.tid = 901;
	ev.proc.ppid = 1;
	ev.proc.uid = 33;
	ev.proc.gid = 34;
	strcpy(ev.proc.comm, "nginx");
	strcpy(ev.proc.pcomm, "systemd");
	ev.sport = 8080;
	ev.dport = 41234;
	ev.accept_fd = 5;
	return ev;
}

static struct event close6(void)
{
	struct event ev = connect4();

	ev.type = EVENT_CLOSE;
	ev.family = AF_INET6;
	memcpy(ev.saddr, lo6, 16);
	memcpy(ev.daddr, doc6, 16);
	ev.proc.fd = -1;
	return ev;
}

static char *json_of(const struct event *ev, __u64 ns)
{
	struct capture c;

	open_capture(&c);
	format_json_event(c.f, ev, ns);
	return close_capture(&c);
}

static char *table_of(const struct event *ev, __u64 ns)
{
	struct capture c;

	open_capture(&c);
	if (ev)
		format_table_event(c.f, ev, ns);
	else
		format_table_header(c.f);
	return close_capture(&c);
}

/* Helpers */

static void test_format_addr(void **state)
{
	char buf[FORMAT_ADDR_LEN], small[8];

	assert_int_equal(format_addr(buf, sizeof(buf), AF_INET, peer4), 0);
	assert_string_equal(buf, "10.1.2.3");
	assert_int_equal(format_addr(buf, sizeof(buf), AF_INET6, lo6), 0);
	assert_string_equal(buf, "::1");
	assert_int_equal(format_addr(buf, sizeof(buf), AF_INET6, doc6), 0);
	assert_string_equal(buf, "2001:db8:1234:5678:9abc:def0:1234:5678");
	assert_int_equal(format_addr(buf, sizeof(buf), 0, lo4), -EAFNOSUPPORT);
	assert_string_equal(buf, "?");
	assert_int_equal(format_addr(small, sizeof(small), AF_INET6, doc6), -ENOSPC);
	assert_string_equal(small, "?");
}

static void test_format_endpoint(void **state)
{
	char buf[FORMAT_ENDPOINT_LEN], small[10];

	assert_int_equal(format_endpoint(buf, sizeof(buf), AF_INET, lo4, 80), 0);
	assert_string_equal(buf, "127.0.0.1:80");
	assert_int_equal(format_endpoint(buf, sizeof(buf), AF_INET6, lo6, 443), 0);
	assert_string_equal(buf, "[::1]:443");
	/* The widest endpoint fits the advertised size. */
	assert_int_equal(format_endpoint(buf, sizeof(buf), AF_INET6, doc6, 65535), 0);
	assert_string_equal(buf, "[2001:db8:1234:5678:9abc:def0:1234:5678]:65535");
	assert_int_equal(format_endpoint(buf, sizeof(buf), 99, lo4, 80), -EAFNOSUPPORT);
	assert_string_equal(buf, "?");
	assert_int_equal(format_endpoint(small, sizeof(small), AF_INET, lo4, 80), -ENOSPC);
	assert_string_equal(small, "?");
}

static void test_format_time_utc(void **state)
{
	char buf[FORMAT_TIME_UTC_LEN];

	set_tz("XYZ-2");	/* a local zone must not leak into UTC */
	assert_int_equal(format_time_utc(buf, sizeof(buf), T0), 0);
	assert_string_equal(buf, "2026-11-25T12:00:00.123456789Z");
	assert_int_equal(format_time_utc(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
	assert_int_equal(format_time_utc(buf, sizeof(buf), 999999999ULL), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.999999999Z");
	assert_int_equal(format_time_utc(buf, 20, T0), -ENOSPC);
	assert_string_equal(buf, "?");
}

static void test_format_time_local(void **state)
{
	char buf[FORMAT_TIME_LOCAL_LEN];

	set_tz("UTC");
	assert_int_equal(format_time_local(buf, sizeof(buf), T0), 0);
	assert_string_equal(buf, "12:00:00.123");
	/* POSIX TZ: XYZ-2 is two hours east of UTC. */
	set_tz("XYZ-2");
	assert_int_equal(format_time_local(buf, sizeof(buf), T0), 0);
	assert_string_equal(buf, "14:00:00.123");
	/* Milliseconds are cut, not rounded up into the next second. */
	set_tz("UTC");
	assert_int_equal(format_time_local(buf, sizeof(buf), 59999999999ULL), 0);
	assert_string_equal(buf, "00:00:59.999");
}

/* JSON */

static void check_json(const struct event *ev, const char *expected)
{
	char *out = json_of(ev, T0), *jq;

	assert_string_equal(out, expected);
	if (have_jq()) {
		jq = run_jq("-e .", out, strlen(out));
		assert_non_null(jq);
		free(jq);
	}
	free(out);
}

static void test_json_connect4(void **state)
{
	struct event ev = connect4();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"type\":\"connect\","
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000}},"
		"\"netns_id\":4026531833,"
		"\"src\":{\"addr\":\"127.0.0.1\",\"port\":41234,\"version\":4,\"proto\":\"TCP\"},"
		"\"dst\":{\"addr\":\"127.0.0.1\",\"port\":8080,\"version\":4,\"proto\":\"TCP\"},"
		"\"error\":\"\",\"fd\":3,\"accept_fd\":-1}\n");
}

static void test_json_accept4(void **state)
{
	struct event ev = accept4();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"type\":\"accept\","
		"\"proc\":{\"comm\":\"nginx\",\"pid\":900,\"tid\":901,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":33,\"gid\":34},\"parent\":{\"comm\":\"systemd\",\"pid\":1}},"
		"\"netns_id\":4026531833,"
		"\"src\":{\"addr\":\"127.0.0.1\",\"port\":8080,\"version\":4,\"proto\":\"TCP\"},"
		"\"dst\":{\"addr\":\"127.0.0.1\",\"port\":41234,\"version\":4,\"proto\":\"TCP\"},"
		"\"error\":\"\",\"fd\":3,\"accept_fd\":5}\n");
}

static void test_json_close6(void **state)
{
	struct event ev = close6();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"type\":\"close\","
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000}},"
		"\"netns_id\":4026531833,"
		"\"src\":{\"addr\":\"::1\",\"port\":41234,\"version\":6,\"proto\":\"TCP\"},"
		"\"dst\":{\"addr\":\"2001:db8:1234:5678:9abc:def0:1234:5678\",\"port\":8080,"
		"\"version\":6,\"proto\":\"TCP\"},"
		"\"error\":\"\",\"fd\":-1,\"accept_fd\":-1}\n");
}

static void test_json_failed_connect6(void **state)
{
	struct event ev = close6();

	ev.type = EVENT_CONNECT;
	ev.error = ECONNREFUSED;
	ev.proc.fd = 7;
	ev.proc.mntns_id = 18446744073709551615ULL;	/* u64 max stays exact */
	ev.netns_id = 4294967295U;
	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"type\":\"connect\","
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,"
		"\"mntns_id\":18446744073709551615,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000}},"
		"\"netns_id\":4294967295,"
		"\"src\":{\"addr\":\"::1\",\"port\":41234,\"version\":6,\"proto\":\"TCP\"},"
		"\"dst\":{\"addr\":\"2001:db8:1234:5678:9abc:def0:1234:5678\",\"port\":8080,"
		"\"version\":6,\"proto\":\"TCP\"},"
		"\"error\":\"ECONNREFUSED\",\"fd\":7,\"accept_fd\":-1}\n");
}

static void test_json_hostile_comm_and_unknown_errno(void **state)
{
	struct event ev = connect4();
	char *out, *jq;

	/* Full 16 bytes, no NUL: a torn sample must not run into pcomm. */
	memcpy(ev.proc.comm, "\x1b[31m\"\\caf\xc3\xa9\xff!\xe2\x82", 16);
	ev.error = 4000;
	out = json_of(&ev, T0);
	assert_non_null(strstr(out,
		"\"comm\":\"\\u001b[31m\\\"\\\\caf\xc3\xa9\xef\xbf\xbd!"
		"\xef\xbf\xbd\xef\xbf\xbd\",\"pid\""));
	assert_non_null(strstr(out, "\"error\":\"E4000\""));
	assert_null(strchr(out, '\x1b'));
	if (have_jq()) {
		jq = run_jq("-j '.proc.comm, \" \", .error'", out, strlen(out));
		assert_non_null(jq);
		assert_string_equal(jq, "\x1b[31m\"\\caf\xc3\xa9\xef\xbf\xbd!"
				    "\xef\xbf\xbd\xef\xbf\xbd E4000");
		free(jq);
	}
	free(out);
}

/* Table */

#define MAX_COLS 16

struct col_pos {
	int n;
	size_t start[MAX_COLS], end[MAX_COLS];	/* in characters */
};

/* Blank-separated cells of a line, positions counted in characters. */
static struct col_pos columns_of(const char *line)
{
	struct col_pos p = { 0 };
	size_t ch = 0;
	bool in_cell = false;
	const unsigned char *s;

	for (s = (const unsigned char *)line; *s && *s != '\n'; s++) {
		if ((*s & 0xc0) == 0x80)
			continue;	/* continuation byte: same character */
		if (*s != ' ' && !in_cell) {
			assert_true(p.n < MAX_COLS);
			p.start[p.n] = ch;
			in_cell = true;
		} else if (*s == ' ' && in_cell) {
			p.end[p.n++] = ch;
			in_cell = false;
		}
		ch++;
	}
	if (in_cell)
		p.end[p.n++] = ch;
	return p;
}

static const char expected_header[] =
	"TIME         TYPE        PID     TID COMM            IP SRC                   DST                   FD      ERROR\n";

static void test_table_header(void **state)
{
	char *out = table_of(NULL, 0);

	assert_string_equal(out, expected_header);
	free(out);
}

static void test_table_row_exact(void **state)
{
	struct event ev = connect4();
	char *out;

	set_tz("UTC");
	out = table_of(&ev, T0);
	assert_string_equal(out,
		"12:00:00.123 connect    1234    1234 curl            4  127.0.0.1:41234       127.0.0.1:8080        3       -\n");
	free(out);
}

/*
 * What a reader sees: under each header, the value starts where the name
 * starts (left-aligned columns) or ends where it ends (PID, TID).
 */
static void check_aligned(const struct event *ev)
{
	static const bool right[] = { [2] = true, [3] = true };
	struct col_pos hdr = columns_of(expected_header), row;
	char *out = table_of(ev, T0);
	int i;

	row = columns_of(out);
	assert_int_equal(row.n, hdr.n);
	for (i = 0; i < hdr.n; i++) {
		if (i < (int)sizeof(right) && right[i])
			assert_int_equal(row.end[i], hdr.end[i]);
		else
			assert_int_equal(row.start[i], hdr.start[i]);
	}
	free(out);
}

static void test_table_rows_aligned(void **state)
{
	struct event ev = connect4();

	set_tz("UTC");
	check_aligned(&ev);
	ev = accept4();
	check_aligned(&ev);
	ev = connect4();
	ev.type = EVENT_CLOSE;
	check_aligned(&ev);
	ev = connect4();
	ev.error = ECONNREFUSED;
	ev.proc.pid = 4194304;		/* the largest pid_max */
	ev.proc.tid = 7;
	memcpy(ev.saddr, (__u8[]){ 192, 168, 100, 200 }, 4);
	memcpy(ev.daddr, (__u8[]){ 255, 255, 255, 255 }, 4);
	ev.sport = 65535;
	ev.dport = 65535;
	check_aligned(&ev);
	/* Width counts characters: "café" is 5 bytes but 4 columns. */
	strcpy(ev.proc.comm, "caf\xc3\xa9");
	check_aligned(&ev);
}

static void test_table_cells(void **state)
{
	struct event ev = accept4();
	char *out;

	set_tz("UTC");
	out = table_of(&ev, T0);
	assert_non_null(strstr(out, " accept "));
	assert_non_null(strstr(out, " 3>5 "));
	free(out);

	ev = connect4();
	ev.type = EVENT_CLOSE;
	ev.error = 0;
	out = table_of(&ev, T0);
	assert_non_null(strstr(out, ":8080        -       -\n"));
	free(out);

	ev = connect4();
	ev.error = ETIMEDOUT;
	ev.proc.fd = -1;
	out = table_of(&ev, T0);
	assert_non_null(strstr(out, " ?       ETIMEDOUT\n"));
	free(out);
}

static void test_table_ipv6_not_truncated(void **state)
{
	struct event ev = close6();
	struct col_pos row;
	char *out;

	ev.type = EVENT_CONNECT;
	ev.proc.fd = 4;
	ev.error = EHOSTUNREACH;
	out = table_of(&ev, T0);
	assert_non_null(strstr(out, " 6  [::1]:41234 "));
	assert_non_null(strstr(out,
		" [2001:db8:1234:5678:9abc:def0:1234:5678]:8080 4 EHOSTUNREACH\n"));
	row = columns_of(out);
	assert_int_equal(row.n, columns_of(expected_header).n);
	free(out);
}

static void test_table_hostile_comm(void **state)
{
	struct event ev = connect4();
	const unsigned char *p;
	char *out;

	/* Full 16 bytes: SGR escape, C1 CSI, invalid UTF-8, no NUL. */
	memcpy(ev.proc.comm, "\x1b[31m\xc2\x9b\xff\xc3\xa9\x7f\t\n!\xe2\x82", 16);
	out = table_of(&ev, T0);
	for (p = (const unsigned char *)out; *p; p++) {
		if (*p == '\n')
			assert_int_equal(p[1], '\0');
		else
			assert_true(*p >= 0x20 && *p != 0x7f);
	}
	assert_null(strstr(out, "\xc2\x9b"));
	assert_non_null(strstr(out,
		" \\x1b[31m\\xc2\\x9b\\xff\xc3\xa9\\x7f\\x09\\x0a!\\xe2\\x82 4 127.0.0.1:41234 "));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_format_endpoint),
		cmocka_unit_test(test_format_time_utc),
		cmocka_unit_test(test_format_time_local),
		cmocka_unit_test(test_json_connect4),
		cmocka_unit_test(test_json_accept4),
		cmocka_unit_test(test_json_close6),
		cmocka_unit_test(test_json_failed_connect6),
		cmocka_unit_test(test_json_hostile_comm_and_unknown_errno),
		cmocka_unit_test(test_table_header),
		cmocka_unit_test(test_table_row_exact),
		cmocka_unit_test(test_table_rows_aligned),
		cmocka_unit_test(test_table_cells),
		cmocka_unit_test(test_table_ipv6_not_truncated),
		cmocka_unit_test(test_table_hostile_comm),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
