// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/array.h"
#include "core/errmsg.h"
#include "core/exitcodes.h"
#include "core/protocols.h"
#include "sinks/store/caps.h"
#include "sinks/store/disk_watch.h"
#include "sinks/store/held.h"
#include "sinks/store/rollup.h"
#include "sinks/store/store.h"
#include "sinks/store/store_file.h"
#include "sinks/store/writer_lock.h"

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

/* A kernel map whose failed inserts grew in one tick. */
struct drop_row {
	time_t when;
	unsigned map; /* snapshot_drop_map_name() */
	uint64_t dropped, total;
};

/* A process past the tick's row cap, folded into its user's "(other)" row. */
struct folded {
	uint32_t uid;
	size_t proc; /* index in the snapshot */
};

struct iface_row {
	time_t when;
	char name[IF_NAMESIZE];
	uint64_t up, down, unattr_up, unattr_down;
};

/*
 * traffic_log rows go in LOG_BATCH_ROWS to a statement (one step, one
 * record-building program run per batch), the rest one at a time: a
 * thousand processes move bytes in a tick on a busy host.
 */
#define LOG_INSERT                                                                        \
	"INSERT INTO traffic_log (timestamp, pid, process_name, upload_bytes,"            \
	" download_bytes, upload_rate, download_rate, protocols, session_id,"             \
	" uid, cgroup_id, wire_upload_bytes, wire_download_bytes, user, unit, container)" \
	" VALUES"
#define LOG_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define LOG_COLUMNS 16
#define LOG_BATCH_ROWS 32

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
	SQL_INSERT_DROP,
	SQL_MAX,
};

static const char *const statement_sql[SQL_MAX] = {
	[SQL_INSERT_LOG] = LOG_INSERT " " LOG_VALUES,
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
	[SQL_INSERT_DROP] = "INSERT INTO map_drops (timestamp, map, dropped, total, session_id)"
			    " VALUES (?, ?, ?, ?, ?)",
};

struct store {
	sqlite3 *db;
	char *path;
	struct store_config cfg;
	sqlite3_stmt *stmt[SQL_MAX];
	sqlite3_stmt *log_batch; /* LOG_BATCH_ROWS rows of SQL_INSERT_LOG */

	/* The session: its row is written with the first flush that succeeds. */
	bool in_session;
	int writer_lock; /* held for the session (writer_lock.h); -1 outside one */
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
	struct drop_row *drops;
	size_t ndrops, drops_cap;
	uint64_t drops_seen[NH_DROP_MAPS]; /* the counters at the last tick */

	/* The caps, and what was said once. */
	struct name_cap names;
	struct folded *folded;
	size_t folded_cap;
	bool told_rows_cap, told_names_cap;

	struct disk_watch disk; /* replaced? under the free-space watermark? */

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
	char batch[sizeof(LOG_INSERT) + LOG_BATCH_ROWS * sizeof(", " LOG_VALUES)];
	size_t used = (size_t)snprintf(batch, sizeof(batch), "%s", LOG_INSERT);

	for (int i = 0; i < LOG_BATCH_ROWS; i++)
		used += (size_t)snprintf(batch + used, sizeof(batch) - used, "%s%s",
					 i ? ", " : " ", LOG_VALUES);
	for (int i = 0; i < SQL_MAX; i++) {
		if (sqlite3_prepare_v3(st->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK)
			return fail(err, errlen, "%s: cannot prepare statements (%s)",
				    st->path, sqlite3_errmsg(st->db));
	}
	if (sqlite3_prepare_v3(st->db, batch, -1, SQLITE_PREPARE_PERSISTENT, &st->log_batch,
			       NULL) != SQLITE_OK)
		return fail(err, errlen, "%s: cannot prepare statements (%s)", st->path,
			    sqlite3_errmsg(st->db));
	return 0;
}

int store_open(struct store **out, const struct store_config *cfg, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	const char *path = cfg->path;
	int rc;

	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return fail(err, errlen, "out of memory opening %s", path);
	}
	st->cfg = *cfg;
	st->cfg.path = st->path;
	st->names.cap = cfg->names_per_hour;
	st->backoff_s = BACKOFF_MIN_S;
	st->writer_lock = -1;
	rc = store_file_open_writer(path, cfg->trust_owner, &st->db, err, errlen);
	if (rc == 0)
		rc = prepare_all(st, err, errlen);
	if (rc) {
		store_close(st);
		return rc;
	}
	sqlite3_busy_timeout(st->db, TICK_BUSY_MS);
	if (disk_watch_open(&st->disk, st->path, cfg->min_free)) {
		store_close(st);
		return fail(err, errlen, "out of memory opening %s", path);
	}
	*out = st;
	return 0;
}

