// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for everything between a raw sample and the output:
 * record_decode(), fields_select(), both writers and the outbuf. Each input
 * (fuzz_input.h) is a field list and a few raw samples; every sample is
 * decoded and, when it decodes, written by the JSON writer and the table
 * writer, and every line is checked. Any violation prints what and the line
 * and calls abort(), which libFuzzer reports as a crash (its input is kept).
 *
 * The checks, none of which trusts the code it checks:
 *   - record_decode() accepts exactly the samples as long as struct event or
 *     longer, of a known type; a refused one leaves the record alone; an
 *     accepted one is the sample's bytes, comm and pcomm NUL-terminated;
 *   - fields_select() accepts a list exactly when it is not empty and names
 *     no field twice;
 *   - a JSON line is one strict RFC 8259 object (own parser: objects, arrays,
 *     strings with escapes and valid UTF-8, numbers, true/false/null) ending
 *     in its only "\n", with no duplicate key in any object, no raw DEL or C1
 *     control in a string (tcptrace escapes them), its leaves exactly the
 *     chosen fields in the chosen set's order, each of its kind's JSON type
 *     and of the record's value: numbers, names, addresses as inet_ntop()
 *     prints them, times as gmtime_r() and strings decoded back to the bytes
 *     of the member, with U+FFFD for each byte that is not UTF-8;
 *   - a table row (and the header) ends in its only "\n" and holds no other
 *     C0 control, no DEL, no C1 control (U+0080..U+009F) and only valid UTF-8;
 *   - no line is longer than the writer's max_len, the room it reserves; each
 *     is written where that room ends at the end of the outbuf, so that a
 *     store past the room and OUTBUF_SLACK hits AddressSanitizer's redzone;
 *   - a second write of a record (the caches hit) and a write by fresh
 *     writers (they miss) give the same text as the first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "errno_names.h"
#include "fields.h"
#include "json_writer.h"
#include "outbuf.h"
#include "record.h"
#include "table_writer.h"
#include "fuzz_input.h"

#define LINE_MAX_BYTES 8192
#define LIST_MAX 64		/* field indices in one input */

