// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/array.h"
#include "core/classify.h"
#include "core/errmsg.h"
#include "core/exitcodes.h"
#include "core/protocols.h"
#include "sinks/store/held.h"
#include "sinks/store/rollup.h"
#include "sinks/store/store.h"
#include "sinks/store/store_file.h"

/* While ticking: a tick must not stall, a locked database is retried later. */
#define TICK_BUSY_MS 50
#define BACKOFF_MIN_S 1.0
#define BACKOFF_MAX_S 60.0
/* Old per-second rows deleted per tick: retention never costs one long stall. */
#define RETENTION_BATCH 5000 /* the LIMIT in SQL_PRUNE_* */
#define PENDING_EVENTS_MAX 10000

/* One process in one second, as traffic_log keeps it. */
struct log_row {
	time_t when;
	uint32_t pid;
	char comm[NH_COMM_LEN];
	uint64_t up, down, wire_up, wire_down;
	double up_rate, down_rate;
	uint64_t protocols;
	uint32_t uid;
	uint64_t cgroup_id;
	size_t user, unit, container; /* offsets into the store's label text; NO_LABEL: none */
};

#define NO_LABEL SIZE_MAX

struct iface_row {
	time_t when;
	char name[IF_NAMESIZE];
	uint64_t up, down, unattr_up, unattr_down;
};

enum statement {
	SQL_INSERT_LOG = 0,
	SQL_INSERT_IFACE,
	SQL_INSERT_ALERT,
	SQL_UPSERT_HOURLY,
	SQL_UPSERT_DAILY,
	SQL_UPSERT_PROTOCOL,
	SQL_UPDATE_SESSION,
	SQL_INSERT_SESSION,
	SQL_PRUNE_LOG,
	SQL_PRUNE_IFACE,
	SQL_MAX,
};

