// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --date/--from/--to under any TZ (a zone name from the input, or a POSIX
 * rule such as "XYZ-13:59DST,M3.5.0/25,M10.5.0"): 0 with a non-empty range,
 * or NH_EXIT_USAGE with a one-line message.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/exitcodes.h"
#include "fuzz_util.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t given = fuzz_u8(&in);
	/* Within +-2^40 s: years glibc's gmtime and mktime handle. */
	time_t now = (time_t)(int64_t)(fuzz_u64(&in) % (2ULL << 40)) - (time_t)(1LL << 40);
	char *tz = fuzz_string(&in, 128), *date = fuzz_string(&in, 64);
	char *from = fuzz_string(&in, 64), *to = fuzz_string(&in, 64);
	time_t f = 0, t = 0;
	char err[512];
	int rc;

	/* "/" would name any file as a zone; zones come from Debian's tzdata only. */
	if (!strchr(tz, '/') ||
	    ((!strncmp(tz, "Europe/", 7) || !strncmp(tz, "America/", 8)) && !strstr(tz, "..")))
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	rc = report_parse_range(given & 1 ? date : NULL, given & 2 ? from : NULL,
				given & 4 ? to : NULL, now, &f, &t, err, sizeof(err));
	if (rc != 0 && rc != NH_EXIT_USAGE)
		abort();
	if (rc == 0 && f >= t)
		abort();
	if (rc && (!err[0] || strchr(err, '\n')))
		abort();
	free(tz);
	free(date);
	free(from);
	free(to);
	return 0;
}
