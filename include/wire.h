/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the TC classifier (bpf/wire.bpf.c) and userspace.
 * Plain __u8/__u16/__u64 only, like counters.h.
 */
#ifndef NETHOUND_WIRE_H
#define NETHOUND_WIRE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Default map sizes; userspace may resize between open and load. */
#define NH_MAX_IFACES 1024
#define NH_MAX_FLOWS 65536

/*
 * A flow no local socket has sent on when its first packet arrives (a peer's
 * first packets, a scan, spoofed sources) takes room from a share: all such
 * flows at most 1/NH_UNOWNED_SHARE of the flow map, those of one remote
 * address at most 1/NH_REMOTE_SHARE. Flows of local sockets keep the rest
 * (README, "Security"). A refused flow's bytes are the interface's,
 * unattributed, and counted in wire_drops[NH_WIRE_DROP_FLOW].
 */
#define NH_UNOWNED_SHARE 2
#define NH_REMOTE_SHARE 64

/* How many packets with payload a flow's classifier looks at before giving up. */
#define NH_SNIFF_PACKETS 4

enum nh_dir {
	NH_DIR_TX = 0, /* egress */
	NH_DIR_RX,     /* ingress */
	NH_DIR_MAX,
};

/*
 * Application classes. The classifier sets the first few from payload;
 * userspace falls back to well-known ports (src/classify.c) for a flow the
 * payload did not settle. Values are stable: they are stored in BPF maps.
 */
enum nh_app {
	NH_APP_NONE = 0, /* not classified (yet) */
	NH_APP_HTTP,
	NH_APP_HTTPS, /* TLS on TCP */
	NH_APP_DNS,
	NH_APP_QUIC,
	NH_APP_SSH,
	/* From here on, by port only. */
	NH_APP_DHCP,
	NH_APP_NTP,
	NH_APP_MDNS,
	NH_APP_SMTP,
	NH_APP_IMAP,
	NH_APP_POP3,
	NH_APP_FTP,
	NH_APP_SMB,
	NH_APP_LDAP,
	NH_APP_RDP,
	NH_APP_MYSQL,
	NH_APP_POSTGRES,
	NH_APP_REDIS,
	NH_APP_MQTT,
	NH_APP_SNMP,
	NH_APP_SYSLOG,
	NH_APP_MAX,
};

/* Per interface, cumulative; the map is per-CPU, userspace sums. */
struct nh_iface_val {
	__u64 bytes[NH_DIR_MAX];
	__u64 packets[NH_DIR_MAX];
	/* Not IP, or IP that found no room in the flow map: never a process's. */
	__u64 noflow_bytes[NH_DIR_MAX];
	__u64 noflow_packets[NH_DIR_MAX];
};

/*
 * A flow as the local host sees it: local/remote, not source/destination,
 * so both directions of a conversation share one entry per interface. ICMP
 * echo uses the echo identifier as local_port so a reply finds its request.
 */
struct nh_flow_key {
	__u32 ifindex;
	__u8 family; /* 4 or 6: the IP version */
	__u8 protocol; /* IPPROTO_* */
	__u16 local_port; /* host byte order */
	__u16 remote_port;
	__u16 pad;
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
};

struct nh_flow_val {
	__u64 bytes[NH_DIR_MAX]; /* wire bytes: L2 frame length as TC sees it */
	__u64 packets[NH_DIR_MAX];
	__u64 cookie; /* owning socket, 0 until one is seen */
	__u64 last_ns; /* bpf_ktime_get_ns of the last packet */
	__u8 app; /* enum nh_app from payload, NH_APP_NONE if not settled */
	__u8 sniffed; /* packets with payload looked at */
	__u8 flags; /* NH_FLOW_UNOWNED */
	__u8 pad[5];
};

#define NH_FLOW_UNOWNED 1u /* created without a local socket: holds a place in the shares */

/*
 * A flow's place in the classifier's flow_slots array, which userspace maps
 * and reads in place each tick; the flows hash map only finds a key's slot.
 * live turns 1 (atomically, after key and val are written) once the key is
 * in flows, and 0 when userspace retires the flow.
 */
struct nh_flow_slot {
	struct nh_flow_val val; /* first: a slot's address is its value's (no offset to check) */
	struct nh_flow_key key;
	__u32 live;
};

/* A remote address, for its share of unowned flows. */
struct nh_remote_key {
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

/* Unowned flows of one remote: created (kernel) or retired (userspace), since start. */
struct nh_remote_val {
	__u64 flows;
};

enum nh_wire_drop {
	NH_WIRE_DROP_FLOW = 0, /* flow map full: bytes counted as noflow */
	NH_WIRE_DROP_IFACE,    /* interface map full: bytes not counted */
	NH_WIRE_DROP_MAX,
};

#endif /* NETHOUND_WIRE_H */
