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
#include "fields.h"
#include "json_writer.h"
#include "outbuf.h"
#include "table_writer.h"

/* 2026-11-25T12:00:00.123456789Z */
#define T0 (1795608000ULL * 1000000000ULL + 123456789ULL)


/* A host process's cgroup part, unnamed, without --node. */
#define NO_CONTAINER "\"cgroup\":{\"id\":0,\"path\":\"\"},\"container\":{\"id\":\"\"," \
	"\"runtime\":\"\"},\"k8s\":{\"pod_uid\":\"\",\"qos\":\"\"},\"node\":\"\","

/* The end of a line whose precision fields (sock_id...) are all unset. */
#define NO_PRECISION ",\"sock_id\":0,\"ipv4_mapped\":false,\"latency_ns\":0," \
	"\"syn_retrans\":0,\"duration_ns\":0,\"bytes_sent\":0,\"bytes_received\":0," \
	"\"retransmits\":0,\"srtt_us\":0,\"closed_by\":\"\"}\n"
static const __u8 lo4[16] = { 127, 0, 0, 1 };
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

static struct json_writer jw;
static struct table_writer tw;

/* What a writer appended, as a string; the buffer is never flushed. */
static char *taken(struct outbuf *ob)
{
	char *out = malloc(ob->len + 1);

	assert_non_null(out);
	memcpy(out, ob->data, ob->len);
	out[ob->len] = '\0';
	outbuf_free(ob);
	return out;
}

/* writers_init(ALL_FIELDS): every field, hidden columns shown too. */
static const char ALL_FIELDS[] = "";

static void writers_init(const char *list)
{
	struct field_set set;

	assert_int_equal(fields_select(&set, list == ALL_FIELDS ? NULL : list), 0);
	json_writer_free(&jw);
	table_writer_free(&tw);
	assert_int_equal(json_writer_init(&jw, &set), 0);
	/* The table's own default: its columns shown unless asked for. */
	if (!list)
		assert_int_equal(fields_select_columns(&set, false, false), 0);
	assert_int_equal(table_writer_init(&tw, &set), 0);
}

static char *json_of(const struct event *ev, __u64 ns)
{
	struct record rec = { .ev = *ev, .realtime_ns = ns };
	struct outbuf ob;

	assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
	json_write(&jw, &rec, &ob);
	return taken(&ob);
}

static char *row_of(const struct event *ev, __u64 ns)
{
	struct record rec = { .ev = *ev, .realtime_ns = ns };
	struct outbuf ob;

	assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
	table_write(&tw, &rec, &ob);
	return taken(&ob);
}

/* A new table writer: its time cache reads the zone the test just set. */
static char *table_of(const struct event *ev, __u64 ns)
{
	struct outbuf ob;

	writers_init(NULL);
	if (ev)
		return row_of(ev, ns);
	assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
	table_write_header(&tw, &ob);
	return taken(&ob);
}

static int setup(void **state)
{
	writers_init(NULL);
	return 0;
}

static int teardown(void **state)
{
	json_writer_free(&jw);
	table_writer_free(&tw);
	return 0;
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
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"connect\",\"type_raw\":0,"
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"127.0.0.1\",\"port\":41234,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"127.0.0.1\",\"port\":8080,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"\",\"error_raw\":0,\"fd\":3,\"accept_fd\":-1" NO_PRECISION);
}

static void test_json_accept4(void **state)
{
	struct event ev = accept4();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"accept\",\"type_raw\":1,"
		"\"proc\":{\"comm\":\"nginx\",\"pid\":900,\"tid\":901,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":33,\"gid\":34},\"parent\":{\"comm\":\"systemd\",\"pid\":1,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"127.0.0.1\",\"port\":8080,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"127.0.0.1\",\"port\":41234,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"\",\"error_raw\":0,\"fd\":3,\"accept_fd\":5" NO_PRECISION);
}

static void test_json_close6(void **state)
{
	struct event ev = close6();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"close\",\"type_raw\":2,"
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"::1\",\"port\":41234,\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"2001:db8:1234:5678:9abc:def0:1234:5678\",\"port\":8080,"
		"\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"\",\"error_raw\":0,\"fd\":-1,\"accept_fd\":-1" NO_PRECISION);
}

