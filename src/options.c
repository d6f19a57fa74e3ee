// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* strtod_l */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fields.h"
#include "options.h"
#include "safe_text.h"

#ifndef TCPTRACE_VERSION
#define TCPTRACE_VERSION "unknown"
#endif

#define PROG_NAME "tcptrace"
#define PID_MAX 2147483647ULL		/* pid_t is an int */
#define UID_MAX 4294967294ULL		/* (uid_t)-1 means "no uid" */
#define TIMEOUT_MIN_S 0.001		/* the poll loop works in milliseconds */
#define TIMEOUT_MAX_S 31536000.0	/* a year: keeps deadline arithmetic far from overflow */

#define STR(x) STR_(x)
#define STR_(x) #x

const char *argp_program_version = PROG_NAME " " TCPTRACE_VERSION;

enum option_key {
	OPT_CONNECT_ONLY = 256,		/* past any char, so long-only */
	OPT_ACCEPT_ONLY,
	OPT_FAILURE_ONLY,
	OPT_COMM,
	OPT_MNTNSMAP,
	OPT_TIMEOUT,
	OPT_BACKEND,
	OPT_TRANSPORT,
	OPT_LIST_FIELDS,
	OPT_TID,
	OPT_GID,
	OPT_CGROUPMAP,
	OPT_FIELDS,
	OPT_USAGE,
	OPT_CONTAINER,
	OPT_CGROUP,
	OPT_NODE,
};

