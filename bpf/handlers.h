/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The logic every attach form shares. The hooks in tcptrace.bpf.c only
 * adapt their context to these calls.
 */
#ifndef TCPTRACE_HANDLERS_H
#define TCPTRACE_HANDLERS_H

#include "syscall.h"
#include "connect.h"
#include "accept.h"
#include "close.h"

/* A new socket takes the address sk: forget what an earlier one there left
 * behind (an entry a missed hook did not remove). */
static __always_inline void sock_reborn(struct sock *sk, bool keep_tuplepid)
{
	__u64 key = (__u64)sk;

	if (!keep_tuplepid)
		bpf_map_delete_elem(&tuplepid, &key);
	bpf_map_delete_elem(&sock_life, &key);
}

/*
 * Every state change of a TCP socket. tracepoint_form is a constant at each
 * call site: the kprobe and fentry forms start connects and see closes
 * through their own hooks.
 */
static __always_inline void sock_state_changed(void *ctx, struct sock *sk, int oldstate,
					       int newstate, bool tracepoint_form)
{
	struct file *file;
	bool released;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		/* A new connect, inside tcp_v[46]_connect. */
		bool start = tracepoint_form && connect_wanted();

		sock_reborn(sk, start);
		if (start)
			connect_started(sk);
		return;
	}
	if ((oldstate == TCP_CLOSE && newstate == TCP_LISTEN) ||
	    (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV)) {
		/* A new listener, or an accepted child's first state (only
		 * the tracepoints see the clone's). */
		sock_reborn(sk, false);
		return;
	}
	if (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV) {
		connect_state(ctx, sk, newstate);
		if (newstate == TCP_ESTABLISHED)
			sock_life_begin(sk);
		return;
	}
	/* Only the tracepoint forms see closes here; the others need CLOSE. */
	if (!state_was_established(oldstate) || (!tracepoint_form && newstate != TCP_CLOSE))
		return;
	file = BPF_CORE_READ(sk, sk_socket, file);
	if (!file)
		return;
	released = file_released(file);
	if (tracepoint_form && released)
		close_by_release(ctx, sk, oldstate, newstate);
	else if (newstate == TCP_CLOSE && !released)
		mark_closed_open(sk, oldstate);
}

#endif /* TCPTRACE_HANDLERS_H */
