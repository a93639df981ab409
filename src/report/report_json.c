// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report --format json, for programs.
 *
 * JSON is one document: range {from, to}, totals, by, processes (the top N,
 * each with user, unit and container), other_processes {count, ...},
 * top_units, top_containers, protocols, timeline_bucket ("hour" or "day"),
 * timeline, alerts (all of them, oldest first), sessions. Times are RFC 3339
 * UTC, bytes integers, missing values null. With --by user, unit or
 * container, users/units/containers and other_users/... replace processes
 * and other_processes, and the top_ lists are left out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "report/report_data.h"

static void json_time(struct json_writer *w, time_t t)
{
	char buf[32];

	report_format_rfc3339(buf, sizeof(buf), t);
	json_string(w, buf);
}

static void json_sum_members(struct json_writer *w, const struct traffic_sum *t, bool wire)
{
	json_key(w, "upload_bytes");
	json_u64(w, t->up);
	json_key(w, "download_bytes");
	json_u64(w, t->down);
	json_key(w, "total_bytes");
	json_u64(w, sum_total(t));
	if (wire) {
		json_key(w, "wire_upload_bytes");
		json_u64(w, t->wire_up);
		json_key(w, "wire_download_bytes");
		json_u64(w, t->wire_down);
	}
}

static void json_label(struct json_writer *w, const char *key, const struct label *l)
{
	json_key(w, key);
	json_bytes_or_null(w, l->s, l->len);
}

static void json_named_array(struct json_writer *w, const char *key, const char *name_key,
			     const struct named_sum *rows, size_t n, uint64_t whole, bool wire,
			     bool with_who)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(w);
		json_key(w, name_key);
		/* Users, units, containers: "" is "none known", null. */
		json_bytes_or_null(w, rows[i].name, rows[i].name_len);
		if (with_who) {
			json_label(w, "user", &rows[i].user);
			json_label(w, "unit", &rows[i].unit);
			json_label(w, "container", &rows[i].container);
		}
		json_sum_members(w, &rows[i].bytes, wire);
		json_key(w, "share_percent");
		json_double(w, share_percent(sum_total(&rows[i].bytes), whole));
		json_object_end(w);
	}
	json_array_end(w);
}

static void json_alerts(struct json_writer *w, const struct report *r)
{
	json_key(w, "alerts");
	json_array_begin(w);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		json_object_begin(w);
		json_key(w, "time");
		json_time(w, a->when);
		json_key(w, "alert_type");
		json_string(w, a->type);
		json_key(w, "state");
		json_string(w, a->state);
		json_key(w, "pid");
		if (a->has_pid)
			json_i64(w, a->pid);
		else
			json_null(w);
		json_key(w, "process_name");
		json_bytes_or_null(w, a->process, a->process_len);
		json_key(w, "interface");
		json_string_or_null(w, a->interface); /* empty: no interface */
		json_label(w, "unit", &a->unit);
		json_label(w, "container", &a->container);
		json_key(w, "direction");
		json_string_or_null(w, a->direction);
		json_key(w, "bandwidth_value");
		json_double(w, a->value);
		json_key(w, "threshold");
		json_double(w, a->threshold);
		json_key(w, "session_id");
		json_i64(w, a->session_id);
		json_object_end(w);
	}
	json_array_end(w);
}

static void json_sessions(struct json_writer *w, const struct report *r)
{
	json_key(w, "sessions");
	json_array_begin(w);
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		json_object_begin(w);
		json_key(w, "id");
		json_i64(w, s->id);
		json_key(w, "start");
		json_time(w, s->start);
		json_key(w, "end");
		if (s->running)
			json_null(w);
		else
			json_time(w, s->end);
		json_key(w, "status");
		json_string(w, s->status);
		json_key(w, "mode");
		json_string(w, s->mode);
		json_key(w, "hooks");
		json_string(w, s->hooks);
		json_key(w, "tc");
		json_string(w, s->tc);
		json_sum_members(w, &s->bytes, true);
		json_object_end(w);
	}
	json_array_end(w);
}

static const char *const by_words[] = {"process", "user", "unit", "container"};
static const char *const by_lists[] = {"processes", "users", "units", "containers"};
static const char *const by_keys[] = {"name", "user", "unit", "container"};
static const char *const by_others[] = {"other_processes", "other_users", "other_units",
					"other_containers"};

void report_json(FILE *out, const struct report *r)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	json_key(&w, "range");
	json_object_begin(&w);
	json_key(&w, "from");
	json_time(&w, r->from);
	json_key(&w, "to");
	json_time(&w, r->to);
	json_object_end(&w);

	json_key(&w, "totals");
	json_object_begin(&w);
	json_sum_members(&w, &r->total, true);
	json_object_end(&w);

	json_key(&w, "by");
	json_string(&w, by_words[r->by]);
	json_named_array(&w, by_lists[r->by], by_keys[r->by], r->top, r->ntop, sum_total(&r->total),
			 true, r->by == REPORT_BY_PROCESS);
	json_key(&w, by_others[r->by]);
	json_object_begin(&w);
	json_key(&w, "count");
	json_u64(&w, r->nothers);
	json_sum_members(&w, &r->others.bytes, true);
	json_key(&w, "share_percent");
	json_double(&w, share_percent(sum_total(&r->others.bytes), sum_total(&r->total)));
	json_object_end(&w);

	if (r->by == REPORT_BY_PROCESS) {
		json_named_array(&w, "top_units", "unit", r->units, r->nunits, sum_total(&r->total),
				 true, false);
		json_named_array(&w, "top_containers", "container", r->containers, r->ncontainers,
				 sum_total(&r->total), true, false);
	}
	json_named_array(&w, "protocols", "protocol", r->protocols, r->nprotocols,
			 r->protocol_total, false, false);

	json_key(&w, "timeline_bucket");
	json_string(&w, r->daily ? "day" : "hour");
	json_key(&w, "timeline");
	json_array_begin(&w);
	for (size_t i = 0; i < r->nbuckets; i++) {
		json_object_begin(&w);
		json_key(&w, "start");
		json_time(&w, r->buckets[i].start);
		json_key(&w, "end");
		json_time(&w, r->buckets[i].end);
		json_sum_members(&w, &r->buckets[i].bytes, true);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_alerts(&w, r);
	json_sessions(&w, r);
	json_object_end(&w);
	fputc('\n', out);
}