static void dump(const char *line, size_t len)
{
	size_t i;

	/* Printable ASCII as is, any other byte (and the backslash) as \xNN. */
	fprintf(stderr, "  line (%zu bytes): ", len);
	for (i = 0; i < len; i++) {
		unsigned char c = line[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputc('\n', stderr);
}

static __attribute__((noreturn)) void fail(const char *what, const char *detail,
					   const char *line, size_t len)
{
	fprintf(stderr, "fuzz_output: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	if (line)
		dump(line, len);
	abort();
}

/*
 * The well-formed UTF-8 sequence at s (RFC 3629): its length, or 0 if there
 * is none; *cp its code point. Written apart from src/utf8.c on purpose.
 */
static size_t u8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	if (!left)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static size_t u8_put(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = 0xc0 | c >> 6;
		p[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		p[0] = 0xe0 | c >> 12;
		p[1] = 0x80 | (c >> 6 & 0x3f);
		p[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	p[0] = 0xf0 | c >> 18;
	p[1] = 0x80 | (c >> 12 & 0x3f);
	p[2] = 0x80 | (c >> 6 & 0x3f);
	p[3] = 0x80 | (c & 0x3f);
	return 4;
}

/* ---- A strict JSON parser, for one line ---- */

#define JSON_DEPTH 8
#define JSON_KEYS 64		/* per object */
#define JSON_KEY_MAX 96
#define JSON_LEAVES 64
#define JSON_PATH_MAX 256
#define JSON_STR_MAX 2048	/* cgroup.path: 255 bytes, each up to 3 as U+FFFD */

enum leaf_type {
	LEAF_STRING,
	LEAF_NUMBER,
	LEAF_TRUE,
	LEAF_FALSE,
	LEAF_NULL,
	LEAF_ARRAY,
};

struct leaf {
	char path[JSON_PATH_MAX];
	enum leaf_type type;
	const char *tok;		/* numbers: the token in the line */
	size_t tok_len;
	char str[JSON_STR_MAX];		/* strings: the decoded value */
	size_t str_len;
};

struct jparse {
	const unsigned char *p, *end;
	const char *err;
	int depth, in_array;
	char path[JSON_PATH_MAX];
	size_t path_len;
	char keys[JSON_DEPTH][JSON_KEYS][JSON_KEY_MAX];
	size_t key_lens[JSON_DEPTH][JSON_KEYS];
	struct leaf leaves[JSON_LEAVES];
	size_t nleaves;
};

static bool jerr(struct jparse *j, const char *err)
{
	if (!j->err)
		j->err = err;
	return false;
}

static void jws(struct jparse *j)
{
	/* RFC 8259 whitespace; "\n" cannot occur: the caller cut the line before it. */
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool jhex4(struct jparse *j, uint32_t *v)
{
	int i, h;

	if (j->end - j->p < 4)
		return jerr(j, "short \\u escape");
	*v = 0;
	for (i = 0; i < 4; i++) {
		h = hexval(j->p[i]);
		if (h < 0)
			return jerr(j, "bad hex digit in \\u escape");
		*v = *v << 4 | h;
	}
	j->p += 4;
	return true;
}

/* A string at j->p ('"'), decoded into out[0..*len) (out_max bytes at most). */
static bool jstring(struct jparse *j, char *out, size_t out_max, size_t *len)
{
	char tmp[4];
	uint32_t cp, lo;
	size_t n;

	*len = 0;
	j->p++;
	for (;;) {
		if (j->p >= j->end)
			return jerr(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			return true;
		}
		if (*j->p < 0x20)
			return jerr(j, "raw control byte in a string");
		if (*j->p == 0x7f)
			return jerr(j, "raw DEL in a string (tcptrace escapes it)");
		if (*j->p == '\\') {
			if (j->end - j->p < 2)
				return jerr(j, "unterminated escape");
			j->p += 2;
			switch (j->p[-1]) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (!jhex4(j, &cp))
					return false;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return jerr(j, "lone low surrogate escape");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
						return jerr(j, "high surrogate escape without its pair");
					j->p += 2;
					if (!jhex4(j, &lo))
						return false;
					if (lo < 0xdc00 || lo > 0xdfff)
						return jerr(j, "high surrogate escape without its pair");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				break;
			default:
				return jerr(j, "unknown escape");
			}
			n = u8_put(tmp, cp);
		} else {
			n = u8_seq(j->p, j->end - j->p, &cp);
			if (!n)
				return jerr(j, "invalid UTF-8 in a string");
			if (cp >= 0x80 && cp <= 0x9f)
				return jerr(j, "raw C1 control in a string (tcptrace escapes it)");
			memcpy(tmp, j->p, n);
			j->p += n;
		}
		if (*len + n > out_max)
			return jerr(j, "string too long for the checker");
		memcpy(out + *len, tmp, n);
		*len += n;
	}
}

static bool jdigits(struct jparse *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? true : jerr(j, "number: digit expected");
}

static bool jnumber(struct jparse *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		jdigits(j);
	else
		return jerr(j, "number: digit expected");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jdigits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jdigits(j))
			return false;
	}
	/* What follows is the caller's to judge ("01": a stray "1"). */
	return true;
}

static bool jword(struct jparse *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return jerr(j, "bad literal");
	j->p += n;
	return true;
}

static bool jvalue(struct jparse *j);

static struct leaf *jleaf(struct jparse *j, enum leaf_type type)
{
	struct leaf *l;

	if (j->in_array)
		return NULL;
	if (j->nleaves == JSON_LEAVES) {
		jerr(j, "too many values for the checker");
		return NULL;
	}
	l = &j->leaves[j->nleaves++];
	memcpy(l->path, j->path, j->path_len);
	l->path[j->path_len] = '\0';
	l->type = type;
	l->tok = NULL;
	l->tok_len = 0;
	l->str_len = 0;
	return l;
}

static bool jobject(struct jparse *j)
{
	size_t nkeys = 0, path_len = j->path_len, klen, i;
	int d = j->depth;
	char *key;

	if (d == JSON_DEPTH)
		return jerr(j, "nested too deep for the checker");
	j->depth++;
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (j->p >= j->end || *j->p != '"')
			return jerr(j, "object: key expected");
		if (nkeys == JSON_KEYS)
			return jerr(j, "too many keys for the checker");
		key = j->keys[d][nkeys];
		if (!jstring(j, key, JSON_KEY_MAX, &klen))
			return false;
		for (i = 0; i < nkeys; i++)
			if (j->key_lens[d][i] == klen && !memcmp(j->keys[d][i], key, klen))
				return jerr(j, "duplicate key in an object");
		j->key_lens[d][nkeys++] = klen;
		/* The member's path: the object's, a dot, the key (raw bytes). */
		if (path_len + 1 + klen >= JSON_PATH_MAX)
			return jerr(j, "path too long for the checker");
		j->path_len = path_len;
		if (path_len)
			j->path[j->path_len++] = '.';
		memcpy(j->path + j->path_len, key, klen);
		j->path_len += klen;
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return jerr(j, "object: ':' expected");
		j->p++;
		jws(j);
		if (!jvalue(j))
			return false;
		j->path_len = path_len;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			jws(j);
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return true;
		}
		return jerr(j, "object: ',' or '}' expected");
	}
}

static bool jarray(struct jparse *j)
{
	if (j->depth == JSON_DEPTH)
		return jerr(j, "nested too deep for the checker");
	jleaf(j, LEAF_ARRAY);
	j->depth++;
	j->in_array++;
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == ']')
		goto done;
	for (;;) {
		if (!jvalue(j))
			return false;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			jws(j);
			continue;
		}
		if (j->p < j->end && *j->p == ']')
			goto done;
		return jerr(j, "array: ',' or ']' expected");
	}
