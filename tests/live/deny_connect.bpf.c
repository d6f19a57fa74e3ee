// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For the live suite's eperm case: cgroup/connect4 and cgroup/connect6
 * programs that deny every connect() of the processes in the cgroup they
 * are attached to (the kernel then fails connect() with EPERM, before any
 * SYN). Loaded and attached by tests/live/run.sh with bpftool.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("cgroup/connect4")
int deny_connect4(struct bpf_sock_addr *ctx)
{
	return 0;	/* deny */
}

SEC("cgroup/connect6")
int deny_connect6(struct bpf_sock_addr *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
