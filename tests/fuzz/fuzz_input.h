/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What one input of the output fuzzer (fuzz_output.c) means; the seed
 * generator (mkcorpus.c) writes the same layout.
 *
 *   byte 0      flags, FUZZ_F_* below
 *   [byte 1     with FUZZ_F_LIST: n, the number of field indices that follow
 *    n bytes    each picks fields[b % fields_count]: the list given to
 *               fields_select(), in that order (repeats included, which it
 *               must refuse); without FUZZ_F_LIST every field (NULL list)]
 *   the rest    the raw samples: cut into FUZZ_PARTS(flags) parts of equal
 *               size (the last one takes the remainder), each one sample as
 *               the perf or ring buffer hands it to record_decode(), short,
 *               exact or longer than struct event
 */
#ifndef TCPTRACE_FUZZ_INPUT_H
#define TCPTRACE_FUZZ_INPUT_H

#define FUZZ_F_PARTS	0x03	/* samples - 1 */
#define FUZZ_F_TWICE	0x04	/* write each record twice: the second must hit the caches alike */
#define FUZZ_F_LIST	0x08	/* a field list follows */
#define FUZZ_F_COLD	0x10	/* also write each record with fresh writers: the same text */
#define FUZZ_F_OFFSET	0x20	/* clock offset FUZZ_OFFSET_NS rather than 0 */

#define FUZZ_PARTS(flags) (((flags) & FUZZ_F_PARTS) + 1)

/* CLOCK_REALTIME - CLOCK_MONOTONIC: 2026-11-25T12:00:00Z at 1000 s of uptime. */
#define FUZZ_OFFSET_NS ((1795608000ULL - 1000ULL) * 1000000000ULL)

#endif /* TCPTRACE_FUZZ_INPUT_H */