static const char *const statement_sql[SQL_MAX] = {
	[SQL_INSERT_LOG] = "INSERT INTO traffic_log (timestamp, pid, process_name, upload_bytes,"
			   " download_bytes, upload_rate, download_rate, protocols, session_id,"
			   " uid, cgroup_id, wire_upload_bytes, wire_download_bytes, user, unit,"
			   " container) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[SQL_INSERT_IFACE] = "INSERT INTO interface_log (timestamp, interface, upload_bytes,"
			     " download_bytes, unattributed_upload, unattributed_download,"
			     " session_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[SQL_INSERT_ALERT] = "INSERT INTO alerts (timestamp, pid, process_name, alert_type,"
			     " bandwidth_value, threshold, session_id, state, direction, interface,"
			     " unit, container, capture_file)"
			     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[SQL_UPSERT_HOURLY] =
	    "INSERT INTO traffic_hourly (hour, process_name, upload_bytes, download_bytes,"
	    " wire_upload_bytes, wire_download_bytes, user, unit, container)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,"
	    " download_bytes = download_bytes + excluded.download_bytes,"
	    " wire_upload_bytes = wire_upload_bytes + excluded.wire_upload_bytes,"
	    " wire_download_bytes = wire_download_bytes + excluded.wire_download_bytes",
	[SQL_UPSERT_DAILY] =
	    "INSERT INTO traffic_daily (day, process_name, upload_bytes, download_bytes,"
	    " wire_upload_bytes, wire_download_bytes, user, unit, container)"
	    " VALUES (substr(?, 1, 10), ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,"
	    " download_bytes = download_bytes + excluded.download_bytes,"
	    " wire_upload_bytes = wire_upload_bytes + excluded.wire_upload_bytes,"
	    " wire_download_bytes = wire_download_bytes + excluded.wire_download_bytes",
	[SQL_UPSERT_PROTOCOL] =
	    "INSERT INTO protocol_hourly VALUES (?, ?, ?, ?)"
	    " ON CONFLICT DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,"
	    " download_bytes = download_bytes + excluded.download_bytes",
	[SQL_UPDATE_SESSION] = "UPDATE sessions SET total_upload = ?, total_download = ?,"
			       " wire_upload = ?, wire_download = ?, last_flush = ? WHERE id = ?",
	[SQL_INSERT_SESSION] = "INSERT INTO sessions (start_time, mode, hooks, tc, host, kernel,"
			       " nethound_pid) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[SQL_PRUNE_LOG] = "DELETE FROM traffic_log WHERE id IN (SELECT id FROM traffic_log"
			  " WHERE timestamp < ? LIMIT 5000)",
	[SQL_PRUNE_IFACE] = "DELETE FROM interface_log WHERE rowid IN (SELECT rowid FROM"
			    " interface_log WHERE timestamp < ? LIMIT 5000)",
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned retention_days;
	sqlite3_stmt *stmt[SQL_MAX];

	/* The session: its row is written with the first flush that succeeds. */
	bool in_session;
	int64_t session_id; /* 0 until its row exists */
	time_t session_start;
	char mode[16], hooks[16], tc[16];
	uint64_t total_up, total_down, wire_up, wire_down; /* counted, flushed or not */
	time_t last_tick;

	/* Waiting to be written. */
	struct log_row *rows;
	size_t nrows, rows_cap;
	char *labels; /* the rows' user, unit and container names, NUL-terminated, end to end */
	size_t labels_len, labels_cap;
	struct iface_row *ifrows;
	size_t nifrows, ifrows_cap;
	struct alert_event *events;
	size_t nevents, events_cap;
	struct rollup_table hourly, protocols;
	struct held held; /* bytes of processes whose identity is being looked up */
	size_t pending_ticks;
	uint64_t rows_dropped; /* per-second rows past STORE_PENDING_ROWS_MAX */

	/* Retrying after a failed write. */
	bool failing;
	double backoff_s;
	struct timespec next_try; /* CLOCK_MONOTONIC */
	bool pruned_all;          /* retention caught up; next pass in an hour */
	time_t next_prune;
};

void store_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

#define fail(err, errlen, ...) nh_error(err, errlen, NH_EXIT_DATABASE, __VA_ARGS__)

static int prepare_all(struct store *st, char *err, size_t errlen)
{
	for (int i = 0; i < SQL_MAX; i++) {
		if (sqlite3_prepare_v3(st->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK)
			return fail(err, errlen, "%s: cannot prepare statements (%s)",
				    st->path, sqlite3_errmsg(st->db));
	}
	return 0;
}

int store_open(struct store **out, const char *path, unsigned retention_days, char *err,
	       size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return fail(err, errlen, "out of memory opening %s", path);
	}
	st->retention_days = retention_days;
	st->backoff_s = BACKOFF_MIN_S;
	rc = store_file_open_writer(path, &st->db, err, errlen);
	if (rc == 0)
		rc = prepare_all(st, err, errlen);
	if (rc) {
		store_close(st);
		return rc;
	}
	sqlite3_busy_timeout(st->db, TICK_BUSY_MS);
	*out = st;
	return 0;
}

/* ---- sessions ---- */

/* A nethound process with this pid runs now (and is not us). */
static bool nethound_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || pid == getpid())
		return false;
	if (kill(pid, 0) && errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "nethound") == 0;
}

/* A running session whose nethound still lives; 0 if none. */
static int find_live_writer(struct store *st, pid_t *other)
{
	sqlite3_stmt *q;
	int rc;

	*other = 0;
	rc = sqlite3_prepare_v2(st->db, "SELECT nethound_pid FROM sessions WHERE status = 'running'",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int64(q, 0);

		if (nethound_alive(pid)) {
			*other = pid;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * Sessions left running by a nethound that is gone (SIGKILL, power loss):
 * closed at their last flush with the totals flushed then, marked crashed.
 */
static int close_crashed_sessions(struct store *st)
{
	sqlite3_stmt *q, *u;
	int rc;

	rc = sqlite3_prepare_v2(st->db,
				"SELECT id, nethound_pid FROM sessions WHERE status = 'running'", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(st->db,
				"UPDATE sessions SET status = 'crashed',"
				" end_time = coalesce(last_flush, start_time) WHERE id = ?",
				-1, &u, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(q);
		return rc;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (nethound_alive((pid_t)sqlite3_column_int64(q, 1)))
			continue;
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
		rc = sqlite3_step(u);
		sqlite3_reset(u);
		if (rc != SQLITE_DONE)
			break;
	}
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_session_begin(struct store *st, const struct store_session_info *info,
			pid_t *other_pid, char *err, size_t errlen)
{
	int rc;

	*other_pid = 0;
	rc = find_live_writer(st, other_pid);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "nethound: cannot read the sessions in %s (%s)", st->path,
			 sqlite3_errstr(rc));
		return -EIO;
	}
	if (*other_pid) {
		snprintf(err, errlen,
			 "nethound: nethound (pid %d) is already logging to %s; a second writer "
			 "would count every byte twice",
			 (int)*other_pid, st->path);
		return -EBUSY;
	}
	st->in_session = true;
	st->session_id = 0;
	st->session_start = time(NULL);
	snprintf(st->mode, sizeof(st->mode), "%s", info->mode);
	snprintf(st->hooks, sizeof(st->hooks), "%s", info->hooks);
	snprintf(st->tc, sizeof(st->tc), "%s", info->tc);
	st->total_up = st->total_down = st->wire_up = st->wire_down = 0;
	st->last_tick = st->session_start;
	/* The row itself is written by the first flush, so a locked database waits in memory. */
	return store_flush(st) < 0 ? -ENOMEM : 0;
}

/* ---- one tick into memory ---- */

static int64_t hour_of(time_t t)
{
	return (int64_t)(t - t % 3600);
}

static void protocols_text(uint64_t set, char *buf, size_t len)
{
	const char *names[64];
	size_t n = protocol_set_names(set, names, 64), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", names[i]);
}

/* A copy of name in the label text, for a queued row; NO_LABEL for none, SIZE_MAX - 1 if no memory. */
static size_t keep_label(struct store *st, const char *name)
{
	size_t n, at;

	if (!name || !*name)
		return NO_LABEL;
	n = strlen(name) + 1;
	if (array_grow((void **)&st->labels, &st->labels_cap, st->labels_len + n, 1))
		return SIZE_MAX - 1;
	at = st->labels_len;
	memcpy(st->labels + at, name, n);
	st->labels_len += n;
	return at;
}

static const char *label_at(const struct store *st, size_t at)
{
	return at < st->labels_len ? st->labels + at : NULL;
}

/* Held bytes of a process that left the snapshot still identity-less: summed under none known. */
static int release_held(void *ctx, const struct held_bytes *b)
{
	struct store *st = ctx;

	return rollup_add(&st->hourly, b->hour, b->comm, NULL, b->v);
}

/*
 * The rollups get a process's bytes under who ran it. While that is being
 * looked up (a tick or two) they are held, so a process's first second is
 * not summed apart from the rest; at most HELD_MAX_S, and an exited process's
 * go in at once under what is known.
 */
static int rollup_process(struct store *st, const struct process_stats *p, time_t when,
			  const uint64_t v[4], const struct rollup_who *who)
{
	struct held_bytes b;
	bool held = held_take(&st->held, p->pid, p->start_ns, &b);
	bool moved = v[0] || v[1] || v[2] || v[3];

	if (!held && !moved)
		return 0;
	if (p->ident.pending && !p->exited && (!held || when - b.since < HELD_MAX_S)) {
		if (held && b.hour != hour_of(when)) {
			/* An hour ended while holding: that hour's bytes go in as they are. */
			if (rollup_add(&st->hourly, b.hour, b.comm, who, b.v))
				return -ENOMEM;
			held = false;
		}
		if (!held) {
			memset(&b, 0, sizeof(b));
			b.pid = p->pid;
			b.start_ns = p->start_ns;
			b.hour = hour_of(when);
			b.since = when;
		}
		memcpy(b.comm, p->comm, sizeof(b.comm));
		b.comm[sizeof(b.comm) - 1] = '\0';
		for (int k = 0; k < 4; k++)
			b.v[k] += v[k];
		return held_keep(&st->held, &b);
	}
	if (held && rollup_add(&st->hourly, b.hour, p->comm, who, b.v))
		return -ENOMEM;
	return moved ? rollup_add(&st->hourly, hour_of(when), p->comm, who, v) : 0;
}

static int queue_processes(struct store *st, const struct snapshot *s, time_t when)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		uint64_t v[4] = {p->all.tx_bytes, p->all.rx_bytes, p->wire.tx_bytes,
				 p->wire.rx_bytes};
		struct rollup_who who = { p->ident.user, p->ident.unit,
					  process_container_label(&p->ident) };
		struct log_row *r;

		if (rollup_process(st, p, when, v, &who))
			return -ENOMEM;
		if (!v[0] && !v[1] && !v[2] && !v[3])
			continue;
		st->total_up += v[0];
		st->total_down += v[1];
		if (st->nrows >= STORE_PENDING_ROWS_MAX) {
			st->rows_dropped++;
			continue;
		}
		if (array_grow((void **)&st->rows, &st->rows_cap, st->nrows + 1, sizeof(*st->rows)))
			return -ENOMEM;
		r = &st->rows[st->nrows++];
		r->when = when;
		r->pid = p->pid;
		memcpy(r->comm, p->comm, sizeof(r->comm));
		r->comm[sizeof(r->comm) - 1] = '\0';
		r->up = v[0];
		r->down = v[1];
		r->wire_up = v[2];
		r->wire_down = v[3];
		r->up_rate = traffic_rate(v[0], s->interval);
		r->down_rate = traffic_rate(v[1], s->interval);
		r->protocols = p->protocols;
		r->uid = p->uid;
		r->cgroup_id = p->cgroup_id;
		r->user = keep_label(st, who.user);
		r->unit = keep_label(st, who.unit);
		r->container = keep_label(st, who.container);
		if (r->user == SIZE_MAX - 1 || r->unit == SIZE_MAX - 1 || r->container == SIZE_MAX - 1)
			return -ENOMEM;
	}
	return 0;
}

static int queue_interfaces(struct store *st, const struct snapshot *s, time_t when)
{
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct interface_stats *f = &s->ifaces[i];
		struct iface_row *r;

		if (!f->bytes.tx_bytes && !f->bytes.rx_bytes)
			continue;
		st->wire_up += f->bytes.tx_bytes;
		st->wire_down += f->bytes.rx_bytes;
		if (st->nifrows >= STORE_PENDING_ROWS_MAX)
			continue;
		if (array_grow((void **)&st->ifrows, &st->ifrows_cap, st->nifrows + 1,
			 sizeof(*st->ifrows)))
			return -ENOMEM;
		r = &st->ifrows[st->nifrows++];
		r->when = when;
		memcpy(r->name, f->name, sizeof(r->name));
		r->up = f->bytes.tx_bytes;
		r->down = f->bytes.rx_bytes;
		r->unattr_up = f->unattributed.tx_bytes;
		r->unattr_down = f->unattributed.rx_bytes;
	}
	return 0;
}

/*
 * Payload bytes per protocol class, from the sockets (so every namespace
 * counts, and the split adds up to traffic_log): the application its flow
 * was sniffed as, else a well-known port's, else the L4 protocol.
 */
static int queue_protocols(struct store *st, const struct snapshot *s, time_t when)
{
	int64_t hour = hour_of(when);

	for (size_t i = 0; i < s->nconns; i++) {
		const struct connection_stats *c = &s->conns[i];
		uint64_t v[4] = {c->bytes.tx_bytes, c->bytes.rx_bytes, 0, 0};
		uint8_t ip_version = c->family == AF_INET6 ? 6 : 4;
		enum nh_app app;
		const char *name;

		if (!v[0] && !v[1])
			continue;
		/* The collector's choice: the flow's sniffed application, else the port's. */
		app = (enum nh_app)c->app;
		name = classify_app_name(app);
		if (!name)
			name = classify_l4_name(ip_version, (uint8_t)c->protocol);
		if (rollup_add(&st->protocols, hour, name, NULL, v))
			return -ENOMEM;
	}
	return 0;
}

static int queue_events(struct store *st, const struct alert_event *events, size_t n)
{
	for (size_t i = 0; i < n && st->nevents < PENDING_EVENTS_MAX; i++) {
		if (array_grow((void **)&st->events, &st->events_cap, st->nevents + 1,
			 sizeof(*st->events)))
			return -ENOMEM;
		st->events[st->nevents++] = events[i];
	}
	return 0;
}

int store_tick(struct store *st, const struct snapshot *s, const struct alert_event *events,
	       size_t nevents)
{
	time_t when = s->wall.tv_sec;

	if (!st->in_session)
		return 0;
	if (queue_processes(st, s, when) || held_end_tick(&st->held, release_held, st) ||
	    queue_interfaces(st, s, when) ||
	    queue_protocols(st, s, when) || queue_events(st, events, nevents))
		return -ENOMEM;
	st->pending_ticks++;
	st->last_tick = when;
	return store_flush(st);
}

/* ---- writing what waits ---- */

static void bind_time(sqlite3_stmt *q, int col, time_t t)
{
	char buf[32];

	store_format_time(t, buf, sizeof(buf));
	sqlite3_bind_text(q, col, buf, -1, SQLITE_TRANSIENT);
}

/* Step a prepared statement once and reset it; SQLite result code. */
static int run(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int write_session_row(struct store *st)
{
	sqlite3_stmt *q = st->stmt[SQL_INSERT_SESSION];
	struct utsname u;
	int rc;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	rc = close_crashed_sessions(st);
	if (rc != SQLITE_OK)
		return rc;
	bind_time(q, 1, st->session_start);
	sqlite3_bind_text(q, 2, st->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, st->hooks, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, st->tc, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, u.nodename, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 6, u.release, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 7, getpid());
	rc = run(q);
	if (rc == SQLITE_OK)
		st->session_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

static int write_rows(struct store *st)
{
	sqlite3_stmt *q = st->stmt[SQL_INSERT_LOG];
	char protocols[256];
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < st->nrows; i++) {
		const struct log_row *r = &st->rows[i];

		protocols_text(r->protocols, protocols, sizeof(protocols));
		bind_time(q, 1, r->when);
		sqlite3_bind_int64(q, 2, r->pid);
		/* Names are bytes; a blob keeps them exact where text would need valid UTF-8. */
		sqlite3_bind_text(q, 3, r->comm, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, (sqlite3_int64)r->up);
		sqlite3_bind_int64(q, 5, (sqlite3_int64)r->down);
		sqlite3_bind_double(q, 6, r->up_rate);
		sqlite3_bind_double(q, 7, r->down_rate);
		sqlite3_bind_text(q, 8, protocols, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 9, st->session_id);
		sqlite3_bind_int64(q, 10, r->uid);
		sqlite3_bind_int64(q, 11, (sqlite3_int64)r->cgroup_id);
		sqlite3_bind_int64(q, 12, (sqlite3_int64)r->wire_up);
		sqlite3_bind_int64(q, 13, (sqlite3_int64)r->wire_down);
		/* Unbound parameters are NULL: no identity known. */
		if (label_at(st, r->user))
			sqlite3_bind_text(q, 14, label_at(st, r->user), -1, SQLITE_STATIC);
		if (label_at(st, r->unit))
			sqlite3_bind_text(q, 15, label_at(st, r->unit), -1, SQLITE_STATIC);
		if (label_at(st, r->container))
			sqlite3_bind_text(q, 16, label_at(st, r->container), -1, SQLITE_STATIC);
		rc = run(q);
	}
	q = st->stmt[SQL_INSERT_IFACE];
	for (size_t i = 0; rc == SQLITE_OK && i < st->nifrows; i++) {
		const struct iface_row *r = &st->ifrows[i];

		bind_time(q, 1, r->when);
		sqlite3_bind_text(q, 2, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)r->up);
		sqlite3_bind_int64(q, 4, (sqlite3_int64)r->down);
		sqlite3_bind_int64(q, 5, (sqlite3_int64)r->unattr_up);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)r->unattr_down);
		sqlite3_bind_int64(q, 7, st->session_id);
		rc = run(q);
	}
	return rc;
}

