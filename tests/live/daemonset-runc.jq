# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The OCI config.json that a CRI runtime (containerd, CRI-O) gives the first
# container of a DaemonSet, from the DaemonSet as `kubectl ... -o json`
# prints it: so that runc runs deploy/daemonset.yaml's container here as a
# node would, with the manifest the one source of its namespaces,
# capabilities, mounts, arguments, environment and memory limit.
#
#   jq -f daemonset-runc.jq --arg rootfs DIR --arg node NAME \
#      --arg cgroupsPath PATH daemonset.json >config.json
#
# What a kubelet adds and this leaves out: /etc/hosts, /etc/resolv.conf,
# /dev/termination-log, the pause container's namespaces, seccomp and
# AppArmor profiles. Anything in the manifest this does not know how to
# give (another volume type, a downward API field other than spec.nodeName)
# is an error, not a silent difference.

# A Kubernetes quantity in bytes ("64Mi") or millicores ("20m", "1").
def bytes:
  capture("^(?<n>[0-9]+(\\.[0-9]+)?)(?<u>[A-Za-z]*)$") as $q
  | {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024, "Mi": 1048576, "Gi": 1073741824}[$q.u] as $m
  | if $m == null then error("unknown unit in \(.)") else ($q.n | tonumber) * $m | floor end;
def millicores:
  if endswith("m") then rtrimstr("m") | tonumber else tonumber * 1000 end;

# containerd's default capabilities (what `drop` takes from when not ALL).
def default_caps:
  ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
   "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"];

.spec.template.spec as $pod
| if ($pod.containers | length) != 1 then error("one container expected") else . end
| $pod.containers[0] as $c
| ($c.securityContext // {}) as $sc
| if $sc.privileged then error("a privileged container is not modelled here") else . end
| ($sc.capabilities // {}) as $capspec
| (if ($capspec.drop // []) | index("ALL") then [] else default_caps - ($capspec.drop // []) end
   + ($capspec.add // []) | unique | map("CAP_" + .)) as $caps
| ([$c.env[]? | {key: .name, value: (
      if .value != null then .value
      elif .valueFrom.fieldRef.fieldPath == "spec.nodeName" then $node
      else error("env \(.name): only value and fieldRef spec.nodeName are known here") end)}]
   | from_entries) as $env
# $(VAR) in command and args, as the kubelet expands them ($$ is a $).
| def expand: gsub("\\$\\((?<v>[A-Za-z_][A-Za-z0-9_]*)\\)"; $env[.v] // "$(\(.v))") | gsub("\\$\\$"; "$");
  ([$pod.volumes[]? | {key: .name, value: (
      if .hostPath then .hostPath.path else error("volume \(.name): only hostPath is known here") end)}]
   | from_entries) as $volumes
| ($c.resources.limits // {}) as $limits
| ($c.resources.requests // {}) as $requests
| {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: {uid: ($sc.runAsUser // 0), gid: ($sc.runAsGroup // 0)},
      args: (($c.command // error("the container needs a command")) + ($c.args // []) | map(expand)),
      env: (["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
            + ($env | to_entries | map("\(.key)=\(.value)"))),
      cwd: "/",
      capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
      noNewPrivileges: ($sc.allowPrivilegeEscalation == false)
    },
    root: {path: $rootfs, readonly: ($sc.readOnlyRootFilesystem // false)},
    hostname: (if $pod.hostNetwork then null else "tcptrace-pod" end),
    mounts: ([
      {destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]},
      {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
      {destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
      {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
      {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
      # Not privileged: sysfs read-only.
      {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}
    ] + [$c.volumeMounts[]? | {
      destination: .mountPath, type: "bind",
      source: ($volumes[.name] // error("volumeMount \(.name): no such volume")),
      options: (["rbind", "rprivate"] + (if .readOnly then ["ro"] else ["rw"] end))}]),
    linux: {
      namespaces: ([{type: "mount"}, {type: "uts"}, {type: "ipc"}, {type: "cgroup"}]
                   + (if $pod.hostPID then [] else [{type: "pid"}] end)
                   + (if $pod.hostNetwork then [] else [{type: "network"}] end)),
      cgroupsPath: $cgroupsPath,
      resources: ({}
        + (if $limits.memory then {memory: {limit: ($limits.memory | bytes)}} else {} end)
        + {cpu: ({}
            + (if $requests.cpu then {shares: (($requests.cpu | millicores) * 1024 / 1000 | floor | if . < 2 then 2 else . end)} else {} end)
            + (if $limits.cpu then {quota: (($limits.cpu | millicores) * 100 | floor), period: 100000} else {} end))}),
      # containerd's defaults for a container that is not privileged.
      maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                    "/sys/devices/virtual/powercap", "/proc/scsi"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    }
  }
| if .hostname == null then del(.hostname) else . end
