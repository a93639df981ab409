/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside nethound report: what report_read() reads from the database, the
 * one struct report every renderer draws from, and what the report modules
 * share. Not part of the public API; only src/report*.c include it.
 */
#ifndef NETHOUND_REPORT_DATA_H
#define NETHOUND_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "report/report.h"

/* Names as the database holds them are at most 15 bytes; longer ones are cut. */
#define NAME_BYTES 64
#define WORD_BYTES 24 /* alert types, states, session modes and hooks */

struct traffic_sum {
	uint64_t up, down, wire_up, wire_down;
};

/* A user, unit or container name as the report keeps it (a longer one is cut). */
#define LABEL_BYTES 128

struct label {
	char s[LABEL_BYTES];
	size_t len; /* 0: none known, or not applicable */
};

/*
 * A process, a protocol, or a user, unit or container (--by). Names are
 * bytes: any value, not necessarily UTF-8. A process is its name with who
 * ran it: user, unit, container (README, "Identity").
 */
struct named_sum {
	char name[LABEL_BYTES]; /* a unit's name is longer than a process's */
	size_t name_len;
	struct label user, unit, container; /* processes only */
	struct traffic_sum bytes;
};

/* One bar of the chart: an hour, or a local day. */
struct bucket {
	time_t start, end;
	struct traffic_sum bytes;
};

struct alert_row {
	time_t when;
	char type[WORD_BYTES], state[WORD_BYTES], direction[WORD_BYTES];
	char process[NAME_BYTES]; /* process and quota alerts */
	size_t process_len;
	char interface[NAME_BYTES];   /* interface alerts */
	struct label unit, container; /* unit and container alerts */
	bool has_pid;
	int64_t pid;
	double value, threshold;
	int64_t session_id;
};

struct session_row {
	int64_t id;
	time_t start, end;
	bool running; /* no end time yet */
	char status[WORD_BYTES], mode[WORD_BYTES], hooks[WORD_BYTES], tc[WORD_BYTES];
	struct traffic_sum bytes; /* the whole session's, not only the range's */
};

struct report {
	time_t from, to;
	enum report_by by; /* what top and others are of */
	bool has_identity; /* some process in range has a user, unit or container */
	struct traffic_sum total;
	struct named_sum *top;
	size_t ntop;
	struct named_sum others; /* processes past the top N, together */
	size_t nothers;
	struct named_sum *protocols;
	size_t nprotocols;
	/* The top units and containers (those known), beside the processes. */
	struct named_sum *units;
	size_t nunits;
	struct named_sum *containers;
	size_t ncontainers;
	uint64_t protocol_total;
	bool daily; /* the chart has a bar per local day, not per hour */
	struct bucket *buckets;
	size_t nbuckets;
	struct alert_row *alerts; /* oldest first */
	size_t nalerts;
	uint64_t alerts_in_range; /* text reads only the newest REPORT_TEXT_ALERTS_MAX */
	struct session_row *sessions;
	size_t nsessions;
};

/* ---- times (report_range.c) ---- */

/* How much of a local time to show; strftime() formats stay literals the compiler checks. */
enum local_format {
	LOCAL_DAY,	   /* 2026-11-20 */
	LOCAL_MINUTE,	   /* 2026-11-20 13:00 */
	LOCAL_SECOND,	   /* 2026-11-20 13:00:05 */
	LOCAL_MINUTE_ZONE, /* 2026-11-20 13:00 CET */
};

void report_format_local(char *buf, size_t len, time_t t, enum local_format f);
void report_format_rfc3339(char *buf, size_t len, time_t t);
/* Local midnight starting t's day. */
time_t report_local_day_start(time_t t);
/* The first local midnight after t (the next day's: 23, 24 or 25 hours on). */
time_t report_local_day_after(time_t t);

/* ---- reading (report_read.c) ---- */

/*
 * Everything the report shows for [r->from, r->to), read from db (opened
 * from path) in one read transaction. Returns 0, or an NH_EXIT_* code with a
 * one-line message in err; either way report_free() releases what was read.
 */
int report_read(sqlite3 *db, const char *path, const struct report_config *opts, struct report *r,
		char *err, size_t errlen);
void report_free(struct report *r);

/* ---- rendering (report_text.c, report_json.c, report_csv.c) ---- */

void report_text(FILE *out, const struct report *r);
void report_json(FILE *out, const struct report *r);
void report_csv(FILE *out, const struct report *r);

/*
 * ---- small helpers ----
 * A few lines each and used by several modules: static inline here rather
 * than a module of their own.
 */

static inline bool report_has_traffic(const struct report *r)
{
	return r->ntop || r->nothers || r->nprotocols;
}

static inline uint64_t sum_total(const struct traffic_sum *t)
{
	return t->up + t->down;
}

static inline double share_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* For a terminal that may not be UTF-8: anything but printable ASCII shows as '?'. */
static inline void printable(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	dst[i] = '\0';
}

static inline void printable_word(char *dst, size_t size, const char *s)
{
	printable(dst, size, s, strlen(s));
}

#endif