static int write_events(struct store *st)
{
	sqlite3_stmt *q = st->stmt[SQL_INSERT_ALERT];
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < st->nevents; i++) {
		const struct alert_event *e = &st->events[i];
		const char *dir = alert_direction_name(e->direction);

		bind_time(q, 1, e->when);
		if (e->kind == ALERT_PROCESS_RATE)
			sqlite3_bind_int64(q, 2, e->pid);
		if (e->kind == ALERT_PROCESS_RATE || e->kind == ALERT_DAILY_QUOTA)
			sqlite3_bind_text(q, 3, e->comm, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, alert_kind_name(e->kind), -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 5, e->value);
		sqlite3_bind_double(q, 6, e->threshold);
		sqlite3_bind_int64(q, 7, st->session_id);
		sqlite3_bind_text(q, 8, e->cleared ? "cleared" : "raised", -1, SQLITE_STATIC);
		if (dir)
			sqlite3_bind_text(q, 9, dir, -1, SQLITE_STATIC);
		if (e->kind == ALERT_INTERFACE_RATE)
			sqlite3_bind_text(q, 10, e->interface, -1, SQLITE_STATIC);
		if (e->kind == ALERT_UNIT_RATE)
			sqlite3_bind_text(q, 11, e->group, -1, SQLITE_STATIC);
		if (e->kind == ALERT_CONTAINER_RATE)
			sqlite3_bind_text(q, 12, e->group, -1, SQLITE_STATIC);
		if (e->capture_file[0])
			sqlite3_bind_text(q, 13, e->capture_file, -1, SQLITE_STATIC);
		rc = run(q);
	}
	return rc;
}

