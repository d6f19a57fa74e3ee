// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "helpers.h"
#include "options.h"

/* argv as main() gets it; the program name is not "tcptrace" on purpose. */
#define ARGV(...) ((char *[]){ "./build/tcptrace", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(char *)) - 1)

#define PARSE_OK(o, ...) parse_ok(o, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))
#define PARSE_ERR(line, ...) parse_err(line, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

/* options_parse() with fd 2 sent to a file; returns its rc, *err what it printed. */
static int parse_capture(struct options *opts, int argc, char **argv,
			 char *err, size_t size)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	rc = options_parse(argc, argv, opts);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, size - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return rc;
}

static void parse_ok(struct options *opts, int argc, char **argv)
{
	char err[1024];

	assert_int_equal(parse_capture(opts, argc, argv, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* The user sees exactly this one line on stderr, and the parse fails. */
static void parse_err(const char *line, int argc, char **argv)
{
	struct options opts;
	char err[1024];

	assert_int_equal(parse_capture(&opts, argc, argv, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(count_char(err, strlen(err), '\n'), 1);
	assert_string_equal(err, line);
}

static void assert_defaults(const struct options *o)
{
	assert_false(o->json);
	assert_false(o->verbose);
	assert_false(o->failure_only);
	assert_int_equal(o->type_mask, TYPE_MASK_ALL);
	assert_int_equal(o->family, 0);
	assert_int_equal(o->pid, 0);
	assert_int_equal(o->uid, -1);
	assert_string_equal(o->comm, "");
	assert_int_equal(o->mntns_count, 0);
	assert_null(o->mntns_map_path);
	assert_true(o->timeout_s == 0);
	assert_int_equal(o->backend, BACKEND_AUTO);
	assert_int_equal(o->transport, TRANSPORT_AUTO);
	assert_false(o->list_fields);
}

static void test_defaults(void **state)
{
	char *argv[] = { "tcptrace", NULL };
	struct options o;
	char err[64];

	memset(&o, 0xff, sizeof(o));
	assert_int_equal(parse_capture(&o, 1, argv, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_defaults(&o);
}

static void test_output_flags(void **state)
{
	struct options o;

	PARSE_OK(&o, "-j");
	assert_true(o.json);
	PARSE_OK(&o, "--json", "--verbose");
	assert_true(o.json);
	assert_true(o.verbose);
	PARSE_OK(&o, "-v");
	assert_true(o.verbose);
	assert_false(o.json);
	PARSE_OK(&o, "-jv4");		/* clustered short options */
	assert_true(o.json && o.verbose);
	assert_int_equal(o.family, AF_INET);
}

static void test_type_flags(void **state)
{
	struct options o;

	PARSE_OK(&o, "--connect-only");
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_CONNECT));
	assert_false(o.failure_only);
	PARSE_OK(&o, "--accept-only");
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_ACCEPT));
	assert_false(o.failure_only);
	PARSE_OK(&o, "--failure-only");
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_CONNECT));
	assert_true(o.failure_only);
	/* Agreeing flags are fine. */
	PARSE_OK(&o, "--failure-only", "--connect-only");
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_CONNECT));
	assert_true(o.failure_only);
}

static void test_type_conflicts(void **state)
{
	PARSE_ERR("tcptrace: --connect-only and --accept-only are mutually exclusive\n",
		  "--connect-only", "--accept-only");
	PARSE_ERR("tcptrace: --connect-only and --accept-only are mutually exclusive\n",
		  "--accept-only", "--connect-only");
	PARSE_ERR("tcptrace: --failure-only and --accept-only are mutually exclusive\n",
		  "--failure-only", "--accept-only");
}

static void test_pid(void **state)
{
	struct options o;

	PARSE_OK(&o, "-p", "1");
	assert_int_equal(o.pid, 1);
	PARSE_OK(&o, "--pid", "4194304");
	assert_int_equal(o.pid, 4194304);
	PARSE_OK(&o, "--pid=2147483647");
	assert_int_equal(o.pid, 2147483647);
	PARSE_OK(&o, "-p007");
	assert_int_equal(o.pid, 7);
	/* The last one given wins, as with most tools. */
	PARSE_OK(&o, "-p", "5", "-p", "6");
	assert_int_equal(o.pid, 6);
}