static const struct argp_option argp_options[] = {
	{ NULL, 0, NULL, 0, "Output:", 1 },
	{ "json", 'j', NULL, 0,
	  "Print one JSON object per line (Inspektor Gadget trace_tcp fields)", 0 },
	{ "output", 'o', "FORMAT", 0, "json (as -j) or columns (the table, the default)", 0 },
	{ "fields", OPT_FIELDS, "LIST", 0,
	  "Only these fields, by JSON path, comma-separated (e.g. proc.pid,dst.addr); "
	  "the table shows those that have a column (--list-fields)", 0 },
	{ "timestamp", 't', NULL, 0, "Table: TIME(s), seconds since tcptrace started", 0 },
	{ "time", 'T', NULL, 0, "Table: TIME as local HH:MM:SS.mmm (the default)", 0 },
	{ "print-uid", 'U', NULL, 0, "Table: a UID column", 0 },
	{ "containers", 'C', NULL, 0, "Table: a CONTAINER column (the short container id)", 0 },
	{ "node", OPT_NODE, "NAME", 0,
	  "A node field with NAME in every event (default: $TCPTRACE_NODE)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Say which backend and transport were chosen and why others were not, "
	  "with libbpf's warnings; twice (-vv): libbpf's debug output too", 0 },
	/* Ours, not argp's (ARGP_NO_HELP), so that -h is help, as in bcc. */
	{ "help", 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, '?', NULL, OPTION_ALIAS, NULL, 0 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "Print tcptrace's version (and libbpf's)", -1 },
	{ "list-fields", OPT_LIST_FIELDS, NULL, 0,
	  "Print the output fields and exit: one line each, with its JSON path, "
	  "its kind (time, string, uint, int, addr, port, errno) and its table "
	  "column or \"-\", separated by blanks", 0 },
	{ NULL, 0, NULL, 0, "Event filters:", 2 },
	{ "connect-only", OPT_CONNECT_ONLY, NULL, 0, "Show connect events only", 0 },
	{ "accept-only", OPT_ACCEPT_ONLY, NULL, 0, "Show accept events only", 0 },
	{ "failure-only", OPT_FAILURE_ONLY, NULL, 0,
	  "Show failed connect events only", 0 },
	{ NULL, 'x', NULL, OPTION_ALIAS, NULL, 0 },
	{ "pid", 'p', "PID", 0, "Only the process with this PID", 0 },
	{ "tid", OPT_TID, "TID", 0, "Only the thread with this TID", 0 },
	{ "uid", 'u', "UID", 0, "Only processes with this user ID", 0 },
	{ "gid", OPT_GID, "GID", 0, "Only processes with this group ID", 0 },
	{ "port", 'P', "PORT[,PORT...]", 0,
	  "Only connections with one of these ports at either end (repeatable)", 0 },
	{ "lport", 'L', "PORT[,PORT...]", 0,
	  "Only connections whose local port is one of these (repeatable)", 0 },
	{ "dport", 'D', "PORT[,PORT...]", 0,
	  "Only connections whose remote port is one of these (repeatable)", 0 },
	{ "comm", OPT_COMM, "NAME", 0,
	  "Only processes whose comm is NAME (at most 15 bytes)", 0 },
	{ "ipv4", '4', NULL, 0, "IPv4 connections only", 0 },
	{ "ipv6", '6', NULL, 0, "IPv6 connections only", 0 },
	{ "mntns", 'm', "ID", 0,
	  "Only processes in this mount namespace (repeatable, up to "
	  STR(MAX_MNTNS_IDS) ")", 0 },
	{ "mntnsmap", OPT_MNTNSMAP, "PATH", 0,
	  "Only mount namespaces in the pinned BPF hash map at PATH", 0 },
	{ NULL, 'M', NULL, OPTION_ALIAS, NULL, 0 },
	{ "container", OPT_CONTAINER, "ID", 0,
	  "Only this container (full id or unique prefix; repeatable), found by its "
	  "cgroup, and what starts in it later", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "Only tasks in this cgroup v2 subtree (absolute, or below the cgroup2 mount; "
	  "repeatable)", 0 },
	{ "cgroupmap", OPT_CGROUPMAP, "PATH", 0,
	  "Only tasks whose cgroup (v2) id is in the pinned BPF hash map at PATH "
	  "(bcc's layout: u64 key, u64 value)", 0 },
	{ NULL, 0, NULL, 0, "Run:", 3 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Stop after SECONDS (fractions allowed, e.g. 0.5)", 0 },
	{ "backend", OPT_BACKEND, "NAME", 0,
	  "Attach with auto (default), fentry, kprobe, tp_btf or tracepoint", 0 },
	{ "transport", OPT_TRANSPORT, "NAME", 0,
	  "Read events through auto (default), ringbuf or perf", 0 },
	{ 0 },
};

static const char argp_doc[] =
	"Trace TCP connect, accept and close events, system-wide.";

/* What the command line said, before the cross-option checks. */
struct parse_state {
	struct options *opts;
	bool connect_only;
	bool accept_only;
	bool ipv4;
	bool ipv6;
};

static const char *const backend_names[] = {
	[BACKEND_AUTO] = "auto",
	[BACKEND_FENTRY] = "fentry",
	[BACKEND_KPROBE] = "kprobe",
	[BACKEND_TP_BTF] = "tp_btf",
	[BACKEND_TRACEPOINT] = "tracepoint",
};

static const char *const transport_names[] = {
	[TRANSPORT_AUTO] = "auto",
	[TRANSPORT_RINGBUF] = "ringbuf",
	[TRANSPORT_PERF] = "perf",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *backend_name(enum backend backend)
{
	if ((unsigned int)backend >= ARRAY_SIZE(backend_names))
		return "unknown";
	return backend_names[backend];
}

const char *transport_name(enum transport transport)
{
	if ((unsigned int)transport >= ARRAY_SIZE(transport_names))
		return "unknown";
	return transport_names[transport];
}

/*
 * Where our own messages go: the real stderr, while stderr itself is the
 * memory stream that catches getopt's and argp's (parse_escaped()).
 */
static FILE *msg_out;

/* The one line of every error; the argument is escaped so it stays one line. */
static error_t bad_value(const char *opt, const char *arg, const char *why)
{
	char safe[128];

	safe_text(safe, sizeof(safe), arg, strlen(arg));
	fprintf(msg_out, PROG_NAME ": invalid %s '%s': %s\n", opt, safe, why);
	return EINVAL;
}

static error_t unexpected_argument(const char *arg)
{
	char safe[128];

	safe_text(safe, sizeof(safe), arg, strlen(arg));
	fprintf(msg_out, PROG_NAME ": unexpected argument '%s'\n", safe);
	return EINVAL;
}

static error_t bad_combination(const char *a, const char *b)
{
	fprintf(msg_out, PROG_NAME ": %s and %s are mutually exclusive\n", a, b);
	return EINVAL;
}

/*
 * Strict unsigned decimal: strtoull alone would take blanks, a sign ("-1"
 * wraps to 2^64-1) and trailing junk. Returns 0, -EINVAL or -ERANGE.
 */
static int parse_decimal(const char *s, unsigned long long *out)
{
	unsigned long long v;
	const char *p;
	char *end;

	for (p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	if (p == s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

struct uint_spec {
	const char *opt;
	const char *what;	/* "expected <what>" */
	unsigned long long min, max;
};

static error_t parse_uint(const struct uint_spec *spec, const char *arg,
			  unsigned long long *out)
{
	char why[96];
	int err;

	err = parse_decimal(arg, out);
	if (err == -EINVAL || (!err && *out < spec->min)) {
		snprintf(why, sizeof(why), "expected %s", spec->what);
		return bad_value(spec->opt, arg, why);
	}
	if (err == -ERANGE || *out > spec->max) {
		snprintf(why, sizeof(why), "expected %s up to %llu",
			 spec->what, spec->max);
		return bad_value(spec->opt, arg, why);
	}
	return 0;
}

/* Digits with at most one '.', read in the C locale whatever LC_NUMERIC says. */
static error_t parse_timeout(const char *arg, double *out)
{
	static const char why[] =
		"expected a number of seconds from 0.001 to 31536000, e.g. 0.5";
	size_t digits = strspn(arg, "0123456789.");
	const char *dot = strchr(arg, '.');
	locale_t c_locale;
	double v;

	if (!digits || arg[digits] || (dot && strchr(dot + 1, '.')) ||
	    strspn(arg, ".") == digits)
		return bad_value("--timeout", arg, why);
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_locale) {
		fprintf(msg_out, PROG_NAME ": cannot parse --timeout: %s\n",
			strerror(errno));
		return ENOMEM;
	}
	v = strtod_l(arg, NULL, c_locale);
	freelocale(c_locale);
	if (!isfinite(v) || v < TIMEOUT_MIN_S || v > TIMEOUT_MAX_S)
		return bad_value("--timeout", arg, why);
	*out = v;
	return 0;
}

static error_t parse_comm(const char *arg, char comm[TASK_COMM_LEN])
{
	size_t len = strlen(arg);

	/* The kernel keeps 15 bytes: a longer NAME could never match. */
	if (len == 0 || len >= TASK_COMM_LEN)
		return bad_value("--comm", arg, "expected 1 to 15 bytes");
	memcpy(comm, arg, len + 1);
	return 0;
}

/* Index of arg in names[], or -1. */
static int name_index(const char *arg, const char *const *names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static error_t parse_backend(const char *arg, enum backend *out)
{
	int i = name_index(arg, backend_names, ARRAY_SIZE(backend_names));

	if (i < 0)
		return bad_value("--backend", arg,
				 "expected auto, fentry, kprobe, tp_btf or tracepoint");
	*out = i;
	return 0;
}

static error_t parse_transport(const char *arg, enum transport *out)
{
	int i = name_index(arg, transport_names, ARRAY_SIZE(transport_names));

	if (i < 0)
		return bad_value("--transport", arg, "expected auto, ringbuf or perf");
	*out = i;
	return 0;
}

/* PORT[,PORT...], each 1..65535, added to what earlier ones gave. */
static error_t parse_ports(const char *opt, const char *arg, struct port_list *list)
{
	static const char why[] = "expected ports from 1 to 65535, comma-separated";
	const char *start = arg, *comma;
	unsigned long long port;
	char one[8];
	size_t len;

	do {
		comma = strchr(start, ',');
		len = comma ? (size_t)(comma - start) : strlen(start);
		if (len >= sizeof(one))
			return bad_value(opt, arg, why);
		memcpy(one, start, len);
		one[len] = '\0';
		if (parse_decimal(one, &port) || port < 1 || port > 65535)
			return bad_value(opt, arg, why);
		if (list->count >= MAX_PORTS)
			return bad_value(opt, arg, "more than " STR(MAX_PORTS) " ports");
		list->ports[list->count++] = port;
		if (comma)
			start = comma + 1;
	} while (comma);
	return 0;
}

/* --container, --cgroup: at most MAX_CGROUP_FILTERS of both. */
static error_t add_target(const char *opt, const char *arg, const char **list, int *n,
			  int others)
{
	if (!*arg)
		return bad_value(opt, arg, "expected a name");
	if (*n + others >= MAX_CGROUP_FILTERS)
		return bad_value(opt, arg, "more than " STR(MAX_CGROUP_FILTERS)
				 " containers and cgroups");
	list[(*n)++] = arg;
	return 0;
}

/* A node name goes into JSON strings as is (escaped): any text but empty. */
static error_t parse_node(const char *arg, const char **out)
{
	if (!*arg || strlen(arg) >= NODE_NAME_MAX)
		return bad_value("--node", arg, "expected 1 to 63 bytes");
	*out = arg;
	return 0;
}

static error_t parse_output(const char *arg, struct options *opts)
{
	if (!strcmp(arg, "json"))
		opts->json = true;
	else if (!strcmp(arg, "columns"))
		opts->json = false;
	else
		return bad_value("--output", arg, "expected json or columns");
	return 0;
}

/* The first comma-separated entry of list that names no field, or NULL. */
static const char *unknown_field(const char *list, size_t *len)
{
	char path[FIELD_PATH_MAX];
	const char *p = list;

	for (;;) {
		*len = strcspn(p, ",");
		if (*len >= sizeof(path))
			return p;
		memcpy(path, p, *len);
		path[*len] = '\0';
		if (!field_find(path))
			return p;
		if (!p[*len])
			return NULL;
		p += *len + 1;
	}
}

/* Every path a field's (tcptrace --list-fields), none twice. */
static error_t parse_fields(const char *arg, const char **out)
{
	struct field_set set;
	char why[192], safe[96];
	const char *bad;
	size_t len;

	if (!fields_select(&set, arg)) {
		*out = arg;
		return 0;
	}
	bad = unknown_field(arg, &len);
	if (!bad)
		return bad_value("--fields", arg, "a field given twice, or with its object");
	if (!len)
		return bad_value("--fields", arg, "expected JSON paths, comma-separated");
	safe_text(safe, sizeof(safe), bad, len);
	snprintf(why, sizeof(why), "no field '%s' (tcptrace --list-fields lists them)", safe);
	return bad_value("--fields", arg, why);
}

static error_t add_mntns(struct options *opts, const char *arg)
{
	static const struct uint_spec spec = {
		"--mntns", "a positive integer", 1, UINT64_MAX,
	};
	unsigned long long id;
	error_t err;

	err = parse_uint(&spec, arg, &id);
	if (err)
		return err;
	if (opts->mntns_count >= MAX_MNTNS_IDS)
		return bad_value("--mntns", arg, "more than "
				 STR(MAX_MNTNS_IDS) " mount namespaces");
	opts->mntns_ids[opts->mntns_count++] = id;
	return 0;
}

static error_t parse_id_option(int key, const char *arg, struct options *opts)
{
	static const struct uint_spec pid_spec = {
		"--pid", "a positive integer", 1, PID_MAX,
	};
	static const struct uint_spec tid_spec = {
		"--tid", "a positive integer", 1, PID_MAX,
	};
	static const struct uint_spec uid_spec = {
		"--uid", "a non-negative integer", 0, UID_MAX,
	};
	static const struct uint_spec gid_spec = {
		"--gid", "a non-negative integer", 0, UID_MAX,
	};
	const struct uint_spec *spec;
	unsigned long long v;
	error_t err;

	if (key == 'm')
		return add_mntns(opts, arg);
	spec = key == 'p' ? &pid_spec : key == OPT_TID ? &tid_spec :
	       key == 'u' ? &uid_spec : &gid_spec;
	err = parse_uint(spec, arg, &v);
	if (err)
		return err;
	if (key == 'p')
		opts->pid = v;
	else if (key == OPT_TID)
		opts->tid = v;
	else if (key == 'u')
		opts->uid = v;
	else
		opts->gid = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct options *opts = ps->opts;

	switch (key) {
	case ARGP_KEY_INIT:
		/*
		 * getopt has already printed one line naming the bad option;
		 * with no error stream argp adds no "Try `--help'" line and
		 * returns EINVAL instead of exiting.
		 */
		state->err_stream = NULL;
		return 0;
	case 'j':
		opts->json = true;
		return 0;
	case 'o':
		return parse_output(arg, opts);
	case OPT_FIELDS:
		return parse_fields(arg, &opts->fields);
	case 't':
	case 'T':
		opts->relative_time = key == 't';
		return 0;
	case 'U':
		opts->print_uid = true;
		return 0;
	case 'C':
		opts->show_containers = true;
		return 0;
	case OPT_NODE:
		return parse_node(arg, &opts->node);
	case OPT_CONTAINER:
		return add_target("--container", arg, opts->containers, &opts->ncontainers,
				  opts->ncgroups);
	case OPT_CGROUP:
		return add_target("--cgroup", arg, opts->cgroups, &opts->ncgroups,
				  opts->ncontainers);
	case 'v':
		opts->debug = opts->verbose;
		opts->verbose = true;
		return 0;
	case 'h':
	case '?':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return 0;
	case 'V':
		/* main() adds libbpf's version through the hook. */
		if (argp_program_version_hook)
			argp_program_version_hook(stdout, state);
		else
			printf("%s\n", argp_program_version);
		exit(0);
	case OPT_USAGE:
		argp_state_help(state, stdout, ARGP_HELP_USAGE | ARGP_HELP_EXIT_OK);
		return 0;
	case 'P':
		return parse_ports("--port", arg, &opts->ports);
	case 'L':
		return parse_ports("--lport", arg, &opts->lports);
	case 'D':
		return parse_ports("--dport", arg, &opts->dports);
	case OPT_LIST_FIELDS:
		opts->list_fields = true;
		return 0;
	case OPT_CONNECT_ONLY:
		ps->connect_only = true;
		return 0;
	case OPT_ACCEPT_ONLY:
		ps->accept_only = true;
		return 0;
	case OPT_FAILURE_ONLY:
	case 'x':
		opts->failure_only = true;
		return 0;
	case 'p':
	case OPT_TID:
	case 'u':
	case OPT_GID:
	case 'm':
		return parse_id_option(key, arg, opts);
	case OPT_COMM:
		return parse_comm(arg, opts->comm);
	case '4':
		ps->ipv4 = true;
		return 0;
	case '6':
		ps->ipv6 = true;
		return 0;
	case OPT_MNTNSMAP:
	case 'M':
		if (!*arg)
			return bad_value("--mntnsmap", arg, "expected a path");
		opts->mntns_map_path = arg;
		return 0;
	case OPT_CGROUPMAP:
		if (!*arg)
			return bad_value("--cgroupmap", arg, "expected a path");
		opts->cgroup_map_path = arg;
		return 0;
	case OPT_TIMEOUT:
		return parse_timeout(arg, &opts->timeout_s);
	case OPT_BACKEND:
		return parse_backend(arg, &opts->backend);
	case OPT_TRANSPORT:
		return parse_transport(arg, &opts->transport);
	case ARGP_KEY_ARG:
		return unexpected_argument(arg);
	}
	return ARGP_ERR_UNKNOWN;
}

/* Checks across options, and what the type flags mean together. */
static error_t finish(struct parse_state *ps)
{
	struct options *opts = ps->opts;

	if (ps->connect_only && ps->accept_only)
		return bad_combination("--connect-only", "--accept-only");
	if (opts->failure_only && ps->accept_only)
		return bad_combination("--failure-only", "--accept-only");
	if (ps->ipv4 && ps->ipv6)
		return bad_combination("--ipv4", "--ipv6");
	if (opts->mntns_count && opts->mntns_map_path)
		return bad_combination("--mntns", "--mntnsmap");
	if (opts->mntns_map_path && opts->cgroup_map_path)
		return bad_combination("--mntnsmap", "--cgroupmap");

	/* As in Inspektor Gadget, only a connect can fail. */
	if (ps->connect_only || opts->failure_only)
		opts->type_mask = TYPE_BIT(EVENT_CONNECT);
	else if (ps->accept_only)
		opts->type_mask = TYPE_BIT(EVENT_ACCEPT);
	if (ps->ipv4)
		opts->family = AF_INET;
	else if (ps->ipv6)
		opts->family = AF_INET6;
	return 0;
}

/*
 * getopt and argp print their own messages, which hold the option as it
 * was typed: its control bytes would reach the terminal raw, and a newline
 * in it would make two lines. They print to stderr, so stderr is a memory
 * stream while they run, and what they printed comes out escaped, as one
 * line (its own newline kept).
 */
static error_t parse_escaped(const struct argp *argp, int argc, char **argv,
			     struct parse_state *ps)
{
	FILE *real = stderr, *mem;
	char *text = NULL, safe[512];
	size_t len = 0;
	error_t err;

	msg_out = real;
	mem = open_memstream(&text, &len);
	if (mem)
		stderr = mem;
	err = argp_parse(argp, argc, argv, ARGP_NO_HELP, NULL, ps);
	if (!mem)
		return err;
	stderr = real;
	fclose(mem);
	if (len && text[len - 1] == '\n')
		len--;
	if (len) {
		safe_text(safe, sizeof(safe), text, len);
		fprintf(real, "%s\n", safe);
	}
	free(text);
	return err;
}

static void options_init(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->type_mask = TYPE_MASK_ALL;
	opts->uid = -1;
	opts->gid = -1;
	opts->node = getenv("TCPTRACE_NODE");
	if (opts->node && (!*opts->node || strlen(opts->node) >= NODE_NAME_MAX))
		opts->node = NULL;
	opts->backend = BACKEND_AUTO;
	opts->transport = TRANSPORT_AUTO;
}

int options_parse(int argc, char **argv, struct options *opts)
{
	static const struct argp argp = {
		.options = argp_options,
		.parser = parse_opt,
		.doc = argp_doc,
	};
	struct parse_state ps = { .opts = opts };
	char **args;
	error_t err;
	int i;

	options_init(opts);
	if (argc < 1)
		return 0;
	/*
	 * A private copy of the pointers: getopt permutes it, not the caller's
	 * argv, and argv[0] is fixed so that getopt's messages and --help
	 * name the program as our own messages do, however it was started.
	 */
	args = calloc(argc + 1, sizeof(*args));
	if (!args) {
		fprintf(stderr, PROG_NAME ": out of memory\n");
		return -ENOMEM;
	}
	args[0] = PROG_NAME;
	for (i = 1; i < argc; i++)
		args[i] = argv[i];

	err = parse_escaped(&argp, argc, args, &ps);
	if (!err)
		err = finish(&ps);
	free(args);
	return -err;
}