static int write_rollups(struct store *st)
{
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < st->hourly.cap; i++) {
		const struct rollup *r = &st->hourly.slots[i];

		if (!r->hour)
			continue;
		for (int which = SQL_UPSERT_HOURLY; rc == SQLITE_OK && which <= SQL_UPSERT_DAILY;
		     which++) {
			sqlite3_stmt *q = st->stmt[which];

			bind_time(q, 1, (time_t)r->hour);
			sqlite3_bind_text(q, 2, r->name, -1, SQLITE_STATIC);
			for (int k = 0; k < 4; k++)
				sqlite3_bind_int64(q, 3 + k, (sqlite3_int64)r->v[k]);
			sqlite3_bind_text(q, 7, r->user ? r->user : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 8, r->unit ? r->unit : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 9, r->container ? r->container : "", -1,
					  SQLITE_STATIC);
			rc = run(q);
		}
	}
	for (size_t i = 0; rc == SQLITE_OK && i < st->protocols.cap; i++) {
		const struct rollup *r = &st->protocols.slots[i];
		sqlite3_stmt *q = st->stmt[SQL_UPSERT_PROTOCOL];

		if (!r->hour)
			continue;
		bind_time(q, 1, (time_t)r->hour);
		sqlite3_bind_text(q, 2, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)r->v[0]);
		sqlite3_bind_int64(q, 4, (sqlite3_int64)r->v[1]);
		rc = run(q);
	}
	return rc;
}

