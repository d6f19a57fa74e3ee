/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event layout shared by the BPF object and user space. Both sides
 * include this file, so each field is defined once. Only fixed-width types:
 * the BPF side sees them through vmlinux.h, user space through linux/types.h.
 */
#ifndef TCPTRACE_H
#define TCPTRACE_H

#define TASK_COMM_LEN 16

enum event_type {
	EVENT_CONNECT = 1,
	EVENT_ACCEPT = 2,
	EVENT_CLOSE = 3,
};

/* Bits of the port filter map: which end of a connection may have the port. */
#define PORT_LOCAL 1		/* -L */
#define PORT_REMOTE 2		/* -D */
#define PORT_EITHER 4		/* -P */

/* Bits of the type filter (const volatile type_mask in the BPF object). */
#define TYPE_BIT(t) (1u << (t))
/* --container, --cgroup: the cgroups (and their descendants) to trace. */
#define MAX_CGROUP_FILTERS 16

#define TYPE_MASK_ALL (TYPE_BIT(EVENT_CONNECT) | TYPE_BIT(EVENT_ACCEPT) | TYPE_BIT(EVENT_CLOSE))

/* Why the kernel side dropped an event: the keys of the drops map. */
enum drop_cause {
	DROP_RINGBUF_FULL = 0,	/* bpf_ringbuf_reserve failed: the reader fell behind */
	DROP_NESTING = 1,	/* more nested runs on one CPU than gadget_heap slots */
	DROP_CAUSES,
};

/* The process behind an event, captured in process context. */
struct proc_info {
	__u64 mntns_id;
	__u64 cgroup_id;	/* the task's cgroup v2 id: user space names its container */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;		/* real parent's tgid */
	__u32 ptid;		/* real parent's thread id */
	__u32 uid;
	__u32 gid;
	__s32 fd;		/* fd passed to connect() / listening fd of accept(); -1 if none */
	__u32 pad;
	char comm[TASK_COMM_LEN];
	char pcomm[TASK_COMM_LEN];
};

/* Who ended a connection (close events). */
enum closed_by {
	CLOSED_BY_NONE = 0,	/* not a close event */
	CLOSED_BY_LOCAL = 1,	/* this side sent the first FIN */
	CLOSED_BY_PEER = 2,	/* the peer's FIN came first */
	CLOSED_BY_RESET = 3,	/* a RST (sent or received) or an abort ended it */
};

/* Bits of event.flags. */
#define EVENT_F_IPV4_MAPPED 1	/* an AF_INET6 socket with an IPv4 peer */

struct event {
	__u64 timestamp_ns;	/* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), or CLOCK_MONOTONIC
				 * where the kernel lacks it (before 5.8) */
	struct proc_info proc;
	__u32 netns_id;
	__s32 accept_fd;	/* fd returned by accept(); -1 otherwise */
	__s32 error;		/* positive errno of a failed connect, else 0 */
	__u16 family;		/* AF_INET or AF_INET6 as reported (v4-mapped => AF_INET) */
	__u16 sport;		/* host byte order */
	__u16 dport;		/* host byte order */
	__u8 type;		/* enum event_type */
	__u8 closed_by;		/* enum closed_by */
	__u8 saddr[16];		/* network byte order; AF_INET uses the first 4 bytes */
	__u8 daddr[16];
	__u16 flags;		/* EVENT_F_* */
	__u16 pad;		/* explicit, so the layout has no hidden holes */
	__u64 sock_id;		/* the socket's inode number; 0 if unknown */
	__u64 latency_ns;	/* connect: connect() call (or SYN_SENT) to handshake end */
	__u64 duration_ns;	/* close: since ESTABLISHED; 0 if not seen */
	__u64 bytes_sent;	/* close: bytes the peer acknowledged (tcp_sock.bytes_acked) */
	__u64 bytes_received;	/* close: tcp_sock.bytes_received */
	__u32 syn_retrans;	/* connect: SYNs retransmitted */
	__u32 retransmits;	/* close: segments retransmitted over the connection */
	__u32 srtt_us;		/* close: smoothed RTT */
	__u32 pad2;
};

#endif /* TCPTRACE_H */
