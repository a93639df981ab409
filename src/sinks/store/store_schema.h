/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The database layout and its migrations; documented in the README. */
#ifndef NETHOUND_STORE_SCHEMA_H
#define NETHOUND_STORE_SCHEMA_H

/* PRAGMA application_id of a nethound database: "NHDB". */
#define STORE_APPLICATION_ID 0x4E484442
/* PRAGMA user_version once every migration has run. */
#define STORE_SCHEMA_VERSION 4

/* SQL taking the schema from from_version to from_version + 1; NULL past the end. */
const char *store_schema_migration(int from_version);

#endif
