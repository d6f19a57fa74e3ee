// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cheap trials of what each attach form needs, so that --backend auto
 * makes one real load instead of loading the whole object once per form
 * the kernel refuses. Each probe does the real operation on one hook (a
 * two-instruction program loaded and attached, a kprobe opened), not a
 * version or config check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"

#define KPROBE_TYPE_FILE "/sys/bus/event_source/devices/kprobe/type"

struct probe {
	struct btf *vmlinux;	/* parsed once, for every probe that needs it */
	int btf_err;
};

struct probe *probe_new(void)
{
	return calloc(1, sizeof(struct probe));
}

void probe_forget_btf(struct probe *probe)
{
	btf__free(probe->vmlinux);
	probe->vmlinux = NULL;
	probe->btf_err = 0;
}

void probe_free(struct probe *probe)
{
	if (!probe)
		return;
	btf__free(probe->vmlinux);
	free(probe);
}

static int probe_btf_id(struct probe *probe, const char *name, int kind, char *why, size_t len)
{
	int id;

	if (!probe->vmlinux && !probe->btf_err) {
		probe->vmlinux = btf__load_vmlinux_btf();
		if (!probe->vmlinux)
			probe->btf_err = -errno;
	}
	if (!probe->vmlinux) {
		snprintf(why, len, "reading the kernel's BTF: %s", strerror(-probe->btf_err));
		return probe->btf_err;
	}
	id = btf__find_by_name_kind(probe->vmlinux, name, kind);
	if (id < 0)
		snprintf(why, len, "the kernel's BTF has no %s", name);
	return id;
}

/* Load "return 0" as a tracing program on BTF id btf_id and attach it. */
static int probe_tracing_prog(int btf_id, enum bpf_attach_type type, const char *what,
			      char *why, size_t len)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_id = btf_id);
	int prog_fd, link_fd, err;

	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (prog_fd < 0) {
		err = -errno;
		snprintf(why, len, "loading a %s program: %s", what, strerror(-err));
		return err;
	}
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	err = link_fd < 0 ? -errno : 0;
	if (err)
		snprintf(why, len, "attaching a %s program: %s", what, strerror(-err));
	else
		close(link_fd);
	close(prog_fd);
	return err;
}

int probe_fentry(struct probe *probe, const char *func, char *why, size_t len)
{
	int id = probe_btf_id(probe, func, BTF_KIND_FUNC, why, len);
	char what[96];

	if (id < 0)
		return id;
	snprintf(what, sizeof(what), "fexit/%s", func);
	return probe_tracing_prog(id, BPF_TRACE_FEXIT, what, why, len);
}

int probe_tp_btf(struct probe *probe, const char *tracepoint, char *why, size_t len)
{
	char name[128], what[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tracepoint);
	id = probe_btf_id(probe, name, BTF_KIND_TYPEDEF, why, len);
	if (id < 0)
		return id;
	snprintf(what, sizeof(what), "tp_btf/%s", tracepoint);
	return probe_tracing_prog(id, BPF_TRACE_RAW_TP, what, why, len);
}

/* libbpf attaches kprobes through the kprobe PMU: open one on func. */
int probe_kprobe(const char *func, char *why, size_t len)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	FILE *f = fopen(KPROBE_TYPE_FILE, "r");
	int type = -1, fd, err;

	if (!f) {
		err = -errno;
		snprintf(why, len, "no kprobe PMU (%s: %s)", KPROBE_TYPE_FILE, strerror(-err));
		return err;
	}
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	if (type < 0) {
		snprintf(why, len, "cannot read %s", KPROBE_TYPE_FILE);
		return -EINVAL;
	}
	attr.type = type;
	attr.config1 = (__u64)(unsigned long)func;	/* kprobe_func */
	fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "opening a kprobe on %s: %s", func, strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

bool probe_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
}
