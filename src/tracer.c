// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one file that knows the skeleton: it picks an attach form (cheap
 * probes, then one real load and attach), sets the filters and the
 * transport, and reads the ring buffer or the perf buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tcptrace.skel.h"
#include "preflight.h"
#include "probe.h"
#include "safe_text.h"
#include "tracer.h"

#define PERF_BUFFER_PAGES 64
/* Wake the reader once per this many events, not per event: a wakeup per
 * connect/accept/close costs the traced workload much of its connection
 * rate. What a quiet CPU holds back is read at the next poll timeout. */
#define WAKEUP_EVENTS 32
/* The ring buffer, shared by all CPUs. Its reader is woken when this much
 * waits (about 450 events), always when half of it does; else at the next
 * poll timeout. The kernel maps its data pages twice into our address
 * space, all at once, so it counts twice in our RSS: keep it small. */
#define RING_BYTES (512u << 10)
#define RING_WAKEUP_AT (RING_BYTES / 8)
#define RING_URGENT_AT (RING_BYTES / 2)
/* Added to every LRU map per possible CPU (see bpf/maps.h). */
#define LRU_ENTRIES_PER_CPU 256
#define MAX_LINKS 32
#define PATH_SHOWN_LEN 1024

struct tracer {
	struct tcptrace_bpf *skel;
	struct perf_buffer *pb;
	struct ring_buffer *rb;
	int ring_epoll_fd;
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *linked_progs[MAX_LINKS];
	int nr_links;
	pthread_t detach_threads[MAX_LINKS];
	bool detach_started[MAX_LINKS];
	bool detaching;		/* the threads above are under way */
	enum backend backend;
	enum transport transport;
	unsigned long long perf_lost;
	unsigned long long samples;
	int nr_cpus;		/* possible CPUs: the values of a per-CPU map */
	__u64 *percpu_counts;
	tracer_sample_fn on_sample;
	void *cookie;
};

/* Why the last trial failed, for the one line the user sees. */
static char trial_error[256];

static bool verbose, debug;

/* -v: libbpf's warnings and notes; -vv: its debug output too. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose || (level == LIBBPF_DEBUG && !debug))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void set_trial_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(trial_error, sizeof(trial_error), fmt, args);
	va_end(args);
}

#define FORM(b) (1u << (b))
#define ALL_FORMS (FORM(BACKEND_FENTRY) | FORM(BACKEND_KPROBE) | FORM(BACKEND_TP_BTF) | \
		   FORM(BACKEND_TRACEPOINT))

#define CONNECT TYPE_BIT(EVENT_CONNECT)
#define ACCEPT TYPE_BIT(EVENT_ACCEPT)
#define CLOSE TYPE_BIT(EVENT_CLOSE)

/*
 * Load only the backend's programs, so no kernel sees one it can't take,
 * and of those only the ones the requested event types need, so that
 * --connect-only costs nothing on accept() and close.
 */
