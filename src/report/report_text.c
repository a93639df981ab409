// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report as text, for people: aligned tables, a bar chart, local
 * times. The terminal may not be UTF-8, so names show as printable ASCII.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/rates.h"
#include "report/report_data.h"

#define BAR_WIDTH 40

static const char *human_bytes(char *buf, size_t len, uint64_t v)
{
	format_bytes(buf, len, (double)v);
	return buf;
}

/* Bytes/s for rate alerts, bytes for the quota. */
static const char *alert_amount(char *buf, size_t len, const struct alert_row *a, double v)
{
	if (strcmp(a->type, "daily_quota") == 0)
		format_bytes(buf, len, v);
	else
		format_rate(buf, len, v, 0);
	return buf;
}

/* Without a newline: a process row may go on with who ran it. */
static void text_bytes_cells(FILE *out, int width, const char *name, const struct traffic_sum *t,
			     const double *share)
{
	char up[24], down[24], total[24];

	fprintf(out, "  %-*s  %10s  %10s  %10s", width, name, human_bytes(up, sizeof(up), t->up),
		human_bytes(down, sizeof(down), t->down),
		human_bytes(total, sizeof(total), sum_total(t)));
	if (share)
		fprintf(out, "  %5.1f%%", *share);
}

static void text_bytes_row(FILE *out, int width, const char *name, const struct traffic_sum *t,
			   const double *share)
{
	text_bytes_cells(out, width, name, t, share);
	fputc('\n', out);
}

/* Who ran a process: USER, UNIT, CONTAINER columns after the figures, '-' where unknown. */
struct who_widths {
	int user, unit;
};

static void who_cell(char *dst, size_t size, const struct label *l)
{
	if (l->len)
		printable(dst, size, l->s, l->len);
	else
		snprintf(dst, size, "-");
}

static struct who_widths who_widths(const struct named_sum *rows, size_t n)
{
	struct who_widths w = {(int)strlen("USER"), (int)strlen("UNIT")};

	for (size_t i = 0; i < n; i++) {
		if ((int)rows[i].user.len > w.user)
			w.user = (int)rows[i].user.len;
		if ((int)rows[i].unit.len > w.unit)
			w.unit = (int)rows[i].unit.len;
	}
	return w;
}

static void text_who(FILE *out, const struct who_widths *w, const struct named_sum *row)
{
	char user[LABEL_BYTES], unit[LABEL_BYTES], container[LABEL_BYTES];

	who_cell(user, sizeof(user), &row->user);
	who_cell(unit, sizeof(unit), &row->unit);
	who_cell(container, sizeof(container), &row->container);
	fprintf(out, "  %-*s  %-*s  %s", w->user, user, w->unit, unit, container);
}

static void text_totals(FILE *out, const struct report *r)
{
	struct traffic_sum wire = {.up = r->total.wire_up, .down = r->total.wire_down};

	fputs("Totals\n", out);
	fprintf(out, "  %-7s  %10s  %10s  %10s\n", "", "UPLOAD", "DOWNLOAD", "TOTAL");
	text_bytes_row(out, 7, "payload", &r->total, NULL);
	text_bytes_row(out, 7, "wire", &wire, NULL);
}

/*
 * Processes, protocols, users, units or containers: a table with a share
 * column, names as wide as the widest; with_who adds who ran each process.
 * An empty name (--by user: processes of no known user) shows as unknown.
 */
static void text_named_table(FILE *out, const char *header, const struct named_sum *rows, size_t n,
			     uint64_t whole, const char *more, const struct traffic_sum *rest,
			     bool with_who)
{
	static const char unknown[] = "(unknown)";
	struct who_widths who = who_widths(rows, n);
	char name[LABEL_BYTES];
	int width = (int)strlen(header);
	double share;

	for (size_t i = 0; i < n; i++) {
		int len = rows[i].name_len ? (int)rows[i].name_len : (int)strlen(unknown);

		if (len > width)
			width = len;
	}
	if (more && (int)strlen(more) > width)
		width = (int)strlen(more);
	fprintf(out, "  %-*s  %10s  %10s  %10s  %6s", width, header, "UPLOAD", "DOWNLOAD", "TOTAL",
		"SHARE");
	if (with_who)
		fprintf(out, "  %-*s  %-*s  %s", who.user, "USER", who.unit, "UNIT", "CONTAINER");
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		if (rows[i].name_len)
			printable(name, sizeof(name), rows[i].name, rows[i].name_len);
		else
			snprintf(name, sizeof(name), "%s", unknown);
		share = share_percent(sum_total(&rows[i].bytes), whole);
		text_bytes_cells(out, width, name, &rows[i].bytes, &share);
		if (with_who)
			text_who(out, &who, &rows[i]);
		fputc('\n', out);
	}
	if (more) {
		share = share_percent(sum_total(rest), whole);
		text_bytes_row(out, width, more, rest, &share);
	}
}

