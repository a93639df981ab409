// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alerts/alert_exec.h"

extern char **environ;

struct alert_exec {
	char *buf;
	char *argv[ALERT_EXEC_MAX_ARGS + 1];
	pid_t running[ALERT_EXEC_MAX_RUNNING];
	time_t started[ALERT_EXEC_MAX_PER_MINUTE]; /* ring of start times */
	size_t started_head;
	unsigned long skipped; /* not run because of the limits, since the last report */
};

int alert_exec_split(const char *cmdline, char *buf, size_t buflen, char **words, int max)
{
	const char *p = cmdline;
	size_t used = 0;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		words[n++] = buf + used;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
				continue;
			}
			if (quote && *p == quote) {
				quote = 0;
				continue;
			}
			if (used + 1 >= buflen)
				return -1;
			buf[used++] = *p;
		}
		if (quote || used >= buflen)
			return -1;
		buf[used++] = '\0';
	}
	words[n] = NULL;
	return n;
}

struct alert_exec *alert_exec_new(const char *cmdline, char *err, size_t errlen)
{
	struct alert_exec *x = calloc(1, sizeof(*x));
	size_t len = strlen(cmdline) + 1;
	int n;

	if (!x || !(x->buf = malloc(len))) {
		free(x);
		snprintf(err, errlen, "nethound: out of memory");
		return NULL;
	}
	n = alert_exec_split(cmdline, x->buf, len, x->argv, ALERT_EXEC_MAX_ARGS);
	if (n <= 0) {
		snprintf(err, errlen,
			 "nethound: --alert-exec: '%s' is not a command (an unclosed quote, or "
			 "more than %d words?)",
			 cmdline, ALERT_EXEC_MAX_ARGS);
		alert_exec_free(x);
		return NULL;
	}
	if (x->argv[0][0] != '/') {
		snprintf(err, errlen,
			 "nethound: --alert-exec: give the command's absolute path ('%s'): it runs "
			 "without a shell or PATH search",
			 x->argv[0]);
		alert_exec_free(x);
		return NULL;
	}
	return x;
}

static void reap(struct alert_exec *x)
{
	for (int i = 0; i < ALERT_EXEC_MAX_RUNNING; i++)
		if (x->running[i] > 0 && waitpid(x->running[i], NULL, WNOHANG) == x->running[i])
			x->running[i] = 0;
}

void alert_exec_free(struct alert_exec *x)
{
	if (!x)
		return;
	/* Children still running are left to finish; init reaps them after we exit. */
	reap(x);
	free(x->buf);
	free(x);
}

static int free_slot(const struct alert_exec *x)
{
	for (int i = 0; i < ALERT_EXEC_MAX_RUNNING; i++)
		if (x->running[i] <= 0)
			return i;
	return -1;
}

/* Fewer than the limit started in the last minute. */
static bool rate_allows(const struct alert_exec *x, time_t now)
{
	time_t oldest = x->started[x->started_head];

	return oldest == 0 || now - oldest >= 60;
}

static void spawn_one(struct alert_exec *x, const struct alert_event *e, int slot, time_t now)
{
	char vars[12][300], message[256], when[32], *envp[256];
	const char *dir = alert_direction_name(e->direction);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, defaults;
	size_t n = 0;
	struct tm tm;
	pid_t pid;
	int rc;

	alert_event_format(e, message, sizeof(message));
	gmtime_r(&e->when, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(vars[0], sizeof(vars[0]), "NETHOUND_ALERT_TYPE=%s", alert_kind_name(e->kind));
	snprintf(vars[1], sizeof(vars[1]), "NETHOUND_ALERT_STATE=%s",
		 e->cleared ? "cleared" : "raised");
	snprintf(vars[2], sizeof(vars[2]), "NETHOUND_PID=%u", e->pid);
	snprintf(vars[3], sizeof(vars[3]), "NETHOUND_PROCESS=%s", e->comm);
	snprintf(vars[4], sizeof(vars[4]), "NETHOUND_INTERFACE=%s", e->interface);
	snprintf(vars[5], sizeof(vars[5]), "NETHOUND_DIRECTION=%s", dir ? dir : "");
	snprintf(vars[6], sizeof(vars[6]), "NETHOUND_VALUE=%.0f", e->value);
	snprintf(vars[7], sizeof(vars[7]), "NETHOUND_THRESHOLD=%.0f", e->threshold);
	snprintf(vars[8], sizeof(vars[8]), "NETHOUND_TIME=%s", when);
	snprintf(vars[9], sizeof(vars[9]), "NETHOUND_MESSAGE=%s", message);
	snprintf(vars[10], sizeof(vars[10]), "NETHOUND_UNIT=%s",
		 e->kind == ALERT_UNIT_RATE ? e->group : "");
	snprintf(vars[11], sizeof(vars[11]), "NETHOUND_CONTAINER=%s",
		 e->kind == ALERT_CONTAINER_RATE ? e->group : "");
	for (int i = 0; i < 12; i++)
		envp[n++] = vars[i];
	/* The rest of our environment, minus stale NETHOUND_* values. */
	for (char **v = environ; *v && n < 255; v++)
		if (strncmp(*v, "NETHOUND_", 9) != 0)
			envp[n++] = *v;
	envp[n] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/*
	 * The command starts with every signal at its default and none blocked
	 * (nethound ignores SIGPIPE and blocks its stop signals between ticks,
	 * and both would outlive exec), in a session of its own, away from the
	 * terminal's signals.
	 */
	posix_spawnattr_init(&attr);
	sigemptyset(&mask);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE); /* the only one nethound ignores: handlers do not outlive exec */
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETSID);
	rc = posix_spawn(&pid, x->argv[0], &fa, &attr, x->argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "nethound: --alert-exec: cannot run %s (%s)\n", x->argv[0],
			strerror(rc));
		return;
	}
	x->running[slot] = pid;
	x->started[x->started_head] = now;
	x->started_head = (x->started_head + 1) % ALERT_EXEC_MAX_PER_MINUTE;
}

void alert_exec_run(struct alert_exec *x, const struct alert_event *events, size_t n)
{
	time_t now = time(NULL);

	if (!x)
		return;
	reap(x);
	for (size_t i = 0; i < n; i++) {
		int slot = free_slot(x);

		if (slot < 0 || !rate_allows(x, now)) {
			x->skipped++;
			continue;
		}
		spawn_one(x, &events[i], slot, now);
	}
	if (x->skipped && free_slot(x) >= 0 && rate_allows(x, now)) {
		fprintf(stderr,
			"nethound: --alert-exec: %lu alert%s not run: at most %d at once and %d a "
			"minute\n",
			x->skipped, x->skipped == 1 ? " was" : "s were", ALERT_EXEC_MAX_RUNNING,
			ALERT_EXEC_MAX_PER_MINUTE);
		x->skipped = 0;
	}
}
