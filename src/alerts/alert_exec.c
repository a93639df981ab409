// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alerts/alert_exec.h"
#include "core/text.h"

/* One alert for the launcher: a label for its messages, then NAME=value strings, NUL after each. */
#define REQUEST_MAX 8192
/* Launcher to nethound: one of these bytes, then text. */
#define MSG_READY 'R'
#define MSG_ERROR 'E'
#define MSG_REPORT 'M'
/* While a command runs the launcher looks at it this often (its exit, its deadline). */
#define LAUNCHER_POLL_MS 100

struct alert_exec {
	char *buf;
	char *argv[ALERT_EXEC_MAX_ARGS + 1];
	int sock; /* to the launcher; -1 once it is gone */
	pid_t launcher;
	/* Per kind, when the last commands were handed over: a ring of monotonic seconds. */
	double started[ALERT_KIND_MAX][ALERT_EXEC_PER_KIND_PER_MINUTE];
	size_t started_head[ALERT_KIND_MAX], started_n[ALERT_KIND_MAX];
	unsigned long over_budget[ALERT_KIND_MAX]; /* this tick */
	unsigned long not_taken;                   /* this tick: the launcher is gone or stuck */
};

/* What the launcher needs, resolved by nethound before the fork. */
struct launch_plan {
	char *const *argv;
	const char *user;
	uid_t uid;
	gid_t gid;
	double timeout;
};

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* ---- the launcher: a child of nethound, as the configured user ---- */

struct job {
	pid_t pid; /* also its process group and session */
	double deadline;
	bool timed_out;
	char label[64];
};

struct launcher {
	int sock;
	const struct launch_plan *plan;
	struct job jobs[ALERT_EXEC_MAX_RUNNING];
	size_t njobs;
	char *waiting[ALERT_EXEC_MAX_WAITING]; /* requests, oldest first */
	size_t waiting_len[ALERT_EXEC_MAX_WAITING];
	size_t nwaiting;
	unsigned long dropped; /* since the last report */
	bool eof;
};

static void report(int sock, char type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(int sock, char type, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	msg[0] = type;
	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg) - 1)
		n = (int)sizeof(msg) - 2;
	/* Not waiting for a busy nethound, not killed if it is gone. */
	send(sock, msg, (size_t)n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Descriptors 0, 1, 2 on /dev/null, the socket on 3 (close-on-exec), none
 * other: whatever nethound had open (its terminal, the stderr capture file,
 * the database, BPF maps) is not the commands' to use.
 */
static int launcher_descriptors(int sock)
{
	int high = fcntl(sock, F_DUPFD_CLOEXEC, 10), nul = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (high < 0 || nul < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(nul, fd) < 0)
			return -1;
	if (dup3(high, 3, O_CLOEXEC) < 0)
		return -1;
	if (syscall(SYS_close_range, 4u, ~0u, 0u)) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = 4; fd < (max > 0 ? max : 65536); fd++)
			close((int)fd);
	}
	return 3;
}

/* Capabilities, the bounding set and the user: the launcher ends with none of nethound's power. */
static int launcher_become_user(int sock, const struct launch_plan *plan)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct none[2];

	/* While CAP_SETPCAP lasts; without it (not root) there is nothing to drop here. */
	for (int cap = 0; cap < 64; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (geteuid() != plan->uid || getegid() != plan->gid) {
		if (setgroups(1, &plan->gid) || setresgid(plan->gid, plan->gid, plan->gid) ||
		    setresuid(plan->uid, plan->uid, plan->uid)) {
			report(sock, MSG_ERROR,
			       "nethound: --alert-exec: cannot switch to user %s (%s); nethound needs "
			       "root (or CAP_SETUID and CAP_SETGID) for that, or set "
			       "--alert-exec-user to the user it runs as",
			       plan->user, strerror(errno));
			return -1;
		}
	}
	memset(none, 0, sizeof(none));
	if (syscall(SYS_capset, &hdr, none) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		report(sock, MSG_ERROR, "nethound: --alert-exec: cannot drop capabilities (%s)",
		       strerror(errno));
		return -1;
	}
	if (access(plan->argv[0], X_OK)) {
		report(sock, MSG_ERROR,
		       "nethound: --alert-exec: user %s cannot run %s (%s); make it and its "
		       "directories executable for that user, or choose another with "
		       "--alert-exec-user",
		       plan->user, plan->argv[0], strerror(errno));
		return -1;
	}
	return 0;
}

