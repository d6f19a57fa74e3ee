/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Closes: one event per established connection, from the process that
 * dropped the socket's last reference, with what the connection carried.
 * sock_life follows each established socket from ESTABLISHED to its
 * destruction.
 */
#ifndef TCPTRACE_CLOSE_H
#define TCPTRACE_CLOSE_H

#define RCV_SHUTDOWN 1

/* Set by user space: the tracepoint forms report the close of a socket
 * found in CLOSE at tcp_destroy_sock; the kprobe and fentry forms at
 * tcp_close, and only forget the socket at its destruction. */
const volatile bool closes_at_destroy = false;

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

static __always_inline bool close_wanted(void)
{
	return type_wanted(EVENT_CLOSE) && !failure_only;
}

/* Written afresh at ESTABLISHED, whatever an earlier socket at the same
 * address left behind. */
static __always_inline void sock_life_begin(struct sock *sk)
{
	struct sock_life life = { .established_ns = now_ns() };
	__u64 key = (__u64)sk;

	if (close_wanted())
		bpf_map_update_elem(&sock_life, &key, &life, BPF_ANY);
}

static __always_inline struct sock_life *sock_life_of(struct sock *sk)
{
	__u64 key = (__u64)sk;

	return bpf_map_lookup_elem(&sock_life, &key);
}

/*
 * Who ended a connection, from the state change that ended it: the first
 * FIN's side, or a reset: a change to CLOSE straight from a state where
 * data still flowed (a RST sent by tcp_close() over unread data or
 * SO_LINGER 0, or one received), or with sk_err set (tcp_reset() or an
 * abort after retransmission timeouts, in any state).
 */
static __always_inline __u8 closed_by_change(int oldstate, int newstate, int err)
{
	if (newstate == TCP_CLOSE) {
		if (err || oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT)
			return CLOSED_BY_RESET;
		return oldstate == TCP_LAST_ACK ? CLOSED_BY_PEER : CLOSED_BY_LOCAL;
	}
	return newstate == TCP_LAST_ACK || oldstate == TCP_CLOSE_WAIT ? CLOSED_BY_PEER
								      : CLOSED_BY_LOCAL;
}

/*
 * kprobe and fentry forms, at tcp_close() entry: what it is about to do.
 * It resets the connection over unread data (anything but the peer's FIN
 * between copied_seq and rcv_nxt) or under SO_LINGER with a zero timeout;
 * else the first FIN was ours unless the peer's came first (CLOSE_WAIT,
 * LAST_ACK).
 */
static __always_inline __u8 closed_by_at_close(struct sock *sk, int state)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 unread = BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq);
	__u32 fin = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown) & RCV_SHUTDOWN ? 1 : 0;
	__u64 linger = 1ull << bpf_core_enum_value(enum sock_flags, SOCK_LINGER);

	if (unread > fin || ((BPF_CORE_READ(sk, __sk_common.skc_flags) & linger) && !BPF_CORE_READ(sk, sk_lingertime)))
		return CLOSED_BY_RESET;
	return state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK ? CLOSED_BY_PEER : CLOSED_BY_LOCAL;
}

static __always_inline void emit_close(void *ctx, struct sock *sk, __u8 closed_by,
				       const struct sock_life *life)
{
	struct event *ev;

	if (!close_wanted() || !task_wanted())
		return;
	ev = event_start(sk, EVENT_CLOSE);
	if (!ev)
		return;
	fill_proc_info(&ev->proc, -1);
	ev->closed_by = closed_by;
	ev->sock_id = life && life->sock_id ? life->sock_id : sock_inode(sk);
	if (life && life->established_ns)
		ev->duration_ns = ev->timestamp_ns - life->established_ns;
	event_read_tcp_counters(ev, sk);
	event_send(ctx, ev);
}

/* The socket reached CLOSE while its file was open (peer reset, end of a
 * half-close): tcp_close() will change no state, so keep how it ended, and
 * its inode while there is one. */
static __always_inline void mark_closed_open(struct sock *sk, int oldstate)
{
	__u8 closed_by = closed_by_change(oldstate, TCP_CLOSE, BPF_CORE_READ(sk, sk_err));
	struct sock_life *life = sock_life_of(sk);
	__u64 key = (__u64)sk;

	if (life) {
		life->mark = CLOSED_OPEN;
		life->closed_by = closed_by;
		life->sock_id = sock_inode(sk);
	} else if (close_wanted()) {
		struct sock_life fresh = {
			.sock_id = sock_inode(sk),
			.mark = CLOSED_OPEN,
			.closed_by = closed_by,
		};

		bpf_map_update_elem(&sock_life, &key, &fresh, BPF_ANY);
	}
}

/* kprobe and fentry forms: tcp_close(sk) entry. Sockets without a file are
 * the kernel's own (NFS, iSCSI): not a process's connection. */
static __always_inline void close_enter(void *ctx, struct sock *sk)
{
	int state = sock_state(sk);
	struct sock_life *life;

	if (!BPF_CORE_READ(sk, sk_socket, file))
		return;
	if (state_was_established(state)) {
		emit_close(ctx, sk, closed_by_at_close(sk, state), sock_life_of(sk));
	} else if (state == TCP_CLOSE) {
		life = sock_life_of(sk);
		if (life && life->mark == CLOSED_OPEN)
			emit_close(ctx, sk, life->closed_by, life);
	}
}

/* tcp_destroy_sock: the socket's life is over. The tracepoint forms report
 * here the close of a socket __tcp_close() found in CLOSE, which it
 * destroys at once, in the task that dropped the last reference. */
static __always_inline void sock_destroyed(void *ctx, struct sock *sk)
{
	struct sock_life *life = sock_life_of(sk);
	__u64 key = (__u64)sk;

	if (!life)
		return;
	if (closes_at_destroy && life->mark == CLOSED_OPEN)
		emit_close(ctx, sk, life->closed_by, life);
	bpf_map_delete_elem(&sock_life, &key);
}

/*
 * tracepoint forms: tcp_close() moves an established socket on (FIN_WAIT1,
 * LAST_ACK, CLOSE with unread data) while the socket's file is released and
 * the closer owns the socket lock. The lock rules out softirq, which never
 * changes the state of an owned socket and could run between the last
 * fput() and tcp_close(); the mark rules out a second report when close()
 * sleeps (SO_LINGER) and the backlog moves the socket on again.
 */
static __always_inline void close_by_release(void *ctx, struct sock *sk, int oldstate,
					     int newstate)
{
	struct sock_life *life = sock_life_of(sk);
	__u64 key = (__u64)sk;

	if (!BPF_CORE_READ(sk, sk_lock.owned))
		return;
	if (life) {
		if (life->mark == CLOSE_REPORTED)
			return;
		life->mark = CLOSE_REPORTED;
	} else if (close_wanted()) {
		/* Established before we started, or evicted: still one report. */
		struct sock_life reported = { .mark = CLOSE_REPORTED };

		bpf_map_update_elem(&sock_life, &key, &reported, BPF_NOEXIST);
	}
	emit_close(ctx, sk, closed_by_change(oldstate, newstate, 0), life);
}

#endif /* TCPTRACE_CLOSE_H */
