/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Small helpers shared by the unit tests: include after cmocka.h. All static
 * inline so a test that uses only some of them builds without warnings.
 */
#ifndef TCPTRACE_TEST_HELPERS_H
#define TCPTRACE_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A stream writing to memory; read *buf after close_capture(). */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void open_capture(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static inline char *close_capture(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	c->f = NULL;
	return c->buf;
}

static inline int count_char(const char *s, size_t len, char ch)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == ch;
	return n;
}

/*
 * Whether jq can check our JSON. Outside CI a missing jq only narrows the
 * test; under CI (CI set, as .ci/run does) it fails, since CI installs jq
 * and a silently skipped check would look like a pass.
 */
static inline int have_jq(void)
{
	if (system("command -v jq >/dev/null 2>&1") == 0)
		return 1;
	if (getenv("CI"))
		fail_msg("jq is not on PATH: `make test-deps` installs it");
	return 0;
}

/*
 * Feed json to `jq <filter>` and return what it prints (malloc'ed), or NULL
 * if jq failed, so a test checks both "jq accepts it" and what jq decoded.
 */
static inline char *run_jq(const char *filter, const char *json, size_t len)
{
	char in_path[] = "/tmp/tcptrace-test-XXXXXX";
	char cmd[256], *out = NULL;
	size_t cap = 0, n = 0, got;
	FILE *p;
	int fd;

	fd = mkstemp(in_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq %s < %s", filter, in_path);
	p = popen(cmd, "r");
	assert_non_null(p);
	do {
		if (n + 4096 + 1 > cap) {
			cap = n + 4096 + 1;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		got = fread(out + n, 1, 4096, p);
		n += got;
	} while (got > 0);
	out[n] = '\0';
	unlink(in_path);
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

#endif /* TCPTRACE_TEST_HELPERS_H */