static void test_pid_errors(void **state)
{
	static const char *const bad[] = { "abc", "0", "-1", "+5", " 5", "5 ", "5x", "", "0x10", "1.5" };
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line),
			 "tcptrace: invalid --pid '%s': expected a positive integer\n",
			 bad[i]);
		PARSE_ERR(line, "--pid", (char *)bad[i]);
		PARSE_ERR(line, "-p", (char *)bad[i]);
	}
	PARSE_ERR("tcptrace: invalid --pid '2147483648': expected a positive integer up to 2147483647\n",
		  "-p", "2147483648");
	PARSE_ERR("tcptrace: invalid --pid '18446744073709551616': expected a positive integer up to 2147483647\n",
		  "-p", "18446744073709551616");
	/* A newline in the value must not split the message. */
	PARSE_ERR("tcptrace: invalid --pid '1\\x0a2': expected a positive integer\n",
		  "-p", "1\n2");
}

static void test_uid(void **state)
{
	struct options o;

	PARSE_OK(&o, "-u", "0");
	assert_int_equal(o.uid, 0);
	PARSE_OK(&o, "--uid", "1000");
	assert_int_equal(o.uid, 1000);
	PARSE_OK(&o, "--uid=4294967294");
	assert_int_equal(o.uid, 4294967294LL);
	PARSE_ERR("tcptrace: invalid --uid '4294967295': expected a non-negative integer up to 4294967294\n",
		  "-u", "4294967295");
	PARSE_ERR("tcptrace: invalid --uid '-1': expected a non-negative integer\n",
		  "-u", "-1");
	PARSE_ERR("tcptrace: invalid --uid 'root': expected a non-negative integer\n",
		  "--uid", "root");
}

