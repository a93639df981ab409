/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Opening history database files safely, for the store: a new file is
 * created mode 0600 and never through a symlink; an existing one must be a
 * nethound database of a schema version this build knows, and is never
 * changed otherwise. (Read-only opening for reports, store_open_reader, is
 * declared in store.h and lives here too.)
 */
#ifndef NETHOUND_STORE_FILE_H
#define NETHOUND_STORE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/*
 * Open the database at path read-write (creating it if missing), check it is
 * nethound's, switch it to WAL and bring its schema up to date. As root,
 * unless trust_owner, the file, its -wal and -shm and its directory must
 * belong to root and be writable by no one else: whoever can write them
 * chooses what root reads. Returns 0, or NH_EXIT_DATABASE with a one-line
 * cause and remedy in err.
 */
int store_file_open_writer(const char *path, bool trust_owner, sqlite3 **out, char *err,
			   size_t errlen);

#endif
