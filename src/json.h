/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_JSON_H
#define TCPTRACE_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s[0..len) as a quoted JSON string, stopping early at a NUL (kernel
 * strings such as comm are fixed-size, NUL-padded arrays). Always emits valid
 * JSON in valid UTF-8: quote, backslash, C0 controls, DEL and C1 controls are
 * escaped; each byte that is not part of a well-formed UTF-8 sequence becomes
 * U+FFFD. Other valid UTF-8 is copied as is. s may be NULL when len is 0.
 */
void json_write_string(FILE *out, const char *s, size_t len);

#endif /* TCPTRACE_JSON_H */