static void launcher_start(struct launcher *l, char *req, size_t len)
{
	const char *label = req, *envp[64];
	size_t n = 0, at = strlen(req) + 1;
	struct job *j = &l->jobs[l->njobs];
	pid_t pid;

	envp[n++] = ALERT_EXEC_PATH;
	while (at < len && n < 63) {
		envp[n++] = req + at;
		at += strlen(req + at) + 1;
	}
	envp[n] = NULL;
	pid = fork();
	if (pid == 0) {
		/* A session and process group of its own: the timeout kills the whole group. */
		setsid();
		execve(l->plan->argv[0], l->plan->argv, (char *const *)envp);
		_exit(127);
	}
	if (pid < 0) {
		report(l->sock, MSG_REPORT, "nethound: --alert-exec: cannot start %s for %s (%s)",
		       l->plan->argv[0], label, strerror(errno));
		return;
	}
	j->pid = pid;
	j->deadline = monotonic_s() + l->plan->timeout;
	j->timed_out = false;
	snprintf(j->label, sizeof(j->label), "%s", label);
	l->njobs++;
}

/* Commands that ended: what they left in their process group goes too, failures are reported. */
static void launcher_reap(struct launcher *l)
{
	for (;;) {
		siginfo_t si;
		int status;
		size_t i;

		memset(&si, 0, sizeof(si));
		/* WNOWAIT: the zombie keeps its pid, so the group id cannot be reused before the kill. */
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			return;
		kill(-si.si_pid, SIGKILL);
		if (waitpid(si.si_pid, &status, 0) < 0)
			return;
		for (i = 0; i < l->njobs && l->jobs[i].pid != si.si_pid; i++)
			;
		if (i == l->njobs)
			continue;
		if (l->jobs[i].timed_out)
			report(l->sock, MSG_REPORT,
			       "nethound: --alert-exec: %s for %s ran over %g s: killed with its "
			       "process group",
			       l->plan->argv[0], l->jobs[i].label, l->plan->timeout);
		else if (WIFEXITED(status) && WEXITSTATUS(status))
			report(l->sock, MSG_REPORT,
			       "nethound: --alert-exec: %s for %s exited with status %d",
			       l->plan->argv[0], l->jobs[i].label, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			report(l->sock, MSG_REPORT,
			       "nethound: --alert-exec: %s for %s was killed by signal %d",
			       l->plan->argv[0], l->jobs[i].label, WTERMSIG(status));
		l->jobs[i] = l->jobs[--l->njobs];
	}
}

static void launcher_kill_overdue(struct launcher *l)
{
	double now = monotonic_s();

	for (size_t i = 0; i < l->njobs; i++) {
		if (!l->jobs[i].timed_out && now >= l->jobs[i].deadline) {
			kill(-l->jobs[i].pid, SIGKILL);
			l->jobs[i].timed_out = true;
		}
	}
}

static void launcher_read(struct launcher *l)
{
	for (;;) {
		char *req = malloc(REQUEST_MAX);
		ssize_t n;

		if (!req) {
			l->dropped++;
			return;
		}
		n = recv(l->sock, req, REQUEST_MAX - 1, MSG_DONTWAIT);
		if (n <= 0) {
			free(req);
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				l->eof = true;
			return;
		}
		req[n] = '\0';
		if (l->nwaiting == ALERT_EXEC_MAX_WAITING) {
			free(req);
			l->dropped++;
			continue;
		}
		l->waiting[l->nwaiting] = req;
		l->waiting_len[l->nwaiting++] = (size_t)n;
	}
}

static void launcher_run_waiting(struct launcher *l)
{
	size_t started = 0;

	while (started < l->nwaiting && l->njobs < ALERT_EXEC_MAX_RUNNING) {
		launcher_start(l, l->waiting[started], l->waiting_len[started]);
		free(l->waiting[started++]);
	}
	l->nwaiting -= started;
	memmove(l->waiting, l->waiting + started, l->nwaiting * sizeof(*l->waiting));
	memmove(l->waiting_len, l->waiting_len + started, l->nwaiting * sizeof(*l->waiting_len));
}

static int launcher_poll_ms(const struct launcher *l)
{
	double now = monotonic_s(), next = now + LAUNCHER_POLL_MS / 1000.0;

	if (!l->njobs)
		return -1;
	for (size_t i = 0; i < l->njobs; i++)
		if (!l->jobs[i].timed_out && l->jobs[i].deadline < next)
			next = l->jobs[i].deadline;
	return next > now ? (int)((next - now) * 1000) + 1 : 0;
}

static void __attribute__((noreturn)) launcher_main(int sock, const struct launch_plan *plan)
{
	struct launcher l = { .plan = plan };
	sigset_t none;

	/* Away from the terminal's signals; nethound's handlers and mask are not ours. */
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	l.sock = launcher_descriptors(sock);
	if (l.sock < 0)
		_exit(1);
	if (launcher_become_user(l.sock, plan))
		_exit(1);
	report(l.sock, MSG_READY, "ready");
	for (;;) {
		struct pollfd pfd = { .fd = l.eof ? -1 : l.sock, .events = POLLIN };

		launcher_reap(&l);
		launcher_run_waiting(&l);
		if (l.dropped) {
			report(l.sock, MSG_REPORT,
			       "nethound: --alert-exec: %lu alert%s not run: %d commands running "
			       "and %d waiting",
			       l.dropped, l.dropped == 1 ? " was" : "s were", ALERT_EXEC_MAX_RUNNING,
			       ALERT_EXEC_MAX_WAITING);
			l.dropped = 0;
		}
		if (l.eof && !l.njobs && !l.nwaiting)
			_exit(0);
		if (poll(&pfd, 1, launcher_poll_ms(&l)) > 0)
			launcher_read(&l);
		launcher_kill_overdue(&l);
	}
}

/* ---- nethound's side ---- */

static int wait_ready(struct alert_exec *x, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = x->sock, .events = POLLIN };
	char msg[1024];
	ssize_t n = -1;

	/* The launcher's checks are quick; a generous bound in case the host is loaded. */
	if (poll(&pfd, 1, 30000) > 0)
		n = recv(x->sock, msg, sizeof(msg) - 1, 0);
	if (n > 0 && msg[0] == MSG_READY)
		return 0;
	if (n > 1 && msg[0] == MSG_ERROR) {
		msg[n] = '\0';
		text_printable(err, errlen, msg + 1, (size_t)n - 1);
	} else {
		snprintf(err, errlen, "nethound: --alert-exec: the launcher did not start (%s)",
			 n < 0 ? strerror(errno) : "it exited");
	}
	return -1;
}

