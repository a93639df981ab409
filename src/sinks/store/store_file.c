// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errmsg.h"
#include "core/exitcodes.h"
#include "sinks/store/store.h"
#include "sinks/store/store_file.h"
#include "sinks/store/store_schema.h"

/* While opening: wait this long for another writer's lock. */
#define OPEN_BUSY_MS 5000

#define fail(err, errlen, ...) nh_error(err, errlen, NH_EXIT_DATABASE, __VA_ARGS__)

static int exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/*
 * The first column of the first row of sql in *out. SQLITE_OK only when there
 * was a row and *out holds it; without a row, SQLITE_DONE ("no more rows").
 */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_OK) {
		/* Not a documented result of a step, but it must never pass for a row. */
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Is this a nethound database we can use? An empty file (or one SQLite just
 * created) becomes one; anything else must carry our application id and a
 * schema version we know.
 */
static int check_identity(sqlite3 *db, const char *path, bool *fresh, int *version,
			  int *sqlite_rc, char *err, size_t errlen)
{
	int64_t app_id, user_version, objects;
	int rc;

	rc = query_int(db, "PRAGMA application_id", &app_id);
	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", &user_version);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &objects);
	*sqlite_rc = rc;
	if (rc == SQLITE_NOTADB)
		return fail(err, errlen,
			    "%s is not a SQLite database; refusing to touch it: "
			    "move it away or pass another --db",
			    path);
	if (rc == SQLITE_BUSY)
		return fail(err, errlen,
			    "%s is locked by another program; try again when it lets go",
			    path);
	if (rc != SQLITE_OK)
		return fail(err, errlen, "cannot read %s (%s)", path,
			    sqlite3_errstr(rc));
	if (app_id == 0 && user_version == 0 && objects == 0) {
		*fresh = true;
		*version = 0;
		return 0;
	}
	if (app_id != STORE_APPLICATION_ID)
		return fail(err, errlen,
			    "%s is a SQLite database of another program, not nethound's; "
			    "refusing to touch it: pass another --db",
			    path);
	if (user_version > STORE_SCHEMA_VERSION)
		return fail(err, errlen,
			    "%s has schema version %lld, newer than this nethound "
			    "knows (%d); upgrade nethound",
			    path, (long long)user_version, STORE_SCHEMA_VERSION);
	*fresh = false;
	*version = (int)user_version;
	return 0;
}

static int migrate(sqlite3 *db, const char *path, bool fresh, int version, char *err,
		   size_t errlen)
{
	char sql[96];
	int rc;

	if (!fresh && version == STORE_SCHEMA_VERSION)
		return 0;
	rc = exec_sql(db, "BEGIN IMMEDIATE");
	for (int v = version; rc == SQLITE_OK && v < STORE_SCHEMA_VERSION; v++)
		rc = exec_sql(db, store_schema_migration(v));
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
			 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
		rc = exec_sql(db, sql);
	}
	if (rc == SQLITE_OK)
		rc = exec_sql(db, "COMMIT");
	if (rc != SQLITE_OK) {
		const char *why = sqlite3_errmsg(db);

		exec_sql(db, "ROLLBACK");
		return fail(err, errlen,
			    "cannot set up the tables in %s (%s); check free space and "
			    "permissions",
			    path, why);
	}
	return 0;
}

/*
 * Whoever may write the database, its -wal or -shm, or the directory that
 * holds them chooses what nethound reads and writes as root: another user's
 * file, or one group or others may write, is refused unless the
 * administrator says so (db_trust_owner). Only as root: a user's own
 * nethound may log wherever the user may write.
 */
