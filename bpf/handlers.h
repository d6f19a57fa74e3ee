/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The logic every attach form shares. The hooks in tcptrace.bpf.c only
 * adapt their context to these calls.
 */
#ifndef TCPTRACE_HANDLERS_H
#define TCPTRACE_HANDLERS_H

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline struct event *event_new(__u8 type)
{
	__u32 zero = 0;
	struct event *ev = bpf_map_lookup_elem(&gadget_heap, &zero);

	if (!ev)
		return NULL;
	ev->timestamp_ns = bpf_ktime_get_ns();
	ev->type = type;
	ev->pad = 0;
	ev->pad2 = 0;
	ev->error = 0;
	ev->accept_fd = -1;
	return ev;
}

static __always_inline void event_submit(void *ctx, struct event *ev, struct sock *sk)
{
	event_read_sock(ev, sk);
	if (filter_family && ev->family != filter_family)
		return;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, ev, sizeof(*ev));
}

/* --- connect --- */

static __always_inline void remember_syscall_fd(long fd)
{
	__u32 tid = current_tid();
	__s32 value = fd;

	bpf_map_update_elem(&tcp_tid_fd, &tid, &value, BPF_ANY);
}

static __always_inline void forget_syscall(void)
{
	__u32 tid = current_tid();

	bpf_map_delete_elem(&tcp_tid_sock, &tid);
	bpf_map_delete_elem(&tcp_tid_fd, &tid);
}

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
 * The connecting task starts a handshake on sk: keep who it is, for the
 * end of the handshake, which runs in softirq. An IPv4-mapped connect runs
 * tcp_v6_connect and tcp_v4_connect on one socket: the second call finds
 * the same key and overwrites it, so one event follows.
 */
static __always_inline void connect_started(struct sock *sk)
{
	__u32 tid = current_tid();
	__u64 key = (__u64)sk;
	struct proc_info proc;
	__s32 *fd = bpf_map_lookup_elem(&tcp_tid_fd, &tid);

	/* No fd: io_uring or socketcall(), which skip the syscall tracepoints. */
	fill_proc_info(&proc, fd ? *fd : -1);
	bpf_map_update_elem(&tuplepid, &key, &proc, BPF_ANY);
}

/* kprobe form: tcp_v[46]_connect returned ret on the socket saved at entry. */
static __always_inline void connect_return(int ret)
{
	__u32 tid = current_tid();
	__u64 *skp = bpf_map_lookup_elem(&tcp_tid_sock, &tid);

	if (!skp || ret)
		return;
	connect_started((struct sock *)*skp);
}

/*
 * A state change of sk: the handshake of a traced connect ends at
 * ESTABLISHED or CLOSE. A socket closed by its owner while in SYN_SENT has
 * no sk_err: report it as aborted rather than as a success.
 */
static __always_inline void connect_state(void *ctx, struct sock *sk, int newstate)
{
	__u64 key = (__u64)sk;
	struct proc_info *proc;
	struct event *ev;

	if (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return;
	proc = bpf_map_lookup_elem(&tuplepid, &key);
	if (!proc)
		return;
	ev = event_new(EVENT_CONNECT);
	if (!ev)
		goto cleanup;
	ev->proc = *proc;
	if (newstate == TCP_CLOSE) {
		ev->error = BPF_CORE_READ(sk, sk_err);
		if (!ev->error)
			ev->error = ECONNABORTED;
	}
	if (!failure_only || ev->error)
		event_submit(ctx, ev, sk);
cleanup:
	bpf_map_delete_elem(&tuplepid, &key);
}

/* --- accept --- */

/* kprobe and fentry forms: the socket inet_csk_accept returned. */
static __always_inline void accept_sock(struct sock *sk)
{
	__u32 tid = current_tid();
	__u64 skp = (__u64)sk;

	if (!sk || !type_wanted(EVENT_ACCEPT) || !task_wanted())
		return;
	bpf_map_update_elem(&tcp_tid_sock, &tid, &skp, BPF_ANY);
}

/*
 * accept()/accept4() returned ret. The socket comes from inet_csk_accept's
 * return where that is hooked, else from the new fd through the file
 * table; the fd also catches accepts whose kretprobe instance was missed
 * (maxactive) and those already asleep when the kretprobe was attached.
 */
static __always_inline void accept_return(void *ctx, long ret)
{
	__u32 tid = current_tid();
	__s32 *listen_fd = bpf_map_lookup_elem(&tcp_tid_fd, &tid);
	__u64 *skp = bpf_map_lookup_elem(&tcp_tid_sock, &tid);
	struct sock *sk;
	struct event *ev;

	/* No listen_fd: the call was asleep in accept() before we attached;
	 * its socket is still worth reporting, without the listening fd. */
	if (ret < 0 || !type_wanted(EVENT_ACCEPT))
		goto cleanup;
	sk = skp ? (struct sock *)*skp : tcp_sock_from_fd(ret);
	if (!sk || !task_wanted())
		goto cleanup;
	ev = event_new(EVENT_ACCEPT);
	if (!ev)
		goto cleanup;
	fill_proc_info(&ev->proc, listen_fd ? *listen_fd : -1);
	ev->accept_fd = ret;
	event_submit(ctx, ev, sk);
cleanup:
	forget_syscall();
}

/* --- close --- */

/* States in which a socket has been established at some point. */
static __always_inline bool state_was_established(int state)
{
	switch (state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static __always_inline void emit_close(void *ctx, struct sock *sk)
{
	struct event *ev;

	if (!type_wanted(EVENT_CLOSE) || failure_only || !task_wanted())
		return;
	ev = event_new(EVENT_CLOSE);
	if (!ev)
		return;
	fill_proc_info(&ev->proc, -1);
	event_submit(ctx, ev, sk);
}

/* kprobe and fentry forms: tcp_close(sk) entry. */
static __always_inline void close_enter(void *ctx, struct sock *sk)
{
	if (state_was_established(BPF_CORE_READ(sk, __sk_common.skc_state)))
		emit_close(ctx, sk);
}

/* --- tracepoint form: inet_sock_set_state --- */

static __always_inline void sock_state_changed(void *ctx, struct sock *sk,
					       int oldstate, int newstate)
{
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		/* Set inside tcp_v[46]_connect, in the connecting task. */
		if (connect_wanted())
			connect_started(sk);
		return;
	}
	if (oldstate == TCP_SYN_SENT) {
		connect_state(ctx, sk, newstate);
		return;
	}
	/* tcp_close() moves an established socket on (FIN_WAIT1, LAST_ACK,
	 * or CLOSE with unread data) once, before it orphans the socket. */
	if (state_was_established(oldstate) && sock_file_released(sk))
		emit_close(ctx, sk);
}

#endif /* TCPTRACE_HANDLERS_H */
