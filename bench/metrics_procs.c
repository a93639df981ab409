// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * P processes with distinct names (nhm-p00000 ...), each sending one UDP
 * datagram a second to a loopback port nobody listens on, for SECONDS: real
 * processes for measuring /metrics of a running nethound at that many series.
 * Usage: metrics_procs [P] [SECONDS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int nprocs = argc > 1 ? atoi(argv[1]) : 1000;
	int seconds = argc > 2 ? atoi(argv[2]) : 30;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < nprocs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			break;
		}
		if (pid == 0) {
			char name[16], payload[100] = { 0 };
			int fd = socket(AF_INET, SOCK_DGRAM, 0);

			snprintf(name, sizeof(name), "nhm-p%05d", i % 100000);
			prctl(PR_SET_NAME, name);
			for (int s = 0; s < seconds; s++) {
				sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to,
				       sizeof(to));
				sleep(1);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
