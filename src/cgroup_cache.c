// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* open_by_handle_at */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cgroup_cache.h"

#define FILEID_KERNFS 0xfe

void cgroup_cache_init(struct cgroup_cache *cache, cgroup_resolve_fn resolve, void *ctx)
{
	/* cache is zeroed: its slots become resident as cgroups come. */
	cache->resolve = resolve ? resolve : cgroup_v2_resolve;
	cache->ctx = ctx;
}

static size_t slot_of(__u64 id)
{
	/* Fibonacci hashing: ids are sequential inode numbers. */
	return (id * 0x9e3779b97f4a7c15ULL) >> (64 - 10);
}

const struct record_cgroup *cgroup_cache_get(struct cgroup_cache *cache, __u64 id)
{
	struct record_cgroup *e = &cache->slots[slot_of(id) % CGROUP_CACHE_SLOTS];

	cache->lookups++;
	if (e->id == id && id)
		return e;
	cache->misses++;
	memset(e, 0, sizeof(*e));
	e->id = id;
	if (id && !cache->resolve(cache->ctx, id, e->path, sizeof(e->path)))
		container_from_cgroup(e->path, &e->ctr);
	else
		e->path[0] = '\0';
	return e;
}

/* The first cgroup2 mount in our mount namespace: hybrid hosts have it at
 * /sys/fs/cgroup/unified, unified ones at /sys/fs/cgroup. */
static int find_cgroup2(char *path, size_t size)
{
	char line[4096], *fields[12], *save, *p;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n, err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		/* id parent dev root mountpoint opts ... - fstype source opts */
		for (n = 0, p = strtok_r(line, " ", &save); p && n < 12; p = strtok_r(NULL, " ", &save))
			fields[n++] = p;
		if (n >= 9 && !strcmp(fields[n - 3], "cgroup2") && strlen(fields[4]) < size) {
			strcpy(path, fields[4]);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

int cgroup_v2_mount_fd(const char **mount_path)
{
	static char path[512];
	static int fd = -1, err;

	if (fd < 0 && !err) {
		err = find_cgroup2(path, sizeof(path));
		if (!err) {
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				err = -errno;
		}
	}
	if (mount_path)
		*mount_path = path;
	return fd >= 0 ? fd : err;
}

int cgroup_v2_resolve(void *ctx, __u64 id, char *buf, size_t size)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} handle = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS } };
	int mount_fd = cgroup_v2_mount_fd(NULL), fd, err = 0;
	char link[64], target[CGROUP_PATH_LEN + 512];
	const char *mount_path;
	ssize_t n;
	size_t mlen;

	if (mount_fd < 0)
		return mount_fd;
	cgroup_v2_mount_fd(&mount_path);
	memcpy(handle.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mount_fd, &handle.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	target[n] = '\0';
	mlen = strlen(mount_path);
	if (strncmp(target, mount_path, mlen) || (target[mlen] && target[mlen] != '/')) {
		err = -EXDEV;	/* outside the mount we know */
		goto cleanup;
	}
	snprintf(buf, size, "%s", target[mlen] ? target + mlen : "/");
cleanup:
	close(fd);
	return err;
}
