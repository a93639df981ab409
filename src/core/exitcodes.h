/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exit codes: documented in the README; scripts depend on them. */
#ifndef NETHOUND_EXITCODES_H
#define NETHOUND_EXITCODES_H

enum nh_exit {
	NH_EXIT_OK = 0,
	NH_EXIT_FAILURE = 1,   /* runtime failure not covered below */
	NH_EXIT_USAGE = 2,     /* bad command line */
	NH_EXIT_PRIVILEGE = 3, /* not root / missing capabilities */
	NH_EXIT_KERNEL = 4,    /* kernel lacks what we need: BTF, a usable hook tier */
	NH_EXIT_DATABASE = 5,  /* history database unusable: not ours, read-only, newer */
	NH_EXIT_CONFIG = 6,    /* configuration file: unknown key, bad value, unreadable */
};

#endif