/*
 * What a connect and a close say of the connection (fields_select picks
 * them). The kernel zeroes the fields another type does not have, and the
 * writer's per-type templates print those as constants.
 */
static void test_json_precision(void **state)
{
	static const char *const by[] = { "", "local", "peer", "reset" };
	struct event ev = close6();
	char want[320];
	char *out;
	int i;

	writers_init("type,sock_id,ipv4_mapped,latency_ns,syn_retrans,duration_ns,"
		     "bytes_sent,bytes_received,retransmits,srtt_us,closed_by");
	ev.sock_id = 18446744073709551615ULL;
	ev.flags = EVENT_F_IPV4_MAPPED;
	ev.duration_ns = 123456789012ULL;
	ev.bytes_sent = 4294967296ULL;
	ev.bytes_received = 7;
	ev.retransmits = 4294967295U;
	ev.srtt_us = 31;
	for (i = 0; i <= 4; i++) {
		ev.closed_by = i;
		snprintf(want, sizeof(want),
			 "{\"type\":\"close\",\"sock_id\":18446744073709551615,\"ipv4_mapped\":true,"
			 "\"latency_ns\":0,\"syn_retrans\":0,\"duration_ns\":123456789012,"
			 "\"bytes_sent\":4294967296,\"bytes_received\":7,\"retransmits\":4294967295,"
			 "\"srtt_us\":31,\"closed_by\":\"%s\"}\n", i < 4 ? by[i] : "");
		out = json_of(&ev, T0);
		assert_string_equal(out, want);
		free(out);
	}
	ev = connect4();
	ev.sock_id = 5;
	ev.latency_ns = 1000000007;
	ev.syn_retrans = 2;
	/* Other flag bits are not ipv4_mapped. */
	ev.flags = (__u16)~EVENT_F_IPV4_MAPPED;
	out = json_of(&ev, T0);
	assert_string_equal(out,
		"{\"type\":\"connect\",\"sock_id\":5,\"ipv4_mapped\":false,"
		"\"latency_ns\":1000000007,\"syn_retrans\":2,\"duration_ns\":0,"
		"\"bytes_sent\":0,\"bytes_received\":0,\"retransmits\":0,"
		"\"srtt_us\":0,\"closed_by\":\"\"}\n");
	free(out);
	writers_init(NULL);
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
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"connect\",\"type_raw\":0,"
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,"
		"\"mntns_id\":18446744073709551615,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4294967295," NO_CONTAINER
		"\"src\":{\"addr\":\"::1\",\"port\":41234,\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"2001:db8:1234:5678:9abc:def0:1234:5678\",\"port\":8080,"
		"\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"ECONNREFUSED\",\"error_raw\":111,\"fd\":7,\"accept_fd\":-1" NO_PRECISION);
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
	assert_non_null(strstr(out, "\"error\":\"error#4000\""));
	assert_null(strchr(out, '\x1b'));
	if (have_jq()) {
		jq = run_jq("-j '.proc.comm, \" \", .error'", out, strlen(out));
		assert_non_null(jq);
		assert_string_equal(jq, "\x1b[31m\"\\caf\xc3\xa9\xef\xbf\xbd!"
				    "\xef\xbf\xbd\xef\xbf\xbd error#4000");
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

/* An empty text cell (a host process's CONTAINER) says "-": a row splits
 * into as many words as the header, as awk reads it. */
static int word_index(char *line, const char *want, int *count)
{
	char *word, *save = NULL;
	int at = -1;

	*count = 0;
	for (word = strtok_r(line, " \n", &save); word; word = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(word, want))
			at = *count;
		++*count;
	}
	return at;
}