done:
	j->p++;
	j->depth--;
	j->in_array--;
	return true;
}

static bool jvalue(struct jparse *j)
{
	const unsigned char *start = j->p;
	struct leaf *l;
	char scratch[JSON_STR_MAX];
	size_t len;

	if (j->p >= j->end)
		return jerr(j, "value expected");
	switch (*j->p) {
	case '{':
		/* An object is no leaf: its members are. */
		return jobject(j);
	case '[':
		return jarray(j);
	case '"':
		l = jleaf(j, LEAF_STRING);
		if (!jstring(j, l ? l->str : scratch, JSON_STR_MAX, &len))
			return false;
		if (l)
			l->str_len = len;
		return true;
	case 't':
		jleaf(j, LEAF_TRUE);
		return jword(j, "true");
	case 'f':
		jleaf(j, LEAF_FALSE);
		return jword(j, "false");
	case 'n':
		jleaf(j, LEAF_NULL);
		return jword(j, "null");
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		if (!jnumber(j))
			return false;
		l = jleaf(j, LEAF_NUMBER);
		if (l) {
			l->tok = (const char *)start;
			l->tok_len = j->p - start;
		}
		return !j->err;
	}
	return jerr(j, "value expected");
}

/* NULL if line[0..len) is one JSON object and its "\n", else why not. */
static const char *json_line_check(struct jparse *j, const char *line, size_t len)
{
	j->err = NULL;
	j->depth = j->in_array = 0;
	j->path_len = 0;
	j->nleaves = 0;
	if (!len || line[len - 1] != '\n')
		return "a JSON line that does not end in \\n";
	if (memchr(line, '\n', len - 1))
		return "a JSON line with a \\n before its end";
	j->p = (const unsigned char *)line;
	j->end = j->p + len - 1;
	jws(j);
	if (j->p >= j->end || *j->p != '{')
		return "a JSON line that is not an object";
	if (!jobject(j))
		return j->err ? j->err : "invalid JSON";
	jws(j);
	if (j->p != j->end)
		return "text after the JSON object";
	return j->err;
}

/* NULL if line[0..len) is a terminal-safe row and its "\n", else why not. */
static const char *table_line_check(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i, n;
	uint32_t cp;

	if (!len || s[len - 1] != '\n')
		return "a table row that does not end in \\n";
	for (i = 0; i < len - 1; i += n) {
		n = 1;
		if (s[i] < 0x20)
			return "a raw C0 control byte in a table row";
		if (s[i] == 0x7f)
			return "a raw DEL in a table row";
		if (s[i] < 0x80)
			continue;
		n = u8_seq(s + i, len - 1 - i, &cp);
		if (!n)
			return "invalid UTF-8 in a table row";
		if (cp <= 0x9f)
			return "a C1 control (U+0080..U+009F) in a table row";
	}
	return NULL;
}

