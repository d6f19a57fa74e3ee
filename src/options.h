/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_OPTIONS_H
#define TCPTRACE_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>
#include "tcptrace.h"

#define MAX_MNTNS_IDS 64
#define MAX_PORTS 64		/* per kind: -P, -L, -D */
#define NODE_NAME_MAX 64

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

/* Ports of one kind of port filter, host byte order. */
struct port_list {
	__u16 ports[MAX_PORTS];
	int count;
};

struct options {
	bool json;
	bool verbose;			/* -v: tcptrace's choices, libbpf's warnings */
	bool debug;			/* -vv: libbpf's debug output too */
	bool relative_time;		/* -t: the table's TIME is seconds since start */
	bool print_uid;			/* -U: a UID column */
	const char *fields;		/* --fields: comma-separated JSON paths, or NULL */
	bool failure_only;
	bool list_fields;		/* --list-fields: print the fields and exit */
	__u32 type_mask;		/* TYPE_BIT(EVENT_*) of the types to show */
	__u16 family;			/* 0 = both, AF_INET or AF_INET6 */
	__u32 pid;			/* 0 = any */
	__u32 tid;			/* 0 = any */
	__s64 uid;			/* -1 = any */
	__s64 gid;			/* -1 = any */
	struct port_list lports;	/* -L: the local port is one of these */
	struct port_list dports;	/* -D: the remote port is one of these */
	struct port_list ports;		/* -P: either port is one of these */
	const char *cgroup_map_path;	/* --cgroupmap: bcc's pinned cgroup-id map */
	const char *containers[MAX_CGROUP_FILTERS];	/* --container: ids or prefixes */
	int ncontainers;
	const char *cgroups[MAX_CGROUP_FILTERS];	/* --cgroup: cgroup v2 paths */
	int ncgroups;
	/* The cgroup directories those name, with their subtrees: filled by
	 * cgroup_targets() (cgroup_find.c) before the tracer starts. */
	char *cgroup_dirs[MAX_CGROUP_FILTERS];
	int ncgroup_dirs;
	const char *node;		/* --node, else $TCPTRACE_NODE: each event's node */
	bool show_containers;		/* -C: the table's CONTAINER column */
	char comm[TASK_COMM_LEN];	/* "" = any */
	__u64 mntns_ids[MAX_MNTNS_IDS];
	int mntns_count;
	const char *mntns_map_path;	/* pinned map to reuse, or NULL */
	double timeout_s;		/* 0 = run until signalled */
	enum backend backend;
	enum transport transport;
};

/*
 * Parse argv into opts. An option given twice takes its last value; the
 * repeatable ones (-m, -P, -L, -D) add up. Returns 0 on success, -EINVAL
 * after printing one line to stderr on bad input. --help, --usage and --version print and exit(0);
 * --list-fields only sets opts->list_fields, for main to print them.
 */
int options_parse(int argc, char **argv, struct options *opts);

const char *backend_name(enum backend backend);
const char *transport_name(enum transport transport);

#endif /* TCPTRACE_OPTIONS_H */
