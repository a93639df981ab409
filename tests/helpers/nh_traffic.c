// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nh_traffic: moves exact byte counts through chosen socket paths, so the
 * integration tests know the ground truth nethound must report.
 *
 * Every role names its process (--name, via PR_SET_NAME) and prints one JSON
 * line per process when done: {"pid":..,"comm":"..","tx":..,"rx":..}, where
 * tx and rx are the sums of what the send and receive calls returned.
 * Servers first print {"ready":true} once their socket is bound.
 *
 * Roles:
 *   tcp-server  --bind A --port P --recv read|recv|recvmsg|splice
 *   tcp-client  --addr A --port P --send send|write|sendmsg|sendfile --bytes N
 *               [--chunk C] [--threads T] [--rate BYTES_PER_S]
 *               (both with --sctp: the same over an SCTP one-to-one socket)
 *   udp-server  --bind A --port P --recv recvfrom|recvmmsg [--idle-ms MS]
 *   udp-client  --addr A --port P --send sendto|sendmmsg --count K --size S
 *   short-lived --addr A --port P --count K   (K UDP senders, one after another)
 *   pid-reuse   --addr A --port P             (two processes, one PID)
 *   churn       --addr A --port P --count K   (K children named nht-churn, 64 alive at
 *               most, each sending one 1-byte datagram; prints children and per_second)
 *   sleepers    --addr A --port P --count K   (K children named nht-sleeper, each sending
 *               one 1-byte datagram, then all asleep: prints {"ready":true,"children":K}
 *               and holds them until stdin closes)
 *   ping        --addr A --count K --size S   (ICMP datagram socket)
 *   tcp-prior-server --bind A --port P --recv read|recv|splice --bytes N
 *   tcp-prior-client --addr A --port P --bytes N
 *               one connection, used before and after a pause: N bytes each way,
 *               then {"phase":1} and a wait for a line on stdin, then N bytes
 *               each way again; the report counts the second exchange only
 *               (connections that predate nethound).
 *   tfo-server  --bind A --port P --count K     K connections, each read to EOF
 *   tfo-client  --addr A --port P --count K --size S
 *               K connections, each sending S bytes with MSG_FASTOPEN (data in the
 *               SYN once the server's cookie is known)
 *   raw-server  --bind A --proto N              raw IP socket: reads until idle
 *   raw-client  --addr A --proto N --count K --size S
 *   packet-client --dev IF --mac M --addr A --port P --count K --size S
 *               AF_PACKET socket: K Ethernet frames carrying IPv4/UDP datagrams of
 *               S payload bytes to A:P (source address: IF's first IPv4 address)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 16

struct args {
	const char *role, *name, *addr, *mode, *dev, *mac;
	int port, threads, idle_ms;
	long long bytes, chunk, count, size, rate;
	bool sctp; /* tcp-server/tcp-client over SCTP one-to-one sockets instead */
};

static struct args a = { .threads = 1, .chunk = 65536, .idle_ms = 1000, .count = 1, .size = 512 };

static void die(const char *what)
{
	fprintf(stderr, "nh_traffic %s: %s: %s\n", a.role ? a.role : "", what, strerror(errno));
	exit(1);
}

static void fail(const char *msg)
{
	fprintf(stderr, "nh_traffic %s: %s\n", a.role ? a.role : "", msg);
	exit(1);
}

static void set_name(const char *name)
{
	if (name && prctl(PR_SET_NAME, name, 0, 0, 0))
		die("PR_SET_NAME");
}

static void report(long long tx, long long rx)
{
	char comm[17] = { 0 };

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	printf("{\"pid\":%d,\"comm\":\"%s\",\"tx\":%lld,\"rx\":%lld}\n", getpid(), comm, tx, rx);
	fflush(stdout);
}

/* Servers say so once bound, so clients never race them (the harness waits for it). */
static void announce_ready(void)
{
	printf("{\"ready\":true}\n");
	fflush(stdout);
}

static socklen_t make_addr(const char *host, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			fail("bad IPv6 address");
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		fail("bad IPv4 address");
	return sizeof(*s4);
}

static int stream_protocol(int type)
{
	return type == SOCK_STREAM && a.sctp ? IPPROTO_SCTP : 0;
}

static int bound_socket(int type, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(host, port, &ss);
	int one = 1, fd = socket(ss.ss_family, type, stream_protocol(type));

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	return fd;
}

/* Connect, retrying while the server is not listening yet (up to 10 s). */
static int connected_socket(int type, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(host, port, &ss);

	for (int tries = 0; tries < 500; tries++) {
		int fd = socket(ss.ss_family, type, stream_protocol(type));

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		if (errno != ECONNREFUSED)
			die("connect");
		close(fd);
		usleep(20000);
	}
	fail("server never listened");
	return -1;
}

static void fill_pattern(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + i % 26);
}

/* ------------------------------------------------------------------ TCP */

static long long tcp_receive(int fd)
{
	static char buf[1 << 16];
	long long total = 0;
	int pipefd[2] = { -1, -1 }, devnull = -1;

	if (strcmp(a.mode, "splice") == 0) {
		if (pipe(pipefd))
			die("pipe");
		devnull = open("/dev/null", O_WRONLY);
		if (devnull < 0)
			die("open /dev/null");
	}
	for (;;) {
		ssize_t n;

		if (strcmp(a.mode, "read") == 0) {
			n = read(fd, buf, sizeof(buf));
		} else if (strcmp(a.mode, "recv") == 0) {
			n = recv(fd, buf, sizeof(buf), 0);
		} else if (strcmp(a.mode, "recvmsg") == 0) {
			struct iovec iov[2] = { { buf, 1000 }, { buf + 1000, sizeof(buf) - 1000 } };
			struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

			n = recvmsg(fd, &msg, 0);
		} else if (strcmp(a.mode, "splice") == 0) {
			n = splice(fd, NULL, pipefd[1], NULL, sizeof(buf), SPLICE_F_MOVE);
			for (ssize_t left = n; left > 0;) {
				ssize_t m = splice(pipefd[0], NULL, devnull, NULL, (size_t)left,
						   SPLICE_F_MOVE);
				if (m <= 0)
					die("splice to /dev/null");
				left -= m;
			}
		} else {
			fail("unknown --recv mode");
			n = -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("receive");
		}
		if (n == 0)
			return total;
		total += n;
	}
}

static void tcp_server(void)
{
	int lfd = bound_socket(SOCK_STREAM, a.addr, a.port), fd;

	if (listen(lfd, 8))
		die("listen");
	announce_ready();
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	report(0, tcp_receive(fd));
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --rate: sleep until sending `sent` more bytes keeps the average at the rate (live view tests). */
static void pace(double started, long long sent)
{
	double due;

	if (a.rate <= 0)
		return;
	due = started + (double)sent / (double)a.rate - monotonic_seconds();
	if (due > 0)
		usleep((useconds_t)(due * 1e6));
}

/* Send exactly len bytes with the chosen call, looping over partial sends. */
static long long tcp_send_all(int fd, long long len)
{
	double started = monotonic_seconds();
	static __thread char buf[1 << 16];
	long long sent = 0;
	int file = -1;

	fill_pattern(buf, sizeof(buf));
	if (strcmp(a.mode, "sendfile") == 0) {
		file = memfd_create("nh_traffic", 0);
		if (file < 0 || ftruncate(file, len))
			die("memfd");
		for (long long off = 0; off < len; off += (long long)sizeof(buf)) {
			size_t n = (size_t)(len - off < (long long)sizeof(buf) ? len - off : (long long)sizeof(buf));

			if (pwrite(file, buf, n, off) != (ssize_t)n)
				die("pwrite");
		}
	}
	while (sent < len) {
		size_t want = (size_t)(len - sent < a.chunk ? len - sent : a.chunk);
		ssize_t n;

		if (want > sizeof(buf))
			want = sizeof(buf);
		pace(started, sent);
		if (strcmp(a.mode, "send") == 0) {
			n = send(fd, buf, want, 0);
		} else if (strcmp(a.mode, "write") == 0) {
			n = write(fd, buf, want);
		} else if (strcmp(a.mode, "sendmsg") == 0) {
			size_t half = want / 2;
			struct iovec iov[2] = { { buf, half }, { buf + half, want - half } };
			struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

			n = sendmsg(fd, &msg, 0);
		} else if (strcmp(a.mode, "sendfile") == 0) {
			off_t off = (off_t)sent;

			n = sendfile(fd, file, &off, want);
		} else {
			fail("unknown --send mode");
			n = -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("send");
		}
		sent += n;
	}
	if (file >= 0)
		close(file);
	return sent;
}

struct sender {
	pthread_t thread;
	int fd;
	long long len, sent;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	s->sent = tcp_send_all(s->fd, s->len);
	return NULL;
}

static void tcp_client(void)
{
	int fd = connected_socket(SOCK_STREAM, a.addr, a.port);
	struct sender *senders = calloc((size_t)a.threads, sizeof(*senders));
	long long total = 0;

	if (!senders)
		die("calloc");
	/* Threads share the socket; the bytes all belong to this one process. */
	for (int i = 0; i < a.threads; i++) {
		senders[i].fd = fd;
		senders[i].len = a.bytes / a.threads + (i == 0 ? a.bytes % a.threads : 0);
		if (pthread_create(&senders[i].thread, NULL, sender_main, &senders[i]))
			fail("pthread_create");
	}
	for (int i = 0; i < a.threads; i++) {
		pthread_join(senders[i].thread, NULL);
		total += senders[i].sent;
	}
	/* Half-close and wait for the server's EOF, so all bytes were consumed. */
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	char tmp[64];
	while (read(fd, tmp, sizeof(tmp)) > 0)
		;
	report(total, 0);
}

/* ------------------------------------------------------------------ UDP */

static void udp_server(void)
{
	int fd = bound_socket(SOCK_DGRAM, a.addr, a.port), rcvbuf = 8 << 20;
	struct timeval idle = { .tv_sec = a.idle_ms / 1000, .tv_usec = (a.idle_ms % 1000) * 1000 };
	struct timeval first = { .tv_sec = 10 };
	static char bufs[BATCH][65536];
	long long total = 0, datagrams = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Give up after 10 s if nothing ever arrives, rather than hang a test. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &first, sizeof(first));
	announce_ready();
	/* Stop after --idle-ms without a datagram once something arrived. */
	for (;;) {
		ssize_t n;

		if (datagrams)
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
		if (strcmp(a.mode, "recvmmsg") == 0) {
			struct mmsghdr msgs[BATCH];
			struct iovec iov[BATCH];

			memset(msgs, 0, sizeof(msgs));
			for (int i = 0; i < BATCH; i++) {
				iov[i].iov_base = bufs[i];
				iov[i].iov_len = sizeof(bufs[i]);
				msgs[i].msg_hdr.msg_iov = &iov[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
			}
			int got = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
			if (got > 0) {
				for (int i = 0; i < got; i++)
					total += msgs[i].msg_len;
				datagrams += got;
				continue;
			}
			n = got;
		} else {
			n = recvfrom(fd, bufs[0], sizeof(bufs[0]), 0, NULL, NULL);
			if (n >= 0) {
				total += n;
				datagrams++;
				continue;
			}
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		die("receive");
	}
	report(0, total);
}

static long long udp_send(int fd, const struct sockaddr_storage *to, socklen_t tolen,
			  long long count, long long size)
{
	static char buf[65536];
	long long total = 0;

	fill_pattern(buf, sizeof(buf));
	if (strcmp(a.mode, "sendmmsg") == 0) {
		struct mmsghdr msgs[BATCH];
		struct iovec iov[BATCH];

		for (long long done = 0; done < count;) {
			int n = (int)(count - done < BATCH ? count - done : BATCH);

			memset(msgs, 0, sizeof(msgs));
			for (int i = 0; i < n; i++) {
				iov[i].iov_base = buf;
				iov[i].iov_len = (size_t)size;
				msgs[i].msg_hdr.msg_iov = &iov[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
				msgs[i].msg_hdr.msg_name = (void *)to;
				msgs[i].msg_hdr.msg_namelen = tolen;
			}
			int sent = sendmmsg(fd, msgs, (unsigned)n, 0);
			if (sent < 0)
				die("sendmmsg");
			for (int i = 0; i < sent; i++)
				total += msgs[i].msg_len;
			done += sent;
			usleep(1000); /* pace: the receiver must keep up for its own truth to be whole */
		}
		return total;
	}
	for (long long i = 0; i < count; i++) {
		ssize_t n = sendto(fd, buf, (size_t)size, 0, (const struct sockaddr *)to, tolen);

		if (n < 0)
			die("sendto");
		total += n;
		if (i % BATCH == BATCH - 1)
			usleep(1000);
	}
	return total;
}

static void udp_client(void)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(a.addr, a.port, &to);
	int fd = socket(to.ss_family, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	report(udp_send(fd, &to, tolen, a.count, a.size), 0);
}

/* ------------------------------------------------------------- processes */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Child body: name itself, send one datagram of a size unique to it, exit. */
static void datagram_child(const char *name, long long size)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(a.addr, a.port, &to);
	int fd;
	long long sent;

	set_name(name);
	fd = socket(to.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	a.mode = "sendto";
	sent = udp_send(fd, &to, tolen, 1, size);
	report(sent, 0);
	_exit(0);
}

static void short_lived(void)
{
	double longest = 0;

	for (long long i = 0; i < a.count; i++) {
		char name[16];
		double t0 = now_us();
		int status;
		pid_t pid;

		snprintf(name, sizeof(name), "nht-s%03d", (int)(i % 1000));
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			datagram_child(name, 100 + i);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			fail("short-lived child failed");
		if (now_us() - t0 > longest)
			longest = now_us() - t0;
	}
	/* The parent moved no bytes; its line carries the longest child lifetime. */
	fprintf(stderr, "short-lived: longest child lifetime %.0f us\n", longest);
	printf("{\"longest_child_us\":%.0f}\n", longest);
}

/* Fork/exit churn: as many processes per second as the machine gives, each one byte. */
static void churn(void)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(a.addr, a.port, &to);
	double started = monotonic_seconds();
	int alive = 0, status;

	fflush(stdout);
	for (long long i = 0; i < a.count; i++) {
		pid_t pid;

		if (alive == 64) {
			if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
				fail("churn child failed");
			alive--;
		}
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			int fd;

			set_name("nht-churn");
			fd = socket(to.ss_family, SOCK_DGRAM, 0);
			_exit(fd < 0 || sendto(fd, "c", 1, 0, (struct sockaddr *)&to, tolen) != 1);
		}
		alive++;
	}
	for (; alive; alive--)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			fail("churn child failed");
	printf("{\"children\":%lld,\"per_second\":%.0f}\n", a.count,
	       (double)a.count / (monotonic_seconds() - started));
}

/* Processes that sent one byte and then sleep: each holds a process entry while it lives. */
static void sleepers(void)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(a.addr, a.port, &to);
	int hold[2], sent[2], status;
	char c;

	if (pipe(hold) || pipe(sent))
		die("pipe");
	fflush(stdout);
	for (long long i = 0; i < a.count; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			int fd;

			set_name("nht-sleeper");
			close(hold[1]);
			fd = socket(to.ss_family, SOCK_DGRAM, 0);
			if (fd < 0 || sendto(fd, "s", 1, 0, (struct sockaddr *)&to, tolen) != 1 ||
			    write(sent[1], "s", 1) != 1)
				_exit(1);
			/* Asleep until the parent closes its end. */
			while (read(hold[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	}
	close(hold[0]);
	close(sent[1]);
	for (long long i = 0; i < a.count; i++)
		if (read(sent[0], &c, 1) != 1)
			fail("a sleeper did not send");
	printf("{\"ready\":true,\"children\":%lld}\n", a.count);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	close(hold[1]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("sleeper failed");
}

static pid_t clone_with_pid(pid_t want)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static void pid_reuse(void)
{
	int status;
	pid_t first, second;

	fflush(stdout);
	first = fork();
	if (first < 0)
		die("fork");
	if (first == 0)
		datagram_child("nht-reuse-a", 1111);
	if (waitpid(first, &status, 0) != first || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("first child failed");
	/* The PID is free again once reaped; take exactly that PID for a new process. */
	second = clone_with_pid(first);
	if (second < 0)
		die("clone3 with set_tid");
	if (second == 0)
		datagram_child("nht-reuse-b", 2222);
	if (second != first)
		fail("clone3 did not reuse the PID");
	if (waitpid(second, &status, 0) != second || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("second child failed");
}

/* ----------------------------------------------------------------- ICMP */

static void ping(void)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(a.addr, 0, &to);
	bool v6 = to.ss_family == AF_INET6;
	int fd = socket(to.ss_family, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	struct timeval wait = { .tv_sec = 2 };
	char buf[65536], reply[65536];
	long long tx = 0, rx = 0;

	if (fd < 0)
		die("ping socket (is net.ipv4.ping_group_range set?)");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	memset(buf, 0, sizeof(buf));
	for (long long i = 0; i < a.count; i++) {
		/* Echo request header; the kernel fills id and checksum for ping sockets. */
		buf[0] = (char)(v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO);
		buf[6] = (char)(i >> 8);
		buf[7] = (char)i;
		ssize_t n = sendto(fd, buf, (size_t)a.size, 0, (struct sockaddr *)&to, tolen);
		if (n < 0)
			die("ping sendto");
		tx += n;
		n = recv(fd, reply, sizeof(reply), 0);
		if (n < 0)
			die("ping recv");
		rx += n;
	}
	report(tx, rx);
}

/* Receive exactly len bytes with the --recv call. */
static long long tcp_receive_exact(int fd, long long len)
{
	static char buf[1 << 16];
	long long got = 0;
	int pipefd[2] = { -1, -1 };

	if (strcmp(a.mode, "splice") == 0 && pipe(pipefd))
		die("pipe");
	while (got < len) {
		long long left = len - got;
		size_t want = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n;

		if (strcmp(a.mode, "read") == 0) {
			n = read(fd, buf, want);
		} else if (strcmp(a.mode, "recv") == 0) {
			n = recv(fd, buf, want, 0);
		} else if (strcmp(a.mode, "splice") == 0) {
			n = splice(fd, NULL, pipefd[1], NULL, want, SPLICE_F_MOVE);
			if (n > 0 && read(pipefd[0], buf, (size_t)n) != n)
				die("read from pipe");
		} else {
			fail("unknown --recv mode");
			n = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("receive (connection ended early)");
		got += n;
	}
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	return got;
}

/* One exchange of a.bytes each way: the client sends first, the server answers. */
static void prior_exchange(int fd, bool server, long long *tx, long long *rx)
{
	const char *mode = a.mode;

	if (server) {
		*rx += tcp_receive_exact(fd, a.bytes);
		a.mode = "send";
		*tx += tcp_send_all(fd, a.bytes);
	} else {
		a.mode = "send";
		*tx += tcp_send_all(fd, a.bytes);
		a.mode = "read";
		*rx += tcp_receive_exact(fd, a.bytes);
	}
	a.mode = mode;
}

static void tcp_prior(bool server)
{
	long long tx = 0, rx = 0;
	char line[16];
	int fd;

	if (server) {
		int lfd = bound_socket(SOCK_STREAM, a.addr, a.port);

		if (listen(lfd, 8))
			die("listen");
		announce_ready();
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		close(lfd);
	} else {
		fd = connected_socket(SOCK_STREAM, a.addr, a.port);
	}
	prior_exchange(fd, server, &tx, &rx);
	printf("{\"phase\":1}\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fail("stdin closed before the second exchange");
	tx = rx = 0;
	prior_exchange(fd, server, &tx, &rx);
	report(tx, rx);
	close(fd);
}

/* ------------------------------------------------------ TFO, raw, packet */

static void tfo_server(void)
{
	int lfd = bound_socket(SOCK_STREAM, a.addr, a.port), qlen = 64;
	long long total = 0;

	if (setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) || listen(lfd, 64))
		die("TCP_FASTOPEN listen");
	announce_ready();
	a.mode = "read";
	for (long long i = 0; i < a.count; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		total += tcp_receive(fd);
		close(fd);
	}
	report(0, total);
}

static void tfo_client(void)
{
	static char buf[65536];
	struct sockaddr_storage ss;
	socklen_t len = make_addr(a.addr, a.port, &ss);
	long long tx = 0;

	if (a.size > (long long)sizeof(buf))
		fail("--size too large");
	fill_pattern(buf, sizeof(buf));
	for (long long i = 0; i < a.count; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);
		ssize_t n;
		char tmp[64];

		if (fd < 0)
			die("socket");
		/* Without a cookie yet the kernel sends a plain SYN and the data after it. */
		n = sendto(fd, buf, (size_t)a.size, MSG_FASTOPEN, (struct sockaddr *)&ss, len);
		if (n < 0)
			die("sendto MSG_FASTOPEN");
		tx += n;
		if (n < a.size) {
			a.mode = "send";
			tx += tcp_send_all(fd, a.size - n);
		}
		if (shutdown(fd, SHUT_WR))
			die("shutdown");
		while (read(fd, tmp, sizeof(tmp)) > 0)
			;
		close(fd);
	}
	report(tx, 0);
}

static int raw_socket(struct sockaddr_storage *ss, socklen_t *len, int port)
{
	int fd;

	*len = make_addr(a.addr, port, ss);
	fd = socket(ss->ss_family, SOCK_RAW, a.port);
	if (fd < 0)
		die("raw socket");
	return fd;
}

/* --port carries the IP protocol number for the raw roles. */
static void raw_server(void)
{
	struct timeval idle = { .tv_sec = a.idle_ms / 1000, .tv_usec = (a.idle_ms % 1000) * 1000 };
	struct timeval first = { .tv_sec = 10 };
	struct sockaddr_storage ss;
	static char buf[65536];
	long long total = 0;
	socklen_t len;
	int fd = raw_socket(&ss, &len, 0);

	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &first, sizeof(first));
	announce_ready();
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			die("raw recv");
		total += n;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	}
	report(0, total);
}

static void raw_client(void)
{
	struct sockaddr_storage ss;
	static char buf[65536];
	long long tx = 0;
	socklen_t len;
	int fd = raw_socket(&ss, &len, 0);

	if (a.size > (long long)sizeof(buf))
		fail("--size too large");
	fill_pattern(buf, sizeof(buf));
	for (long long i = 0; i < a.count; i++) {
		ssize_t n = sendto(fd, buf, (size_t)a.size, 0, (struct sockaddr *)&ss, len);

		if (n < 0)
			die("raw sendto");
		tx += n;
	}
	report(tx, 0);
}

static uint16_t ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void packet_client(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				  .sll_halen = ETH_ALEN };
	struct ifreq ifr = { 0 };
	/* Two bytes ahead of the frame align its IP header to 4, as struct iphdr needs. */
	_Alignas(4) static uint8_t buf[2 + 65536];
	uint8_t *frame = buf + 2;
	struct iphdr *ip = (struct iphdr *)(frame + ETH_HLEN);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t flen = ETH_HLEN + sizeof(*ip) + sizeof(*udp) + (size_t)a.size;
	unsigned int mac[ETH_ALEN];
	long long tx = 0;
	int fd = socket(AF_PACKET, SOCK_RAW, 0), udp_fd;

	if (fd < 0)
		die("AF_PACKET socket");
	if (!a.dev || !a.mac || flen > sizeof(buf) - 2)
		fail("--dev and --mac are required; --size too large");
	if (sscanf(a.mac, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6)
		fail("bad --mac");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a.dev);
	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_fd < 0 || ioctl(udp_fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(frame + ETH_ALEN, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (ioctl(udp_fd, SIOCGIFADDR, &ifr))
		die("SIOCGIFADDR");
	ip->saddr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	if (ioctl(udp_fd, SIOCGIFINDEX, &ifr))
		die("SIOCGIFINDEX");
	close(udp_fd);
	ll.sll_ifindex = ifr.ifr_ifindex;
	for (int i = 0; i < ETH_ALEN; i++)
		frame[i] = ll.sll_addr[i] = (uint8_t)mac[i];
	frame[12] = 0x08;
	frame[13] = 0x00;
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(flen - ETH_HLEN));
	if (inet_pton(AF_INET, a.addr, &ip->daddr) != 1)
		fail("bad IPv4 --addr");
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->source = htons(40999);
	udp->dest = htons((uint16_t)a.port);
	udp->len = htons((uint16_t)(sizeof(*udp) + (size_t)a.size));
	udp->check = 0; /* none: allowed for UDP over IPv4 */
	fill_pattern((char *)(udp + 1), (size_t)a.size);
	for (long long i = 0; i < a.count; i++) {
		ssize_t n = sendto(fd, frame, flen, 0, (struct sockaddr *)&ll, sizeof(ll));

		if (n < 0)
			die("AF_PACKET sendto");
		tx += n;
	}
	report(tx, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },   { "addr", required_argument, NULL, 'a' },
		{ "bind", required_argument, NULL, 'a' },   { "port", required_argument, NULL, 'p' },
		{ "send", required_argument, NULL, 'm' },   { "recv", required_argument, NULL, 'm' },
		{ "bytes", required_argument, NULL, 'b' },  { "chunk", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' }, { "count", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },   { "idle-ms", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "proto", required_argument, NULL, 'p' }, /* raw roles: the IP protocol */
		{ "dev", required_argument, NULL, 'd' },   { "mac", required_argument, NULL, 'M' },
		{ "sctp", no_argument, NULL, 'S' },
		{ 0 },
	};
	int c;

	if (argc < 2)
		fail("usage: nh_traffic ROLE [options]");
	a.role = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a.name = optarg; break;
		case 'a': a.addr = optarg; break;
		case 'p': a.port = atoi(optarg); break;
		case 'm': a.mode = optarg; break;
		case 'b': a.bytes = atoll(optarg); break;
		case 'c': a.chunk = atoll(optarg); break;
		case 't': a.threads = atoi(optarg); break;
		case 'k': a.count = atoll(optarg); break;
		case 's': a.size = atoll(optarg); break;
		case 'i': a.idle_ms = atoi(optarg); break;
		case 'r': a.rate = atoll(optarg); break;
		case 'd': a.dev = optarg; break;
		case 'M': a.mac = optarg; break;
		case 'S': a.sctp = true; break;
		default: fail("bad option");
		}
	}
	if (!a.addr || a.threads < 1 || a.chunk < 1)
		fail("--addr/--bind is required; --threads and --chunk must be positive");
	set_name(a.name);
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(a.role, "tcp-server") == 0)
		tcp_server();
	else if (strcmp(a.role, "tcp-client") == 0)
		tcp_client();
	else if (strcmp(a.role, "udp-server") == 0)
		udp_server();
	else if (strcmp(a.role, "udp-client") == 0)
		udp_client();
	else if (strcmp(a.role, "short-lived") == 0)
		short_lived();
	else if (strcmp(a.role, "pid-reuse") == 0)
		pid_reuse();
	else if (strcmp(a.role, "churn") == 0)
		churn();
	else if (strcmp(a.role, "sleepers") == 0)
		sleepers();
	else if (strcmp(a.role, "ping") == 0)
		ping();
	else if (strcmp(a.role, "tfo-server") == 0)
		tfo_server();
	else if (strcmp(a.role, "tfo-client") == 0)
		tfo_client();
	else if (strcmp(a.role, "raw-server") == 0)
		raw_server();
	else if (strcmp(a.role, "raw-client") == 0)
		raw_client();
	else if (strcmp(a.role, "packet-client") == 0)
		packet_client();
	else if (strcmp(a.role, "tcp-prior-server") == 0)
		tcp_prior(true);
	else if (strcmp(a.role, "tcp-prior-client") == 0)
		tcp_prior(false);
	else
		fail("unknown role");
	return 0;
}