/* The checkers must tell good from bad, or the fuzzer proves nothing. */
static void self_test(void)
{
	static struct jparse j;
	static const struct { const char *s; size_t len; } good[] = {
#define S(x) { x, sizeof(x) - 1 }
		S("{}\n"),
		S("{\"a\":1,\"b\":{\"c\":\"x\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\","
		  "\"d\":[1,-0.5e+3,2E-7,0,true,false,null,[],{}]},\"e\":-0}\n"),
		S("{ \"a\" : \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" ,\t\"b\":{\"a\":0}}\n"),
		S("{\"a\":\"\\u0000\\u001f\\u007f\\u009b\"}\n"),
	};
	static const struct { const char *s; size_t len; } bad[] = {
		S(""), S("{}"), S("{}\n\n"), S("[1]\n"), S("\"a\"\n"), S("1\n"), S("{} {}\n"),
		S("{\"a\":01}\n"), S("{\"a\":1.}\n"), S("{\"a\":.5}\n"), S("{\"a\":-}\n"),
		S("{\"a\":1e}\n"), S("{\"a\":+1}\n"), S("{\"a\":1,}\n"), S("{,}\n"),
		S("{\"a\"}\n"), S("{\"a\" 1}\n"), S("{a:1}\n"), S("{'a':1}\n"),
		S("{\"a\":tru}\n"), S("{\"a\":True}\n"), S("{\"a\":nul}\n"), S("{\"a\":[1,]}\n"),
		S("{\"a\":\"x}\n"), S("{\"a\":\"\\x41\"}\n"), S("{\"a\":\"\\u12\"}\n"),
		S("{\"a\":\"\\ud800\"}\n"), S("{\"a\":\"\\udc00\"}\n"), S("{\"a\":\"\\ud800\\u0041\"}\n"),
		S("{\"a\":\"\x01\"}\n"), S("{\"a\":\"\t\"}\n"), S("{\"a\":\"\x7f\"}\n"),
		S("{\"a\":\"\xc2\x80\"}\n"), S("{\"a\":\"\xc2\x9f\"}\n"), S("{\"a\":\"\xc0\xaf\"}\n"),
		S("{\"a\":\"\xe0\x80\xaf\"}\n"), S("{\"a\":\"\xed\xa0\x80\"}\n"),
		S("{\"a\":\"\xf4\x90\x80\x80\"}\n"), S("{\"a\":\"\xe2\x82\"}\n"), S("{\"a\":\"\x80\"}\n"),
		S("{\"a\":\"\xff\"}\n"), S("{\"a\":1,\"a\":2}\n"), S("{\"a\":1,\"\\u0061\":2}\n"),
		S("{\"a\":{\"b\":1,\"b\":1}}\n"), S("{\"a\":1}\n{}\n"), S("{\"a\":1}x\n"),
		S("{\"a\":1}\x00\n"),
	};
	static const struct { const char *s; size_t len; } good_rows[] = {
		S("\n"), S("12:00:00.000 connect  1 curl \\x1b[31m caf\xc3\xa9 \xe2\x82\xac\n"),
		S("\xf0\x9f\x98\x80 \xc2\xa0 \xef\xbf\xbd\n"),
	};
	static const struct { const char *s; size_t len; } bad_rows[] = {
		S(""), S("a"), S("a\nb\n"), S("\x1b[31m\n"), S("a\tb\n"), S("a\rb\n"), S("\x7f\n"),
		S("\xc2\x9b\n"), S("\xc2\x80\n"), S("\x9b\n"), S("\xc0\xaf\n"), S("\xed\xa0\x80\n"),
		S("\xe2\x82\n"), S("\xf4\x90\x80\x80\n"), S("\xff\n"), S("a\x00\n"),
#undef S
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (json_line_check(&j, good[i].s, good[i].len))
			fail("self-test: the JSON checker refuses a good line", j.err,
			     good[i].s, good[i].len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!json_line_check(&j, bad[i].s, bad[i].len))
			fail("self-test: the JSON checker takes a bad line", NULL, bad[i].s, bad[i].len);
	for (i = 0; i < sizeof(good_rows) / sizeof(good_rows[0]); i++)
		if (table_line_check(good_rows[i].s, good_rows[i].len))
			fail("self-test: the table checker refuses a good row", NULL,
			     good_rows[i].s, good_rows[i].len);
	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++)
		if (!table_line_check(bad_rows[i].s, bad_rows[i].len))
			fail("self-test: the table checker takes a bad row", NULL,
			     bad_rows[i].s, bad_rows[i].len);
	/* The leaves of the second good line. */
	json_line_check(&j, good[1].s, good[1].len);
	if (j.nleaves != 4 || strcmp(j.leaves[0].path, "a") || strcmp(j.leaves[1].path, "b.c") ||
	    strcmp(j.leaves[2].path, "b.d") || j.leaves[2].type != LEAF_ARRAY ||
	    j.leaves[1].str_len != 15 || memcmp(j.leaves[1].str, "x\xc3\xa9\xf0\x9f\x98\x80/\"\\", 10))
		fail("self-test: the JSON checker's leaves are wrong", NULL, good[1].s, good[1].len);
}

