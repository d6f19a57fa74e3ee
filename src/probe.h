/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Cheap trials of what an attach form or a transport needs. */
#ifndef TCPTRACE_PROBE_H
#define TCPTRACE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

struct probe;

struct probe *probe_new(void);
/* Frees the kernel BTF the probes parsed (later probes parse it again):
 * libbpf parses its own copy to load, and two at once double the peak. */
void probe_forget_btf(struct probe *probe);
void probe_free(struct probe *probe);

/*
 * Each returns 0 when the kernel takes the operation, or -errno with the
 * reason in why[0..len).
 */
int probe_fentry(struct probe *probe, const char *func, char *why, size_t len);
int probe_tp_btf(struct probe *probe, const char *tracepoint, char *why, size_t len);
int probe_kprobe(const char *func, char *why, size_t len);

/* BPF_MAP_TYPE_RINGBUF (Linux 5.8). */
bool probe_ringbuf(void);

#endif /* TCPTRACE_PROBE_H */