static int start_launcher(struct alert_exec *x, const struct launch_plan *plan, char *err,
			  size_t errlen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "nethound: --alert-exec: socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* stdio buffers must not be written twice */
	x->launcher = fork();
	if (x->launcher == 0) {
		close(sv[0]);
		launcher_main(sv[1], plan);
	}
	close(sv[1]);
	x->sock = sv[0];
	if (x->launcher < 0) {
		snprintf(err, errlen, "nethound: --alert-exec: fork: %s", strerror(errno));
		return -1;
	}
	if (wait_ready(x, err, errlen)) {
		kill(x->launcher, SIGKILL);
		waitpid(x->launcher, NULL, 0);
		x->launcher = 0;
		return -1;
	}
	fcntl(x->sock, F_SETFL, fcntl(x->sock, F_GETFL) | O_NONBLOCK);
	return 0;
}

struct alert_exec *alert_exec_new(const struct alert_exec_config *cfg, char *err, size_t errlen)
{
	const char *user = cfg->user && *cfg->user ? cfg->user : ALERT_EXEC_DEFAULT_USER;
	struct alert_exec *x = calloc(1, sizeof(*x));
	size_t len = strlen(cfg->cmdline) + 1;
	struct launch_plan plan;
	struct passwd *pw;
	char shown[256];
	int n;