static const char *const by_titles[] = {
    [REPORT_BY_PROCESS] = "Processes",
    [REPORT_BY_USER] = "Users",
    [REPORT_BY_UNIT] = "Units",
    [REPORT_BY_CONTAINER] = "Containers",
};
static const char *const by_headers[] = {
    [REPORT_BY_PROCESS] = "PROCESS",
    [REPORT_BY_USER] = "USER",
    [REPORT_BY_UNIT] = "UNIT",
    [REPORT_BY_CONTAINER] = "CONTAINER",
};

static void text_chart(FILE *out, const struct report *r)
{
	uint64_t max = 0;
	char label[32], value[24], bar[BAR_WIDTH + 1];

	fprintf(out, "Traffic per %s (upload + download, local time)\n", r->daily ? "day" : "hour");
	for (size_t i = 0; i < r->nbuckets; i++)
		if (sum_total(&r->buckets[i].bytes) > max)
			max = sum_total(&r->buckets[i].bytes);
	for (size_t i = 0; i < r->nbuckets; i++) {
		uint64_t v = sum_total(&r->buckets[i].bytes);
		size_t len = max ? (size_t)((double)v * BAR_WIDTH / (double)max + 0.5) : 0;

		/* Some traffic is never drawn as none. */
		if (v && !len)
			len = 1;
		memset(bar, '#', len);
		bar[len] = '\0';
		report_format_local(label, sizeof(label), r->buckets[i].start,
				    r->daily ? LOCAL_DAY : LOCAL_MINUTE);
		fprintf(out, "  %s  %-*s  %10s\n", label, BAR_WIDTH, bar,
			human_bytes(value, sizeof(value), v));
	}
}

/* Who an alert is about: a process, an interface, or the whole host. */
static void alert_source(char *buf, size_t len, const struct alert_row *a)
{
	char name[NAME_BYTES];

	if (a->process_len) {
		printable(name, sizeof(name), a->process, a->process_len);
		if (a->has_pid)
			snprintf(buf, len, "%s (pid %" PRId64 ")", name, a->pid);
		else
			snprintf(buf, len, "%s", name);
	} else if (a->interface[0]) {
		printable_word(buf, len, a->interface);
	} else if (a->unit.len || a->container.len) {
		const struct label *l = a->unit.len ? &a->unit : &a->container;
		int n = snprintf(buf, len, "%s ", a->unit.len ? "unit" : "container");

		if (n > 0 && (size_t)n < len)
			printable(buf + n, len - (size_t)n, l->s, l->len);
	} else {
		snprintf(buf, len, "all processes");
	}
}

static void text_alerts(FILE *out, const struct report *r)
{
	char when[32], source[NAME_BYTES + 32], value[24], threshold[24];
	char type[WORD_BYTES], state[WORD_BYTES], dir[WORD_BYTES];
	int width = (int)strlen("SOURCE");

	fprintf(out, "Alerts (%" PRIu64 ")\n", r->alerts_in_range);
	if (!r->alerts_in_range) {
		fputs("  none\n", out);
		return;
	}
	if (r->alerts_in_range > r->nalerts)
		fprintf(out,
			"  (%" PRIu64 " earlier not shown; --format json or csv lists them all)\n",
			r->alerts_in_range - r->nalerts);
	for (size_t i = 0; i < r->nalerts; i++) {
		alert_source(source, sizeof(source), &r->alerts[i]);
		if ((int)strlen(source) > width)
			width = (int)strlen(source);
	}
	fprintf(out, "  %-19s  %-14s  %-7s  %-*s  %-9s  %12s  %12s\n", "TIME", "ALERT", "STATE",
		width, "SOURCE", "DIRECTION", "VALUE", "THRESHOLD");
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		report_format_local(when, sizeof(when), a->when, LOCAL_SECOND);
		alert_source(source, sizeof(source), a);
		printable_word(type, sizeof(type), a->type);
		printable_word(state, sizeof(state), a->state);
		printable_word(dir, sizeof(dir), a->direction[0] ? a->direction : "-");
		fprintf(out, "  %-19s  %-14s  %-7s  %-*s  %-9s  %12s  %12s\n", when, type, state,
			width, source, dir, alert_amount(value, sizeof(value), a, a->value),
			alert_amount(threshold, sizeof(threshold), a, a->threshold));
	}
}

