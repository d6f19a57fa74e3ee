// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "container.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "8f1b2c3d-aaaa-bbbb-cccc-0123456789ab"
#define UID_ "8f1b2c3d_aaaa_bbbb_cccc_0123456789ab"

static void expect(const char *path, int rc, const char *id, const char *runtime,
		   const char *pod, const char *qos)
{
	struct container_info c;

	assert_int_equal(container_from_cgroup(path, &c), rc);
	assert_string_equal(c.id, id);
	assert_string_equal(c.runtime, runtime);
	assert_string_equal(c.pod_uid, pod);
	assert_string_equal(c.qos, qos);
}

static void test_runtimes(void **state)
{
	expect("/system.slice/docker-" ID64 ".scope", 0, ID64, "docker", "", "");
	expect("/docker/" ID64, 0, ID64, "docker", "", "");
	expect("/system.slice/cri-containerd-" ID64 ".scope", 0, ID64, "containerd", "", "");
	expect("/system.slice/crio-" ID64 ".scope", 0, ID64, "cri-o", "", "");
	expect("/machine.slice/libpod-" ID64 ".scope/container", 0, ID64, "podman", "", "");
	expect("/machine.slice/machine-web.scope", 0, "web", "systemd-nspawn", "", "");
	expect("/lxc/box1", 0, "box1", "lxc", "", "");
	expect("/lxc.payload.box2", 0, "box2", "lxc", "", "");
}

static void test_kubernetes(void **state)
{
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID64 ".scope", 0, ID64, "containerd", UID, "burstable");
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/crio-" ID64 ".scope", 0, ID64, "cri-o", UID, "besteffort");
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID64 ".scope", 0, ID64,
	       "docker", UID, "guaranteed");
	expect("/kubepods/burstable/pod" UID "/" ID64, 0, ID64, "containerd", UID, "burstable");
	expect("/kubepods/pod" UID "/" ID64, 0, ID64, "containerd", UID, "guaranteed");
	/* The pod's own cgroup: a pod, no container. */
	expect("/kubepods/besteffort/pod" UID, -1, "", "", UID, "besteffort");
}

static void test_host_and_lookalikes(void **state)
{
	expect("/", -1, "", "", "", "");
	expect("", -1, "", "", "", "");
	expect("/user.slice/user-0.slice/session-1.scope", -1, "", "", "", "");
	expect("/system.slice/docker.service", -1, "", "", "", "");
	/* conmon's scope is not the container's. */
	expect("/machine.slice/libpod-conmon-" ID64 ".scope", -1, "", "", "", "");
	/* Not 64 hex digits. */
	expect("/system.slice/docker-1234.scope", -1, "", "", "", "");
	expect("/docker/" ID64 "x", -1, "", "", "", "");
	/* A container in a machine: the inner one. */
	expect("/machine.slice/machine-vm.scope/payload/docker-" ID64 ".scope", 0, ID64,
	       "docker", "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_host_and_lookalikes),
	};

	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