	if (!x || !(x->buf = malloc(len))) {
		free(x);
		snprintf(err, errlen, "nethound: out of memory");
		return NULL;
	}
	x->sock = -1;
	n = alert_exec_split(cfg->cmdline, x->buf, len, x->argv, ALERT_EXEC_MAX_ARGS);
	if (n <= 0) {
		snprintf(err, errlen,
			 "nethound: --alert-exec: '%s' is not a command (an unclosed quote, or "
			 "more than %d words?)",
			 cfg->cmdline, ALERT_EXEC_MAX_ARGS);
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
	text_printable(shown, sizeof(shown), user, strlen(user));
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen,
			 "nethound: --alert-exec-user: no user '%s' here (%s); give an existing "
			 "unprivileged user",
			 shown, errno ? strerror(errno) : "not found");
		alert_exec_free(x);
		return NULL;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen,
			 "nethound: --alert-exec-user: '%s' is root; alert commands run as an "
			 "unprivileged user (default %s)",
			 shown, ALERT_EXEC_DEFAULT_USER);
		alert_exec_free(x);
		return NULL;
	}
	plan = (struct launch_plan){ .argv = x->argv, .user = shown, .uid = pw->pw_uid,
				     .gid = pw->pw_gid,
				     .timeout = cfg->timeout > 0 ? cfg->timeout :
								   ALERT_EXEC_DEFAULT_TIMEOUT_S };
	if (start_launcher(x, &plan, err, errlen)) {
		alert_exec_free(x);
		return NULL;
	}
	return x;
}