static void test_comm(void **state)
{
	struct options o;

	PARSE_OK(&o, "--comm", "curl");
	assert_string_equal(o.comm, "curl");
	PARSE_OK(&o, "--comm=0123456789abcde");
	assert_string_equal(o.comm, "0123456789abcde");
	PARSE_OK(&o, "--comm", "Web Content");
	assert_string_equal(o.comm, "Web Content");
	PARSE_ERR("tcptrace: invalid --comm '0123456789abcdef': expected 1 to 15 bytes\n",
		  "--comm", "0123456789abcdef");
	PARSE_ERR("tcptrace: invalid --comm '': expected 1 to 15 bytes\n",
		  "--comm", "");
	/* 8 characters, 16 bytes: the kernel's limit is in bytes. */
	PARSE_ERR("tcptrace: invalid --comm '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9': expected 1 to 15 bytes\n",
		  "--comm", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
}

static void test_family(void **state)
{
	struct options o;

	PARSE_OK(&o, "-4");
	assert_int_equal(o.family, AF_INET);
	PARSE_OK(&o, "--ipv6");
	assert_int_equal(o.family, AF_INET6);
	PARSE_OK(&o, "--ipv4", "-4");
	assert_int_equal(o.family, AF_INET);
	PARSE_ERR("tcptrace: --ipv4 and --ipv6 are mutually exclusive\n", "-4", "-6");
	PARSE_ERR("tcptrace: --ipv4 and --ipv6 are mutually exclusive\n", "-64");
}

static void test_mntns(void **state)
{
	char *argv[2 + 2 * (MAX_MNTNS_IDS + 1)], ids[MAX_MNTNS_IDS + 1][24];
	struct options o;
	char err[256];
	int i, argc = 1;

	PARSE_OK(&o, "-m", "4026531840", "--mntns", "18446744073709551615", "-m1");
	assert_int_equal(o.mntns_count, 3);
	assert_int_equal(o.mntns_ids[0], 4026531840ULL);
	assert_int_equal(o.mntns_ids[1], UINT64_MAX);
	assert_int_equal(o.mntns_ids[2], 1);

	/* Exactly MAX_MNTNS_IDS is fine, one more is an error. */
	argv[0] = "tcptrace";
	for (i = 0; i < MAX_MNTNS_IDS; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%d", 1000 + i);
		argv[argc++] = "-m";
		argv[argc++] = ids[i];
	}
	argv[argc] = NULL;
	assert_int_equal(parse_capture(&o, argc, argv, err, sizeof(err)), 0);
	assert_int_equal(o.mntns_count, MAX_MNTNS_IDS);
	assert_int_equal(o.mntns_ids[MAX_MNTNS_IDS - 1], 1000 + MAX_MNTNS_IDS - 1);
	argv[argc++] = "-m";
	argv[argc++] = "7";
	argv[argc] = NULL;
	assert_int_equal(parse_capture(&o, argc, argv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tcptrace: invalid --mntns '7': more than 64 mount namespaces\n");

	PARSE_ERR("tcptrace: invalid --mntns '0': expected a positive integer\n",
		  "-m", "0");
	PARSE_ERR("tcptrace: invalid --mntns '-4026531840': expected a positive integer\n",
		  "-m", "-4026531840");
	PARSE_ERR("tcptrace: invalid --mntns '18446744073709551616': expected a positive integer up to 18446744073709551615\n",
		  "--mntns", "18446744073709551616");
}

static void test_mntnsmap(void **state)
{
	struct options o;

	PARSE_OK(&o, "--mntnsmap", "/sys/fs/bpf/mntns_set");
	assert_string_equal(o.mntns_map_path, "/sys/fs/bpf/mntns_set");
	assert_int_equal(o.mntns_count, 0);
	PARSE_ERR("tcptrace: invalid --mntnsmap '': expected a path\n",
		  "--mntnsmap", "");
	PARSE_ERR("tcptrace: --mntns and --mntnsmap are mutually exclusive\n",
		  "-m", "1", "--mntnsmap", "/sys/fs/bpf/m");
	PARSE_ERR("tcptrace: --mntns and --mntnsmap are mutually exclusive\n",
		  "--mntnsmap", "/sys/fs/bpf/m", "-m", "1");
}

static void test_timeout(void **state)
{
	static const struct {
		const char *arg;
		double want;
	} good[] = {
		{ "0.5", 0.5 }, { "2", 2 }, { ".25", 0.25 }, { "3.", 3 },
		{ "0.001", 0.001 }, { "31536000", 31536000 }, { "010", 10 },
	};
	struct options o;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		PARSE_OK(&o, "--timeout", (char *)good[i].arg);
		assert_true(o.timeout_s == good[i].want);
	}
	PARSE_OK(&o, "--timeout=1.5");
	assert_true(o.timeout_s == 1.5);
}

static void test_timeout_errors(void **state)
{
	static const char *const bad[] = {
		"0", "0.0", "-1", "+1", "abc", "", ".", "1.2.3", "1e3", "inf",
		"nan", "0x10", " 1", "1s", "1,5", "0.0009", "31536000.5",
		"99999999999999999999999999999999999999",
	};
	char line[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line),
			 "tcptrace: invalid --timeout '%s': expected a number of seconds from 0.001 to 31536000, e.g. 0.5\n",
			 bad[i]);
		PARSE_ERR(line, "--timeout", (char *)bad[i]);
	}
}

static void test_backend(void **state)
{
	static const struct {
		const char *name;
		enum backend backend;
	} all[] = {
		{ "auto", BACKEND_AUTO },
		{ "fentry", BACKEND_FENTRY },
		{ "kprobe", BACKEND_KPROBE },
		{ "tp_btf", BACKEND_TP_BTF },
		{ "tracepoint", BACKEND_TRACEPOINT },
	};
	struct options o;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		PARSE_OK(&o, "--backend", (char *)all[i].name);
		assert_int_equal(o.backend, all[i].backend);
		assert_string_equal(backend_name(all[i].backend), all[i].name);
	}
	assert_string_equal(backend_name((enum backend)42), "unknown");
	PARSE_ERR("tcptrace: invalid --backend 'bogus': expected auto, fentry, kprobe, tp_btf or tracepoint\n",
		  "--backend", "bogus");
	PARSE_ERR("tcptrace: invalid --backend 'KPROBE': expected auto, fentry, kprobe, tp_btf or tracepoint\n",
		  "--backend=KPROBE");
	PARSE_ERR("tcptrace: invalid --backend '': expected auto, fentry, kprobe, tp_btf or tracepoint\n",
		  "--backend", "");
}

/* The order of the enum is the order of --help and of the error's list. */
static void test_backend_order(void **state)
{
	assert_int_equal(BACKEND_AUTO, 0);
	assert_true(BACKEND_KPROBE < BACKEND_TP_BTF && BACKEND_TP_BTF < BACKEND_TRACEPOINT);
	PARSE_ERR("tcptrace: invalid --backend 'tp-btf': expected auto, fentry, kprobe, tp_btf or tracepoint\n",
		  "--backend", "tp-btf");
}

