/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps of the seed design (Inspektor Gadget's trace_tcp). Names and
 * layouts are kept so that pinned maps of bcc or Inspektor Gadget can be reused.
 */
#ifndef TCPTRACE_MAPS_H
#define TCPTRACE_MAPS_H

/*
 * The sizes below are those of a one-CPU host. User space grows every LRU
 * map by LRU_ENTRIES_PER_CPU per possible CPU at open: the kernel's LRU
 * keeps per-CPU free lists and evicts once a CPU's list runs dry, so a
 * fixed size would evict live entries early on a large host.
 */
/* Threads that can be inside connect()/accept() at once; LRU since a thread
 * killed mid-syscall never reaches the exit hook that deletes its entry. */
#define MAX_THREADS 8192
/* Connects whose handshake is under way (keyed by struct sock *). LRU since
 * a socket can be freed on a path that never fires the end-of-handshake hook. */
#define MAX_CONNECTING 8192
/* Established sockets followed at once (sock_life). */
#define MAX_SOCKETS 65536
#define MAX_MNTNS 1024

/* Mount namespaces to trace: key mntns inode, value ignored, presence = allowed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_MNTNS);
	__type(key, __u64);
	__type(value, __u32);
} gadget_mntns_filter_map SEC(".maps");

/* bcc's --cgroupmap: cgroup v2 ids to trace (key u64 id, value u64 ignored,
 * presence = traced). Only ever a pinned map; this one stands in when none
 * is given. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} cgroup_filter_map SEC(".maps");

/* --container, --cgroup: fds of the cgroups to trace, with their subtrees. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, MAX_CGROUP_FILTERS);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_subtree_filter SEC(".maps");

/* Port filters: port -> PORT_* bits of the ends it is wanted at. An array,
 * so a lookup is an index the verifier inlines. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} port_filter SEC(".maps");

/* tid -> struct sock *: the socket of tcp_v[46]_connect between entry and
 * return, or the socket inet_csk_accept returned until accept() returns. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} tcp_tid_sock SEC(".maps");

/* The connect()/accept()/accept4() a thread is in. */
struct syscall_call {
	__u64 start_ns;		/* when it was called */
	__u64 uaddr;		/* connect: the sockaddr argument (user memory) */
	__s32 fd;		/* the fd argument */
	__u32 addrlen;		/* connect: its length */
	/* connect: the handshake this call started is (or will be) reported
	 * by the state change that ends it, not by the syscall's return */
	__u8 handshake;
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct syscall_call);
} tcp_tid_fd SEC(".maps");

/* A connect under way: who started it and when. The handshake ends in
 * softirq, where current is whatever task the CPU ran. */
struct connect_info {
	struct proc_info proc;
	__u64 start_ns;		/* connect() call, or SYN_SENT without one */
	__u64 sock_id;
};

/* struct sock * -> the connect under way on it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CONNECTING);
	__type(key, __u64);
	__type(value, struct connect_info);
} tuplepid SEC(".maps");

/* tid -> mount namespace of a task that is exiting. do_exit() clears
 * task->nsproxy before the task works off its last fput()s, and with them
 * the tcp_close() of sockets it still held. Removed when the task struct
 * is freed (sched_process_free). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} exiting_mntns SEC(".maps");

/*
 * struct sock * -> the life of an established socket: from ESTABLISHED
 * (written afresh there, so nothing of an earlier socket at the same
 * address survives) to tcp_destroy_sock, which deletes it. mark is
 * CLOSED_OPEN when the socket reached CLOSE (peer reset, end of a
 * half-close) while its file was open, so tcp_close() will change no state
 * and only the mark tells it was established; or CLOSE_REPORTED, so the
 * close is reported once even if tcp_close() waits (SO_LINGER) and the
 * socket moves on meanwhile.
 */
#define CLOSED_OPEN 1
#define CLOSE_REPORTED 2
struct sock_life {
	__u64 established_ns;
	__u64 sock_id;		/* inode number, once a process had the socket */
	__u8 mark;
	__u8 closed_by;		/* enum closed_by, of a socket CLOSED_OPEN */
	__u8 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct sock_life);
} sock_life SEC(".maps");

/*
 * Per-CPU scratch for building an event for the perf buffer (too big for
 * the 512-byte stack together with the rest of a hook's frame): one slot per
 * nesting level, since a tp_btf or fentry program in softirq runs inside
 * another of ours on the same CPU, and a shared slot would be overwritten
 * half-built. heap_depth is the number of slots in use on the CPU.
 */
#define HEAP_SLOTS 4
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HEAP_SLOTS);
	__type(key, __u32);
	__type(value, struct event);
} gadget_heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} heap_depth SEC(".maps");

/* The seed's transport: per-CPU perf buffers. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

/* The other transport: one ring buffer shared by all CPUs, events in order,
 * built in place. User space sizes it at open (a page when unused). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events_ring SEC(".maps");

/* Events the kernel side could not send, by cause (enum drop_cause). The
 * perf buffer counts its own overflows (PERF_RECORD_LOST). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_CAUSES);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

#endif /* TCPTRACE_MAPS_H */
