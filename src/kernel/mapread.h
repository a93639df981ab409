/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Whole-map reads with batch lookups, shared by the collectors. */
#ifndef NETHOUND_MAPREAD_H
#define NETHOUND_MAPREAD_H

#include <stddef.h>

/* Batch reads may need a little room past max_entries for a last bucket. */
#define MAPREAD_SLACK 256

/*
 * Read up to cap entries of a hash map into keys and vals (val_size is the
 * whole value: for a per-CPU map, the rounded value size times the CPUs).
 * Returns the entry count or -errno.
 */
long mapread_all(int fd, void *keys, size_t key_size, void *vals, size_t val_size, size_t cap);

#endif
