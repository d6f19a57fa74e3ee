/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A container's identity, from the path of its cgroup (cgroup v2). */
#ifndef TCPTRACE_CONTAINER_H
#define TCPTRACE_CONTAINER_H

#define CONTAINER_ID_LEN 72	/* 64 hex digits, or a machine's name */

struct container_info {
	char id[CONTAINER_ID_LEN];
	char runtime[16];	/* docker, containerd, cri-o, podman, systemd-nspawn, lxc */
	char pod_uid[40];	/* Kubernetes: the pod's uid */
	char qos[12];		/* its QoS class: guaranteed, burstable, besteffort */
};

/*
 * Fill *out from a cgroup path ("/system.slice/docker-<id>.scope"), as the
 * runtimes name their cgroups: docker (docker-<id>.scope, /docker/<id>),
 * containerd and CRI (cri-containerd-<id>.scope, /kubepods/<qos>/pod<uid>/<id>,
 * kubepods-<qos>-pod<uid>.slice), CRI-O (crio-<id>.scope), podman
 * (libpod-<id>.scope), systemd-nspawn (machine-<name>.scope) and LXC
 * (/lxc/<name>, lxc.payload.<name>). Returns 0, or -1 with every string empty
 * (but a pod's, when the path is a pod's) for a host process.
 */
int container_from_cgroup(const char *path, struct container_info *out);

#endif /* TCPTRACE_CONTAINER_H */
