/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one model every sink reads: what the collector made of the BPF maps at
 * one tick. Sinks never read maps; the collector knows nothing of sinks.
 */
#ifndef NETHOUND_SNAPSHOT_H
#define NETHOUND_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <net/if.h>

#include "counters.h"
#include "wire.h"

struct alert_event;

struct traffic {
	uint64_t tx_bytes; /* this interval */
	uint64_t rx_bytes;
	uint64_t tx_total; /* since nethound started */
	uint64_t rx_total;
};

/*
 * Rates over the pipeline's window (--window SECS): bytes moved in the last
 * window divided by its length, or by the time since nethound started while
 * that is shorter. Filled by the pipeline, not the collector.
 */
struct window_rate {
	double tx; /* bytes/s */
	double rx;
};

/*
 * Host names for addresses, asked of the reverse-DNS cache without waiting:
 * false until a name is known (or when names are off). Sinks ask only for
 * what they show.
 */
struct name_source {
	bool (*lookup)(void *ctx, int family, const unsigned char addr[16], char *host,
		       size_t hostlen);
	void *ctx;
};

/*
 * Who moved the bytes (README, "Identity"): names resolved from the uid, the
 * cgroup id and the process, by a cache that never delays a tick. NULL until
 * resolved, or where none applies (container_runtime NULL: not in a
 * container). Bytes as found, NUL-terminated: each sink escapes them. Filled
 * by the pipeline; valid until the next tick, so a sink keeping a row copies.
 */
struct process_identity {
	const char *user; /* name of uid */
	const char *exe;  /* /proc/PID/exe at first sight; "... (deleted)" as the kernel says */
	const char *cgroup_path; /* in the cgroup v2 hierarchy, "/" for its root */
	const char *unit;        /* systemd unit: nginx.service, session-3.scope, a slice */
	const char *container_runtime; /* docker, podman, containerd, cri-o, lxc, systemd-nspawn */
	const char *container_id;
	const char *container_name; /* from the runtime's state on disk, or the path */
	const char *pod_uid;
	const char *pod_namespace;
	const char *pod_name;
	/*
	 * The user or cgroup has not been looked up yet (it will be, within a
	 * tick or two): a sink that keys sums by identity may hold the bytes.
	 */
	bool pending;
};

struct process_stats {
	uint32_t pid;
	uint64_t start_ns; /* with pid, identifies the process */
	char comm[NH_COMM_LEN];
	uint32_t uid;
	uint64_t cgroup_id;
	bool exited; /* reported once with its final bytes, then forgotten */
	struct traffic all; /* payload: what the process's sockets moved */
	struct traffic l4[NH_L4_MAX];
	struct traffic wire; /* frames of its flows on the monitored interfaces */
	uint64_t protocols;  /* set of protocols seen; see protocol_set_names() */
	struct window_rate window; /* payload rates over the window */
	struct process_identity ident;
};

struct connection_stats {
	uint64_t cookie;
	uint32_t pid;
	uint64_t start_ns;
	char comm[NH_COMM_LEN];
	uint16_t family;
	uint16_t protocol;
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
	bool closed;
	/*
	 * enum nh_app: what the TC classifier sniffed on the socket's flow,
	 * else a well-known port's application, else NH_APP_NONE.
	 */
	uint8_t app;
	struct traffic bytes;
};

/*
 * What one uid holds of the process and socket maps, and what it was refused
 * (README, "Security"). Bytes of its processes that had no entry are in
 * overflow: counted in the totals, attributed to the uid, to no process.
 */
struct uid_stats {
	uint32_t uid;
	uint64_t procs; /* entries held now */
	uint64_t socks;
	uint64_t proc_drops; /* inserts refused since start: share used or map full */
	uint64_t sock_drops;
	struct traffic overflow;
};

/* An interface the classifier watches: what attachment hands the collector each tick. */
struct watched_iface {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	bool present; /* false once the interface vanished: reported one last time */
};

struct interface_stats {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	bool present; /* false: vanished, reported this last time */
	struct traffic bytes; /* frames as the kernel's interface counters count them */
	struct traffic packets;
	struct traffic unattributed; /* bytes no local socket owns: ARP, forwarding, ... */
	struct window_rate window; /* frame rates over the window */
};

/* A conversation on one interface, seen from this host (local/remote). */
struct flow_stats {
	uint32_t ifindex;
	uint8_t ip_version; /* 4 or 6 */
	uint8_t protocol;   /* IPPROTO_* */
	uint8_t app;        /* enum nh_app: payload, else well-known port */
	uint16_t local_port; /* ICMP echo: the identifier; other ICMP: 0 */
	uint16_t remote_port;
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
	uint64_t cookie; /* owning socket, 0 if none seen */
	bool owned;      /* joined to a process: pid, start_ns, comm valid */
	uint32_t pid;
	uint64_t start_ns;
	char comm[NH_COMM_LEN];
	struct traffic bytes;
	struct traffic packets;
};

