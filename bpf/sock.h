/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Reading TCP sockets: their 4-tuple, and the socket behind an fd. */
#ifndef TCPTRACE_SOCK_H
#define TCPTRACE_SOCK_H

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* struct file's reference count was an atomic_long_t f_count until 6.12 and
 * is a file_ref_t f_ref since; these flavors let one object read either. */
struct file___f_count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

struct file___f_ref {
	/* file_ref_t, spelled out: headers of older kernels lack the type. */
	struct {
		atomic64_t refcnt;
	} f_ref;
} __attribute__((preserve_access_index));

static __always_inline int sock_state(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
}

static __always_inline bool sk_is_tcp(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family != AF_INET && family != AF_INET6)
		return false;
	/* Bitfields before 5.6, plain u16 since: the probed read takes both. */
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type) == SOCK_STREAM &&
	       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP;
}

static __always_inline bool ipv6_addr_v4mapped(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0x0000ffff);
}

/* Not skc_num: tcp_set_state(CLOSE) clears it (inet_put_port) before the
 * tracepoint fires, so a refused connect would show port 0. */
static __always_inline __u16 sock_sport(struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

static __always_inline __u16 sock_dport(struct sock *sk)
{
	return bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* AF_INET or AF_INET6, as event_read_sock() will report sk. */
static __always_inline __u16 sock_reported_family(struct sock *sk)
{
	struct sock_common *skc = &sk->__sk_common;
	__u8 daddr[16];

	if (BPF_CORE_READ(skc, skc_family) != AF_INET6 || !bpf_core_field_exists(skc->skc_v6_daddr))
		return AF_INET;
	bpf_core_read(daddr, sizeof(daddr), &skc->skc_v6_daddr);
	return ipv6_addr_v4mapped(daddr) ? AF_INET : AF_INET6;
}

/* Fill family, ports, addresses and netns of ev from sk. An AF_INET6 socket
 * talking to an IPv4-mapped peer carries the real IPv4 tuple in its v4
 * fields too; it is reported as IPv4, as the peer sees it. */
static __always_inline void event_read_sock(struct event *ev, struct sock *sk)
{
	struct sock_common *skc = &sk->__sk_common;
	__u16 family = BPF_CORE_READ(skc, skc_family);

	ev->netns_id = BPF_CORE_READ(skc, skc_net.net, ns.inum);
	ev->sport = sock_sport(sk);
	ev->dport = sock_dport(sk);
	__builtin_memset(ev->saddr, 0, sizeof(ev->saddr));
	__builtin_memset(ev->daddr, 0, sizeof(ev->daddr));
	/* Kernels built without IPv6 have no skc_v6_* fields (nor v6 sockets). */
	if (family == AF_INET6 && bpf_core_field_exists(skc->skc_v6_daddr)) {
		bpf_core_read(ev->saddr, 16, &skc->skc_v6_rcv_saddr);
		bpf_core_read(ev->daddr, 16, &skc->skc_v6_daddr);
		if (!ipv6_addr_v4mapped(ev->daddr)) {
			ev->family = AF_INET6;
			return;
		}
		__builtin_memset(ev->saddr, 0, sizeof(ev->saddr));
		__builtin_memset(ev->daddr, 0, sizeof(ev->daddr));
		ev->flags |= EVENT_F_IPV4_MAPPED;
	}
	ev->family = AF_INET;
	bpf_core_read(ev->saddr, 4, &skc->skc_rcv_saddr);
	bpf_core_read(ev->daddr, 4, &skc->skc_daddr);
}

/* The socket's inode number, as /proc/PID/fd and ss -e show it: the inode
 * next to the struct socket in struct socket_alloc. 0 once orphaned. */
static __always_inline __u64 sock_inode(struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	struct socket_alloc *alloc;

	if (!sock)
		return 0;
	alloc = (void *)sock - bpf_core_field_offset(struct socket_alloc, socket);
	return BPF_CORE_READ(alloc, vfs_inode.i_ino);
}

/* What the connection carried, as tcplife reads it, at its close. */
static __always_inline void event_read_tcp_counters(struct event *ev, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	ev->bytes_sent = BPF_CORE_READ(tp, bytes_acked);
	ev->bytes_received = BPF_CORE_READ(tp, bytes_received);
	ev->retransmits = BPF_CORE_READ(tp, total_retrans);
	ev->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;	/* kept as 8 * srtt */
}

/* The destination a connect() asked for, read from the caller's sockaddr. */
struct dest {
	__u16 family;		/* as reported: an IPv4-mapped address is AF_INET; 0 if unreadable */
	__u16 port;		/* host byte order */
	bool mapped;
	__u8 addr[16];
};

static __always_inline void read_user_dest(struct dest *dest, __u64 uaddr, __u32 addrlen)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in *sa4 = (struct sockaddr_in *)&sa6;

	__builtin_memset(dest, 0, sizeof(*dest));
	__builtin_memset(&sa6, 0, sizeof(sa6));
	if (addrlen < sizeof(*sa4) || bpf_probe_read_user(sa4, sizeof(*sa4), (void *)uaddr))
		return;
	if (sa4->sin_family == AF_INET) {
		dest->family = AF_INET;
		dest->port = bpf_ntohs(sa4->sin_port);
		__builtin_memcpy(dest->addr, &sa4->sin_addr, 4);
		return;
	}
	if (sa4->sin_family != AF_INET6 || addrlen < sizeof(sa6) ||
	    bpf_probe_read_user(&sa6, sizeof(sa6), (void *)uaddr))
		return;
	dest->port = bpf_ntohs(sa6.sin6_port);
	if (ipv6_addr_v4mapped((__u8 *)&sa6.sin6_addr)) {
		dest->family = AF_INET;
		dest->mapped = true;
		__builtin_memcpy(dest->addr, (__u8 *)&sa6.sin6_addr + 12, 4);
	} else {
		dest->family = AF_INET6;
		__builtin_memcpy(dest->addr, &sa6.sin6_addr, 16);
	}
}

/* A synchronous failure: the socket has no peer yet, so the event takes
 * the caller's destination, and drops a source of the other family. */
static __always_inline void event_set_dest(struct event *ev, const struct dest *dest)
{
	if (!dest->family)
		return;
	if (dest->family != ev->family)
		__builtin_memset(ev->saddr, 0, sizeof(ev->saddr));
	ev->family = dest->family;
	ev->dport = dest->port;
	__builtin_memcpy(ev->daddr, dest->addr, sizeof(ev->daddr));
	if (dest->mapped)
		ev->flags |= EVENT_F_IPV4_MAPPED;
}

/* The TCP socket that fd refers to in the current task, or NULL. */
static __always_inline struct sock *tcp_sock_from_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file;
	struct socket *sock;
	struct sock *sk;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || !sk_is_tcp(sk))
		return NULL;
	return sk;
}

/*
 * True while a socket's file is being released: the last reference is
 * gone and tcp_close() is running on behalf of whoever dropped it (close(),
 * exit, exec, dup2 ...). tcp_close() changes the state before it orphans
 * the socket, so at that state change sk_socket->file is still there.
 */
static __always_inline bool file_released(struct file *file)
{
	if (bpf_core_field_exists(struct file___f_ref, f_ref)) {
		struct file___f_ref *f = (void *)file;

		/* file_ref_t: 0 is one reference; negative values are the
		 * released and dead zones. */
		return BPF_CORE_READ(f, f_ref.refcnt.counter) < 0;
	}
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter) == 0;
}

#endif /* TCPTRACE_SOCK_H */