static void test_transport(void **state)
{
	static const struct {
		const char *name;
		enum transport transport;
	} all[] = {
		{ "auto", TRANSPORT_AUTO },
		{ "ringbuf", TRANSPORT_RINGBUF },
		{ "perf", TRANSPORT_PERF },
	};
	struct options o;
	size_t i;

	assert_int_equal(TRANSPORT_AUTO, 0);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		PARSE_OK(&o, "--transport", (char *)all[i].name);
		assert_int_equal(o.transport, all[i].transport);
		assert_string_equal(transport_name(all[i].transport), all[i].name);
	}
	PARSE_OK(&o, "--transport=perf", "--transport", "ringbuf");
	assert_int_equal(o.transport, TRANSPORT_RINGBUF);
	assert_string_equal(transport_name((enum transport)7), "unknown");
	PARSE_ERR("tcptrace: invalid --transport 'ring': expected auto, ringbuf or perf\n",
		  "--transport", "ring");
	PARSE_ERR("tcptrace: invalid --transport '': expected auto, ringbuf or perf\n",
		  "--transport=");
	PARSE_ERR("tcptrace: option '--transport' requires an argument\n", "--transport");
}

/* --list-fields: a flag for main, which prints the fields before any check. */
static void test_list_fields(void **state)
{
	struct options o;

	PARSE_OK(&o, "--list-fields");
	assert_true(o.list_fields);
	PARSE_OK(&o, "--list-fields", "-j");
	assert_true(o.list_fields && o.json);
	PARSE_ERR("tcptrace: option '--list-fields' doesn't allow an argument\n",
		  "--list-fields=x");
}

/* getopt's own message names the culprit; argp's "Try --help" line is gone. */
static void test_unknown_and_missing(void **state)
{
	PARSE_ERR("tcptrace: unrecognized option '--foo'\n", "--foo");
	PARSE_ERR("tcptrace: invalid option -- 'y'\n", "-y");
	PARSE_ERR("tcptrace: invalid option -- 'y'\n", "-jy");
	PARSE_ERR("tcptrace: option requires an argument -- 'p'\n", "-p");
	PARSE_ERR("tcptrace: option '--pid' requires an argument\n", "--pid");
	PARSE_ERR("tcptrace: option '--timeout' requires an argument\n", "-j", "--timeout");
	PARSE_ERR("tcptrace: option '--json' doesn't allow an argument\n", "--json=1");
	PARSE_ERR("tcptrace: option '--con' is ambiguous; possibilities: '--containers' '--connect-only' '--container'\n",
		  "--con");
}

/* The flags a bcc or Inspektor Gadget user types. */
static void test_bcc_ig_flags(void **state)
{
	struct options o;

	PARSE_OK(&o, "-x", "-M", "/sys/fs/bpf/m", "-U", "-t", "--tid", "7", "--gid", "0");
	assert_true(o.failure_only);
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_CONNECT));
	assert_string_equal(o.mntns_map_path, "/sys/fs/bpf/m");
	assert_true(o.print_uid);
	assert_true(o.relative_time);
	assert_int_equal(o.tid, 7);
	assert_int_equal(o.gid, 0);

	PARSE_OK(&o, "-o", "json");
	assert_true(o.json);
	PARSE_OK(&o, "-j", "-o", "columns");
	assert_false(o.json);
	PARSE_OK(&o, "-t", "-T");
	assert_false(o.relative_time);
	PARSE_OK(&o, "-v");
	assert_true(o.verbose);
	assert_false(o.debug);
	PARSE_OK(&o, "-vv");
	assert_true(o.debug);

	PARSE_OK(&o, "-P", "80,443", "-P", "8080", "-L", "22", "--dport=53");
	assert_int_equal(o.ports.count, 3);
	assert_int_equal(o.ports.ports[0], 80);
	assert_int_equal(o.ports.ports[1], 443);
	assert_int_equal(o.ports.ports[2], 8080);
	assert_int_equal(o.lports.count, 1);
	assert_int_equal(o.lports.ports[0], 22);
	assert_int_equal(o.dports.count, 1);
	assert_int_equal(o.dports.ports[0], 53);

	PARSE_OK(&o, "--cgroupmap", "/sys/fs/bpf/cg");
	assert_string_equal(o.cgroup_map_path, "/sys/fs/bpf/cg");
	PARSE_OK(&o, "--fields", "proc.pid,dst.addr");
	assert_string_equal(o.fields, "proc.pid,dst.addr");
}

