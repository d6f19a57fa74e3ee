/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --container and --cgroup: the cgroup directories they name. */
#ifndef TCPTRACE_CGROUP_FIND_H
#define TCPTRACE_CGROUP_FIND_H

#include "options.h"

/*
 * Fill opts->cgroup_dirs from opts->containers (a container's top cgroup:
 * the shallowest whose path names the container; an id prefix must name one
 * container) and opts->cgroups. Returns 0; -EINVAL after one line on stderr
 * for a name that matches nothing or more than one container; another
 * -errno after one line when cgroup v2 cannot be read.
 */
int cgroup_targets(struct options *opts);

#endif /* TCPTRACE_CGROUP_FIND_H */
