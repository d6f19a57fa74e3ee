/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_SAFE_TEXT_H
#define TCPTRACE_SAFE_TEXT_H

#include <stddef.h>

/*
 * Make s[0..len) (up to a NUL) safe to print on a terminal: valid UTF-8 is
 * kept, while control bytes (C0, DEL, C1) and bytes that are not valid UTF-8
 * become "\xNN", and a backslash becomes "\\" so the escapes are unambiguous.
 * Output that does not fit in buf is cut at a whole character or escape.
 * Returns the width of what was written, in characters (one per code point:
 * double-width CJK characters are counted as one).
 */
size_t safe_text(char *buf, size_t size, const char *s, size_t len);

/* Room safe_text_put() needs for len input bytes: "\xNN" per byte, plus a block. */
#define SAFE_TEXT_ROOM(len) (4 * (len) + 16)

/*
 * The same text for the per-event path: written at p without a bound or a
 * NUL (the caller guarantees SAFE_TEXT_ROOM(len)), with a fast path for
 * plain ASCII. Returns the end, and the width in characters in *width.
 */
char *safe_text_put(char *p, const char *s, size_t len, size_t *width);

#endif /* TCPTRACE_SAFE_TEXT_H */