/* ---- What each field's value must be ---- */

static uint64_t member_u(const struct record *rec, const struct field *f)
{
	const unsigned char *m = (const unsigned char *)rec + f->off;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (f->size) {
	case 1: memcpy(&u8, m, 1); return u8;
	case 2: memcpy(&u16, m, 2); return u16;
	case 4: memcpy(&u32, m, 4); return u32;
	case 8: memcpy(&u64, m, 8); return u64;
	}
	fail("a field of an unexpected size", f->path, NULL, 0);
}

static int64_t member_s(const struct record *rec, const struct field *f)
{
	const unsigned char *m = (const unsigned char *)rec + f->off;
	int32_t s32;
	int64_t s64;

	if (f->size == 4) {
		memcpy(&s32, m, 4);
		return s32;
	}
	memcpy(&s64, m, 8);
	return s64;
}

/* A number token that is exactly the integer v: digits, no fraction, no exponent. */
static bool number_is(const struct leaf *l, bool negative, uint64_t magnitude)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%llu", negative ? "-" : "",
		     (unsigned long long)magnitude);
	return (size_t)n == l->tok_len && !memcmp(buf, l->tok, n);
}

static bool string_is(const struct leaf *l, const char *s, size_t len)
{
	return l->type == LEAF_STRING && l->str_len == len && !memcmp(l->str, s, len);
}

/* The text a char member stands for: up to its NUL, each non-UTF-8 byte as U+FFFD. */
static size_t chars_expected(char *out, const unsigned char *s, size_t size)
{
	size_t i = 0, n, len = 0;
	uint32_t cp;

	while (i < size && s[i]) {
		n = u8_seq(s + i, size - i, &cp);
		if (n) {
			memcpy(out + len, s + i, n);
			len += n;
			i += n;
		} else {
			memcpy(out + len, "\xef\xbf\xbd", 3);
			len += 3;
			i++;
		}
	}
	return len;
}

