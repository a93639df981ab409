// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "sinks/capture/pcapng.h"

#define BLOCK_SHB 0x0A0D0D0Au
#define BLOCK_IDB 1u
#define BLOCK_ISB 5u
#define BLOCK_EPB 6u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define EPB_PROCESSID_THREADID 8
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5

/* A block is assembled here, then written with one fwrite. */
struct pcapng {
	FILE *out;
	uint8_t *buf;
	size_t len, cap;
	int nifaces;
	int error; /* first -errno; sticky */
};

static void put(struct pcapng *w, const void *data, size_t n)
{
	if (w->error || !n)
		return;
	if (array_grow((void **)&w->buf, &w->cap, w->len + n + 3, 1)) {
		w->error = -ENOMEM;
		return;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static void put32(struct pcapng *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put64(struct pcapng *w, uint64_t v)
{
	put(w, &v, 8);
}

static void pad4(struct pcapng *w)
{
	static const uint8_t zero[3];

	put(w, zero, (4 - w->len % 4) % 4);
}

static void option(struct pcapng *w, uint16_t code, const void *value, size_t len)
{
	uint16_t head[2] = {code, (uint16_t)len};

	put(w, head, sizeof(head));
	put(w, value, len);
	pad4(w);
}

/* Strings longer than an option holds are cut (never the case for ours). */
static void option_string(struct pcapng *w, uint16_t code, const char *s)
{
	size_t n = strlen(s);

	option(w, code, s, n > 0xfff0 ? 0xfff0 : n);
}

/* A timestamp as pcapng stores them: upper then lower 32 bits of ns since the epoch. */
static void option_time(struct pcapng *w, uint16_t code, uint64_t ns)
{
	uint32_t t[2] = {(uint32_t)(ns >> 32), (uint32_t)ns};

	option(w, code, t, sizeof(t));
}

static void begin(struct pcapng *w, uint32_t type)
{
	w->len = 0;
	put32(w, type);
	put32(w, 0); /* total length, filled by end() */
}

static int end(struct pcapng *w)
{
	uint32_t total;

	option(w, OPT_END, NULL, 0);
	total = (uint32_t)(w->len + 4);
	put32(w, total);
	if (w->error)
		return w->error;
	memcpy(w->buf + 4, &total, 4);
	if (fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->error = -(errno ? errno : EIO);
	return w->error;
}

struct pcapng *pcapng_open(FILE *out, const char *userappl, const char *os)
{
	struct pcapng *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	begin(w, BLOCK_SHB);
	put32(w, BYTE_ORDER_MAGIC);
	put32(w, 1);	      /* major 1, minor 0, in this host's order */
	put64(w, UINT64_MAX); /* section length: not given */
	option_string(w, SHB_USERAPPL, userappl);
	if (os)
		option_string(w, SHB_OS, os);
	end(w);
	return w;
}

int pcapng_add_interface(struct pcapng *w, uint16_t linktype, uint32_t snaplen, const char *name)
{
	static const uint8_t nanoseconds = 9;
	uint16_t head[2] = {linktype, 0};

	begin(w, BLOCK_IDB);
	put(w, head, sizeof(head));
	put32(w, snaplen);
	option_string(w, IF_NAME, name);
	option(w, IF_TSRESOL, &nanoseconds, 1);
	if (end(w))
		return w->error;
	return w->nifaces++;
}

int pcapng_write_packet(struct pcapng *w, const struct pcapng_packet *p)
{
	begin(w, BLOCK_EPB);
	put32(w, p->ifid);
	put32(w, (uint32_t)(p->ts_ns >> 32));
	put32(w, (uint32_t)p->ts_ns);
	put32(w, p->caplen);
	put32(w, p->len);
	put(w, p->data, p->caplen);
	pad4(w);
	if (p->comment)
		option_string(w, OPT_COMMENT, p->comment);
	if (p->flags)
		option(w, EPB_FLAGS, &p->flags, 4);
	if (p->pid) {
		uint32_t ids[2] = {p->pid, 0}; /* the thread is not known */

		option(w, EPB_PROCESSID_THREADID, ids, sizeof(ids));
	}
	return end(w);
}

int pcapng_write_stats(struct pcapng *w, const struct pcapng_stats *s)
{
	begin(w, BLOCK_ISB);
	put32(w, s->ifid);
	put32(w, (uint32_t)(s->ts_ns >> 32));
	put32(w, (uint32_t)s->ts_ns);
	if (s->comment)
		option_string(w, OPT_COMMENT, s->comment);
	option_time(w, ISB_STARTTIME, s->start_ns);
	option_time(w, ISB_ENDTIME, s->end_ns);
	option(w, ISB_IFRECV, &s->received, 8);
	option(w, ISB_IFDROP, &s->dropped, 8);
	return end(w);
}

int pcapng_flush(struct pcapng *w)
{
	if (fflush(w->out) && !w->error)
		w->error = -(errno ? errno : EIO);
	return w->error;
}

int pcapng_close(struct pcapng *w)
{
	int rc;

	if (!w)
		return 0;
	rc = pcapng_flush(w);
	free(w->buf);
	free(w);
	return rc;
}