/*
 * This interval's connection bytes under one classify_connection_name():
 * a handful of entries, so that sinks sum protocols without walking every
 * connection.
 */
struct protocol_bytes {
	const char *name; /* static: the same name is the same address */
	uint64_t tx_bytes, rx_bytes;
};

/* Room for every name there is: each application and each L4 class. */
#define SNAPSHOT_PROTOCOLS_MAX 64
_Static_assert(NH_APP_MAX + 16 <= SNAPSHOT_PROTOCOLS_MAX, "room for every protocol name");

struct snapshot {
	struct timespec wall;   /* CLOCK_REALTIME at the read */
	double interval;        /* seconds covered by the *_bytes fields */
	const char *hooks;      /* hook tier in use */
	struct traffic totals;
	double window; /* seconds the window rates cover (shorter at start-up) */
	struct window_rate totals_window;
	uint64_t drops[NH_DROP_MAX]; /* cumulative failed map inserts */
	size_t nuids;
	struct uid_stats *uids; /* sorted by uid */
	struct traffic unattributed; /* payload of uids without a record (drops[NH_DROP_UID]) */
	size_t nprocs;
	struct process_stats *procs;
	size_t nconns;
	struct connection_stats *conns;
	/* conns' bytes by protocol name, in order of first appearance; no empty entry matters */
	size_t nprotocols;
	struct protocol_bytes protocols[SNAPSHOT_PROTOCOLS_MAX];
	const char *tc; /* "tcx", "netlink" or "off" */
	uint64_t wire_drops[NH_WIRE_DROP_MAX];
	size_t nifaces;
	struct interface_stats *ifaces;
	size_t nflows;
	struct flow_stats *flows;
	/* Alerts raised and not cleared; filled by the alert stage, not the collector. */
	size_t nalerts;
	const struct alert_event *alerts;
	struct name_source names;
};

/*
 * Add a connection's interval bytes under name in s->protocols, or take
 * them back (its application turned out to be another). Linear in the
 * handful of names.
 */
void snapshot_protocol_bytes(struct snapshot *s, const char *name, uint64_t tx, uint64_t rx,
			     bool take_back);

/* The name c's bytes are summed under: classify_connection_name() of its fields. */
const char *snapshot_connection_protocol(const struct connection_stats *c);

/* Add c's interval bytes, if any, under its protocol name. */
void snapshot_count_connection(struct snapshot *s, const struct connection_stats *c);

/* s->protocols anew from s->conns: for a snapshot whose connections were narrowed. */
void snapshot_sum_protocols(struct snapshot *s);

/* The drop counters of both kinds as one list: the socket tier's maps, then the TC classifier's. */
#define NH_DROP_MAPS (NH_DROP_MAX + NH_WIRE_DROP_MAX)

static inline uint64_t snapshot_map_drops(const struct snapshot *s, unsigned map)
{
	return map < NH_DROP_MAX ? s->drops[map] : s->wire_drops[map - NH_DROP_MAX];
}

/*
 * "processes", "sockets", "pending", "uids", "flows", "interfaces": as the
 * metrics, the database and alerts say.
 */
static inline const char *snapshot_drop_map_name(unsigned map)
{
	static const char *const names[NH_DROP_MAPS] = {
		[NH_DROP_PROC] = "processes",
		[NH_DROP_SOCK] = "sockets",
		[NH_DROP_PENDING] = "pending",
		[NH_DROP_UID] = "uids",
		[NH_DROP_MAX + NH_WIRE_DROP_FLOW] = "flows",
		[NH_DROP_MAX + NH_WIRE_DROP_IFACE] = "interfaces",
	};

	return map < NH_DROP_MAPS && names[map] ? names[map] : "unknown";
}

static inline bool snapshot_host_name(const struct snapshot *s, int family,
				      const unsigned char addr[16], char *host, size_t hostlen)
{
	return s->names.lookup && s->names.lookup(s->names.ctx, family, addr, host, hostlen);
}

/* How a container is named where one word must do: its name, else its id; NULL if none. */
static inline const char *process_container_label(const struct process_identity *id)
{
	if (!id->container_runtime)
		return NULL;
	return id->container_name ? id->container_name : id->container_id;
}

static inline double traffic_rate(uint64_t bytes, double interval)
{
	return interval > 0 ? (double)bytes / interval : 0.0;
}

#endif
