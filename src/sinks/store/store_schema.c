// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The database layout, one migration per schema version. traffic_log,
 * sessions and alerts keep the seed schema's names and columns so existing
 * queries keep working; the rest is nethound's own.
 *
 * Times are UTC text as SQLite's CURRENT_TIMESTAMP writes it
 * ('YYYY-MM-DD HH:MM:SS'): it sorts, compares with datetime('now', ...) and
 * reads without conversion. Byte columns are bytes, rate columns bytes/s.
 */
#include <stddef.h>

#include "sinks/store/store_schema.h"

/* migrations[i] takes a database from user_version i to i + 1. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  start_time TEXT NOT NULL,"
	"  end_time TEXT,"                   /* NULL while running */
	"  total_upload INTEGER NOT NULL DEFAULT 0," /* payload bytes, flushed totals */
	"  total_download INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'running'" /* running, closed, crashed */
	"    CHECK (status IN ('running', 'closed', 'crashed')),"
	"  mode TEXT NOT NULL,"              /* record or top */
	"  hooks TEXT NOT NULL,"
	"  tc TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  kernel TEXT NOT NULL,"
	"  nethound_pid INTEGER NOT NULL,"
	"  wire_upload INTEGER NOT NULL DEFAULT 0,"
	"  wire_download INTEGER NOT NULL DEFAULT 0,"
	"  last_flush TEXT"                  /* time of the last successful write */
	");"
	"CREATE TABLE traffic_log ("
	"  id INTEGER PRIMARY KEY,"
	"  timestamp TEXT NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  process_name TEXT NOT NULL,"
	"  upload_bytes INTEGER NOT NULL,"   /* payload in this interval */
	"  download_bytes INTEGER NOT NULL,"
	"  upload_rate REAL NOT NULL,"
	"  download_rate REAL NOT NULL,"
	"  protocols TEXT NOT NULL,"         /* 'TCP,UDP,HTTPS' */
	"  session_id INTEGER NOT NULL REFERENCES sessions(id),"
	"  uid INTEGER NOT NULL,"
	"  cgroup_id INTEGER NOT NULL,"
	"  wire_upload_bytes INTEGER NOT NULL DEFAULT 0,"
	"  wire_download_bytes INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX traffic_log_timestamp ON traffic_log(timestamp);"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  timestamp TEXT NOT NULL,"
	"  pid INTEGER,"                     /* NULL for total and interface alerts */
	"  process_name TEXT,"
	"  alert_type TEXT NOT NULL,"        /* process_rate, total_rate, interface_rate, daily_quota */
	"  bandwidth_value REAL NOT NULL,"   /* bytes/s; bytes for daily_quota */
	"  threshold REAL NOT NULL,"
	"  session_id INTEGER NOT NULL REFERENCES sessions(id),"
	"  state TEXT NOT NULL CHECK (state IN ('raised', 'cleared')),"
	"  direction TEXT,"                  /* upload, download; NULL for quota */
	"  interface TEXT"
	");"
	"CREATE INDEX alerts_timestamp ON alerts(timestamp);"
	"CREATE TABLE interface_log ("
	"  timestamp TEXT NOT NULL,"
	"  interface TEXT NOT NULL,"
	"  upload_bytes INTEGER NOT NULL,"   /* frames as the interface counts them */
	"  download_bytes INTEGER NOT NULL,"
	"  unattributed_upload INTEGER NOT NULL,"
	"  unattributed_download INTEGER NOT NULL,"
	"  session_id INTEGER NOT NULL REFERENCES sessions(id)"
	");"
	"CREATE INDEX interface_log_timestamp ON interface_log(timestamp);"
	/* Rollups, kept for good: reports over months read these, not traffic_log. */
	"CREATE TABLE traffic_hourly ("
	"  hour TEXT NOT NULL,"              /* 'YYYY-MM-DD HH:00:00' UTC */
	"  process_name TEXT NOT NULL,"
	"  upload_bytes INTEGER NOT NULL,"
	"  download_bytes INTEGER NOT NULL,"
	"  wire_upload_bytes INTEGER NOT NULL,"
	"  wire_download_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, process_name)"
	") WITHOUT ROWID;"
	"CREATE TABLE traffic_daily ("
	"  day TEXT NOT NULL,"               /* 'YYYY-MM-DD' UTC */
	"  process_name TEXT NOT NULL,"
	"  upload_bytes INTEGER NOT NULL,"
	"  download_bytes INTEGER NOT NULL,"
	"  wire_upload_bytes INTEGER NOT NULL,"
	"  wire_download_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (day, process_name)"
	") WITHOUT ROWID;"
	/* Bytes per protocol class: the flow's application, else its L4 protocol. */
	"CREATE TABLE protocol_hourly ("
	"  hour TEXT NOT NULL,"
	"  protocol TEXT NOT NULL,"
	"  upload_bytes INTEGER NOT NULL,"
	"  download_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, protocol)"
	") WITHOUT ROWID;",
	/*
	 * 1 -> 2: who moved the bytes (README, "Identity"). traffic_log gains
	 * user, unit and container (the name, else the id), NULL where unknown
	 * or not applicable. The rollups are keyed by them too, so a process
	 * that names itself sshd is not summed with the real sshd: rebuilt with
	 * the wider key ('' for none: key columns cannot be NULL), their rows
	 * so far kept as rows of no known identity. The key's columns come
	 * first: SQLite 3.40's integrity_check misreads a WITHOUT ROWID table
	 * whose key columns follow others (it reports NULLs that are not there).
	 */
	"ALTER TABLE traffic_log ADD COLUMN user TEXT;"
	"ALTER TABLE traffic_log ADD COLUMN unit TEXT;"
	"ALTER TABLE traffic_log ADD COLUMN container TEXT;"
	/* Unit and container alerts name theirs here (NULL for the other kinds). */
	"ALTER TABLE alerts ADD COLUMN unit TEXT;"
	"ALTER TABLE alerts ADD COLUMN container TEXT;"
	"CREATE TABLE traffic_hourly_2 ("
	"  hour TEXT NOT NULL,"
	"  process_name TEXT NOT NULL,"
	"  user TEXT NOT NULL DEFAULT '',"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  container TEXT NOT NULL DEFAULT '',"
	"  upload_bytes INTEGER NOT NULL,"
	"  download_bytes INTEGER NOT NULL,"
	"  wire_upload_bytes INTEGER NOT NULL,"
	"  wire_download_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, process_name, user, unit, container)"
	") WITHOUT ROWID;"
	"INSERT INTO traffic_hourly_2 (hour, process_name, upload_bytes, download_bytes,"
	"  wire_upload_bytes, wire_download_bytes)"
	"  SELECT hour, process_name, upload_bytes, download_bytes, wire_upload_bytes,"
	"  wire_download_bytes FROM traffic_hourly;"
	"DROP TABLE traffic_hourly;"
	"ALTER TABLE traffic_hourly_2 RENAME TO traffic_hourly;"
	"CREATE TABLE traffic_daily_2 ("
	"  day TEXT NOT NULL,"
	"  process_name TEXT NOT NULL,"
	"  user TEXT NOT NULL DEFAULT '',"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  container TEXT NOT NULL DEFAULT '',"
	"  upload_bytes INTEGER NOT NULL,"
	"  download_bytes INTEGER NOT NULL,"
	"  wire_upload_bytes INTEGER NOT NULL,"
	"  wire_download_bytes INTEGER NOT NULL,"
	"  PRIMARY KEY (day, process_name, user, unit, container)"
	") WITHOUT ROWID;"
	"INSERT INTO traffic_daily_2 (day, process_name, upload_bytes, download_bytes,"
	"  wire_upload_bytes, wire_download_bytes)"
	"  SELECT day, process_name, upload_bytes, download_bytes, wire_upload_bytes,"
	"  wire_download_bytes FROM traffic_daily;"
	"DROP TABLE traffic_daily;"
	"ALTER TABLE traffic_daily_2 RENAME TO traffic_daily;",
	/*
	 * 2 -> 3: updates the kernel could not store because a map was full
	 * (README, "How it counts"), a row per map in each tick its count grew,
	 * so a flooded map shows in the history, not only in that second's
	 * snapshot.
	 */
	"CREATE TABLE map_drops ("
	"  timestamp TEXT NOT NULL,"
	"  map TEXT NOT NULL,"               /* processes, sockets, flows, interfaces */
	"  dropped INTEGER NOT NULL,"        /* in this tick */
	"  total INTEGER NOT NULL,"          /* since the session's start */
	"  session_id INTEGER NOT NULL REFERENCES sessions(id)"
	");"
	"CREATE INDEX map_drops_timestamp ON map_drops(timestamp);",
	/* 3 -> 4: record --capture-on-alert names the pcapng file it started for an alert. */
	"ALTER TABLE alerts ADD COLUMN capture_file TEXT;",
};

const char *store_schema_migration(int from_version)
{
	if (from_version < 0 || from_version >= STORE_SCHEMA_VERSION)
		return NULL;
	return migrations[from_version];
}

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");
