// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report --format csv, for spreadsheets.
 *
 * CSV is one long table, one row per item, so it loads as one frame
 * (pandas.read_csv, a spreadsheet). Columns, empty where they do not apply:
 *   section               total, process (or user, unit, container with --by),
 *                         other_processes (other_users, ...), unit and
 *                         container (the top ones, beside processes),
 *                         protocol, hour or day (the chart), alert, session
 *   name                  process name (process, alert), protocol, user,
 *                         unit or container
 *   start, end            RFC 3339 UTC: the range (total), the bar (hour, day),
 *                         the alert's time (start), the session (end empty
 *                         while it runs)
 *   upload_bytes, download_bytes, total_bytes
 *                         payload bytes; a session's cover the whole session
 *   share_percent         of all payload (process), of all protocol bytes
 *                         (protocol: wire bytes where the classifier ran)
 *   wire_upload_bytes, wire_download_bytes
 *   pid, interface, alert_type, state (alert state or session status),
 *   direction, bandwidth_value (bytes/s; bytes for daily_quota), threshold,
 *   session_id, mode, hooks, tc,
 *   user, unit, container  who ran a process (process rows); the unit or
 *                         container of a unit_rate or container_rate alert
 * Fields are quoted as RFC 4180 says (lines end in LF); bytes that are not
 * UTF-8 become U+FFFD so the file decodes as UTF-8; a text field that a
 * spreadsheet would run as a formula begins with an apostrophe.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "report/report_data.h"

/*
 * One text field: quoted when it holds a comma, quote or line break, as RFC
 * 4180 says. Any user can name a process "=HYPERLINK(...)", and a spreadsheet
 * runs a field that begins with = + - @, a tab or a carriage return as a
 * formula; such a field gets a leading apostrophe, as OWASP advises.
 */
static void csv_text(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	bool quote = false;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (quote)
		fputc('"', out);
	if (len && strchr("=+-@\t\r", s[0]))
		fputc('\'', out);
	for (size_t i = 0, n; i < len; i += n) {
		uint32_t cp;

		n = utf8_sequence_unsafe(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\xef\xbf\xbd", out); /* U+FFFD */
			n = 1;
		} else if (cp != UINT32_MAX) {
			/*
			 * A control or bidi character would act on the terminal of
			 * whoever reads the report; CSV has no escape, so it shows as '?'.
			 */
			fputc('?', out);
		} else if (s[i] == '"') {
			fputs("\"\"", out);
		} else {
			fwrite(s + i, 1, n, out);
		}
	}
	if (quote)
		fputc('"', out);
}

/* A CSV row; NULL members are empty fields. See the column list at the top. */
struct csv_row {
	const char *section;
	const char *name;
	size_t name_len;
	const time_t *start, *end;
	const struct traffic_sum *bytes;
	bool wire; /* bytes holds wire figures too */
	const double *share;
	const int64_t *pid;
	const char *interface;
	const char *alert_type, *state, *direction;
	const double *value, *threshold;
	const int64_t *session_id;
	const char *mode, *hooks, *tc;
	/* Who ran a process (process rows); the unit or container of a unit or container alert. */
	const struct label *user, *unit, *container;
};

static const char csv_header[] =
    "section,name,start,end,upload_bytes,download_bytes,total_bytes,share_percent,"
    "wire_upload_bytes,wire_download_bytes,pid,interface,alert_type,state,direction,"
    "bandwidth_value,threshold,session_id,mode,hooks,tc,user,unit,container\n";

static void csv_word(FILE *out, const char *s)
{
	fputc(',', out);
	if (s)
		csv_text(out, s, strlen(s));
}

static void csv_time(FILE *out, const time_t *t)
{
	char buf[32];

	fputc(',', out);
	if (t) {
		report_format_rfc3339(buf, sizeof(buf), *t);
		fputs(buf, out);
	}
}

static void csv_double(FILE *out, const double *v)
{
	fputc(',', out);
	if (v)
		fprintf(out, "%.3f", *v);
}

static void csv_i64(FILE *out, const int64_t *v)
{
	fputc(',', out);
	if (v)
		fprintf(out, "%" PRId64, *v);
}