static const char *value_check(const struct leaf *l, const struct field *f,
			       const struct record *rec)
{
	char buf[JSON_STR_MAX], ebuf[ERRNO_NAME_LEN];
	const char *name;
	enum field_family family = field_family_of(rec->ev.family);
	uint64_t u;
	int64_t s;
	struct tm tm;
	time_t t;
	size_t len;

	/* A field its type never holds is printed as its zero (fields.h). */
	if (f->types && !(f->types & TYPE_BIT(rec->ev.type))) {
		if (f->kind == FIELD_BOOL)
			return l->type == LEAF_FALSE ? NULL : "a flag of another type that is not false";
		if (field_kind_is_string(f->kind))
			return string_is(l, "", 0) ? NULL : "a string of another type that is not empty";
		return l->type == LEAF_NUMBER && number_is(l, false, 0) ? NULL :
		       "a number of another type that is not 0";
	}
	switch (f->value) {
	case VALUE_TIME:
		u = member_u(rec, f);
		t = u / 1000000000ULL;
		if (!gmtime_r(&t, &tm))
			return string_is(l, "?", 1) ? NULL : "a time gmtime_r() cannot convert";
		len = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			       tm.tm_min, tm.tm_sec, (unsigned int)(u % 1000000000ULL));
		return string_is(l, buf, len) ? NULL : "a time that is not the record's";
	case VALUE_CHARS:
		len = chars_expected(buf, (const unsigned char *)rec + f->off, f->size);
		return string_is(l, buf, len) ? NULL : "a string that does not decode to the member";
	case VALUE_UINT:
		if (l->type != LEAF_NUMBER || !number_is(l, false, member_u(rec, f)))
			return "a number that is not the member's";
		return NULL;
	case VALUE_INT:
		s = member_s(rec, f);
		if (l->type != LEAF_NUMBER || !number_is(l, s < 0, s < 0 ? 0 - (uint64_t)s : (uint64_t)s))
			return "a number that is not the member's";
		return NULL;
	case VALUE_ADDR:
		if (family == FAMILY_OTHER)
			return string_is(l, "?", 1) ? NULL : "an address of no family that is not \"?\"";
		if (!inet_ntop(family == FAMILY_INET ? AF_INET : AF_INET6,
			       (const unsigned char *)rec + f->off, buf, sizeof(buf)))
			return "inet_ntop() failed";
		return string_is(l, buf, strlen(buf)) ? NULL : "an address unlike inet_ntop()'s";
	case VALUE_ERRNO:
		s = member_s(rec, f);
		name = s ? errno_name_r(s, ebuf, sizeof(ebuf)) : "";
		return string_is(l, name, strlen(name)) ? NULL : "an error that is not errno_name_r()'s";
	case VALUE_EVENT_TYPE:
		name = event_type_name(member_u(rec, f));
		if (!name)
			return "a record of an unknown type got past record_decode()";
		return string_is(l, name, strlen(name)) ? NULL : "a type that is not the record's";
	case VALUE_IP_VERSION:
		u = family == FAMILY_INET ? 4 : family == FAMILY_INET6 ? 6 : 0;
		return l->type == LEAF_NUMBER && number_is(l, false, u) ? NULL :
		       "an IP version that is not the family's";
	case VALUE_CONST:
		if (!field_kind_is_string(f->kind))
			return l->type == LEAF_NUMBER && number_is(l, false, strtoull(f->text, NULL, 10)) ?
			       NULL : "a constant number that is not its text";
		return string_is(l, f->text, strlen(f->text)) ? NULL : "a constant that is not its text";
	case VALUE_TYPE_RAW:
		u = member_u(rec, f);
		return l->type == LEAF_NUMBER && number_is(l, false, u - 1) ? NULL :
		       "a type_raw that is not Inspektor Gadget's number of the type";
	case VALUE_FLAG:
		if (l->type != ((member_u(rec, f) & f->mask) ? LEAF_TRUE : LEAF_FALSE))
			return "a flag that is not the member's bit";
		return NULL;
	case VALUE_CLOSED_BY:
		u = member_u(rec, f);
		name = u == CLOSED_BY_LOCAL ? "local" : u == CLOSED_BY_PEER ? "peer" :
		       u == CLOSED_BY_RESET ? "reset" : "";
		return string_is(l, name, strlen(name)) ? NULL : "a closed_by that is not the member's";
	}
	return "a field of an unknown value kind";
}

static const char *kind_check(const struct leaf *l, const struct field *f)
{
	switch (f->kind) {
	case FIELD_TIME:
	case FIELD_STRING:
	case FIELD_ADDR:
	case FIELD_ERRNO:
		return l->type == LEAF_STRING ? NULL : "a string field that is not a JSON string";
	case FIELD_UINT:
	case FIELD_PORT:
		if (l->type != LEAF_NUMBER || l->tok[0] == '-')
			return "an unsigned field that is not a number >= 0";
		return NULL;
	case FIELD_INT:
		return l->type == LEAF_NUMBER ? NULL : "an int field that is not a number";
	case FIELD_BOOL:
		return l->type == LEAF_TRUE || l->type == LEAF_FALSE ? NULL :
		       "a bool field that is not true or false";
	}
	return "a field of an unknown kind";
}

static void check_json(const char *line, size_t len, size_t max_len,
		       const struct field_set *set, const struct record *rec)
{
	static struct jparse j;
	const char *err;
	size_t i;

	if (len > max_len)
		fail("a JSON line longer than the writer's max_len", NULL, line, len);
	err = json_line_check(&j, line, len);
	if (err)
		fail("invalid JSON", err, line, len);
	if (j.nleaves != set->n)
		fail("a JSON line whose values are not the chosen fields", NULL, line, len);
	for (i = 0; i < set->n; i++) {
		if (strcmp(j.leaves[i].path, set->f[i]->path))
			fail("a JSON value at another path than its field's", set->f[i]->path, line, len);
		err = kind_check(&j.leaves[i], set->f[i]);
		if (!err)
			err = value_check(&j.leaves[i], set->f[i], rec);
		if (err)
			fail(err, set->f[i]->path, line, len);
	}
}

static void check_row(const char *line, size_t len, size_t max_len)
{
	const char *err;

	if (len > max_len)
		fail("a table row longer than the writer's max_len", NULL, line, len);
	err = table_line_check(line, len);
	if (err)
		fail(err, NULL, line, len);
}