/* What the launcher reported since the last tick, on nethound's stderr. */
static void print_reports(struct alert_exec *x)
{
	char msg[1024], line[1024];
	ssize_t n;

	while (x->sock >= 0 && (n = recv(x->sock, msg, sizeof(msg), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;
		}
		if (msg[0] != MSG_REPORT)
			continue;
		text_printable(line, sizeof(line), msg + 1, (size_t)n - 1);
		fprintf(stderr, "%s\n", line);
	}
	if (x->sock >= 0) {
		fprintf(stderr, "nethound: --alert-exec: the launcher of alert commands exited; "
				"alerts are no longer run (restart nethound)\n");
		close(x->sock);
		x->sock = -1;
		waitpid(x->launcher, NULL, WNOHANG);
	}
}

void alert_exec_free(struct alert_exec *x)
{
	if (!x)
		return;
	if (x->sock >= 0) {
		print_reports(x);
		close(x->sock); /* the launcher finishes what it was given, then exits */
	}
	/* Reaped now if it is already gone; otherwise init reaps it after we exit. */
	if (x->launcher > 0)
		waitpid(x->launcher, NULL, WNOHANG);
	free(x->buf);
	free(x);
}

/* NAME=value with value's control bytes, bidi overrides and invalid UTF-8 replaced by '?'. */
static void put_var(char *req, size_t *len, const char *name, const char *value)
{
	size_t at = *len, name_len = strlen(name);

	if (at + name_len + 2 >= REQUEST_MAX)
		return;
	memcpy(req + at, name, name_len);
	req[at + name_len] = '=';
	at += name_len + 1;
	text_printable(req + at, REQUEST_MAX - at, value, strlen(value));
	*len = at + strlen(req + at) + 1;
}

/* The alert as the launcher gets it: a label for its messages, then the environment. */
static size_t build_request(const struct alert_event *e, char *req)
{
	const char *kind = alert_kind_name(e->kind), *dir = alert_direction_name(e->direction);
	const char *state = e->cleared ? "cleared" : "raised";
	char message[256], when[32], num[32];
	size_t len;
	struct tm tm;

	len = (size_t)snprintf(req, REQUEST_MAX, "%s %s", kind, state) + 1;
	alert_event_format(e, message, sizeof(message));
	gmtime_r(&e->when, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	put_var(req, &len, "NETHOUND_ALERT_TYPE", kind);
	put_var(req, &len, "NETHOUND_ALERT_STATE", state);
	snprintf(num, sizeof(num), "%u", e->pid);
	put_var(req, &len, "NETHOUND_PID", num);
	put_var(req, &len, "NETHOUND_PROCESS", e->comm);
	put_var(req, &len, "NETHOUND_INTERFACE", e->interface);
	put_var(req, &len, "NETHOUND_DIRECTION", dir ? dir : "");
	snprintf(num, sizeof(num), "%.0f", e->value);
	put_var(req, &len, "NETHOUND_VALUE", num);
	snprintf(num, sizeof(num), "%.0f", e->threshold);
	put_var(req, &len, "NETHOUND_THRESHOLD", num);
	put_var(req, &len, "NETHOUND_TIME", when);
	put_var(req, &len, "NETHOUND_MESSAGE", message);
	put_var(req, &len, "NETHOUND_UNIT", e->kind == ALERT_UNIT_RATE ? e->group : "");
	put_var(req, &len, "NETHOUND_CONTAINER", e->kind == ALERT_CONTAINER_RATE ? e->group : "");
	return len;
}

/* Fewer than the budget handed over in the last minute for this kind. */
static bool budget_allows(const struct alert_exec *x, enum alert_kind k, double now)
{
	return x->started_n[k] < ALERT_EXEC_PER_KIND_PER_MINUTE ||
	       now - x->started[k][x->started_head[k]] >= 60;
}

static void budget_take(struct alert_exec *x, enum alert_kind k, double now)
{
	x->started[k][x->started_head[k]] = now;
	x->started_head[k] = (x->started_head[k] + 1) % ALERT_EXEC_PER_KIND_PER_MINUTE;
	if (x->started_n[k] < ALERT_EXEC_PER_KIND_PER_MINUTE)
		x->started_n[k]++;
}

void alert_exec_run(struct alert_exec *x, const struct alert_event *events, size_t n)
{
	double now = monotonic_s();
	char req[REQUEST_MAX];

	if (!x)
		return;
	print_reports(x);
	for (size_t i = 0; i < n; i++) {
		enum alert_kind k = events[i].kind < ALERT_KIND_MAX ? events[i].kind : 0;
		size_t len;

		if (!budget_allows(x, k, now)) {
			x->over_budget[k]++;
			continue;
		}
		len = build_request(&events[i], req);
		if (x->sock < 0 || send(x->sock, req, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			x->not_taken++;
			continue;
		}
		budget_take(x, k, now);
	}
	for (int k = 0; k < ALERT_KIND_MAX; k++) {
		if (!x->over_budget[k])
			continue;
		fprintf(stderr,
			"nethound: --alert-exec: %lu %s alert%s not run: at most %d a minute of "
			"each kind\n",
			x->over_budget[k], alert_kind_name((enum alert_kind)k),
			x->over_budget[k] == 1 ? " was" : "s were", ALERT_EXEC_PER_KIND_PER_MINUTE);
		x->over_budget[k] = 0;
	}
	if (x->not_taken) {
		fprintf(stderr, "nethound: --alert-exec: %lu alert%s not run: the launcher %s\n",
			x->not_taken, x->not_taken == 1 ? " was" : "s were",
			x->sock < 0 ? "is gone" : "is not taking them");
		x->not_taken = 0;
	}
}
