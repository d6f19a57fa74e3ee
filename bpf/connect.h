/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connects. Each attempt that reaches the kernel yields one event: at the
 * end of its handshake (a state change, often in softirq), or, when no
 * handshake will report it, when connect() returns its error.
 */
#ifndef TCPTRACE_CONNECT_H
#define TCPTRACE_CONNECT_H

#define EALREADY 114
#define EINPROGRESS 115
#define EISCONN 106
#define ECONNABORTED 103

static __always_inline bool connect_wanted(void)
{
	return type_wanted(EVENT_CONNECT) && task_wanted();
}

/* kprobe form: remember the socket until tcp_v[46]_connect returns. */
static __always_inline void connect_enter(struct sock *sk)
{
	__u32 tid = current_tid();
	__u64 skp = (__u64)sk;

	if (!connect_wanted())
		return;
	bpf_map_update_elem(&tcp_tid_sock, &tid, &skp, BPF_ANY);
}

/*
 * The connecting task starts a handshake on sk: keep who it is, when it
 * called connect() and the socket's inode, for the end of the handshake,
 * which runs in softirq and may come after the socket lost its file. The
 * call is marked: the handshake's end reports it, not connect()'s return.
 * An IPv4-mapped connect runs tcp_v6_connect and tcp_v4_connect on one
 * socket: the second call finds the same key and overwrites it.
 */
static __always_inline void connect_started(struct sock *sk)
{
	struct syscall_call *call = current_call();
	struct connect_info info;
	__u64 key = (__u64)sk;

	/* No call: io_uring or socketcall(), which skip the syscall tracepoints. */
	fill_proc_info(&info.proc, call ? call->fd : -1);
	info.start_ns = call ? call->start_ns : now_ns();
	info.sock_id = sock_inode(sk);
	if (call)
		call->handshake = 1;
	bpf_map_update_elem(&tuplepid, &key, &info, BPF_ANY);
}

/* kprobe and fentry forms: tcp_v[46]_connect returned ret. Only a socket
 * left in SYN_SENT has a handshake to wait for (TCP_REPAIR goes straight to
 * ESTABLISHED). */
static __always_inline void connect_returned(struct sock *sk, int ret)
{
	if (!ret && sock_state(sk) == TCP_SYN_SENT)
		connect_started(sk);
}

/* kprobe form: the socket saved at entry; consumed, so the second return of
 * an IPv4-mapped connect finds nothing to do. */
static __always_inline void connect_return(int ret)
{
	__u32 tid = current_tid();
	__u64 *skp = bpf_map_lookup_elem(&tcp_tid_sock, &tid);
	struct sock *sk;

	if (!skp)
		return;
	sk = (struct sock *)*skp;
	bpf_map_delete_elem(&tcp_tid_sock, &tid);
	connect_returned(sk, ret);
}

/* A handshake that ends at CLOSE without sk_err in the thread that is still
 * inside connect() was undone there (no free source port, no buffer): it
 * is connect()'s error that tells, so the return reports it. */
static __always_inline bool connect_failed_inside(const struct connect_info *info, int err)
{
	struct syscall_call *call;

	if (err || info->proc.tid != current_tid())
		return false;
	call = current_call();
	if (!call)
		return false;
	call->handshake = 0;
	return true;
}

/*
 * The handshake of a traced connect ends when the socket leaves SYN_SENT
 * (or SYN_RECV, after a simultaneous open) for ESTABLISHED or CLOSE. A
 * socket closed by its owner mid-handshake has no sk_err: report it as
 * aborted rather than as a success.
 */
static __always_inline void connect_state(void *ctx, struct sock *sk, int newstate)
{
	struct connect_info *info;
	__u64 key = (__u64)sk;
	struct event *ev;
	int err = 0;

	if (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return;
	info = bpf_map_lookup_elem(&tuplepid, &key);
	if (!info)
		return;
	if (newstate == TCP_CLOSE) {
		err = BPF_CORE_READ(sk, sk_err);
		if (connect_failed_inside(info, err))
			goto cleanup;
		if (!err)
			err = ECONNABORTED;
	}
	if (failure_only && !err)
		goto cleanup;
	ev = event_start(sk, EVENT_CONNECT);
	if (!ev)
		goto cleanup;
	ev->proc = info->proc;
	ev->error = err;
	ev->sock_id = info->sock_id;
	ev->latency_ns = ev->timestamp_ns - info->start_ns;
	ev->syn_retrans = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	event_send(ctx, ev);
cleanup:
	bpf_map_delete_elem(&tuplepid, &key);
}

/* Errors that are no attempt of their own: in progress, or a repeated
 * connect() on a socket already connecting (EALREADY) or connected. */
static __always_inline bool connect_error_is_final(long ret)
{
	return ret < 0 && ret != -EINPROGRESS && ret != -EALREADY && ret != -EISCONN;
}

/* The synchronous failure of call: what the caller asked for as the
 * destination, whatever source the socket had. */
static __always_inline void connect_failed_now(void *ctx, const struct syscall_call *call,
					       struct sock *sk, int err)
{
	struct dest dest;
	struct event *ev;

	read_user_dest(&dest, call->uaddr, call->addrlen);
	if (filter_family && dest.family && dest.family != filter_family)
		return;
	if (port_filters && !ports_wanted(sock_sport(sk), dest.port))
		return;
	ev = event_start_unfiltered(sk, EVENT_CONNECT);
	if (!ev)
		return;
	event_set_dest(ev, &dest);
	fill_proc_info(&ev->proc, call->fd);
	ev->error = err;
	ev->sock_id = sock_inode(sk);
	ev->latency_ns = ev->timestamp_ns - call->start_ns;
	event_send(ctx, ev);
}

/*
 * connect() returned ret. A failure that no handshake reports (none
 * started: no route, no free port, denied by a cgroup hook or an LSM; or
 * undone inside the call) is reported now. A call interrupted by a signal
 * whose handshake goes on is marked, and its handshake's end reports it.
 */
static __always_inline void connect_syscall_returned(void *ctx, long ret)
{
	struct syscall_call *call = current_call();
	struct sock *sk;

	if (!call || call->handshake || !connect_error_is_final(ret) || !connect_wanted())
		goto cleanup;
	sk = tcp_sock_from_fd(call->fd);
	if (sk)
		connect_failed_now(ctx, call, sk, -ret);
cleanup:
	forget_syscall();
}

#endif /* TCPTRACE_CONNECT_H */
