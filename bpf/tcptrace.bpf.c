// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tcptrace: TCP connect, accept and close events, in four attach forms that
 * share one body of logic (handlers.h):
 *   kprobe     - the seed design (Inspektor Gadget's trace_tcp): ig_*
 *   fentry     - fentry/fexit on the same kernel functions: fe_*, fx_*
 *   tp_btf     - the same two tracepoints as BTF-enabled raw tracepoints:
 *                no per-CPU guard shared with other programs, so never
 *                skipped for running inside a syscall hook: tb_*
 *   tracepoint - sock/inet_sock_set_state and tcp/tcp_destroy_sock, for
 *                kernels without kprobes: tp_*
 * The syscall tracepoints (sys_*) and sched_exit serve all four. User space loads one
 * form and leaves the others' programs unloaded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tcptrace.h"

#include "maps.h"
#include "proc.h"
#include "sock.h"
#include "emit.h"
#include "handlers.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* --- syscall tracepoints: every form --- */

SEC("tracepoint/syscalls/sys_enter_connect")
int sys_connect_e(struct trace_event_raw_sys_enter *ctx)
{
	syscall_entered(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int sys_connect_x(struct trace_event_raw_sys_exit *ctx)
{
	connect_syscall_returned(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int sys_accept_e(struct trace_event_raw_sys_enter *ctx)
{
	syscall_entered(ctx->args[0], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int sys_accept4_e(struct trace_event_raw_sys_enter *ctx)
{
	syscall_entered(ctx->args[0], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sys_accept_x(struct trace_event_raw_sys_exit *ctx)
{
	accept_return(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sys_accept4_x(struct trace_event_raw_sys_exit *ctx)
{
	accept_return(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int sched_exit(void *ctx)
{
	remember_exiting_mntns();
	return 0;
}

SEC("tracepoint/sched/sched_process_free")
int sched_free(struct trace_event_raw_sched_process_template *ctx)
{
	forget_exiting_mntns(ctx->pid);
	return 0;
}

/* --- kprobe form --- */

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(ig_tcp_v4_co_e, struct sock *sk)
{
	connect_enter(sk);
	return 0;
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(ig_tcp_v6_co_e, struct sock *sk)
{
	connect_enter(sk);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(ig_tcp_v4_co_x, int ret)
{
	connect_return(ret);
	return 0;
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(ig_tcp_v6_co_x, int ret)
{
	connect_return(ret);
	return 0;
}

SEC("kprobe/tcp_set_state")
int BPF_KPROBE(ig_tcp_state, struct sock *sk, int state)
{
	sock_state_changed(ctx, sk, sock_state(sk), state, false);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(ig_tcp_accept, struct sock *sk)
{
	accept_sock(sk);
	return 0;
}

SEC("kprobe/tcp_close")
int BPF_KPROBE(ig_tcp_close, struct sock *sk)
{
	close_enter(ctx, sk);
	return 0;
}

/* --- fentry form: fexit sees both the arguments and the return value, so
 * connect needs no entry hook and no tcp_tid_sock. --- */

SEC("fexit/tcp_v4_connect")
int BPF_PROG(fx_tcp_v4_co_x, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	if (connect_wanted())
		connect_returned(sk, ret);
	return 0;
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(fx_tcp_v6_co_x, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	if (connect_wanted())
		connect_returned(sk, ret);
	return 0;
}

SEC("fentry/tcp_set_state")
int BPF_PROG(fe_tcp_state, struct sock *sk, int state)
{
	sock_state_changed(ctx, sk, sock_state(sk), state, false);
	return 0;
}

/* inet_csk_accept's arguments changed in 6.10 (struct proto_accept_arg), so
 * the return value is read with bpf_get_func_ret, which needs neither. */
SEC("fexit/inet_csk_accept")
int fx_tcp_accept(__u64 *ctx)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	accept_sock((struct sock *)ret);
	return 0;
}

SEC("fentry/tcp_close")
int BPF_PROG(fe_tcp_close, struct sock *sk)
{
	close_enter(ctx, sk);
	return 0;
}

/* --- tracepoint form --- */

SEC("tracepoint/sock/inet_sock_set_state")
int tp_sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	sock_state_changed(ctx, (struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate, true);
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tp_destroy_sock(struct trace_event_raw_tcp_event_sk *ctx)
{
	sock_destroyed(ctx, (struct sock *)ctx->skaddr);
	return 0;
}

/* --- tp_btf form: the tracepoints' own arguments, typed by BTF --- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tb_sock_state, struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	sock_state_changed(ctx, sk, oldstate, newstate, true);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tb_destroy_sock, struct sock *sk)
{
	sock_destroyed(ctx, sk);
	return 0;
}