/* ---- Driving the writers ---- */

struct writers {
	struct json_writer jw;
	struct table_writer tw;
};

static int devnull = -1;
static struct outbuf ob;
static char filler[LINE_MAX_BYTES];

enum which { JSON, TABLE, HEADER };

/*
 * One line from w into ob, written where the room it reserves (max_len)
 * ends at the end of the buffer; copied to out. Returns its length.
 */
static size_t write_line(struct writers *w, enum which which, const struct record *rec,
			 char *out)
{
	size_t max_len = which == JSON ? w->jw.max_len : w->tw.max_len, start, len;

	if (max_len > ob.size)
		fail("a writer's max_len larger than the outbuf", NULL, NULL, 0);
	if (outbuf_flush(&ob))
		fail("outbuf_flush() to /dev/null failed", NULL, NULL, 0);
	start = ob.size - max_len;
	outbuf_append(&ob, filler, start);
	if (ob.len != start)
		fail("outbuf_append() did not append", NULL, NULL, 0);
	if (which == JSON)
		json_write(&w->jw, rec, &ob);
	else if (which == TABLE)
		table_write(&w->tw, rec, &ob);
	else
		table_write_header(&w->tw, &ob);
	if (ob.len < start || ob.len - start > LINE_MAX_BYTES)
		fail("a writer flushed or wrote past its room", NULL, NULL, 0);
	len = ob.len - start;
	memcpy(out, ob.data + start, len);
	if (outbuf_flush(&ob))
		fail("outbuf_flush() to /dev/null failed", NULL, NULL, 0);
	return len;
}

static void writers_init(struct writers *w, const struct field_set *set)
{
	int err = json_writer_init(&w->jw, set);

	if (err)
		fail("json_writer_init() refused a valid field set", strerror(-err), NULL, 0);
	err = table_writer_init(&w->tw, set);
	if (err)
		fail("table_writer_init() refused a valid field set", strerror(-err), NULL, 0);
}

static void writers_free(struct writers *w)
{
	json_writer_free(&w->jw);
	table_writer_free(&w->tw);
}

static bool chosen_ok(const unsigned char *idx, size_t n)
{
	bool seen[FIELDS_MAX] = { false };
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		if (seen[idx[i] % fields_count])
			return false;
		seen[idx[i] % fields_count] = true;
	}
	return true;
}

/* fields_select() on the input's list; every field if it (rightly) refused it. */
static void select_fields(struct field_set *set, const unsigned char *idx, size_t n, bool listed)
{
	char list[LIST_MAX * (FIELD_PATH_MAX + 1) + 1];
	size_t i, k, len = 0;
	bool ok = chosen_ok(idx, n), found;
	int err;

	if (!listed) {
		if (fields_select(set, NULL) || set->n != fields_count)
			fail("fields_select(NULL) did not choose every field", NULL, NULL, 0);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *path = fields[idx[i] % fields_count].path;

		len += snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", path);
	}
	err = fields_select(set, list);
	if (!ok) {
		if (!err || set->n)
			fail("fields_select() took an empty list or a repeated field", list, NULL, 0);
		if (fields_select(set, NULL))
			fail("fields_select(NULL) failed", NULL, NULL, 0);
		return;
	}
	if (err || set->n != n)
		fail("fields_select() refused a valid list", list, NULL, 0);
	/* The same fields, in any order. */
	for (i = 0; i < n; i++) {
		found = false;
		for (k = 0; k < set->n; k++)
			found |= set->f[k] == &fields[idx[i] % fields_count];
		if (!found)
			fail("fields_select() lost a field", list, NULL, 0);
	}
}