static void test_table_empty_text_cell(void **state)
{
	struct event ev = connect4();
	struct outbuf ob;
	char *header, *row;
	int col, n_header, n_row;

	writers_init("type,container.id,proc.pid");
	assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
	table_write_header(&tw, &ob);
	header = taken(&ob);
	row = row_of(&ev, T0);
	col = word_index(header, "CONTAINER", &n_header);
	assert_true(col >= 0);
	assert_int_equal(word_index(row, "-", &n_row), col);
	assert_int_equal(n_row, n_header);
	free(header);
	free(row);
	writers_init(NULL);
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

/* Golden lines, from the stdio formatter this one replaced (57ae271). */

static struct event mapped_accept(void)
{
	struct event ev = connect4();

	ev.family = AF_INET6;
	memset(ev.saddr, 0, 16);
	memset(ev.daddr, 0, 16);
	ev.saddr[10] = ev.saddr[11] = 0xff;
	memcpy(ev.saddr + 12, (__u8[]){ 192, 168, 1, 20 }, 4);
	ev.daddr[10] = ev.daddr[11] = 0xff;
	memcpy(ev.daddr + 12, (__u8[]){ 10, 0, 0, 7 }, 4);
	ev.type = EVENT_ACCEPT;
	ev.accept_fd = 12;
	ev.proc.uid = 1000;
	ev.proc.gid = 1000;
	return ev;
}

static struct event unknown_family_close(void)
{
	struct event ev = connect4();

	ev.family = 0;
	ev.type = EVENT_CLOSE;
	ev.proc.fd = -1;
	return ev;
}

static struct event hostile_both(void)
{
	struct event ev = connect4();

	memcpy(ev.proc.comm, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 15);
	memcpy(ev.proc.pcomm, "\x7f\xc2\x9b\"\\/\xf0\x9f\x98\x80\xed\xa0\x80z", 15);
	ev.proc.pid = 4194304;
	ev.proc.tid = 4194303;
	ev.error = 4000;
	return ev;
}

static void test_json_golden(void **state)
{
	struct event ev = mapped_accept();

	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"accept\",\"type_raw\":1,"
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":1000,\"gid\":1000},\"parent\":{\"comm\":\"bash\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"::ffff:192.168.1.20\",\"port\":41234,\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"::ffff:10.0.0.7\",\"port\":8080,\"version\":6,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"\",\"error_raw\":0,\"fd\":3,\"accept_fd\":12" NO_PRECISION);
	ev = unknown_family_close();
	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"close\",\"type_raw\":2,"
		"\"proc\":{\"comm\":\"curl\",\"pid\":1234,\"tid\":1234,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"bash\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"?\",\"port\":41234,\"version\":0,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"?\",\"port\":8080,\"version\":0,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"\",\"error_raw\":0,\"fd\":-1,\"accept_fd\":-1" NO_PRECISION);
	ev = hostile_both();
	check_json(&ev,
		"{\"timestamp\":\"2026-11-25T12:00:00.123456789Z\",\"timestamp_raw\":1795608000123456789,\"type\":\"connect\",\"type_raw\":0,"
		"\"proc\":{\"comm\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
		"\\u000b\\f\\r\\u000e\\u000f\",\"pid\":4194304,\"tid\":4194303,\"mntns_id\":4026531840,"
		"\"creds\":{\"uid\":0,\"gid\":0},\"parent\":{\"comm\":\"\\u007f\\u009b\\\"\\\\/"
		"\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\",\"pid\":1000,\"tid\":0}},"
		"\"netns_id\":4026531833," NO_CONTAINER
		"\"src\":{\"addr\":\"127.0.0.1\",\"port\":41234,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"dst\":{\"addr\":\"127.0.0.1\",\"port\":8080,\"version\":4,\"proto\":\"TCP\",\"proto_raw\":6},"
		"\"error\":\"error#4000\",\"error_raw\":4000,\"fd\":3,\"accept_fd\":-1" NO_PRECISION);
}