static int check_owner(const char *what, bool is_dir, bool trust_owner, char *err,
		       size_t errlen)
{
	struct stat st;

	if (trust_owner || geteuid() != 0)
		return 0;
	if (is_dir ? stat(what, &st) : lstat(what, &st))
		return 0; /* missing: created below, by root, mode 0600 */
	if (S_ISLNK(st.st_mode))
		return 0; /* refused as a link by create_file (the database) or by SQLite */
	if (st.st_uid != 0)
		return fail(err, errlen,
			    "%s belongs to uid %u, who could choose what nethound reads as root; "
			    "chown root %s, pass another --db, or set db_trust_owner = yes",
			    what, (unsigned)st.st_uid, what);
	/* Sticky or not: in a directory others may write, they can plant a -wal first. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return fail(err, errlen,
			    "%s is writable by group or others, who could choose what nethound "
			    "reads as root; chmod go-w %s, pass another --db, or set "
			    "db_trust_owner = yes",
			    what, what);
	return 0;
}

static int check_owners(const char *path, bool trust_owner, char *err, size_t errlen)
{
	char buf[4200];
	const char *slash = strrchr(path, '/');
	int rc;

	if (strlen(path) + sizeof("-wal") > sizeof(buf))
		return fail(err, errlen, "the path %s is too long", path);
	/* The directory: "dir/x.db" -> "dir", "/x.db" -> "/", "x.db" -> "." */
	if (!slash)
		snprintf(buf, sizeof(buf), ".");
	else
		snprintf(buf, sizeof(buf), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	rc = check_owner(buf, true, trust_owner, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; i < 3; i++) {
		static const char *const suffix[] = { "", "-wal", "-shm" };

		snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]);
		rc = check_owner(buf, false, trust_owner, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Create path as an empty file, mode 0600, refusing symlinks; fine if it exists. */
static int create_file(const char *path, bool default_path, bool trust_owner, char *err,
		       size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (default_path) {
		/* Our own directory; readable, so reports need only the file's permission. */
		if (mkdir("/var/lib/nethound", 0755) && errno != EEXIST)
			return fail(err, errlen,
				    "cannot create /var/lib/nethound (%s); pass --db PATH "
				    "or --no-db",
				    strerror(errno));
	}
	rc = check_owners(path, trust_owner, err, errlen);
	if (rc)
		return rc;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return fail(err, errlen,
				    "%s is a symbolic link; refusing to follow it: "
				    "pass the real path with --db",
				    path);
		if (!S_ISREG(st.st_mode))
			return fail(err, errlen, "%s is not a regular file; pass another --db",
				    path);
		return 0;
	}
	if (errno != ENOENT)
		return fail(err, errlen, "cannot open %s (%s)", path, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return fail(err, errlen, "cannot create %s (%s); pass another --db or --no-db",
			    path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * A database file is input like any other: someone may plant one with
 * triggers or views that would run as root when we write or read. Our schema
 * has neither, so both are off, as are writes to the schema through
 * PRAGMA tricks (defensive mode), and functions called from the schema.
 */
static void harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
}

int store_file_open_writer(const char *path, bool trust_owner, sqlite3 **out, char *err,
			   size_t errlen)
{
	sqlite3 *db = NULL;
	bool fresh = false;
	int version = 0, rc, sqlite_rc, persist = 1;

	*out = NULL;
	/*
	 * No memory statistics: nothing reads them, and keeping them takes a
	 * process-wide mutex on every SQLite allocation, thousands a tick.
	 * Only possible before SQLite initializes; later it is refused, harmlessly.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	rc = create_file(path, strcmp(path, STORE_DEFAULT_PATH) == 0, trust_owner, err, errlen);
	if (rc)
		return rc;
	/*
	 * NOMUTEX: only the pipeline's thread uses this connection, so SQLite's
	 * per-call locking (two mutex operations per bind, step and reset, a
	 * thousand rows a tick) buys nothing.
	 */
	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(err, errlen, "cannot open %s (%s)", path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto failed;
	}
	harden(db);
	sqlite3_extended_result_codes(db, 0);
	if (sqlite3_db_readonly(db, "main") == 1) {
		rc = fail(err, errlen,
			  "%s is read-only; make it writable, pass another --db, or use "
			  "--no-db",
			  path);
		goto failed;
	}
	sqlite3_busy_timeout(db, OPEN_BUSY_MS);
	rc = check_identity(db, path, &fresh, &version, &sqlite_rc, err, errlen);
	if (rc)
		goto failed;
	/* WAL: reports read while we write; NORMAL: a crash loses at most the last ticks. */
	if (exec_sql(db, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
	    exec_sql(db, "PRAGMA synchronous = NORMAL") != SQLITE_OK) {
		rc = fail(err, errlen, "cannot switch %s to WAL (%s)", path, sqlite3_errmsg(db));
		goto failed;
	}
	/* Keep -wal and -shm after closing, so readers without write access can open it. */
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	rc = migrate(db, path, fresh, version, err, errlen);
	if (rc)
		goto failed;
	*out = db;
	return 0;

failed:
	sqlite3_close(db);
	return rc;
}

/* "file:PATH?immutable=1" with the bytes a URI gives meaning to escaped. */
static int immutable_uri(const char *path, char *uri, size_t len)
{
	size_t used = (size_t)snprintf(uri, len, "file:");

	for (; *path && used + 4 < len; path++) {
		if (*path == '%' || *path == '?' || *path == '#')
			used += (size_t)snprintf(uri + used, len - used, "%%%02X",
						 (unsigned char)*path);
		else
			uri[used++] = *path;
	}
	if (*path || used + sizeof("?immutable=1") > len)
		return -1;
	snprintf(uri + used, len - used, "?immutable=1");
	return 0;
}

/* The file's header says WAL (bytes 18 and 19, the read and write versions, are 2). */
static bool is_wal_file(const char *path)
{
	unsigned char header[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool wal;

	if (fd < 0)
		return false;
	wal = read(fd, header, sizeof(header)) == (ssize_t)sizeof(header) &&
	      memcmp(header, "SQLite format 3", 16) == 0 && header[18] == 2 && header[19] == 2;
	close(fd);
	return wal;
}

/* Open name read-only and check it is a nethound database with history in it. */
static int open_readonly(const char *name, int flags, const char *path, sqlite3 **out,
			 int *sqlite_rc, char *err, size_t errlen)
{
	bool fresh;
	int version, rc;

	*sqlite_rc = sqlite3_open_v2(name, out, SQLITE_OPEN_READONLY | flags, NULL);
	if (*sqlite_rc != SQLITE_OK) {
		rc = fail(err, errlen, "cannot open %s (%s)", path, sqlite3_errstr(*sqlite_rc));
	} else {
		harden(*out);
		sqlite3_busy_timeout(*out, OPEN_BUSY_MS);
		rc = check_identity(*out, path, &fresh, &version, sqlite_rc, err, errlen);
		if (rc == 0 && fresh)
			rc = fail(err, errlen, "%s is empty: no history recorded yet", path);
	}
	if (rc) {
		sqlite3_close(*out);
		*out = NULL;
	}
	return rc;
}

int store_open_reader(sqlite3 **out, const char *path, char *err, size_t errlen)
{
	char uri[4200];
	struct stat stt;
	int rc, sqlite_rc;

	*out = NULL;
	if (stat(path, &stt))
		return fail(err, errlen, "cannot open %s (%s); pass the database with --db",
			    path, strerror(errno));
	rc = open_readonly(path, 0, path, out, &sqlite_rc, err, errlen);
	/*
	 * One failure has a way round: a WAL database whose -shm this reader
	 * cannot create or map (no write access to the directory). Opened as
	 * immutable, SQLite reads the file without locks, so a checkpoint that
	 * record runs meanwhile can show it torn pages: said on stderr. Every
	 * other failure (a hot rollback journal, corruption) is the answer, or
	 * immutable would read around what SQLite refused.
	 */
	if (rc == 0 || (sqlite_rc != SQLITE_CANTOPEN && sqlite_rc != SQLITE_READONLY))
		return rc;
	if (!is_wal_file(path)) {
		if (sqlite_rc == SQLITE_READONLY)
			return fail(err, errlen,
				    "%s has a transaction a writer left unfinished, which only a "
				    "user who may write the file and its directory can roll back; "
				    "run the report once as that user (or root)",
				    path);
		return rc;
	}
	if (immutable_uri(path, uri, sizeof(uri)))
		return fail(err, errlen, "the path %s is too long", path);
	rc = open_readonly(uri, SQLITE_OPEN_URI, path, out, &sqlite_rc, err, errlen);
	if (rc == 0)
		fprintf(stderr,
			"nethound: warning: cannot open the shared memory of %s (no write access "
			"to its directory); read without locks, so figures may be torn while "
			"record checkpoints: run as a user who may write there\n",
			path);
	return rc;
}
