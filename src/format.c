// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "errno_names.h"
#include "record.h"
#include "format.h"
#include "json.h"
#include "safe_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

static int format_fail(char *buf, size_t size, int err)
{
	if (size)
		snprintf(buf, size, "?");
	return err;
}

int format_addr(char *buf, size_t size, __u16 family, const __u8 *addr)
{
	if (family != AF_INET && family != AF_INET6)
		return format_fail(buf, size, -EAFNOSUPPORT);
	if (!inet_ntop(family, addr, buf, size))
		return format_fail(buf, size, -errno);
	return 0;
}

int format_endpoint(char *buf, size_t size, __u16 family, const __u8 *addr,
		    __u16 port)
{
	char ip[FORMAT_ADDR_LEN];
	int err, n;

	err = format_addr(ip, sizeof(ip), family, addr);
	if (err)
		return format_fail(buf, size, err);
	/* Brackets keep the port apart from the colons of an IPv6 address. */
	n = snprintf(buf, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	if (n < 0 || (size_t)n >= size)
		return format_fail(buf, size, -ENOSPC);
	return 0;
}

static int format_time(char *buf, size_t size, __u64 realtime_ns, bool utc)
{
	time_t sec = realtime_ns / NSEC_PER_SEC;
	unsigned int nsec = realtime_ns % NSEC_PER_SEC;
	struct tm tm;
	size_t len;
	int n;

	if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
		return format_fail(buf, size, -EOVERFLOW);
	len = strftime(buf, size, utc ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	if (len == 0)
		return format_fail(buf, size, -ENOSPC);
	if (utc)
		n = snprintf(buf + len, size - len, ".%09uZ", nsec);
	else
		n = snprintf(buf + len, size - len, ".%03u",
			     (unsigned int)(nsec / NSEC_PER_MSEC));
	if (n < 0 || (size_t)n >= size - len)
		return format_fail(buf, size, -ENOSPC);
	return 0;
}

int format_time_utc(char *buf, size_t size, __u64 realtime_ns)
{
	return format_time(buf, size, realtime_ns, true);
}

int format_time_local(char *buf, size_t size, __u64 realtime_ns)
{
	return format_time(buf, size, realtime_ns, false);
}

static const char *type_name(const struct event *ev)
{
	const char *name = event_type_name(ev->type);

	return name ? name : "?";
}

static int ip_version(__u16 family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 6 : 0;
}

static void json_write_endpoint(FILE *out, const char *key, __u16 family,
				const __u8 *addr, __u16 port)
{
	char ip[FORMAT_ADDR_LEN];

	format_addr(ip, sizeof(ip), family, addr);
	fprintf(out, "\"%s\":{\"addr\":\"%s\",\"port\":%u,\"version\":%d,\"proto\":\"TCP\"}",
		key, ip, port, ip_version(family));
}

void format_json_event(FILE *out, const struct event *ev, __u64 realtime_ns)
{
	const struct proc_info *proc = &ev->proc;
	char ts[FORMAT_TIME_UTC_LEN], errbuf[ERRNO_NAME_LEN];
	const char *err = errno_name_r(ev->error, errbuf, sizeof(errbuf));

	format_time_utc(ts, sizeof(ts), realtime_ns);
	fprintf(out, "{\"timestamp\":\"%s\",\"type\":\"%s\",\"proc\":{\"comm\":",
		ts, type_name(ev));
	json_write_string(out, proc->comm, sizeof(proc->comm));
	fprintf(out, ",\"pid\":%u,\"tid\":%u,\"mntns_id\":%llu,"
		"\"creds\":{\"uid\":%u,\"gid\":%u},\"parent\":{\"comm\":",
		proc->pid, proc->tid, (unsigned long long)proc->mntns_id,
		proc->uid, proc->gid);
	json_write_string(out, proc->pcomm, sizeof(proc->pcomm));
	fprintf(out, ",\"pid\":%u}},\"netns_id\":%u,", proc->ppid, ev->netns_id);
	json_write_endpoint(out, "src", ev->family, ev->saddr, ev->sport);
	fputc(',', out);
	json_write_endpoint(out, "dst", ev->family, ev->daddr, ev->dport);
	fputs(",\"error\":", out);
	json_write_string(out, err, strlen(err));
	fprintf(out, ",\"fd\":%d,\"accept_fd\":%d}\n", proc->fd, ev->accept_fd);
}

/* The table */

struct table_row {
	const struct event *ev;
	__u64 realtime_ns;
};

enum align {
	ALIGN_LEFT,
	ALIGN_RIGHT,
};

/* Renders one cell into buf and returns its width in characters. */
typedef size_t (*render_fn)(char *buf, size_t size, const struct table_row *row);

struct column {
	const char *name;
	size_t width;
	enum align align;
	render_fn render;
};

#define COLUMN_GAP 1
#define CELL_LEN 128	/* fits the widest cell: an escaped comm, 15 * 4 bytes */

static size_t cell_printf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static size_t cell_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return strlen(buf);
}

static size_t render_time(char *buf, size_t size, const struct table_row *row)
{
	format_time_local(buf, size, row->realtime_ns);
	return strlen(buf);
}

static size_t render_type(char *buf, size_t size, const struct table_row *row)
{
	return cell_printf(buf, size, "%s", type_name(row->ev));
}

static size_t render_pid(char *buf, size_t size, const struct table_row *row)
{
	return cell_printf(buf, size, "%u", row->ev->proc.pid);
}

static size_t render_tid(char *buf, size_t size, const struct table_row *row)
{
	return cell_printf(buf, size, "%u", row->ev->proc.tid);
}

static size_t render_comm(char *buf, size_t size, const struct table_row *row)
{
	const char *comm = row->ev->proc.comm;

	return safe_text(buf, size, comm, sizeof(row->ev->proc.comm));
}

static size_t render_ip(char *buf, size_t size, const struct table_row *row)
{
	int version = ip_version(row->ev->family);

	return version ? cell_printf(buf, size, "%d", version)
		       : cell_printf(buf, size, "?");
}

static size_t render_src(char *buf, size_t size, const struct table_row *row)
{
	const struct event *ev = row->ev;

	format_endpoint(buf, size, ev->family, ev->saddr, ev->sport);
	return strlen(buf);
}

static size_t render_dst(char *buf, size_t size, const struct table_row *row)
{
	const struct event *ev = row->ev;

	format_endpoint(buf, size, ev->family, ev->daddr, ev->dport);
	return strlen(buf);
}

/* An fd the kernel side could not capture (-1) shows as "?". */
static size_t render_fd_num(char *buf, size_t size, int fd)
{
	return fd < 0 ? cell_printf(buf, size, "?") : cell_printf(buf, size, "%d", fd);
}

/* connect: the socket's fd; accept: "listening fd>new fd"; close: none. */
static size_t render_fd(char *buf, size_t size, const struct table_row *row)
{
	const struct event *ev = row->ev;
	size_t n;

	switch (ev->type) {
	case EVENT_CONNECT:
		return render_fd_num(buf, size, ev->proc.fd);
	case EVENT_ACCEPT:
		n = render_fd_num(buf, size, ev->proc.fd);
		n += cell_printf(buf + n, size - n, ">");
		return n + render_fd_num(buf + n, size - n, ev->accept_fd);
	}
	return cell_printf(buf, size, "-");
}

static size_t render_error(char *buf, size_t size, const struct table_row *row)
{
	char name[ERRNO_NAME_LEN];

	if (!row->ev->error)
		return cell_printf(buf, size, "-");
	return cell_printf(buf, size, "%s",
			   errno_name_r(row->ev->error, name, sizeof(name)));
}

/* Widths fit a typical IPv4 row; IPv6 endpoints overflow rather than get cut. */
static const struct column columns[] = {
	{ "TIME",  12, ALIGN_LEFT,  render_time },
	{ "TYPE",   7, ALIGN_LEFT,  render_type },
	{ "PID",    7, ALIGN_RIGHT, render_pid },
	{ "TID",    7, ALIGN_RIGHT, render_tid },
	{ "COMM",  15, ALIGN_LEFT,  render_comm },
	{ "IP",     2, ALIGN_LEFT,  render_ip },
	{ "SRC",   21, ALIGN_LEFT,  render_src },
	{ "DST",   21, ALIGN_LEFT,  render_dst },
	{ "FD",     7, ALIGN_LEFT,  render_fd },
	{ "ERROR", 12, ALIGN_LEFT,  render_error },
};

/*
 * Each cell starts at its column's position, or right after the previous
 * cell when that one overflowed: one long IPv6 address shifts the cells that
 * follow it, and later columns line up again as soon as there is room.
 * row == NULL writes the header. No trailing blanks.
 */
static void table_write(FILE *out, const struct table_row *row)
{
	size_t i, width, at, pos = 0, col_start = 0;
	char cell[CELL_LEN];
	const char *text;

	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		const struct column *col = &columns[i];

		if (row) {
			width = col->render(cell, sizeof(cell), row);
			text = cell;
		} else {
			text = col->name;
			width = strlen(text);
		}
		at = i ? pos + COLUMN_GAP : 0;
		if (col->align == ALIGN_RIGHT) {
			if (col_start + col->width > at + width)
				at = col_start + col->width - width;
		} else if (col_start > at) {
			at = col_start;
		}
		fprintf(out, "%*s%s", (int)(at - pos), "", text);
		pos = at + width;
		col_start += col->width + COLUMN_GAP;
	}
	fputc('\n', out);
}

void format_table_header(FILE *out)
{
	table_write(out, NULL);
}

void format_table_event(FILE *out, const struct event *ev, __u64 realtime_ns)
{
	const struct table_row row = { .ev = ev, .realtime_ns = realtime_ns };

	table_write(out, &row);
}
