// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "json.h"
#include "utf8.h"

#define REPLACEMENT_CHAR "\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

static void json_write_ascii(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		return;
	case '\\':
		fputs("\\\\", out);
		return;
	case '\b':
		fputs("\\b", out);
		return;
	case '\f':
		fputs("\\f", out);
		return;
	case '\n':
		fputs("\\n", out);
		return;
	case '\r':
		fputs("\\r", out);
		return;
	case '\t':
		fputs("\\t", out);
		return;
	}
	/* JSON only requires < 0x20; DEL is escaped so no raw control byte leaks. */
	if (c < 0x20 || c == 0x7f)
		fprintf(out, "\\u%04x", c);
	else
		fputc(c, out);
}

void json_write_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	fputc('"', out);
	while (i < len && p[i]) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fputs(REPLACEMENT_CHAR, out);
			n = 1;
		} else if (n == 1) {
			json_write_ascii(out, p[i]);
		} else if (utf8_is_c1(cp)) {
			/* Same string once parsed, but safe to cat to a terminal. */
			fprintf(out, "\\u%04x", (unsigned int)cp);
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	fputc('"', out);
}
