/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Who the current task is, and whether the user asked to see it. */
#ifndef TCPTRACE_PROC_H
#define TCPTRACE_PROC_H

/* Set by user space before load; the verifier prunes the filters left unset. */
const volatile bool filter_by_mntns = false;
const volatile bool filter_by_cgroup = false;
const volatile __u32 cgroup_subtrees = 0;	/* entries of cgroup_subtree_filter */
const volatile __u32 filter_pid = 0;
const volatile __u32 filter_tid = 0;
const volatile bool filter_by_uid = false;
const volatile __u32 filter_uid = 0;
const volatile bool filter_by_gid = false;
const volatile __u32 filter_gid = 0;
const volatile char filter_comm[TASK_COMM_LEN] = {};
const volatile __u16 filter_family = 0;
const volatile __u32 type_mask = TYPE_MASK_ALL;
const volatile bool failure_only = false;

/* Set by user space: the kernel has bpf_ktime_get_boot_ns (5.8), whose
 * clock goes on across suspend, as the wall clock does. */
const volatile bool use_boot_clock = false;

/* Every time the programs take, so that differences are of one clock. */
static __always_inline __u64 now_ns(void)
{
	return use_boot_clock ? bpf_ktime_get_boot_ns() : bpf_ktime_get_ns();
}

static __always_inline __u64 task_mntns_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* Saved by sched_process_exit, which runs while nsproxy is still set. */
static __always_inline void remember_exiting_mntns(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 mntns_id = task_mntns_id((struct task_struct *)bpf_get_current_task());

	bpf_map_update_elem(&exiting_mntns, &tid, &mntns_id, BPF_ANY);
}

/* The task's struct is freed: its last close is long done. */
static __always_inline void forget_exiting_mntns(__u32 tid)
{
	bpf_map_delete_elem(&exiting_mntns, &tid);
}

static __always_inline __u64 current_mntns_id(void)
{
	__u64 mntns_id;
	__u32 tid;
	__u64 *saved;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct nsproxy *nsproxy = bpf_get_current_task_btf()->nsproxy;

		/* NULL once do_exit() has dropped the namespaces. */
		mntns_id = nsproxy ? nsproxy->mnt_ns->ns.inum : 0;
	} else {
		mntns_id = task_mntns_id((struct task_struct *)bpf_get_current_task());
	}

	if (mntns_id)
		return mntns_id;
	tid = (__u32)bpf_get_current_pid_tgid();
	saved = bpf_map_lookup_elem(&exiting_mntns, &tid);
	return saved ? *saved : 0;
}

static __always_inline bool comm_matches(void)
{
	char comm[TASK_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* --container, --cgroup: the task is in one of the cgroups or below it, so
 * processes started in a container after tcptrace did are followed. */
static __always_inline bool in_cgroup_subtrees(void)
{
	for (__u32 i = 0; i < MAX_CGROUP_FILTERS; i++) {
		if (i >= cgroup_subtrees)
			break;
		if (bpf_current_task_under_cgroup(&cgroup_subtree_filter, i) == 1)
			return true;
	}
	return false;
}

/* The process filters (-p, --tid, -u, --gid, --comm, -m/--mntnsmap,
 * --cgroupmap), applied in process context before anything is stored or
 * sent. */
static __always_inline bool task_wanted(void)
{
	if (filter_pid && (bpf_get_current_pid_tgid() >> 32) != filter_pid)
		return false;
	if (filter_tid && (__u32)bpf_get_current_pid_tgid() != filter_tid)
		return false;
	if (filter_by_uid && (__u32)bpf_get_current_uid_gid() != filter_uid)
		return false;
	if (filter_by_gid && (bpf_get_current_uid_gid() >> 32) != filter_gid)
		return false;
	if (filter_comm[0] && !comm_matches())
		return false;
	if (filter_by_mntns) {
		__u64 mntns_id = current_mntns_id();

		if (!bpf_map_lookup_elem(&gadget_mntns_filter_map, &mntns_id))
			return false;
	}
	if (filter_by_cgroup) {
		/* The task's cgroup v2 id, as bcc's --cgroupmap keys it. */
		__u64 cgroup_id = bpf_get_current_cgroup_id();

		if (!bpf_map_lookup_elem(&cgroup_filter_map, &cgroup_id))
			return false;
	}
	if (cgroup_subtrees && !in_cgroup_subtrees())
		return false;
	return true;
}

static __always_inline bool type_wanted(__u8 type)
{
	return type_mask & TYPE_BIT(type);
}

/*
 * With bpf_get_current_task_btf (5.11) the task and its parent are read
 * with plain loads the verifier guards, not a helper call per field.
 */
static __always_inline void fill_parent_info(struct proc_info *proc)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *parent = bpf_get_current_task_btf()->real_parent;

		proc->ppid = parent->tgid;
		proc->ptid = parent->pid;
		__builtin_memcpy(proc->pcomm, parent->comm, sizeof(proc->pcomm));
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct task_struct *parent = BPF_CORE_READ(task, real_parent);

		proc->ppid = BPF_CORE_READ(parent, tgid);
		proc->ptid = BPF_CORE_READ(parent, pid);
		bpf_core_read_str(proc->pcomm, sizeof(proc->pcomm), &parent->comm);
	}
}

static __always_inline void fill_proc_info(struct proc_info *proc, __s32 fd)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	proc->mntns_id = current_mntns_id();
	proc->cgroup_id = bpf_get_current_cgroup_id();
	proc->pid = pid_tgid >> 32;
	proc->tid = (__u32)pid_tgid;
	proc->uid = (__u32)uid_gid;
	proc->gid = uid_gid >> 32;
	proc->fd = fd;
	proc->pad = 0;
	bpf_get_current_comm(proc->comm, sizeof(proc->comm));
	fill_parent_info(proc);
}

#endif /* TCPTRACE_PROC_H */
