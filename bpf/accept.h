/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Accepts: reported when accept()/accept4() returns a TCP socket. */
#ifndef TCPTRACE_ACCEPT_H
#define TCPTRACE_ACCEPT_H

/* kprobe and fentry forms: the socket inet_csk_accept returned (DCCP uses
 * it too). */
static __always_inline void accept_sock(struct sock *sk)
{
	__u32 tid = current_tid();
	__u64 skp = (__u64)sk;

	if (!sk || !type_wanted(EVENT_ACCEPT) || !task_wanted() || !sk_is_tcp(sk))
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
	struct syscall_call *call = current_call();
	__u32 tid = current_tid();
	__u64 *skp = tid_sock_used ? bpf_map_lookup_elem(&tcp_tid_sock, &tid) : NULL;
	struct sock *sk;
	struct event *ev;

	if (ret < 0 || !type_wanted(EVENT_ACCEPT))
		goto cleanup;
	sk = skp ? (struct sock *)*skp : tcp_sock_from_fd(ret);
	if (!sk || !task_wanted())
		goto cleanup;
	ev = event_start(sk, EVENT_ACCEPT);
	if (!ev)
		goto cleanup;
	/* No call: it was asleep in accept() before we attached; its
	 * listening fd is still in the registers saved at entry. */
	fill_proc_info(&ev->proc, call ? call->fd : current_syscall_arg1());
	ev->accept_fd = ret;
	ev->sock_id = sock_inode(sk);
	event_send(ctx, ev);
cleanup:
	forget_syscall();
}

#endif /* TCPTRACE_ACCEPT_H */
