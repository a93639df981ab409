// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/array.h"
#include "kernel/tc_filters.h"


struct listing {
	struct tc_filter *list;
	size_t n, cap;
};

static void copy_attr(char *dst, size_t len, const struct rtattr *rta)
{
	size_t n = RTA_PAYLOAD(rta);

	if (n >= len)
		n = len - 1;
	memcpy(dst, RTA_DATA(rta), n);
	dst[n] = '\0';
}

static void parse_bpf_options(struct tc_filter *f, const struct rtattr *opts)
{
	int len = (int)RTA_PAYLOAD(opts);

	for (const struct rtattr *a = RTA_DATA(opts); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_BPF_NAME)
			copy_attr(f->name, sizeof(f->name), a);
		else if (a->rta_type == TCA_BPF_ID && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&f->prog_id, RTA_DATA(a), sizeof(uint32_t));
	}
}

static int parse_filter(struct listing *l, const struct nlmsghdr *nh, bool ingress)
{
	const struct tcmsg *tc = NLMSG_DATA(nh);
	const struct rtattr *options = NULL;
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*tc));
	struct tc_filter *f;

	if (len < 0)
		return -EBADMSG;
	if (array_grow((void **)&l->list, &l->cap, l->n + 1, sizeof(*l->list)))
		return -ENOMEM;
	f = &l->list[l->n++];
	memset(f, 0, sizeof(*f));
	f->ingress = ingress;
	f->handle = tc->tcm_handle;
	f->priority = (uint16_t)(TC_H_MAJ(tc->tcm_info) >> 16);
	f->protocol = ntohs((uint16_t)TC_H_MIN(tc->tcm_info));
	for (const struct rtattr *a = (const void *)((const char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND)
			copy_attr(f->kind, sizeof(f->kind), a);
		else if (a->rta_type == TCA_OPTIONS)
			options = a;
	}
	/* The options' layout depends on the kind: only cls_bpf's are read. */
	if (options && strcmp(f->kind, "bpf") == 0)
		parse_bpf_options(f, options);
	return 0;
}

static int dump_hook(int fd, int ifindex, bool ingress, struct listing *l)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	char buf[32768];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.tc));
	req.nh.nlmsg_type = RTM_GETTFILTER;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ingress ? 1 : 2;
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = ifindex;
	req.tc.tcm_parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* NLMSG_OK compares signed with unsigned (clang warns): walk by hand. */
		for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)got;) {
			const struct nlmsghdr *nh = (const void *)(buf + off);

			if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > (size_t)got - off)
				return -EBADMSG;
			off += NLMSG_ALIGN(nh->nlmsg_len);
			if (nh->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				/* No clsact qdisc: nothing on this hook. */
				if (e->error == -EINVAL || e->error == -ENOENT)
					return 0;
				return e->error;
			}
			if (nh->nlmsg_type == RTM_NEWTFILTER) {
				int err = parse_filter(l, nh, ingress);

				if (err)
					return err;
			}
		}
	}
}

int tc_filters_list(int ifindex, struct tc_filter **out)
{
	struct listing l = { 0 };
	int fd, err = 0;

	*out = NULL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	for (int dir = 0; dir < 2 && !err; dir++)
		err = dump_hook(fd, ifindex, dir == 0, &l);
	close(fd);
	if (err) {
		free(l.list);
		return err;
	}
	*out = l.list;
	return (int)l.n;
}

void tc_filter_program(const struct tc_filter *f, char *buf, size_t len)
{
	size_t n = strcspn(f->name, ":");

	if (n >= len)
		n = len - 1;
	memcpy(buf, f->name, n);
	buf[n] = '\0';
}

bool tc_program_is_nethound(const char *name)
{
	return strcmp(name, "wire_ingress") == 0 || strcmp(name, "wire_egress") == 0;
}

bool tc_filter_is_nethound(const struct tc_filter *f)
{
	char prog[sizeof(f->name)];

	if (f->priority != TC_NETHOUND_PRIORITY || !f->handle || strcmp(f->kind, "bpf") != 0)
		return false;
	tc_filter_program(f, prog, sizeof(prog));
	return tc_program_is_nethound(prog);
}