static int write_session_totals(struct store *st)
{
	sqlite3_stmt *q = st->stmt[SQL_UPDATE_SESSION];

	sqlite3_bind_int64(q, 1, (sqlite3_int64)st->total_up);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)st->total_down);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)st->wire_up);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)st->wire_down);
	bind_time(q, 5, st->last_tick);
	sqlite3_bind_int64(q, 6, st->session_id);
	return run(q);
}

/* Per-second rows past the retention period; a batch per tick, hourly once caught up. */
static int prune(struct store *st)
{
	time_t now = time(NULL);
	int rc;

	if (!st->retention_days || now < st->next_prune)
		return SQLITE_OK;
	int most = 0;

	for (int which = SQL_PRUNE_LOG; which <= SQL_PRUNE_IFACE; which++) {
		bind_time(st->stmt[which], 1, now - (time_t)st->retention_days * 86400);
		rc = run(st->stmt[which]);
		if (rc != SQLITE_OK)
			return rc;
		if (sqlite3_changes(st->db) > most)
			most = sqlite3_changes(st->db);
	}
	if (most < RETENTION_BATCH)
		st->next_prune = now + 3600;
	return SQLITE_OK;
}

static void clear_pending(struct store *st)
{
	st->nrows = st->nifrows = st->nevents = 0;
	st->labels_len = 0;
	rollup_clear(&st->hourly);
	rollup_clear(&st->protocols);
	st->pending_ticks = 0;
	st->rows_dropped = 0;
}

