/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_JSON_H
#define TCPTRACE_JSON_H

#include <stddef.h>

/* Room json_put_string() needs for len input bytes: "\u00XX" per byte at worst,
 * plus the 16-byte block it may store past its end. */
#define JSON_STRING_ROOM(len) (6 * (len) + 16)

/*
 * Write s[0..len) as the inside of a JSON string (the caller writes the
 * quotes) at p, and return the end; no NUL. Stops early at a NUL (kernel
 * strings such as comm are fixed-size, NUL-padded arrays). Always emits
 * valid JSON in valid UTF-8: quote, backslash, C0 controls, DEL and C1
 * controls are escaped; each byte that is not part of a well-formed UTF-8
 * sequence becomes U+FFFD. Other valid UTF-8 is copied as is. s may be NULL
 * when len is 0. Plain printable ASCII goes 16 bytes at a time.
 */
char *json_put_string(char *p, const char *s, size_t len);

#endif /* TCPTRACE_JSON_H */