static void test_table_golden(void **state)
{
	struct event ev = mapped_accept();
	char *out;

	set_tz("UTC");
	out = table_of(&ev, T0);
	assert_string_equal(out,
		"12:00:00.123 accept     1234    1234 curl            6  "
		"[::ffff:192.168.1.20]:41234 [::ffff:10.0.0.7]:8080 3>12 -\n");
	free(out);
	ev = unknown_family_close();
	out = table_of(&ev, T0);
	assert_string_equal(out,
		"12:00:00.123 close      1234    1234 curl            ?  ?                     "
		"?                     -       -\n");
	free(out);
	ev = hostile_both();
	out = table_of(&ev, T0);
	assert_string_equal(out,
		"12:00:00.123 connect 4194304 4194303 \\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08"
		"\\x09\\x0a\\x0b\\x0c\\x0d\\x0e\\x0f 4 127.0.0.1:41234 127.0.0.1:8080 3 error#4000\n");
	free(out);
}

/*
 * The process's fields come from a cache once seen: whatever the order of
 * events, a warm writer writes what a new one (all misses) does, and any
 * change in any of them shows at once.
 */
static unsigned long long cache_rand = 0x2545f4914f6cdd1dULL;

static unsigned int rnd(void)
{
	cache_rand ^= cache_rand << 13;
	cache_rand ^= cache_rand >> 7;
	cache_rand ^= cache_rand << 17;
	return cache_rand >> 32;
}

static struct event varied_event(void)
{
	static const char *const comms[] = { "curl", "nginx", "\x1b[1mbold", "caf\xc3\xa9", "a-very-long-name" };
	struct event ev = rnd() % 2 ? connect4() : close6();
	unsigned int who = rnd() % 5;

	ev.type = 1 + rnd() % 3;
	ev.proc.pid = 100 + who * (rnd() % 2 ? 1 : 100000);
	ev.proc.tid = ev.proc.pid + rnd() % 2;
	ev.proc.uid = rnd() % 4 ? 0 : 1000;	/* setuid: same process, new uid */
	ev.proc.gid = ev.proc.uid;
	memset(ev.proc.comm, 0, sizeof(ev.proc.comm));
	strncpy(ev.proc.comm, comms[(who + (rnd() % 8 == 0)) % 5], 15);	/* and exec */
	ev.proc.ppid = rnd() % 8 ? 1 : 2;
	ev.proc.mntns_id = 4026531840ULL + (rnd() % 8 == 0);
	ev.netns_id = 4026531833U + (rnd() % 8 == 0);
	ev.proc.fd = (int)(rnd() % 70) - 1;
	ev.accept_fd = (int)(rnd() % 70) - 1;
	ev.error = rnd() % 4 ? 0 : ECONNREFUSED;
	ev.sport = rnd();
	if (rnd() % 10 == 0)
		ev.family = 0;
	return ev;
}

static void test_cache_hits_match_misses(void **state)
{
	static struct json_writer cold_jw;
	static struct table_writer cold_tw;
	struct field_set set;
	struct outbuf ob;
	struct record rec;
	char *warm, *cold;
	int i;

	set_tz("UTC");
	/* Every field, and every column, hidden ones included. */
	writers_init(ALL_FIELDS);
	assert_int_equal(fields_select(&set, NULL), 0);
	memset(&rec, 0, sizeof(rec));
	for (i = 0; i < 5000; i++) {
		rec.ev = varied_event();
		rec.realtime_ns = T0 + i * 1000000ULL;
		assert_int_equal(json_writer_init(&cold_jw, &set), 0);
		assert_int_equal(table_writer_init(&cold_tw, &set), 0);

		warm = json_of(&rec.ev, rec.realtime_ns);
		assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
		json_write(&cold_jw, &rec, &ob);
		cold = taken(&ob);
		assert_string_equal(warm, cold);
		free(warm);
		free(cold);

		warm = row_of(&rec.ev, rec.realtime_ns);
		assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
		table_write(&cold_tw, &rec, &ob);
		cold = taken(&ob);
		assert_string_equal(warm, cold);
		free(warm);
		free(cold);

		json_writer_free(&cold_jw);
		table_writer_free(&cold_tw);
	}
}