static const char *failure_reason(int rc)
{
	switch (rc) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another program";
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_READONLY:
		return "the database has become read-only";
	case SQLITE_IOERR:
		return "an I/O error";
	default:
		return sqlite3_errstr(rc);
	}
}

static double monotonic_s(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

int store_flush(struct store *st)
{
	struct timespec now;
	size_t ticks = st->pending_ticks;
	bool had_session_row = st->session_id != 0;
	int rc;

	if (!st->in_session)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (st->failing && monotonic_s(&now) < monotonic_s(&st->next_try))
		return 1;

	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK && !st->session_id)
		rc = write_session_row(st);
	if (rc == SQLITE_OK)
		rc = write_rows(st);
	if (rc == SQLITE_OK)
		rc = write_events(st);
	if (rc == SQLITE_OK)
		rc = write_rollups(st);
	if (rc == SQLITE_OK)
		rc = write_session_totals(st);
	if (rc == SQLITE_OK)
		rc = prune(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		if (rc == SQLITE_NOMEM)
			return -ENOMEM;
		if (!had_session_row)
			st->session_id = 0; /* the row went with the rollback */
		if (!st->failing)
			fprintf(stderr,
				"nethound: cannot write to %s: %s; counting goes on in memory and "
				"is written when it can be\n",
				st->path, failure_reason(rc));
		else
			st->backoff_s = st->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S
									  : st->backoff_s * 2;
		st->failing = true;
		st->next_try = now;
		st->next_try.tv_sec += (time_t)st->backoff_s;
		return 1;
	}
	if (st->failing) {
		fprintf(stderr, "nethound: %s is writable again: wrote %zu waiting second%s%s\n",
			st->path, ticks, ticks == 1 ? "" : "s",
			st->rows_dropped ? " (per-process detail of the oldest was kept in the hourly "
					   "rollups only)"
					 : "");
		st->failing = false;
		st->backoff_s = BACKOFF_MIN_S;
	}
	clear_pending(st);
	return 0;
}

