/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The connect()/accept()/accept4() a thread is in (tcp_tid_fd), and the
 * socket it works on (tcp_tid_sock). */
#ifndef TCPTRACE_SYSCALL_H
#define TCPTRACE_SYSCALL_H

/* Set by user space: only the kprobe and fentry forms hook the kernel
 * functions that fill tcp_tid_sock; the tracepoint forms skip its upkeep. */
const volatile bool tid_sock_used = true;

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* Any syscall we follow starts afresh: a tcp_v4_connect reached without the
 * connect syscall (TCP Fast Open's sendto, io_uring) may have left a socket. */
static __always_inline void syscall_entered(long fd, __u64 uaddr, __u32 addrlen)
{
	struct syscall_call call = {
		.start_ns = now_ns(),
		.uaddr = uaddr,
		.fd = fd,
		.addrlen = addrlen,
	};
	__u32 tid = current_tid();

	bpf_map_update_elem(&tcp_tid_fd, &tid, &call, BPF_ANY);
	if (tid_sock_used)
		bpf_map_delete_elem(&tcp_tid_sock, &tid);
}

static __always_inline struct syscall_call *current_call(void)
{
	__u32 tid = current_tid();

	return bpf_map_lookup_elem(&tcp_tid_fd, &tid);
}

static __always_inline void forget_syscall(void)
{
	__u32 tid = current_tid();

	if (tid_sock_used)
		bpf_map_delete_elem(&tcp_tid_sock, &tid);
	bpf_map_delete_elem(&tcp_tid_fd, &tid);
}

/*
 * The first argument of the syscall the current task is in, from the user
 * registers saved at entry (bpf_task_pt_regs: 5.15): what a syscall exit
 * hook needs when the entry hook never ran (the call was asleep before we
 * attached). -1 where the kernel cannot tell.
 */
static __always_inline long current_syscall_arg1(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs)) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

		return PT_REGS_PARM1_CORE_SYSCALL(regs);
	}
	return -1;
}

#endif /* TCPTRACE_SYSCALL_H */