/* ---- sessions ---- */

/* The pid of a session marked running, for a message when the lock file has none yet. */
static pid_t running_session_pid(struct store *st)
{
	sqlite3_stmt *q;
	pid_t pid = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT nethound_pid FROM sessions WHERE status = 'running'"
			       " ORDER BY id DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		pid = (pid_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return pid;
}

/*
 * Sessions left running by a nethound that is gone (SIGKILL, power loss):
 * closed at their last flush with the totals flushed then, marked crashed.
 * This runs before our own row exists, under the writer lock: no other
 * writer lives, so every session still marked running is over.
 */
static int close_crashed_sessions(struct store *st)
{
	return sqlite3_exec(st->db,
			    "UPDATE sessions SET status = 'crashed',"
			    " end_time = coalesce(last_flush, start_time) WHERE status = 'running'",
			    NULL, NULL, NULL);
}

static void release_writer_lock(struct store *st)
{
	if (st->writer_lock >= 0)
		close(st->writer_lock);
	st->writer_lock = -1;
}

int store_session_begin(struct store *st, const struct store_session_info *info,
			pid_t *other_pid, char *err, size_t errlen)
{
	int rc;

	*other_pid = 0;
	rc = writer_lock_take(st->path, other_pid, err, errlen);
	if (rc == -EBUSY) {
		if (!*other_pid)
			*other_pid = running_session_pid(st);
		if (*other_pid <= 0)
			*other_pid = -1; /* still busy: the holder has not written its pid yet */
		snprintf(err, errlen,
			 "nethound: nethound (pid %d) is already logging to %s; a second writer "
			 "would count every byte twice",
			 (int)*other_pid, st->path);
		return -EBUSY;
	}
	if (rc < 0)
		return rc;
	st->writer_lock = rc;
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

/*
 * Add to the hourly (and daily) rollups, which are kept for good: past
 * names_per_hour keys in an hour, a new key's bytes go to its user's
 * "(other)" key, so unique names cannot grow the history without bound.
 * Bytes held over from an earlier hour (a few seconds' worth) are let in.
 */
static int rollup_named(struct store *st, int64_t hour, const char *name,
			const struct rollup_who *who, const uint64_t v[4])
{
	struct rollup_who other = { who ? who->user : NULL, NULL, NULL };
	int admit = name_cap_admit(&st->names, hour, name, who);

	if (admit < 0)
		return admit;
	if (admit)
		return rollup_add(&st->hourly, hour, name, who, v);
	if (!st->told_names_cap)
		fprintf(stderr,
			"nethound: more than %u process names this hour: further names are summed "
			"as '%s' per user in the hourly and daily history (history_names_per_hour)\n",
			st->names.cap, STORE_OTHER_NAME);
	st->told_names_cap = true;
	return rollup_add(&st->hourly, hour, STORE_OTHER_NAME, &other, v);
}

/* Held bytes of a process that left the snapshot still identity-less: summed under none known. */
static int release_held(void *ctx, const struct held_bytes *b)
{
	struct store *st = ctx;

	return rollup_named(st, b->hour, b->comm, NULL, b->v);
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
			if (rollup_named(st, b.hour, b.comm, who, b.v))
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
	if (held && rollup_named(st, b.hour, p->comm, who, b.v))
		return -ENOMEM;
	return moved ? rollup_named(st, hour_of(when), p->comm, who, v) : 0;
}

/* A new row waiting to be written, zeroed; NULL (and counted) past STORE_PENDING_ROWS_MAX. */
static int new_row(struct store *st, struct log_row **out)
{
	*out = NULL;
	if (st->nrows >= STORE_PENDING_ROWS_MAX) {
		st->rows_dropped++;
		return 0;
	}
	if (array_grow((void **)&st->rows, &st->rows_cap, st->nrows + 1, sizeof(*st->rows)))
		return -ENOMEM;
	*out = &st->rows[st->nrows++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int set_labels(struct store *st, struct log_row *r, const char *user, const char *unit,
		      const char *container)
{
	r->user = keep_label(st, user);
	r->unit = keep_label(st, unit);
	r->container = keep_label(st, container);
	if (r->user == SIZE_MAX - 1 || r->unit == SIZE_MAX - 1 || r->container == SIZE_MAX - 1)
		return -ENOMEM;
	return 0;
}

static int folded_cmp(const void *x, const void *y)
{
	const struct folded *a = x, *b = y;

	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return a->proc < b->proc ? -1 : a->proc > b->proc;
}

/* One "(other)" row per uid for the processes past the cap, their bytes summed. */
static int queue_folded(struct store *st, const struct snapshot *s, size_t nfolded, time_t when)
{
	qsort(st->folded, nfolded, sizeof(*st->folded), folded_cmp);
	for (size_t i = 0; i < nfolded;) {
		const struct process_stats *first = &s->procs[st->folded[i].proc];
		struct log_row *r;
		size_t j;

		if (new_row(st, &r))
			return -ENOMEM;
		for (j = i; j < nfolded && st->folded[j].uid == st->folded[i].uid; j++) {
			const struct process_stats *p = &s->procs[st->folded[j].proc];

			if (!r)
				continue;
			r->up += p->all.tx_bytes;
			r->down += p->all.rx_bytes;
			r->wire_up += p->wire.tx_bytes;
			r->wire_down += p->wire.rx_bytes;
			r->protocols |= p->protocols;
		}
		i = j;
		if (!r)
			continue;
		r->when = when;
		snprintf(r->comm, sizeof(r->comm), "%s", STORE_OTHER_NAME);
		r->up_rate = traffic_rate(r->up, s->interval);
		r->down_rate = traffic_rate(r->down, s->interval);
		r->uid = first->uid;
		if (set_labels(st, r, first->ident.user, NULL, NULL))
			return -ENOMEM;
	}
	return 0;
}

static int queue_processes(struct store *st, const struct snapshot *s, time_t when)
{
	size_t nfolded = 0, moved;
	bool *keep;
	int rc = caps_choose_rows(s, st->cfg.rows_per_tick, &keep, &moved);

	if (keep && !st->told_rows_cap)
		fprintf(stderr,
			"nethound: %zu processes moved bytes in one tick, more than %u: the rest "
			"are logged as one '%s' row per user (history_rows_per_tick)\n",
			moved, st->cfg.rows_per_tick, STORE_OTHER_NAME);
	st->told_rows_cap = st->told_rows_cap || keep;

	for (size_t i = 0; rc == 0 && i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		uint64_t v[4] = {p->all.tx_bytes, p->all.rx_bytes, p->wire.tx_bytes,
				 p->wire.rx_bytes};
		struct rollup_who who = { p->ident.user, p->ident.unit,
					  process_container_label(&p->ident) };
		struct log_row *r;

		if (rollup_process(st, p, when, v, &who)) {
			rc = -ENOMEM;
			break;
		}
		if (!caps_moved_bytes(p))
			continue;
		st->total_up += v[0];
		st->total_down += v[1];
		if (keep && !keep[i]) {
			if (array_grow((void **)&st->folded, &st->folded_cap, nfolded + 1,
				       sizeof(*st->folded))) {
				rc = -ENOMEM;
				break;
			}
			st->folded[nfolded++] = (struct folded){ p->uid, i };
			continue;
		}
		rc = new_row(st, &r);
		if (rc || !r)
			continue;
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
		rc = set_labels(st, r, who.user, who.unit, who.container);
	}
	free(keep);
	if (rc == 0 && nfolded)
		rc = queue_folded(st, s, nfolded, when);
	return rc;
}

/* Each map whose drop counter grew since the last tick: a row with how many. */
static int queue_drops(struct store *st, const struct snapshot *s, time_t when)
{
	for (unsigned m = 0; m < NH_DROP_MAPS; m++) {
		uint64_t now = snapshot_map_drops(s, m);
		struct drop_row *d;

		if (now <= st->drops_seen[m]) {
			st->drops_seen[m] = now; /* a new load starts from 0 */
			continue;
		}
		if (st->ndrops < PENDING_EVENTS_MAX) {
			if (array_grow((void **)&st->drops, &st->drops_cap, st->ndrops + 1,
				       sizeof(*st->drops)))
				return -ENOMEM;
			d = &st->drops[st->ndrops++];
			*d = (struct drop_row){ when, m, now - st->drops_seen[m], now };
		}
		st->drops_seen[m] = now;
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
 * was sniffed as, else a well-known port's, else the L4 protocol. The
 * collector has summed the tick's connections per class.
 */
static int queue_protocols(struct store *st, const struct snapshot *s, time_t when)
{
	int64_t hour = hour_of(when);

	for (size_t k = 0; k < s->nprotocols; k++) {
		const struct protocol_bytes *p = &s->protocols[k];
		uint64_t v[4] = {p->tx_bytes, p->rx_bytes, 0, 0};

		if ((v[0] || v[1]) && rollup_add(&st->protocols, hour, p->name, NULL, v))
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
	    queue_protocols(st, s, when) || queue_drops(st, s, when) ||
	    queue_events(st, events, nevents))
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

/* Bind row r to the LOG_COLUMNS parameters of q after the first skip. */
static void bind_log_row(const struct store *st, sqlite3_stmt *q, int skip,
			 const struct log_row *r, const char *when, const char *protocols)
{
	sqlite3_bind_text(q, skip + 1, when, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, skip + 2, r->pid);
	sqlite3_bind_text(q, skip + 3, r->comm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, skip + 4, (sqlite3_int64)r->up);
	sqlite3_bind_int64(q, skip + 5, (sqlite3_int64)r->down);
	sqlite3_bind_double(q, skip + 6, r->up_rate);
	sqlite3_bind_double(q, skip + 7, r->down_rate);
	sqlite3_bind_text(q, skip + 8, protocols, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, skip + 9, st->session_id);
	sqlite3_bind_int64(q, skip + 10, r->uid);
	sqlite3_bind_int64(q, skip + 11, (sqlite3_int64)r->cgroup_id);
	sqlite3_bind_int64(q, skip + 12, (sqlite3_int64)r->wire_up);
	sqlite3_bind_int64(q, skip + 13, (sqlite3_int64)r->wire_down);
	/* A null label binds NULL: no identity known. */
	sqlite3_bind_text(q, skip + 14, label_at(st, r->user), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, skip + 15, label_at(st, r->unit), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, skip + 16, label_at(st, r->container), -1, SQLITE_STATIC);
}

static int write_rows(struct store *st)
{
	sqlite3_stmt *q = NULL;
	char protocols[256], when[32];
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < st->nrows; i++) {
		const struct log_row *r = &st->rows[i];
		size_t in_batch = i % LOG_BATCH_ROWS;

		/* A tick's rows share a time and mostly a protocol set: format each once. */
		if (i == 0 || r->protocols != st->rows[i - 1].protocols)
			protocols_text(r->protocols, protocols, sizeof(protocols));
		if (i == 0 || r->when != st->rows[i - 1].when)
			store_format_time(r->when, when, sizeof(when));
		/* Whole batches while LOG_BATCH_ROWS rows are left from the batch's first. */
		if (in_batch == 0)
			q = st->nrows - i >= LOG_BATCH_ROWS ? st->log_batch : st->stmt[SQL_INSERT_LOG];
		bind_log_row(st, q, q == st->log_batch ? (int)in_batch * LOG_COLUMNS : 0, r, when,
			     protocols);
		if (q != st->log_batch || in_batch == LOG_BATCH_ROWS - 1)
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

static int write_drops(struct store *st)
{
	sqlite3_stmt *q = st->stmt[SQL_INSERT_DROP];
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < st->ndrops; i++) {
		const struct drop_row *d = &st->drops[i];

		bind_time(q, 1, d->when);
		sqlite3_bind_text(q, 2, snapshot_drop_map_name(d->map), -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)d->dropped);
		sqlite3_bind_int64(q, 4, (sqlite3_int64)d->total);
		sqlite3_bind_int64(q, 5, st->session_id);
		rc = run(q);
	}
	return rc;
}

/*
 * The pause under the free-space watermark, once writing works again: a
 * history_paused alert raised when it began and cleared now, with the bytes
 * free then and the watermark.
 */
static int write_pause(struct store *st, time_t until)
{
	sqlite3_stmt *q = st->stmt[SQL_INSERT_ALERT];
	int rc = SQLITE_OK;

	if (!st->disk.low)
		return SQLITE_OK;
	for (int cleared = 0; rc == SQLITE_OK && cleared <= 1; cleared++) {
		bind_time(q, 1, cleared ? until : st->disk.low_since);
		sqlite3_bind_text(q, 4, "history_paused", -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 5, (double)st->disk.low_free);
		sqlite3_bind_double(q, 6, (double)st->cfg.min_free);
		sqlite3_bind_int64(q, 7, st->session_id);
		sqlite3_bind_text(q, 8, cleared ? "cleared" : "raised", -1, SQLITE_STATIC);
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

	if (!st->cfg.retention_days || now < st->next_prune)
		return SQLITE_OK;
	int most = 0;

	for (int which = SQL_PRUNE_LOG; which <= SQL_PRUNE_IFACE; which++) {
		bind_time(st->stmt[which], 1, now - (time_t)st->cfg.retention_days * 86400);
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
	st->nrows = st->nifrows = st->nevents = st->ndrops = 0;
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
		return "the database is locked by another program (let it finish)";
	case SQLITE_FULL:
		return "the disk is full (free some space)";
	case SQLITE_READONLY:
		return "the database has become read-only (make it writable again)";
	case SQLITE_IOERR:
		return "an I/O error (check the disk, and that the file and its -wal are not "
		       "immutable: lsattr)";
	default:
		return sqlite3_errstr(rc);
	}
}

static double monotonic_s(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

bool store_replaced(const struct store *st)
{
	return st && st->disk.replaced;
}

int store_flush(struct store *st)
{
	struct timespec now;
	size_t ticks = st->pending_ticks;
	bool had_session_row = st->session_id != 0, resumed;
	time_t wall = time(NULL);
	int rc;

	if (!st->in_session)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (st->failing && monotonic_s(&now) < monotonic_s(&st->next_try))
		return 1;
	if (!disk_watch_writable(&st->disk))
		return 1;
	resumed = st->disk.low;

	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK && !st->session_id)
		rc = write_session_row(st);
	if (rc == SQLITE_OK)
		rc = write_rows(st);
	if (rc == SQLITE_OK)
		rc = write_events(st);
	if (rc == SQLITE_OK)
		rc = write_drops(st);
	if (rc == SQLITE_OK)
		rc = write_pause(st, wall);
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
	if (resumed) {
		fprintf(stderr,
			"nethound: free space for %s is back over history_min_free: wrote %zu "
			"waiting second%s%s\n",
			st->path, ticks, ticks == 1 ? "" : "s",
			st->rows_dropped ? " (per-process detail of the oldest was kept in the hourly "
					   "rollups only)"
					 : "");
		st->disk.low = false;
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
		/* Under the watermark there is no point waiting: nothing frees space for us. */
		if (rc <= 0 || st->disk.low || st->disk.replaced ||
		    monotonic_s(&now) >= monotonic_s(&deadline))
			break;
		usleep(200 * 1000);
	}
	if (rc != 0) {
		fprintf(stderr,
			"nethound: %zu second%s of history could not be written to %s; the "
			"session stays open and is closed as crashed by the next start\n",
			st->pending_ticks, st->pending_ticks == 1 ? "" : "s", st->path);
		st->in_session = false;
		release_writer_lock(st);
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
	release_writer_lock(st);
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
	sqlite3_finalize(st->log_batch);
	sqlite3_close(st->db);
	release_writer_lock(st);
	free(st->rows);
	free(st->labels);
	free(st->ifrows);
	free(st->events);
	free(st->drops);
	free(st->folded);
	name_cap_free(&st->names);
	disk_watch_free(&st->disk);
	held_free(&st->held);
	rollup_free(&st->hourly);
	rollup_free(&st->protocols);
	free(st->path);
	free(st);
}