static void test_bcc_ig_flag_errors(void **state)
{
	PARSE_ERR("tcptrace: invalid --port '0': expected ports from 1 to 65535, comma-separated\n",
		  "-P", "0");
	PARSE_ERR("tcptrace: invalid --port '80,65536': expected ports from 1 to 65535, comma-separated\n",
		  "-P", "80,65536");
	PARSE_ERR("tcptrace: invalid --lport '80,': expected ports from 1 to 65535, comma-separated\n",
		  "-L", "80,");
	PARSE_ERR("tcptrace: invalid --dport '-1': expected ports from 1 to 65535, comma-separated\n",
		  "-D", "-1");
	PARSE_ERR("tcptrace: invalid --output 'yaml': expected json or columns\n", "-o", "yaml");
	PARSE_ERR("tcptrace: invalid --fields 'proc.pid,nope': no field 'nope' (tcptrace --list-fields lists them)\n",
		  "--fields", "proc.pid,nope");
	PARSE_ERR("tcptrace: invalid --fields 'proc,x': no field 'proc' (tcptrace --list-fields lists them)\n",
		  "--fields", "proc,x");
	PARSE_ERR("tcptrace: invalid --fields 'type,type': a field given twice, or with its object\n",
		  "--fields", "type,type");
	PARSE_ERR("tcptrace: invalid --fields '\\x1b[2J': no field '\\x1b[2J' (tcptrace --list-fields lists them)\n",
		  "--fields", "\x1b[2J");
	PARSE_ERR("tcptrace: invalid --tid '0': expected a positive integer\n", "--tid", "0");
	PARSE_ERR("tcptrace: invalid --gid '-1': expected a non-negative integer\n", "--gid", "-1");
	PARSE_ERR("tcptrace: --mntnsmap and --cgroupmap are mutually exclusive\n",
		  "-M", "/a", "--cgroupmap", "/b");
}

/* An option given twice takes its last value; lists add up. */
static void test_last_one_wins(void **state)
{
	struct options o;

	PARSE_OK(&o, "-p", "1", "-p", "2", "-u", "5", "-u", "6", "--comm", "a", "--comm", "b",
		 "--backend", "kprobe", "--backend", "tracepoint", "--timeout", "1", "--timeout", "2");
	assert_int_equal(o.pid, 2);
	assert_int_equal(o.uid, 6);
	assert_string_equal(o.comm, "b");
	assert_int_equal(o.backend, BACKEND_TRACEPOINT);
	assert_true(o.timeout_s == 2);
	PARSE_OK(&o, "-m", "1", "-m", "2");
	assert_int_equal(o.mntns_count, 2);
}

/* getopt echoes the option as typed: what reaches stderr is escaped, one line. */
static void test_unknown_escaped(void **state)
{
	PARSE_ERR("tcptrace: unrecognized option '--\\x1b[2Jfoo'\n", "--\x1b[2Jfoo");
	PARSE_ERR("tcptrace: unrecognized option '--a\\x0ab'\n", "--a\nb");
	PARSE_ERR("tcptrace: invalid option -- '\\x07'\n", "-\a");
	PARSE_ERR("tcptrace: unrecognized option '--\\xff\\\\'\n", "--\xff\\");
	PARSE_ERR("tcptrace: option '--json' doesn't allow an argument\n", "--json=\x1b");
	/* Valid UTF-8 stays as it is. */
	PARSE_ERR("tcptrace: unrecognized option '--caf\xc3\xa9'\n", "--caf\xc3\xa9");
}

static void test_positional_rejected(void **state)
{
	PARSE_ERR("tcptrace: unexpected argument 'foo'\n", "foo");
	PARSE_ERR("tcptrace: unexpected argument 'foo'\n", "-j", "foo", "-v");
	PARSE_ERR("tcptrace: unexpected argument '-j'\n", "--", "-j");
	PARSE_ERR("tcptrace: unexpected argument '\\x1b[2J'\n", "\x1b[2J");
}