static void select_programs(struct tcptrace_bpf *skel, enum backend backend, __u32 type_mask)
{
	const struct {
		struct bpf_program *prog;
		unsigned int forms;
		__u32 types;
	} progs[] = {
		{ skel->progs.sys_connect_e, ALL_FORMS, CONNECT },
		{ skel->progs.sys_connect_x, ALL_FORMS, CONNECT },
		{ skel->progs.sys_accept_e, ALL_FORMS, ACCEPT },
		{ skel->progs.sys_accept4_e, ALL_FORMS, ACCEPT },
		{ skel->progs.sys_accept_x, ALL_FORMS, ACCEPT },
		{ skel->progs.sys_accept4_x, ALL_FORMS, ACCEPT },
		{ skel->progs.sched_exit, ALL_FORMS, CLOSE },
		{ skel->progs.sched_free, ALL_FORMS, CLOSE },
		{ skel->progs.ig_tcp_v4_co_e, FORM(BACKEND_KPROBE), CONNECT },
		{ skel->progs.ig_tcp_v6_co_e, FORM(BACKEND_KPROBE), CONNECT },
		{ skel->progs.ig_tcp_v4_co_x, FORM(BACKEND_KPROBE), CONNECT },
		{ skel->progs.ig_tcp_v6_co_x, FORM(BACKEND_KPROBE), CONNECT },
		{ skel->progs.ig_tcp_state, FORM(BACKEND_KPROBE), CONNECT | CLOSE },
		{ skel->progs.ig_tcp_accept, FORM(BACKEND_KPROBE), ACCEPT },
		{ skel->progs.ig_tcp_close, FORM(BACKEND_KPROBE), CLOSE },
		{ skel->progs.fx_tcp_v4_co_x, FORM(BACKEND_FENTRY), CONNECT },
		{ skel->progs.fx_tcp_v6_co_x, FORM(BACKEND_FENTRY), CONNECT },
		{ skel->progs.fe_tcp_state, FORM(BACKEND_FENTRY), CONNECT | CLOSE },
		{ skel->progs.fx_tcp_accept, FORM(BACKEND_FENTRY), ACCEPT },
		{ skel->progs.fe_tcp_close, FORM(BACKEND_FENTRY), CLOSE },
		{ skel->progs.tp_sock_state, FORM(BACKEND_TRACEPOINT), CONNECT | CLOSE },
		/* Every form forgets a socket at its destruction; the
		 * kprobe and fentry forms take the kind they can attach. */
		{ skel->progs.tp_destroy_sock, FORM(BACKEND_TRACEPOINT) | FORM(BACKEND_KPROBE), CLOSE },
		{ skel->progs.tb_sock_state, FORM(BACKEND_TP_BTF), CONNECT | CLOSE },
		{ skel->progs.tb_destroy_sock, FORM(BACKEND_TP_BTF) | FORM(BACKEND_FENTRY), CLOSE },
	};
	struct bpf_program *prog;
	size_t i;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_autoload(progs[i].prog, (progs[i].forms & FORM(backend)) &&
							 (progs[i].types & type_mask));
}

/* bpf_ktime_get_boot_ns (5.8): event times that go on across suspend.
 * Probed once, whatever the number of trials. */
static bool have_boot_clock(void)
{
	static int have = -1;

	if (have < 0)
		have = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
					       BPF_FUNC_ktime_get_boot_ns, NULL) == 1;
	return have;
}

static void set_filters(struct tcptrace_bpf *skel, const struct options *opts)
{
	struct tcptrace_bpf__rodata *rodata = skel->rodata;

	rodata->filter_by_mntns = opts->mntns_count > 0 || opts->mntns_map_path;
	rodata->filter_by_cgroup = opts->cgroup_map_path != NULL;
	rodata->filter_pid = opts->pid;
	rodata->filter_tid = opts->tid;
	rodata->filter_by_uid = opts->uid >= 0;
	rodata->filter_uid = opts->uid >= 0 ? (__u32)opts->uid : 0;
	rodata->filter_by_gid = opts->gid >= 0;
	rodata->filter_gid = opts->gid >= 0 ? (__u32)opts->gid : 0;
	rodata->port_filters = (opts->lports.count ? PORT_LOCAL : 0) |
			       (opts->dports.count ? PORT_REMOTE : 0) |
			       (opts->ports.count ? PORT_EITHER : 0);
	rodata->use_boot_clock = have_boot_clock();
	rodata->cgroup_subtrees = opts->ncgroup_dirs;
	memcpy((char *)rodata->filter_comm, opts->comm, sizeof(rodata->filter_comm));
	rodata->filter_family = opts->family;
	rodata->type_mask = opts->type_mask;
	rodata->failure_only = opts->failure_only;
}

static void set_form(struct tcptrace_bpf *skel, enum backend backend)
{
	bool hooks_functions = backend == BACKEND_KPROBE || backend == BACKEND_FENTRY;

	skel->rodata->tid_sock_used = hooks_functions;
	skel->rodata->closes_at_destroy = !hooks_functions;
}

/* The LRU maps, whose entries a killed thread or a freed socket can orphan. */
static void size_lru_maps(struct tcptrace_bpf *skel, int cpus)
{
	struct bpf_map *lru[] = {
		skel->maps.tcp_tid_sock, skel->maps.tcp_tid_fd, skel->maps.exiting_mntns,
		skel->maps.tuplepid, skel->maps.sock_life,
	};
	size_t i;

	for (i = 0; i < sizeof(lru) / sizeof(lru[0]); i++)
		bpf_map__set_max_entries(lru[i], bpf_map__max_entries(lru[i]) +
						 cpus * LRU_ENTRIES_PER_CPU);
}

