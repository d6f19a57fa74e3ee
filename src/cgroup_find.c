// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* nftw's FTW_ACTIONRETVAL */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup_cache.h"
#include "cgroup_find.h"
#include "container.h"
#include "safe_text.h"

/* The walk's state: nftw's callback takes no argument of ours. */
static struct {
	const char *prefix;
	size_t mount_len;
	char id[CONTAINER_ID_LEN];	/* the container found */
	char *dir;			/* its shallowest cgroup */
	int depth;
	bool ambiguous;
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct container_info ctr;

	if (type != FTW_D)
		return FTW_CONTINUE;
	if (container_from_cgroup(path + walk.mount_len, &ctr) ||
	    strncmp(ctr.id, walk.prefix, strlen(walk.prefix)))
		return FTW_CONTINUE;
	if (walk.dir && strcmp(walk.id, ctr.id)) {
		walk.ambiguous = true;
		return FTW_STOP;
	}
	if (!walk.dir || ftw->level < walk.depth) {
		free(walk.dir);
		walk.dir = strdup(path);
		walk.depth = ftw->level;
		snprintf(walk.id, sizeof(walk.id), "%s", ctr.id);
	}
	/* A container's sub-cgroups are in its subtree anyway. */
	return FTW_SKIP_SUBTREE;
}

static void say_bad(const char *opt, const char *name, const char *why, const char *mount)
{
	char safe[256];

	safe_text(safe, sizeof(safe), name, strlen(name));
	fprintf(stderr, "tcptrace: invalid %s '%s': %s (under %s)\n", opt, safe, why, mount);
}

static int find_container(struct options *opts, const char *prefix, const char *mount)
{
	memset(&walk, 0, sizeof(walk));
	walk.prefix = prefix;
	walk.mount_len = strlen(mount);
	if (nftw(mount, visit, 32, FTW_PHYS | FTW_ACTIONRETVAL) < 0) {
		fprintf(stderr, "tcptrace: cannot walk the cgroups under %s: %s\n", mount,
			strerror(errno));
		return -errno;
	}
	if (walk.ambiguous || !walk.dir) {
		say_bad("--container", prefix, walk.ambiguous ? "names more than one container"
							      : "no such container", mount);
		free(walk.dir);
		return -EINVAL;
	}
	opts->cgroup_dirs[opts->ncgroup_dirs++] = walk.dir;
	return 0;
}

static int find_cgroup(struct options *opts, const char *name, const char *mount)
{
	size_t mlen = strlen(mount);
	struct stat st;
	char *dir;

	/* Absolute under the mount, or a cgroup path below it. */
	if (!strncmp(name, mount, mlen) && (name[mlen] == '/' || !name[mlen]))
		dir = strdup(name);
	else if (asprintf(&dir, "%s%s%s", mount, name[0] == '/' ? "" : "/", name) < 0)
		dir = NULL;
	if (!dir)
		return -ENOMEM;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		say_bad("--cgroup", name, "no such cgroup", mount);
		free(dir);
		return -EINVAL;
	}
	opts->cgroup_dirs[opts->ncgroup_dirs++] = dir;
	return 0;
}

int cgroup_targets(struct options *opts)
{
	const char *mount;
	int i, err = 0, fd;

	if (!opts->ncontainers && !opts->ncgroups)
		return 0;
	fd = cgroup_v2_mount_fd(&mount);
	if (fd < 0) {
		fprintf(stderr, "tcptrace: --container and --cgroup need cgroup v2, which is not mounted: %s\n",
			strerror(-fd));
		return fd;
	}
	for (i = 0; i < opts->ncontainers && !err; i++)
		err = find_container(opts, opts->containers[i], mount);
	for (i = 0; i < opts->ncgroups && !err; i++)
		err = find_cgroup(opts, opts->cgroups[i], mount);
	return err;
}