static void check_decode(int err, const struct record *rec, const struct record *before,
			 const unsigned char *raw, size_t size, __u64 offset)
{
	struct event ev;
	bool ok = size >= sizeof(struct event);

	if (ok) {
		__u8 type = raw[offsetof(struct event, type)];

		ok = type >= EVENT_CONNECT && type <= EVENT_CLOSE;
	}
	if (ok != !err)
		fail(ok ? "record_decode() refused a good sample" : "record_decode() took a bad sample",
		     NULL, (const char *)raw, size);
	if (err) {
		if (err != -EINVAL)
			fail("record_decode() failed with another error than -EINVAL", NULL, NULL, 0);
		if (memcmp(rec, before, sizeof(*rec)))
			fail("record_decode() changed the record of a sample it refused", NULL, NULL, 0);
		return;
	}
	memcpy(&ev, raw, sizeof(ev));
	ev.proc.comm[TASK_COMM_LEN - 1] = '\0';
	ev.proc.pcomm[TASK_COMM_LEN - 1] = '\0';
	if (memcmp(&rec->ev, &ev, sizeof(ev)))
		fail("record_decode() did not copy the sample", NULL, NULL, 0);
	if (rec->realtime_ns != ev.timestamp_ns + offset)
		fail("record_decode() got realtime_ns wrong", NULL, NULL, 0);
}

static void write_record(struct writers *warm, const struct field_set *set,
			 const struct record *rec, unsigned int flags)
{
	static char first[LINE_MAX_BYTES], again[LINE_MAX_BYTES];
	static struct writers cold;
	enum which which;
	size_t len, len2;

	for (which = JSON; which <= TABLE; which++) {
		len = write_line(warm, which, rec, first);
		if (which == JSON)
			check_json(first, len, warm->jw.max_len, set, rec);
		else
			check_row(first, len, warm->tw.max_len);
		if (flags & FUZZ_F_TWICE) {
			len2 = write_line(warm, which, rec, again);
			if (len2 != len || memcmp(first, again, len))
				fail("a record written twice gave two texts (a cache)", NULL, again, len2);
		}
		if (flags & FUZZ_F_COLD) {
			writers_init(&cold, set);
			len2 = write_line(&cold, which, rec, again);
			writers_free(&cold);
			if (len2 != len || memcmp(first, again, len))
				fail("fresh writers wrote another text (a cache)", NULL, again, len2);
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The table's local time: a zone with a half-hour offset, no tzdata needed. */
	setenv("TZ", "<+0530>-5:30", 1);
	tzset();
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		perror("fuzz_output: /dev/null");
		abort();
	}
	memset(filler, '#', sizeof(filler));
	self_test();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct writers warm;
	static char row[LINE_MAX_BYTES];
	const unsigned char *idx = NULL, *payload;
	struct field_set set;
	struct record rec, before;
	unsigned int flags, parts, i;
	size_t n = 0, payload_len, part_len, len, obsize;
	__u64 offset;
	int err;

	if (size < 1)
		return 0;
	flags = data[0];
	payload = data + 1;
	payload_len = size - 1;
	if (flags & FUZZ_F_LIST) {
		if (payload_len < 1)
			return 0;
		n = payload[0];
		if (n > LIST_MAX || n > payload_len - 1)
			return 0;
		idx = payload + 1;
		payload += 1 + n;
		payload_len -= 1 + n;
	}
	parts = FUZZ_PARTS(flags);
	offset = flags & FUZZ_F_OFFSET ? FUZZ_OFFSET_NS : 0;

	select_fields(&set, idx, n, flags & FUZZ_F_LIST);
	writers_init(&warm, &set);
	obsize = warm.jw.max_len > warm.tw.max_len ? warm.jw.max_len : warm.tw.max_len;
	if (obsize < OUTBUF_MIN_SIZE)
		obsize = OUTBUF_MIN_SIZE;
	if (obsize > LINE_MAX_BYTES)
		fail("a writer's max_len beyond what the fuzzer holds", NULL, NULL, 0);
	if (outbuf_init(&ob, devnull, obsize))
		fail("outbuf_init() failed", NULL, NULL, 0);

	len = write_line(&warm, HEADER, NULL, row);
	check_row(row, len, warm.tw.max_len);

	part_len = payload_len / parts;
	for (i = 0; i < parts; i++) {
		size_t this_len = i + 1 < parts ? part_len : payload_len - i * part_len;
		/* Its own allocation, so that a read past the sample is caught. */
		unsigned char *raw = malloc(this_len ? this_len : 1);

		if (!raw)
			abort();
		memcpy(raw, payload + i * part_len, this_len);
		memset(&rec, 0xa5, sizeof(rec));
		before = rec;
		err = record_decode(&rec, raw, this_len, offset);
		check_decode(err, &rec, &before, raw, this_len, offset);
		free(raw);
		if (!err)
			write_record(&warm, &set, &rec, flags);
	}

	outbuf_free(&ob);
	writers_free(&warm);
	return 0;
}