/*
 * The programs reference both transports' maps; the unused one is kept as
 * small as the kernel allows. A kernel without ring buffers (before 5.8)
 * gets a one-entry array in its place: only the verifier's pruned branch
 * uses it.
 */
static void set_transport(struct tcptrace_bpf *skel, enum transport transport, bool have_ringbuf)
{
	struct bpf_map *ring = skel->maps.events_ring;

	skel->rodata->use_ringbuf = transport == TRANSPORT_RINGBUF;
	skel->rodata->ring_wakeup_at = RING_WAKEUP_AT;
	skel->rodata->ring_urgent_at = RING_URGENT_AT;
	if (transport == TRANSPORT_RINGBUF) {
		bpf_map__set_max_entries(ring, RING_BYTES);
	} else if (have_ringbuf) {
		bpf_map__set_max_entries(ring, getpagesize());
	} else {
		bpf_map__set_type(ring, BPF_MAP_TYPE_ARRAY);
		bpf_map__set_key_size(ring, 4);
		bpf_map__set_value_size(ring, 4);
		bpf_map__set_max_entries(ring, 1);
	}
}

/*
 * What a pinned BPF object is: bpf_obj_get_info_by_fd() fills whatever
 * struct it is given, so a program's info read as a map's is garbage. The
 * fd's fdinfo names the kind.
 */
static const char *bpf_object_kind(int fd)
{
	const char *kind = "object of unknown kind";
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return kind;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_type:", 9)) {
			kind = "map";
			break;
		}
		if (!strncmp(line, "prog_type:", 10)) {
			kind = "program";
			break;
		}
		if (!strncmp(line, "link_type:", 10)) {
			kind = "link";
			break;
		}
	}
	fclose(f);
	return kind;
}

/*
 * Reuse a pinned mount-namespace map (bcc's --mntnsmap, Inspektor Gadget's
 * map): it must have our layout, or lookups would read the wrong key size.
 */
/* What a pinned filter map must be for its lookups to read the right bytes. */
struct pinned_layout {
	const char *option;
	__u32 key_size, value_size;
	const char *want;
};

static const struct pinned_layout mntns_layout = {
	"--mntnsmap", 8, 4, "a hash map with an 8-byte mount-namespace key and a 4-byte value",
};

static const struct pinned_layout cgroup_layout = {
	"--cgroupmap", 8, 8, "a hash map with an 8-byte cgroup-id key and an 8-byte value",
};

/*
 * Reuse a pinned filter map (bcc's --mntnsmap and --cgroupmap, Inspektor
 * Gadget's mount-namespace map): it must have the layout, or lookups would
 * read the wrong key size.
 */
static int reuse_pinned_map(struct bpf_map *map, const char *path,
			    const struct pinned_layout *layout)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char shown[PATH_SHOWN_LEN];
	const char *kind;
	int fd, err;

	/* User-supplied: escaped, so the error stays one line of text. */
	safe_text(shown, sizeof(shown), path, strlen(path));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "tcptrace: cannot open pinned map %s: %s\n", shown, strerror(-err));
		return err;
	}
	kind = bpf_object_kind(fd);
	if (strcmp(kind, "map")) {
		fprintf(stderr, "tcptrace: %s is a pinned BPF %s, not a map\n", shown, kind);
		err = -EINVAL;
		goto cleanup;
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (err) {
		err = -errno;
		fprintf(stderr, "tcptrace: cannot read pinned map %s: %s\n", shown, strerror(-err));
		goto cleanup;
	}
	if (info.type != BPF_MAP_TYPE_HASH || info.key_size != layout->key_size ||
	    info.value_size != layout->value_size) {
		fprintf(stderr, "tcptrace: pinned map %s has the wrong layout for %s (type %u, key %u bytes, value %u bytes): want %s\n",
			shown, layout->option, info.type, info.key_size, info.value_size,
			layout->want);
		err = -EINVAL;
		goto cleanup;
	}
	err = bpf_map__reuse_fd(map, fd);
	if (err)
		fprintf(stderr, "tcptrace: cannot reuse pinned map %s: %s\n", shown, strerror(-err));
cleanup:
	close(fd);
	return err;
}

