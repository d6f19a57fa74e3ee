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

/* Set by user space: only the kprobe and fentry forms hook the kernel
 * functions that fill tcp_tid_sock; the tracepoint forms skip its upkeep. */
const volatile bool tid_sock_used = true;

/* --- connect --- */

/* Any syscall we follow starts afresh: a tcp_v4_connect reached without the
 * connect syscall (TCP Fast Open's sendto, io_uring) may have left a socket. */
static __always_inline void remember_syscall_fd(long fd)
{
	__u32 tid = current_tid();
	__s32 value = fd;

	bpf_map_update_elem(&tcp_tid_fd, &tid, &value, BPF_ANY);
	if (tid_sock_used)
		bpf_map_delete_elem(&tcp_tid_sock, &tid);
}

static __always_inline void forget_syscall(void)
{
	__u32 tid = current_tid();

	if (tid_sock_used)
		bpf_map_delete_elem(&tcp_tid_sock, &tid);
	bpf_map_delete_elem(&tcp_tid_fd, &tid);
}

static __always_inline int sock_state(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
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
 * inside connect() failed synchronously (e.g. no free source port): the
 * kprobe and fentry forms see connect() fail and report nothing; neither
 * does the tracepoint form, which saw SYN_SENT first. */
static __always_inline bool connect_failed_inside(const struct proc_info *proc, int err)
{
	__u32 tid = current_tid();

	return !err && proc->tid == tid && bpf_map_lookup_elem(&tcp_tid_fd, &tid);
}

/*
 * The handshake of a traced connect ends when the socket leaves SYN_SENT
 * (or SYN_RECV, after a simultaneous open) for ESTABLISHED or CLOSE. A
 * socket closed by its owner mid-handshake has no sk_err: report it as
 * aborted rather than as a success.
 */
static __always_inline void connect_state(void *ctx, struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct proc_info *proc;
	struct event *ev;
	int err = 0;

	if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV)
		return;
	if (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return;
	proc = bpf_map_lookup_elem(&tuplepid, &key);
	if (!proc)
		return;
	if (newstate == TCP_CLOSE) {
		err = BPF_CORE_READ(sk, sk_err);
		if (connect_failed_inside(proc, err))
			goto cleanup;
		if (!err)
			err = ECONNABORTED;
	}
	if (failure_only && !err)
		goto cleanup;
	ev = event_start(sk, EVENT_CONNECT);
	if (!ev)
		goto cleanup;
	ev->proc = *proc;
	ev->error = err;
	event_send(ctx, ev);
cleanup:
	bpf_map_delete_elem(&tuplepid, &key);
}

/* --- accept --- */

/* kprobe and fentry forms: the socket inet_csk_accept returned (DCCP uses
 * it too). */
static __always_inline void accept_sock(struct sock *sk)
{
	__u32 tid = current_tid();
	__u64 skp = (__u64)sk;

	if (!sk || !type_wanted(EVENT_ACCEPT) || !sk_is_tcp(sk))
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
	__u64 *skp = tid_sock_used ? bpf_map_lookup_elem(&tcp_tid_sock, &tid) : NULL;
	struct sock *sk;
	struct event *ev;

	/* No listen_fd: the call was asleep in accept() before we attached;
	 * its socket is still worth reporting, without the listening fd. */
	if (ret < 0 || !type_wanted(EVENT_ACCEPT))
		goto cleanup;
	sk = skp ? (struct sock *)*skp : tcp_sock_from_fd(ret);
	if (!sk || !task_wanted())
		goto cleanup;
	ev = event_start(sk, EVENT_ACCEPT);
	if (!ev)
		goto cleanup;
	fill_proc_info(&ev->proc, listen_fd ? *listen_fd : -1);
	ev->accept_fd = ret;
	event_send(ctx, ev);
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
	ev = event_start(sk, EVENT_CLOSE);
	if (!ev)
		return;
	fill_proc_info(&ev->proc, -1);
	event_send(ctx, ev);
}

/* Consume the mark of a socket that reached CLOSE while its file was open. */
static __always_inline bool take_closed_mark(struct sock *sk, __u8 mark)
{
	__u64 key = (__u64)sk;
	__u8 *value = bpf_map_lookup_elem(&closed_sock, &key);
	bool found = value && *value == mark;

	if (value)
		bpf_map_delete_elem(&closed_sock, &key);
	return found;
}

/* kprobe and fentry forms: tcp_close(sk) entry. Sockets without a file are
 * the kernel's own (NFS, iSCSI): not a process's connection. */
static __always_inline void close_enter(void *ctx, struct sock *sk)
{
	int state = sock_state(sk);

	if (!BPF_CORE_READ(sk, sk_socket, file))
		return;
	if (state_was_established(state) ||
	    (state == TCP_CLOSE && take_closed_mark(sk, CLOSED_OPEN)))
		emit_close(ctx, sk);
}

/* tracepoint form: tcp_destroy_sock. __tcp_close() destroys a socket it
 * found in CLOSE at once, in the task that dropped the last reference. */
static __always_inline void sock_destroyed(void *ctx, struct sock *sk)
{
	if (take_closed_mark(sk, CLOSED_OPEN))
		emit_close(ctx, sk);
}

/*
 * tracepoint form: tcp_close() moves an established socket on (FIN_WAIT1,
 * LAST_ACK, CLOSE with unread data) while the socket's file is released and
 * the closer owns the socket lock. The lock rules out softirq, which never
 * changes the state of an owned socket and could run between the last
 * fput() and tcp_close(); the mark rules out a second report when close()
 * sleeps (SO_LINGER) and the backlog moves the socket on again.
 */
static __always_inline bool close_by_release(struct sock *sk, bool released)
{
	__u64 key = (__u64)sk;
	__u8 reported = CLOSE_REPORTED;

	if (!released || !BPF_CORE_READ(sk, sk_lock.owned))
		return false;
	return !bpf_map_update_elem(&closed_sock, &key, &reported, BPF_NOEXIST);
}

/*
 * Every state change of a TCP socket. tracepoint_form is a constant at each
 * call site: the kprobe and fentry forms start connects and see closes
 * through their own hooks.
 */
static __always_inline void sock_state_changed(void *ctx, struct sock *sk, int oldstate,
					       int newstate, bool tracepoint_form)
{
	__u64 key = (__u64)sk;
	struct file *file;
	bool released;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		/* A new connect on sk, inside tcp_v[46]_connect: forget what
		 * an earlier life of this address left behind. */
		bpf_map_delete_elem(&tuplepid, &key);
		bpf_map_delete_elem(&closed_sock, &key);
		if (tracepoint_form && connect_wanted())
			connect_started(sk);
		return;
	}
	if (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV) {
		connect_state(ctx, sk, oldstate, newstate);
		return;
	}
	/* Only the tracepoint form sees closes here; the others need CLOSE. */
	if (!state_was_established(oldstate) || (!tracepoint_form && newstate != TCP_CLOSE))
		return;
	file = BPF_CORE_READ(sk, sk_socket, file);
	if (!file)
		return;
	released = file_released(file);
	if (tracepoint_form && close_by_release(sk, released)) {
		emit_close(ctx, sk);
	} else if (newstate == TCP_CLOSE && !released) {
		__u8 mark = CLOSED_OPEN;

		bpf_map_update_elem(&closed_sock, &key, &mark, BPF_ANY);
	}
}

#endif /* TCPTRACE_HANDLERS_H */