static void test_everything_at_once(void **state)
{
	struct options o;

	PARSE_OK(&o, "-j", "-v", "--failure-only", "-p", "42", "-u", "1000",
		 "--comm", "curl", "-6", "-m", "4026531840", "--timeout", "0.5",
		 "--backend", "kprobe", "--transport", "perf");
	assert_true(o.json && o.verbose && o.failure_only);
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_CONNECT));
	assert_int_equal(o.pid, 42);
	assert_int_equal(o.uid, 1000);
	assert_string_equal(o.comm, "curl");
	assert_int_equal(o.family, AF_INET6);
	assert_int_equal(o.mntns_count, 1);
	assert_true(o.timeout_s == 0.5);
	assert_int_equal(o.backend, BACKEND_KPROBE);
	assert_int_equal(o.transport, TRANSPORT_PERF);
}

/* Unit tests and main() may parse several times: nothing carries over. */
static void test_no_leftovers(void **state)
{
	char *none[] = { "tcptrace", NULL };
	struct options o;
	char err[64];

	PARSE_OK(&o, "-j", "--accept-only", "-4", "-m", "5", "-p", "9",
		 "--comm", "x", "--timeout", "1", "--backend", "fentry", "-u", "3",
		 "--transport", "ringbuf", "--list-fields");
	assert_int_equal(parse_capture(&o, 1, none, err, sizeof(err)), 0);
	assert_defaults(&o);
	/* Nor after a failure halfway through. */
	PARSE_ERR("tcptrace: invalid --pid 'x': expected a positive integer\n",
		  "--connect-only", "-m", "5", "-p", "x");
	assert_int_equal(parse_capture(&o, 1, none, err, sizeof(err)), 0);
	assert_defaults(&o);
	PARSE_OK(&o, "--accept-only");
	assert_int_equal(o.type_mask, TYPE_BIT(EVENT_ACCEPT));
}

static void test_argv_untouched(void **state)
{
	char *argv[] = { "/usr/sbin/tcptrace", "foo", "-j", NULL };
	char *copy[4];
	struct options o;
	char err[128];

	memcpy(copy, argv, sizeof(argv));
	assert_int_equal(parse_capture(&o, 3, argv, err, sizeof(err)), -EINVAL);
	assert_memory_equal(argv, copy, sizeof(argv));
}

/* --help and friends print to stdout and exit(0) in a child process. */
static char *run_exiting(const char *arg, int *status)
{
	char *argv[] = { "tcptrace", (char *)arg, NULL };
	struct options o;
	char *out;
	size_t n = 0;
	ssize_t got;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		options_parse(2, argv, &o);
		_exit(99);	/* should not get here */
	}
	close(fds[1]);
	/* Only the parent's: a child that exits holding it leaks it (LeakSanitizer). */
	out = malloc(16384);
	assert_non_null(out);
	while ((got = read(fds[0], out + n, 16383 - n)) > 0)
		n += got;
	out[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return out;
}

static void test_help_version_usage(void **state)
{
	int status;
	char *out;

	out = run_exiting("--version", &status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(out, "tcptrace " TCPTRACE_VERSION "\n");
	free(out);

	out = run_exiting("--help", &status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(out, "Usage: tcptrace [OPTION...]"));
	assert_non_null(strstr(out, "--failure-only"));
	assert_non_null(strstr(out, "--backend=NAME"));
	assert_non_null(strstr(out, "tp_btf"));
	assert_non_null(strstr(out, "--transport=NAME"));
	assert_non_null(strstr(out, "--list-fields"));
	free(out);

	out = run_exiting("--usage", &status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(out, "Usage: tcptrace ["));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_output_flags),
		cmocka_unit_test(test_type_flags),
		cmocka_unit_test(test_type_conflicts),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_pid_errors),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_comm),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_mntns),
		cmocka_unit_test(test_mntnsmap),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_errors),
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_backend_order),
		cmocka_unit_test(test_transport),
		cmocka_unit_test(test_list_fields),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_bcc_ig_flags),
		cmocka_unit_test(test_bcc_ig_flag_errors),
		cmocka_unit_test(test_last_one_wins),
		cmocka_unit_test(test_unknown_escaped),
		cmocka_unit_test(test_positional_rejected),
		cmocka_unit_test(test_everything_at_once),
		cmocka_unit_test(test_no_leftovers),
		cmocka_unit_test(test_argv_untouched),
		cmocka_unit_test(test_help_version_usage),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