static void csv_write_row(FILE *out, const struct csv_row *c)
{
	const struct traffic_sum *t = c->bytes;

	fputs(c->section, out);
	fputc(',', out);
	if (c->name)
		csv_text(out, c->name, c->name_len);
	csv_time(out, c->start);
	csv_time(out, c->end);
	if (t)
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, t->up, t->down, sum_total(t));
	else
		fputs(",,,", out);
	csv_double(out, c->share);
	if (t && c->wire)
		fprintf(out, ",%" PRIu64 ",%" PRIu64, t->wire_up, t->wire_down);
	else
		fputs(",,", out);
	csv_i64(out, c->pid);
	csv_word(out, c->interface);
	csv_word(out, c->alert_type);
	csv_word(out, c->state);
	csv_word(out, c->direction);
	csv_double(out, c->value);
	csv_double(out, c->threshold);
	csv_i64(out, c->session_id);
	csv_word(out, c->mode);
	csv_word(out, c->hooks);
	csv_word(out, c->tc);
	{
		const struct label *l[3] = {c->user, c->unit, c->container};

		for (int i = 0; i < 3; i++) {
			fputc(',', out);
			if (l[i])
				csv_text(out, l[i]->s, l[i]->len);
		}
	}
	fputc('\n', out);
}

static void csv_named_rows(FILE *out, const char *section, const struct named_sum *rows, size_t n,
			   uint64_t whole, bool wire, bool with_who)
{
	for (size_t i = 0; i < n; i++) {
		double share = share_percent(sum_total(&rows[i].bytes), whole);

		csv_write_row(out,
			      &(struct csv_row){.section = section,
						.name = rows[i].name,
						.name_len = rows[i].name_len,
						.bytes = &rows[i].bytes,
						.wire = wire,
						.share = &share,
						.user = with_who ? &rows[i].user : NULL,
						.unit = with_who ? &rows[i].unit : NULL,
						.container = with_who ? &rows[i].container : NULL});
	}
}

void report_csv(FILE *out, const struct report *r)
{
	fputs(csv_header, out);
	if (report_has_traffic(r))
		csv_write_row(out, &(struct csv_row){.section = "total",
						     .start = &r->from,
						     .end = &r->to,
						     .bytes = &r->total,
						     .wire = true});
	static const char *const sections[] = {"process", "user", "unit", "container"};
	static const char *const others[] = {"other_processes", "other_users", "other_units",
					     "other_containers"};

	csv_named_rows(out, sections[r->by], r->top, r->ntop, sum_total(&r->total), true,
		       r->by == REPORT_BY_PROCESS);
	if (r->nothers) {
		double share = share_percent(sum_total(&r->others.bytes), sum_total(&r->total));

		csv_write_row(out, &(struct csv_row){.section = others[r->by],
						     .bytes = &r->others.bytes,
						     .wire = true,
						     .share = &share});
	}
	csv_named_rows(out, "unit", r->units, r->nunits, sum_total(&r->total), true, false);
	csv_named_rows(out, "container", r->containers, r->ncontainers, sum_total(&r->total), true,
		       false);
	csv_named_rows(out, "protocol", r->protocols, r->nprotocols, r->protocol_total, false,
		       false);
	for (size_t i = 0; i < r->nbuckets; i++)
		csv_write_row(out, &(struct csv_row){.section = r->daily ? "day" : "hour",
						     .start = &r->buckets[i].start,
						     .end = &r->buckets[i].end,
						     .bytes = &r->buckets[i].bytes,
						     .wire = true});
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		csv_write_row(out,
			      &(struct csv_row){.section = "alert",
						.name = a->process_len ? a->process : NULL,
						.name_len = a->process_len,
						.start = &a->when,
						.pid = a->has_pid ? &a->pid : NULL,
						.interface = a->interface[0] ? a->interface : NULL,
						.alert_type = a->type,
						.state = a->state,
						.direction = a->direction[0] ? a->direction : NULL,
						.value = &a->value,
						.threshold = &a->threshold,
						.session_id = &a->session_id,
						.unit = &a->unit,
						.container = &a->container});
	}
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		csv_write_row(out, &(struct csv_row){.section = "session",
						     .start = &s->start,
						     .end = s->running ? NULL : &s->end,
						     .bytes = &s->bytes,
						     .wire = true,
						     .state = s->status,
						     .session_id = &s->id,
						     .mode = s->mode,
						     .hooks = s->hooks,
						     .tc = s->tc});
	}
}
