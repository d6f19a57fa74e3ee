/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2 id -> its path and container, looked up once per cgroup: the
 * kernel sends the id (bpf_get_current_cgroup_id), user space names it.
 */
#ifndef TCPTRACE_CGROUP_CACHE_H
#define TCPTRACE_CGROUP_CACHE_H

#include <linux/types.h>
#include "record.h"

/* Bounded: a direct-mapped table; a cgroup evicted comes back at a cost. */
#define CGROUP_CACHE_SLOTS 1024

/* Writes the path of cgroup id below the cgroup2 mount into buf (size),
 * returns 0 or -errno. */
typedef int (*cgroup_resolve_fn)(void *ctx, __u64 id, char *buf, size_t size);

struct cgroup_cache {
	cgroup_resolve_fn resolve;
	void *ctx;
	unsigned long long lookups, misses;
	struct record_cgroup slots[CGROUP_CACHE_SLOTS];
};

/* cache zeroed (a static, or calloc'ed); resolve NULL: the kernel's,
 * through the cgroup2 mount (cgroup_v2_resolve). */
void cgroup_cache_init(struct cgroup_cache *cache, cgroup_resolve_fn resolve, void *ctx);

/* The entry of id: path "" and no container when it cannot be named (a
 * cgroup gone, no cgroup2 mount, no CAP_DAC_READ_SEARCH), cached all the same. */
const struct record_cgroup *cgroup_cache_get(struct cgroup_cache *cache, __u64 id);

/*
 * The cgroup2 mount's fd (opened once), or -errno. The kernel's resolver:
 * a cgroup's id is its kernfs file handle, which open_by_handle_at() takes.
 */
int cgroup_v2_mount_fd(const char **mount_path);
int cgroup_v2_resolve(void *ctx, __u64 id, char *buf, size_t size);

#endif /* TCPTRACE_CGROUP_CACHE_H */
