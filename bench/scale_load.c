// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scale_load: the load of bench/scale. P processes ("nh-scale") each hold C TCP
 * connections over 127.0.0.1 to one server process ("nh-scale-srv", this
 * program's first process) and send S bytes on each connection once a second,
 * the processes spread evenly over the second. The server reads and discards
 * with one epoll loop. It is meant to cost little itself: per second, P
 * wake-ups, P*C sends and about as many reads.
 *
 * Usage: scale_load --procs P --conns C --rate S --pids FILE
 *
 * Prints {"ready":true,"server_pid":N} once every connection is accepted and
 * every process has sent once. On SIGINT or SIGTERM the senders stop, close
 * their connections and exit; the server reads to the end of every
 * connection, writes "PID TX" for each sender to FILE, and prints
 * {"done":true,"server_pid":N,"server_rx":N,"tx":N,"procs":P,"conns":C,"rate":S}
 * where tx is the sum of what the senders' send calls returned and server_rx
 * the sum of what the server's reads returned: the ground truth.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sender {
	pid_t pid;
	long long tx;
	int ready; /* has connected and sent once */
};

static volatile sig_atomic_t stop;

static void die(const char *what)
{
	fprintf(stderr, "scale_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long parse_positive(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "scale_load: --%s wants a positive whole number, not '%s'\n", opt,
			s);
		exit(2);
	}
	return v;
}

static void add_ns(struct timespec *t, long long ns)
{
	ns += t->tv_nsec;
	t->tv_sec += ns / 1000000000;
	t->tv_nsec = ns % 1000000000;
}

/* One sender: connect, then S bytes on each connection once a second until told to stop. */
static void sender_main(struct sender *me, int index, int procs, int conns, long rate,
			const struct sockaddr_in *server)
{
	struct timespec next;
	char *buf = calloc(1, rate);
	int *fds = calloc(conns, sizeof(*fds));

	if (!buf || !fds)
		die("calloc");
	prctl(PR_SET_NAME, "nh-scale", 0, 0, 0);
	for (int i = 0; i < conns; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0)
			die("socket");
		if (connect(fds[i], (const struct sockaddr *)server, sizeof(*server)))
			die("connect");
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	/* Spread the senders over the second, so the load is even, not a burst. */
	add_ns(&next, (long long)index * 1000000000 / procs);
	while (!stop) {
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			continue; /* EINTR: look at stop again */
		for (int i = 0; i < conns && !stop; i++) {
			for (long off = 0; off < rate;) {
				ssize_t n = send(fds[i], buf + off, rate - off, MSG_NOSIGNAL);

				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					die("send");
				off += n;
				__atomic_add_fetch(&me->tx, n, __ATOMIC_RELAXED);
			}
		}
		__atomic_store_n(&me->ready, 1, __ATOMIC_RELEASE);
		add_ns(&next, 1000000000);
	}
	for (int i = 0; i < conns; i++)
		close(fds[i]);
	_exit(0);
}

static int listen_loopback(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die("socket");
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) || listen(fd, 4096))
		die("bind/listen on 127.0.0.1");
	if (getsockname(fd, (struct sockaddr *)addr, &len))
		die("getsockname");
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pids", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	long procs = 0, conns = 0, rate = 0;
	const char *pids_path = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct epoll_event ev, events[256];
	struct sockaddr_in addr;
	struct sender *senders;
	long long rx = 0, tx = 0, open_conns = 0, accepted = 0;
	long exited = 0, failed = 0;
	static char buf[1 << 16];
	bool announced = false, stopping = false;
	int opt, lfd, ep;
	FILE *pids;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': procs = parse_positive("procs", optarg); break;
		case 'c': conns = parse_positive("conns", optarg); break;
		case 'r': rate = parse_positive("rate", optarg); break;
		case 'o': pids_path = optarg; break;
		default: return 2;
		}
	}
	if (!procs || !conns || !rate || !pids_path || optind != argc) {
		fprintf(stderr,
			"usage: scale_load --procs P --conns C --rate BYTES_PER_S --pids FILE\n");
		return 2;
	}
	prctl(PR_SET_NAME, "nh-scale-srv", 0, 0, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	senders = mmap(NULL, procs * sizeof(*senders), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (senders == MAP_FAILED)
		die("mmap");
	lfd = listen_loopback(&addr);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die("epoll_ctl");

	for (long i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(lfd);
			close(ep);
			sender_main(&senders[i], i, procs, conns, rate, &addr);
		}
		senders[i].pid = pid;
	}

	/*
	 * Accept and read until every sender has exited, every connection has
	 * ended and a pass finds nothing more to accept or read.
	 */
	for (;;) {
		int n = epoll_wait(ep, events, 256, 200), status;

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		if (stopping && exited == procs && open_conns == 0 && n == 0)
			break;
		while (waitpid(-1, &status, WNOHANG) > 0) {
			exited++;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
		if (exited && !stopping) {
			fprintf(stderr, "scale_load: a sender exited early\n");
			stop = 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
						die("epoll_ctl");
					accepted++;
					open_conns++;
				}
				if (errno != EAGAIN)
					die("accept4");
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0) {
					rx += r;
					continue;
				}
				if (r == 0) {
					close(fd);
					open_conns--;
				} else if (errno != EAGAIN && errno != EINTR) {
					die("read");
				}
				break;
			}
		}
		if (!announced && accepted == procs * conns) {
			long ready = 0;

			for (long i = 0; i < procs; i++)
				ready += __atomic_load_n(&senders[i].ready, __ATOMIC_ACQUIRE);
			if (ready == procs) {
				printf("{\"ready\":true,\"server_pid\":%d}\n", getpid());
				fflush(stdout);
				announced = true;
			}
		}
		if (stop && !stopping) {
			stopping = true;
			for (long i = 0; i < procs; i++)
				kill(senders[i].pid, SIGTERM);
		}
	}
	pids = fopen(pids_path, "w");
	if (!pids)
		die(pids_path);
	for (long i = 0; i < procs; i++) {
		fprintf(pids, "%d %lld\n", senders[i].pid, senders[i].tx);
		tx += senders[i].tx;
	}
	if (fclose(pids))
		die(pids_path);
	printf("{\"done\":true,\"server_pid\":%d,\"server_rx\":%lld,\"tx\":%lld,\"procs\":%ld,"
	       "\"conns\":%ld,\"rate\":%ld,\"failed\":%ld}\n",
	       getpid(), rx, tx, procs, conns, rate, failed);
	return failed ? 1 : 0;
}