int store_session_end(struct store *st, double wait_s)
{
	struct timespec deadline, now;
	sqlite3_stmt *q;
	char end[32];
	int rc;

	if (!st || !st->in_session)
		return 0;
	/* Nothing is held past the end: what is still held goes in under none known. */
	if (held_end_tick(&st->held, release_held, st) ||
	    held_end_tick(&st->held, release_held, st))
		fprintf(stderr, "nethound: out of memory: bytes of the last seconds are only "
				"in the session's totals\n");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)wait_s;
	for (;;) {
		st->failing = false; /* no backoff now: this is the last chance */
		rc = store_flush(st);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (rc <= 0 || monotonic_s(&now) >= monotonic_s(&deadline))
			break;
		usleep(200 * 1000);
	}
	if (rc != 0) {
		fprintf(stderr,
			"nethound: %zu second%s of history could not be written to %s; the "
			"session stays open and is closed as crashed by the next start\n",
			st->pending_ticks, st->pending_ticks == 1 ? "" : "s", st->path);
		st->in_session = false;
		return 1;
	}
	store_format_time(time(NULL), end, sizeof(end));
	rc = sqlite3_prepare_v2(st->db,
				"UPDATE sessions SET status = 'closed', end_time = ? WHERE id = ?", -1,
				&q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, end, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, st->session_id);
		rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
		sqlite3_finalize(q);
	}
	st->in_session = false;
	st->session_id = 0;
	if (rc != SQLITE_OK) {
		fprintf(stderr, "nethound: cannot close the session in %s: %s\n", st->path,
			failure_reason(rc));
		return 1;
	}
	return 0;
}

int store_day_usage(struct store *st, time_t now,
		    int (*fn)(void *ctx, const char *comm, uint64_t bytes, bool quota_raised),
		    void *ctx)
{
	char day_start[20], day_end[20];
	sqlite3_stmt *q;
	int rc;

	store_format_time(now - now % 86400, day_start, sizeof(day_start));
	store_format_time(now - now % 86400 + 86400, day_end, sizeof(day_end));
	rc = sqlite3_prepare_v2(
		st->db,
		"SELECT process_name, sum(bytes), max(raised) FROM ("
		"  SELECT process_name, upload_bytes + download_bytes AS bytes, 0 AS raised"
		"  FROM traffic_daily WHERE day = substr(?1, 1, 10)"
		"  UNION ALL"
		"  SELECT process_name, 0, 1 FROM alerts"
		"  WHERE alert_type = 'daily_quota' AND state = 'raised'"
		"    AND timestamp >= ?1 AND timestamp < ?2 AND process_name IS NOT NULL"
		") GROUP BY process_name",
		-1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(q, 1, day_start, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, day_end, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *comm = (const char *)sqlite3_column_text(q, 0);
		int stop = fn(ctx, comm ? comm : "", (uint64_t)sqlite3_column_int64(q, 1),
			      sqlite3_column_int(q, 2) != 0);

		if (stop) {
			sqlite3_finalize(q);
			return stop;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : rc;
}

size_t store_pending_ticks(const struct store *st)
{
	return st ? st->pending_ticks : 0;
}

const char *store_path(const struct store *st)
{
	return st ? st->path : NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < SQL_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->rows);
	free(st->labels);
	free(st->ifrows);
	free(st->events);
	held_free(&st->held);
	rollup_free(&st->hourly);
	rollup_free(&st->protocols);
	free(st->path);
	free(st);
}
