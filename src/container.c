// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which container a cgroup v2 path belongs to, as the runtimes name their
 * cgroups: no daemon, no runtime socket, only the path.
 */
#define _GNU_SOURCE		/* memmem */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include "container.h"

#define HEX_ID_LEN 64

struct scope_pattern {
	const char *prefix;	/* of the component */
	const char *suffix;
	const char *runtime;
	bool hex_id;		/* the id is 64 hex digits, else a name */
};

/* <prefix><id><suffix>: one cgroup per container, named by its runtime. */
static const struct scope_pattern scopes[] = {
	{ "docker-", ".scope", "docker", true },
	{ "cri-containerd-", ".scope", "containerd", true },
	{ "crio-", ".scope", "cri-o", true },
	{ "libpod-", ".scope", "podman", true },
	{ "machine-", ".scope", "systemd-nspawn", false },
	{ "lxc.payload.", "", "lxc", false },
};

static bool all_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void copy_text(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* A container's own cgroup: <runtime>-<id>.scope and the like. */
static bool match_scope(const char *c, size_t len, struct container_info *out)
{
	size_t i, plen, slen, idlen;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		const struct scope_pattern *p = &scopes[i];

		plen = strlen(p->prefix);
		slen = strlen(p->suffix);
		if (!starts_with(c, len, p->prefix) || !ends_with(c, len, p->suffix) ||
		    len <= plen + slen)
			continue;
		idlen = len - plen - slen;
		if (p->hex_id && (idlen != HEX_ID_LEN || !all_hex(c + plen, idlen)))
			continue;	/* libpod-conmon-<id>.scope, crio-conmon-... */
		copy_text(out->id, sizeof(out->id), c + plen, idlen);
		copy_text(out->runtime, sizeof(out->runtime), p->runtime, strlen(p->runtime));
		return true;
	}
	return false;
}

/* The cgroupfs driver's names: /docker/<id>, /lxc/<name>, /kubepods/.../<id>. */
static bool match_parent_named(const char *parent, size_t plen, const char *c, size_t len,
			       bool in_kubepods, struct container_info *out)
{
	const char *runtime = NULL;

	if (plen == 6 && !memcmp(parent, "docker", 6) && len == HEX_ID_LEN && all_hex(c, len))
		runtime = "docker";
	else if (plen == 3 && !memcmp(parent, "lxc", 3))
		runtime = "lxc";
	else if (in_kubepods && starts_with(parent, plen, "pod") && len == HEX_ID_LEN &&
		 all_hex(c, len))
		runtime = "containerd";	/* the path does not name the CRI runtime */
	if (!runtime)
		return false;
	copy_text(out->id, sizeof(out->id), c, len);
	copy_text(out->runtime, sizeof(out->runtime), runtime, strlen(runtime));
	return true;
}

/* kubepods-burstable-pod<uid>.slice, pod<uid>, burstable, ...: the pod's uid
 * (systemd spells its dashes as underscores) and QoS class. */
static void match_kubepods(const char *c, size_t len, struct container_info *out)
{
	static const char *const classes[] = { "burstable", "besteffort" };
	const char *pod;
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(classes[i]);
		if ((len == n && !memcmp(c, classes[i], n)) ||
		    (starts_with(c, len, "kubepods-") && len > 9 + n && !memcmp(c + 9, classes[i], n)))
			copy_text(out->qos, sizeof(out->qos), classes[i], n);
	}
	if (starts_with(c, len, "pod")) {
		pod = c + 3;
	} else {
		pod = memmem(c, len, "-pod", 4);
		if (!pod)
			return;
		pod += 4;
	}
	n = len - (pod - c);
	if (ends_with(pod, n, ".slice"))
		n -= 6;
	copy_text(out->pod_uid, sizeof(out->pod_uid), pod, n);
	for (i = 0; out->pod_uid[i]; i++)
		if (out->pod_uid[i] == '_')
			out->pod_uid[i] = '-';
	if (!out->qos[0])
		copy_text(out->qos, sizeof(out->qos), "guaranteed", 10);
}

int container_from_cgroup(const char *path, struct container_info *out)
{
	const char *c = path, *parent = NULL, *end;
	size_t len, plen = 0;
	bool kubepods = false, found = false;

	memset(out, 0, sizeof(*out));
	while (*c) {
		while (*c == '/')
			c++;
		end = strchr(c, '/');
		len = end ? (size_t)(end - c) : strlen(c);
		if (!len)
			break;
		if (starts_with(c, len, "kubepods"))
			kubepods = true;
		if (kubepods)
			match_kubepods(c, len, out);
		/* The innermost match wins: a container in a container (docker
		 * in a systemd-nspawn machine) is the inner one; a container's
		 * own sub-cgroups match nothing and keep it. */
		if (match_scope(c, len, out) ||
		    (parent && match_parent_named(parent, plen, c, len, kubepods, out)))
			found = true;
		parent = c;
		plen = len;
		c += len;
	}
	if (!found) {
		out->id[0] = out->runtime[0] = '\0';
		if (!kubepods)
			out->pod_uid[0] = out->qos[0] = '\0';
	}
	return found ? 0 : -1;
}
