/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_OPTIONS_H
#define TCPTRACE_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>
#include "tcptrace.h"

#define MAX_MNTNS_IDS 64

enum backend {
	BACKEND_AUTO = 0,
	BACKEND_FENTRY,
	BACKEND_KPROBE,
	BACKEND_TP_BTF,
	BACKEND_TRACEPOINT,
};

/* How events come to user space: BPF ring buffer or perf buffer. */
enum transport {
	TRANSPORT_AUTO = 0,
	TRANSPORT_RINGBUF,
	TRANSPORT_PERF,
};

struct options {
	bool json;
	bool verbose;
	bool failure_only;
	bool list_fields;		/* --list-fields: print the fields and exit */
	__u32 type_mask;		/* TYPE_BIT(EVENT_*) of the types to show */
	__u16 family;			/* 0 = both, AF_INET or AF_INET6 */
	__u32 pid;			/* 0 = any */
	__s64 uid;			/* -1 = any */
	char comm[TASK_COMM_LEN];	/* "" = any */
	__u64 mntns_ids[MAX_MNTNS_IDS];
	int mntns_count;
	const char *mntns_map_path;	/* pinned map to reuse, or NULL */
	double timeout_s;		/* 0 = run until signalled */
	enum backend backend;
	enum transport transport;
};

/*
 * Parse argv into opts. Returns 0 on success, -EINVAL after printing one
 * line to stderr on bad input. --help, --usage and --version print and exit(0);
 * --list-fields only sets opts->list_fields, for main to print them.
 */
int options_parse(int argc, char **argv, struct options *opts);

const char *backend_name(enum backend backend);
const char *transport_name(enum transport transport);

#endif /* TCPTRACE_OPTIONS_H */