/* Any choice of fields: objects grouped, literals of any length, still valid JSON. */
static void test_field_subsets(void **state)
{
	struct event ev = connect4();
	char *out, *jq;

	writers_init("proc.pid,type,proc.comm");
	out = json_of(&ev, T0);
	assert_string_equal(out, "{\"proc\":{\"pid\":1234,\"comm\":\"curl\"},\"type\":\"connect\"}\n");
	free(out);
	out = row_of(&ev, T0);
	assert_string_equal(out, "connect    1234 curl\n");
	free(out);

	/* A literal longer than a block (37 bytes) between two values. */
	writers_init("proc.creds.uid,dst.proto,accept_fd");
	out = json_of(&ev, T0);
	assert_string_equal(out,
		"{\"proc\":{\"creds\":{\"uid\":0}},\"dst\":{\"proto\":\"TCP\"},\"accept_fd\":-1}\n");
	free(out);
	out = row_of(&ev, T0);
	assert_string_equal(out, "     0\n");	/* the UID column alone */
	free(out);
	writers_init("dst.proto,accept_fd");
	out = row_of(&ev, T0);
	assert_string_equal(out, "\n");	/* no column: empty lines */
	free(out);

	/* Constants only: one literal, no value. */
	writers_init("src.proto");
	out = json_of(&ev, T0);
	assert_string_equal(out, "{\"src\":{\"proto\":\"TCP\"}}\n");
	free(out);

	/* Every field, reversed: the objects still come out whole, once each. */
	writers_init("accept_fd,fd,error,dst.proto,dst.version,dst.port,dst.addr,src.proto,"
		     "src.version,src.port,src.addr,netns_id,proc.parent.pid,proc.parent.comm,"
		     "proc.creds.gid,proc.creds.uid,proc.mntns_id,proc.tid,proc.pid,proc.comm,"
		     "type,timestamp");
	ev = close6();
	out = json_of(&ev, T0);
	assert_string_equal(out,
		"{\"accept_fd\":-1,\"fd\":-1,\"error\":\"\","
		"\"dst\":{\"proto\":\"TCP\",\"version\":6,\"port\":8080,"
		"\"addr\":\"2001:db8:1234:5678:9abc:def0:1234:5678\"},"
		"\"src\":{\"proto\":\"TCP\",\"version\":6,\"port\":41234,\"addr\":\"::1\"},"
		"\"netns_id\":4026531833,\"proc\":{\"parent\":{\"pid\":1000,\"comm\":\"bash\"},"
		"\"creds\":{\"gid\":0,\"uid\":0},\"mntns_id\":4026531840,\"tid\":1234,\"pid\":1234,"
		"\"comm\":\"curl\"},\"type\":\"close\","
		"\"timestamp\":\"2026-11-25T12:00:00.123456789Z\"}\n");
	if (have_jq()) {
		jq = run_jq("-e .", out, strlen(out));
		assert_non_null(jq);
		free(jq);
	}
	free(out);
	/* The table keeps its own order whatever the list's, and shows the
	 * hidden columns asked for. */
	set_tz("UTC");
	out = row_of(&ev, T0);
	assert_string_equal(out,
		"12:00:00.123 close        0    1234    1234 curl            6  [::1]:41234           "
		"[2001:db8:1234:5678:9abc:def0:1234:5678]:8080 - - 4026531840 0  1000 bash            "
		"4026531833\n");
	free(out);
	writers_init(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_connect4),
		cmocka_unit_test(test_json_accept4),
		cmocka_unit_test(test_json_close6),
		cmocka_unit_test(test_json_precision),
		cmocka_unit_test(test_json_failed_connect6),
		cmocka_unit_test(test_json_hostile_comm_and_unknown_errno),
		cmocka_unit_test(test_table_header),
		cmocka_unit_test(test_table_row_exact),
		cmocka_unit_test(test_table_rows_aligned),
		cmocka_unit_test(test_table_cells),
		cmocka_unit_test(test_table_ipv6_not_truncated),
		cmocka_unit_test(test_table_empty_text_cell),
		cmocka_unit_test(test_table_hostile_comm),
		cmocka_unit_test(test_json_golden),
		cmocka_unit_test(test_table_golden),
		cmocka_unit_test(test_cache_hits_match_misses),
		cmocka_unit_test(test_field_subsets),
	};

	return cmocka_run_group_tests_name("format", tests, setup, teardown);
}