/* --container, --cgroup: the cgroups' fds, whose subtrees are traced. */
static int fill_cgroup_subtrees(struct tcptrace_bpf *skel, const struct options *opts)
{
	int map_fd = bpf_map__fd(skel->maps.cgroup_subtree_filter);
	__u32 i;
	int fd, err;

	for (i = 0; i < (__u32)opts->ncgroup_dirs; i++) {
		fd = open(opts->cgroup_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
		if (!err && bpf_map_update_elem(map_fd, &i, &fd, BPF_ANY))
			err = -errno;
		if (fd >= 0)
			close(fd);
		if (err) {
			char shown[PATH_SHOWN_LEN];

			safe_text(shown, sizeof(shown), opts->cgroup_dirs[i],
				  strlen(opts->cgroup_dirs[i]));
			fprintf(stderr, "tcptrace: cannot filter on cgroup %s: %s\n", shown,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

/* -L, -D, -P: each port's kinds in the port_filter array. */
static int fill_port_filter(struct tcptrace_bpf *skel, const struct options *opts)
{
	const struct { const struct port_list *list; __u8 kind; } kinds[] = {
		{ &opts->lports, PORT_LOCAL },
		{ &opts->dports, PORT_REMOTE },
		{ &opts->ports, PORT_EITHER },
	};
	int fd = bpf_map__fd(skel->maps.port_filter);
	size_t k;
	int i;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < kinds[k].list->count; i++) {
			__u32 port = kinds[k].list->ports[i];
			__u8 bits = 0;

			bpf_map_lookup_elem(fd, &port, &bits);
			bits |= kinds[k].kind;
			if (bpf_map_update_elem(fd, &port, &bits, BPF_ANY)) {
				int err = -errno;

				fprintf(stderr, "tcptrace: cannot set the port filter: %s\n",
					strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

static int fill_mntns_map(struct tcptrace_bpf *skel, const struct options *opts)
{
	int fd = bpf_map__fd(skel->maps.gadget_mntns_filter_map);
	__u32 allowed = 1;
	int i;

	for (i = 0; i < opts->mntns_count; i++) {
		if (bpf_map_update_elem(fd, &opts->mntns_ids[i], &allowed, BPF_ANY)) {
			int err = -errno;

			fprintf(stderr, "tcptrace: cannot add mount namespace %llu to the filter: %s\n",
				(unsigned long long)opts->mntns_ids[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int attach_programs(struct tracer *tracer)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, tracer->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (tracer->nr_links == MAX_LINKS) {
			set_trial_error("more than %d programs to attach", MAX_LINKS);
			return -E2BIG;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;

			set_trial_error("attaching %s (%s): %s", bpf_program__name(prog),
					bpf_program__section_name(prog), strerror(-err));
			return err;
		}
		tracer->linked_progs[tracer->nr_links] = prog;
		tracer->links[tracer->nr_links++] = link;
	}
	return 0;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detaching a tracepoint waits for an RCU grace period (30-50 ms here),
 * and one link after another that made every exit take half a second.
 * Threads let the kernel wait for all of them at once. The buffers stay
 * readable meanwhile: what the programs sent is drained while they go.
 */
static void detach_begin(struct tracer *tracer)
{
	int i;

	if (tracer->detaching)
		return;
	for (i = 0; i < tracer->nr_links; i++)
		tracer->detach_started[i] = !pthread_create(&tracer->detach_threads[i], NULL,
							    destroy_link, tracer->links[i]);
	tracer->detaching = true;
}

static void detach_programs(struct tracer *tracer)
{
	int i;

	detach_begin(tracer);
	for (i = 0; i < tracer->nr_links; i++) {
		if (tracer->detach_started[i])
			pthread_join(tracer->detach_threads[i], NULL);
		else
			bpf_link__destroy(tracer->links[i]);
	}
	tracer->nr_links = 0;
	tracer->detaching = false;
}

void tracer_detach_begin(struct tracer *tracer)
{
	detach_begin(tracer);
}

/* The records of a BPF output perf event, as the kernel writes them. */
struct sample_record {
	struct perf_event_header header;
	__u32 size;
	char data[];
};

struct lost_record {
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

static enum bpf_perf_event_ret handle_record(void *ctx, int cpu, struct perf_event_header *header)
{
	struct tracer *tracer = ctx;

	switch (header->type) {
	case PERF_RECORD_SAMPLE: {
		struct sample_record *sample = (struct sample_record *)header;

		tracer->samples++;
		tracer->on_sample(tracer->cookie, sample->data, sample->size);
		break;
	}
	case PERF_RECORD_LOST:
		tracer->perf_lost += ((struct lost_record *)header)->lost;
		break;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static int ring_sample(void *ctx, void *data, size_t size)
{
	struct tracer *tracer = ctx;

	tracer->samples++;
	tracer->on_sample(tracer->cookie, data, size);
	return 0;
}

/*
 * libbpf's own epoll on the ring is level-triggered: it would return at
 * once while a single event waits, and the reader would wake per event.
 * An edge-triggered epoll wakes on the kernel's (batched) wakeups only.
 */
static int open_ring_buffer(struct tracer *tracer)
{
	int ring_fd = bpf_map__fd(tracer->skel->maps.events_ring);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };

	tracer->rb = ring_buffer__new(ring_fd, ring_sample, tracer, NULL);
	if (!tracer->rb)
		return -errno;
	tracer->ring_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (tracer->ring_epoll_fd < 0)
		return -errno;
	return epoll_ctl(tracer->ring_epoll_fd, EPOLL_CTL_ADD, ring_fd, &ev) ? -errno : 0;
}

static struct perf_buffer *open_perf_buffer(struct tracer *tracer)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = WAKEUP_EVENTS,
	};

	return perf_buffer__new_raw(bpf_map__fd(tracer->skel->maps.events), PERF_BUFFER_PAGES,
				    &attr, handle_record, tracer, NULL);
}

static int open_reader(struct tracer *tracer)
{
	if (tracer->transport == TRANSPORT_RINGBUF)
		return open_ring_buffer(tracer);
	tracer->pb = open_perf_buffer(tracer);
	return tracer->pb ? 0 : -errno;
}

static void close_reader(struct tracer *tracer)
{
	perf_buffer__free(tracer->pb);
	tracer->pb = NULL;
	ring_buffer__free(tracer->rb);
	tracer->rb = NULL;
	if (tracer->ring_epoll_fd >= 0)
		close(tracer->ring_epoll_fd);
	tracer->ring_epoll_fd = -1;
}

/*
 * One trial: open, load and attach one form. Returns 0, or a negative errno
 * with the reason in trial_error (the form does not work here), or with
 * *fatal set after printing a line itself (bad input: another form would
 * fail the same way).
 */
static int try_backend(struct tracer *tracer, const struct options *opts, enum backend backend,
		       bool have_ringbuf, bool *fatal)
{
	struct tcptrace_bpf *skel;
	int err;

	skel = tcptrace_bpf__open();
	if (!skel) {
		err = -errno;
		set_trial_error("opening the BPF object: %s", strerror(-err));
		return err;
	}
	tracer->skel = skel;
	tracer->backend = backend;
	select_programs(skel, backend, opts->type_mask);
	set_form(skel, backend);
	set_filters(skel, opts);
	size_lru_maps(skel, tracer->nr_cpus);
	set_transport(skel, tracer->transport, have_ringbuf);
	if (opts->mntns_map_path) {
		err = reuse_pinned_map(skel->maps.gadget_mntns_filter_map, opts->mntns_map_path,
				       &mntns_layout);
		if (err)
			goto fatal;
	}
	if (opts->cgroup_map_path) {
		err = reuse_pinned_map(skel->maps.cgroup_filter_map, opts->cgroup_map_path,
				       &cgroup_layout);
		if (err)
			goto fatal;
	}
	err = tcptrace_bpf__load(skel);
	if (err) {
		set_trial_error("loading its programs: %s", strerror(-err));
		return err;
	}
	err = fill_mntns_map(skel, opts);
	if (!err)
		err = fill_port_filter(skel, opts);
	if (!err)
		err = fill_cgroup_subtrees(skel, opts);
	if (err)
		goto fatal;
	/* Before attaching: an event sent with no reader is lost uncounted. */
	err = open_reader(tracer);
	if (err) {
		fprintf(stderr, "tcptrace: cannot open the %s buffer: %s\n",
			tracer->transport == TRANSPORT_RINGBUF ? "ring" : "perf", strerror(-err));
		goto fatal;
	}
	return attach_programs(tracer);
fatal:
	*fatal = true;
	return err;
}

static void undo_trial(struct tracer *tracer)
{
	detach_programs(tracer);
	close_reader(tracer);
	tcptrace_bpf__destroy(tracer->skel);
	tracer->skel = NULL;
}

/* The cheap probe of a form's hooks: does it make sense to load it? */
static int probe_form(struct probe *probe, enum backend backend, char *why, size_t len)
{
	switch (backend) {
	case BACKEND_FENTRY:
		return probe_fentry(probe, "tcp_v4_connect", why, len);
	case BACKEND_KPROBE:
		return probe_kprobe("tcp_v4_connect", why, len);
	case BACKEND_TP_BTF:
		return probe_tp_btf(probe, "inet_sock_set_state", why, len);
	default:
		return 0;
	}
}

/* Why a form was passed over, for -v and for the line auto prints when
 * none works. */
static void note_failure(const struct options *opts, enum backend backend, const char *how,
			 char *reasons, size_t size, size_t *used)
{
	if (opts->verbose)
		fprintf(stderr, "tcptrace: the %s backend %s: %s\n", backend_name(backend), how,
			trial_error);
	if (*used < size)
		*used += snprintf(reasons + *used, size - *used, "%s%s: %s", *used ? "; " : "",
				  backend_name(backend), trial_error);
}

/*
 * Cheapest first: fentry/fexit run without traps, kprobes are the seed's
 * precise form, tp_btf runs where neither does and is never skipped for
 * nesting, classic tracepoints run everywhere. auto probes each form's
 * hooks cheaply and loads only a form that passed; a forced form is loaded
 * for real, so its error is the real one.
 */
static int choose_backend(struct tracer *tracer, const struct options *opts, bool have_ringbuf)
{
	static const enum backend order[] = {
		BACKEND_FENTRY, BACKEND_KPROBE, BACKEND_TP_BTF, BACKEND_TRACEPOINT,
	};
	struct probe *probe = opts->backend == BACKEND_AUTO ? probe_new() : NULL;
	char reasons[1024] = "";
	size_t used = 0;
	size_t i;
	int err = -ENOENT, denied = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		bool fatal = false;

		if (opts->backend != BACKEND_AUTO && opts->backend != order[i])
			continue;
		err = probe ? probe_form(probe, order[i], trial_error, sizeof(trial_error)) : 0;
		if (err) {
			if (err_is_denial(err))
				denied = err;
			note_failure(opts, order[i], "is skipped", reasons, sizeof(reasons), &used);
			continue;
		}
		if (probe)
			probe_forget_btf(probe);
		err = try_backend(tracer, opts, order[i], have_ringbuf, &fatal);
		if (!err)
			break;
		undo_trial(tracer);
		if (fatal)
			goto cleanup;
		if (err_is_denial(err))
			denied = err;
		note_failure(opts, order[i], "does not work here", reasons, sizeof(reasons), &used);
	}
	if (!err)
		goto cleanup;
	if (opts->backend == BACKEND_AUTO)
		fprintf(stderr, "tcptrace: no backend works on this kernel (%s)%s\n", reasons,
			preflight_denied_hint(denied));
	else
		fprintf(stderr, "tcptrace: the %s backend does not work on this kernel: %s%s\n",
			backend_name(opts->backend), trial_error, preflight_denied_hint(denied));
cleanup:
	probe_free(probe);
	return err;
}

/* The ring buffer where the kernel has it, unless told otherwise. */
static int choose_transport(struct tracer *tracer, const struct options *opts, bool have_ringbuf)
{
	tracer->transport = opts->transport;
	if (tracer->transport == TRANSPORT_AUTO)
		tracer->transport = have_ringbuf ? TRANSPORT_RINGBUF : TRANSPORT_PERF;
	if (tracer->transport == TRANSPORT_RINGBUF && !have_ringbuf) {
		fprintf(stderr, "tcptrace: the ringbuf transport does not work on this kernel (BPF ring buffers need Linux 5.8): use --transport perf\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

struct tracer *tracer_start(const struct options *opts, tracer_sample_fn on_sample, void *cookie)
{
	struct tracer *tracer;
	bool have_ringbuf;

	verbose = opts->verbose;
	debug = opts->debug;
	libbpf_set_print(libbpf_print);
	tracer = calloc(1, sizeof(*tracer));
	if (!tracer) {
		fprintf(stderr, "tcptrace: out of memory\n");
		return NULL;
	}
	tracer->ring_epoll_fd = -1;
	tracer->on_sample = on_sample;
	tracer->cookie = cookie;
	tracer->nr_cpus = libbpf_num_possible_cpus();
	if (tracer->nr_cpus < 1) {
		fprintf(stderr, "tcptrace: cannot read the number of possible CPUs: %s\n",
			strerror(-tracer->nr_cpus));
		goto fail;
	}
	tracer->percpu_counts = calloc(tracer->nr_cpus, sizeof(__u64));
	if (!tracer->percpu_counts) {
		fprintf(stderr, "tcptrace: out of memory\n");
		goto fail;
	}
	have_ringbuf = probe_ringbuf();
	if (choose_transport(tracer, opts, have_ringbuf) ||
	    choose_backend(tracer, opts, have_ringbuf))
		goto fail;
	if (opts->verbose) {
		fprintf(stderr, "tcptrace: using the %s backend\n", backend_name(tracer->backend));
		fprintf(stderr, "tcptrace: using the %s transport\n",
			transport_name(tracer->transport));
	}
	return tracer;
fail:
	free(tracer->percpu_counts);
	free(tracer);
	return NULL;
}

static int poll_ring(struct tracer *tracer, int timeout_ms)
{
	struct epoll_event ev;

	if (epoll_wait(tracer->ring_epoll_fd, &ev, 1, timeout_ms) < 0)
		return -errno;
	return ring_buffer__consume(tracer->rb) < 0 ? -errno : 0;
}

static int poll_perf(struct tracer *tracer, int timeout_ms)
{
	int err = perf_buffer__poll(tracer->pb, timeout_ms);

	if (err < 0)
		return err;
	/* Fewer than WAKEUP_EVENTS events woke nobody: read them now. */
	err = perf_buffer__consume(tracer->pb);
	return err < 0 ? err : 0;
}

int tracer_poll(struct tracer *tracer, int timeout_ms)
{
	unsigned long long before = tracer->samples;
	int err;

	if (tracer->transport == TRANSPORT_RINGBUF)
		err = poll_ring(tracer, timeout_ms);
	else
		err = poll_perf(tracer, timeout_ms);
	if (err < 0)
		return err;
	return tracer->samples - before;
}

/* The kernel side's drops of one cause, summed over the CPUs. */
static unsigned long long kernel_drops(const struct tracer *tracer, __u32 cause)
{
	unsigned long long sum = 0;
	int i;

	if (bpf_map__lookup_elem(tracer->skel->maps.drops, &cause, sizeof(cause),
				 tracer->percpu_counts, tracer->nr_cpus * sizeof(__u64), 0))
		return 0;
	for (i = 0; i < tracer->nr_cpus; i++)
		sum += tracer->percpu_counts[i];
	return sum;
}

void tracer_losses(const struct tracer *tracer, struct tracer_losses *losses)
{
	losses->perf_lost = tracer->perf_lost;
	losses->ring_full = kernel_drops(tracer, DROP_RINGBUF_FULL);
	losses->no_slot = kernel_drops(tracer, DROP_NESTING);
}

/*
 * Runs of our programs the kernel skipped because another BPF program was
 * already running on that CPU (a softirq state change that interrupted a
 * syscall hook, say): each may be a missing event, with no trace in the
 * perf buffer's lost count.
 */
unsigned long long tracer_skipped_runs(const struct tracer *tracer)
{
	unsigned long long skipped = 0;
	int i;

	for (i = 0; i < tracer->nr_links; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(bpf_program__fd(tracer->linked_progs[i]), &info, &len))
			skipped += info.recursion_misses;
	}
	return skipped;
}

const char *tracer_libbpf_version(void)
{
	return libbpf_version_string();
}

bool tracer_boot_clock(void)
{
	return have_boot_clock();
}

void tracer_stop(struct tracer *tracer)
{
	if (!tracer)
		return;
	undo_trial(tracer);
	free(tracer->percpu_counts);
	free(tracer);
}