static void text_sessions(FILE *out, const struct report *r)
{
	char start[32], end[32], status[WORD_BYTES], mode[WORD_BYTES], hooks[WORD_BYTES];
	char up[24], down[24], id[24];
	int width = 2;

	fprintf(out, "Sessions (%zu)\n", r->nsessions);
	if (!r->nsessions) {
		fputs("  none\n", out);
		return;
	}
	for (size_t i = 0; i < r->nsessions; i++) {
		int n = snprintf(id, sizeof(id), "%" PRId64, r->sessions[i].id);

		if (n > width)
			width = n;
	}
	fprintf(out, "  %*s  %-19s  %-19s  %-7s  %-6s  %-10s  %10s  %10s\n", width, "ID", "START",
		"END", "STATUS", "MODE", "HOOKS", "UPLOAD", "DOWNLOAD");
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		report_format_local(start, sizeof(start), s->start, LOCAL_SECOND);
		if (s->running)
			snprintf(end, sizeof(end), "running");
		else
			report_format_local(end, sizeof(end), s->end, LOCAL_SECOND);
		printable_word(status, sizeof(status), s->status);
		printable_word(mode, sizeof(mode), s->mode);
		printable_word(hooks, sizeof(hooks), s->hooks);
		fprintf(out, "  %*" PRId64 "  %-19s  %-19s  %-7s  %-6s  %-10s  %10s  %10s\n", width,
			s->id, start, end, status, mode, hooks,
			human_bytes(up, sizeof(up), s->bytes.up),
			human_bytes(down, sizeof(down), s->bytes.down));
	}
	fputs("  (upload and download cover each whole session)\n", out);
}

void report_text(FILE *out, const struct report *r)
{
	char from[48], to[48], more[40];

	report_format_local(from, sizeof(from), r->from, LOCAL_MINUTE_ZONE);
	report_format_local(to, sizeof(to), r->to, LOCAL_MINUTE_ZONE);
	if (!report_has_traffic(r)) {
		fprintf(out, "nethound report: no traffic recorded between %s and %s\n", from, to);
		/* Sessions that counted nothing, alerts without bytes: still worth knowing. */
		if (r->alerts_in_range) {
			fputc('\n', out);
			text_alerts(out, r);
		}
		if (r->nsessions) {
			fputc('\n', out);
			text_sessions(out, r);
		}
		return;
	}
	fprintf(out, "nethound report: %s to %s\n\n", from, to);
	text_totals(out, r);
	fputc('\n', out);
	if (r->nothers)
		fprintf(out, "%s (top %zu of %zu)\n", by_titles[r->by], r->ntop,
			r->ntop + r->nothers);
	else
		fprintf(out, "%s\n", by_titles[r->by]);
	snprintf(more, sizeof(more), "(%zu more)", r->nothers);
	text_named_table(out, by_headers[r->by], r->top, r->ntop, sum_total(&r->total),
			 r->nothers ? more : NULL, &r->others.bytes,
			 r->by == REPORT_BY_PROCESS && r->has_identity);
	fputc('\n', out);
	if (r->nunits) {
		fputs("Top units\n", out);
		text_named_table(out, "UNIT", r->units, r->nunits, sum_total(&r->total), NULL, NULL,
				 false);
		fputc('\n', out);
	}
	if (r->ncontainers) {
		fputs("Top containers\n", out);
		text_named_table(out, "CONTAINER", r->containers, r->ncontainers,
				 sum_total(&r->total), NULL, NULL, false);
		fputc('\n', out);
	}
	fputs("Protocols\n", out);
	if (r->nprotocols)
		text_named_table(out, "PROTOCOL", r->protocols, r->nprotocols, r->protocol_total,
				 NULL, NULL, false);
	else
		fputs("  none recorded\n", out);
	fputc('\n', out);
	text_chart(out, r);
	fputc('\n', out);
	text_alerts(out, r);
	fputc('\n', out);
	text_sessions(out, r);
}
