// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Wire-level accounting: one TC classifier on ingress and egress of every
 * monitored interface. It counts what crosses the interface (L2 frame length
 * as TC sees it, the figure the kernel's own interface counters use) per
 * interface and per flow, remembers which socket owns each flow, and
 * classifies a flow's application protocol from its first packets' payload.
 *
 * Attribution to processes happens in userspace: a flow carries the cookie of
 * its socket, the counters object (counters.bpf.c) maps cookies to processes.
 *
 * The programs never change a packet or a verdict: they return TC_ACT_UNSPEC
 * ("next"), so other classifiers on the same hook run as if we were not there.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "wire.h"

#define TC_ACT_UNSPEC (-1)
#define EEXIST 17
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define TCP_LISTEN 10
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60
#define IPPROTO_ICMPV6 58 /* a #define in uapi, absent from BTF */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define SNIFF_LEN 16
#define ETH_HLEN 14
#define LOOPBACK_IFINDEX 1 /* loopback's index in every network namespace */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NH_MAX_IFACES);
	__type(key, __u32); /* ifindex */
	__type(value, struct nh_iface_val);
} ifaces SEC(".maps");

/*
 * Flows live in the slots of an mmap-able array that userspace reads in place
 * each tick: a batch copy out of a hash map costs it 550-950 ns an entry, the
 * array about 5 (bench/map_read). The hash map only finds a key's slot. A new
 * flow takes a slot from free_flow_slots, or one never used while the array
 * lasts (flow_slots_used). Userspace deletes a retired flow's key, then gives
 * its slot back one tick later: no program still holding the slot from
 * before the delete can write into the flow that takes it next.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_FLOWS);
	__type(key, struct nh_flow_key);
	__type(value, __u32); /* index in flow_slots */
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NH_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct nh_flow_slot);
} flow_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, NH_MAX_FLOWS);
	__type(value, __u32);
} free_flow_slots SEC(".maps");

/* Slots handed out before any came back: [0, flow_slots_used) have been used. */
__u64 flow_slots_used;

/* Failed inserts by enum nh_wire_drop; read by userspace from .bss. */
__u64 wire_drops[NH_WIRE_DROP_MAX];

/*
 * The shares of unowned flows (wire.h). Created counts are the kernel's,
 * retired counts userspace's: one writer per counter, in use is the difference.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NH_MAX_FLOWS / NH_UNOWNED_SHARE);
	__type(key, struct nh_remote_key);
	__type(value, struct nh_remote_val);
} remote_created SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NH_MAX_FLOWS / NH_UNOWNED_SHARE);
	__type(key, struct nh_remote_key);
	__type(value, struct nh_remote_val);
} remote_retired SEC(".maps");

const volatile __u64 unowned_quota = NH_MAX_FLOWS / NH_UNOWNED_SHARE;
const volatile __u64 remote_quota = NH_MAX_FLOWS / NH_REMOTE_SHARE;
__u64 unowned_created;
__u64 unowned_retired; /* written by userspace only */

/* What parse() learned about one packet. */
struct packet {
	struct nh_flow_key key;
	__u32 payload_off; /* from the network header */
	__u32 payload_len;
	__be32 src4, dst4;       /* for the socket lookup */
	__be16 sport, dport;
};

static __always_inline void add(__u64 *counter, __u64 value)
{
	__sync_fetch_and_add(counter, value);
}

static __always_inline void set_addr(__u8 dst[16], const void *src, int len)
{
	__builtin_memset(dst, 0, 16);
	__builtin_memcpy(dst, src, len);
}

/* Ports or the echo identifier, oriented local/remote; fills payload bounds. */
static __always_inline int parse_l4(struct __sk_buff *skb, struct packet *p, __u32 l4_off,
				    __u32 l4_len, bool egress)
{
	__u16 ports[2];
	__u8 icmp[6];

	switch (p->key.protocol) {
	case IPPROTO_TCP: {
		__u8 head[13]; /* ports, sequence and ack numbers, data offset: one load */
		__u8 doff;

		if (bpf_skb_load_bytes_relative(skb, l4_off, head, sizeof(head), BPF_HDR_START_NET))
			return -1;
		__builtin_memcpy(ports, head, 4);
		doff = (head[12] >> 4) * 4;
		p->payload_off = l4_off + doff;
		p->payload_len = l4_len > doff ? l4_len - doff : 0;
		break;
	}
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes_relative(skb, l4_off, ports, 4, BPF_HDR_START_NET))
			return -1;
		p->payload_off = l4_off + 8;
		p->payload_len = l4_len > 8 ? l4_len - 8 : 0;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Echo request and reply share the identifier: one flow per ping. */
		if (bpf_skb_load_bytes_relative(skb, l4_off, icmp, 6, BPF_HDR_START_NET))
			return 0;
		if (icmp[0] == ICMP_ECHO || icmp[0] == ICMP_ECHOREPLY ||
		    icmp[0] == ICMPV6_ECHO_REQUEST || icmp[0] == ICMPV6_ECHO_REPLY)
			p->key.local_port = (icmp[4] << 8) | icmp[5];
		return 0;
	default:
		return 0;
	}
	p->sport = ports[0];
	p->dport = ports[1];
	p->key.local_port = bpf_ntohs(egress ? ports[0] : ports[1]);
	p->key.remote_port = bpf_ntohs(egress ? ports[1] : ports[0]);
	return 0;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct packet *p, bool egress)
{
	struct iphdr ip;
	__u32 hlen, total;

	if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
		return -1;
	p->key.family = 4;
	p->key.protocol = ip.protocol;
	p->src4 = ip.saddr;
	p->dst4 = ip.daddr;
	set_addr(p->key.local_addr, egress ? &ip.saddr : &ip.daddr, 4);
	set_addr(p->key.remote_addr, egress ? &ip.daddr : &ip.saddr, 4);
	hlen = ip.ihl * 4;
	total = bpf_ntohs(ip.tot_len);
	/* Later fragments have no L4 header: they form a port-less flow of their own. */
	if (bpf_ntohs(ip.frag_off) & IP_OFFSET || hlen < sizeof(ip) || total < hlen)
		return 0;
	return parse_l4(skb, p, hlen, total - hlen, egress);
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct packet *p, bool egress)
{
	struct ipv6hdr ip6;
	__u32 off = sizeof(ip6), payload;
	__u8 next;

	if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET))
		return -1;
	p->key.family = 6;
	set_addr(p->key.local_addr, egress ? &ip6.saddr : &ip6.daddr, 16);
	set_addr(p->key.remote_addr, egress ? &ip6.daddr : &ip6.saddr, 16);
	payload = bpf_ntohs(ip6.payload_len);
	next = ip6.nexthdr;
	/* Skip the extension headers a host commonly sees, at most three. */
	for (int i = 0; i < 3; i++) {
		__u8 ext[2];

		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST)
			break;
		if (bpf_skb_load_bytes_relative(skb, off, ext, 2, BPF_HDR_START_NET))
			return -1;
		next = ext[0];
		off += (ext[1] + 1) * 8;
	}
	p->key.protocol = next;
	if (next == NEXTHDR_FRAGMENT || payload + sizeof(ip6) < off)
		return 0;
	return parse_l4(skb, p, off, payload + sizeof(ip6) - off, egress);
}

static __always_inline bool starts(const __u8 *buf, __u32 len, const char *prefix, __u32 plen)
{
	if (len < plen)
		return false;
	for (__u32 i = 0; i < plen; i++)
		if (buf[i] != (__u8)prefix[i])
			return false;
	return true;
}

#define STARTS(buf, len, lit) starts(buf, len, lit, sizeof(lit) - 1)

static __always_inline __u8 sniff_tcp(const __u8 *b, __u32 len)
{
	if (STARTS(b, len, "GET ") || STARTS(b, len, "POST ") || STARTS(b, len, "PUT ") ||
	    STARTS(b, len, "HEAD ") || STARTS(b, len, "DELETE ") || STARTS(b, len, "OPTIONS ") ||
	    STARTS(b, len, "PATCH ") || STARTS(b, len, "CONNECT ") || STARTS(b, len, "TRACE ") ||
	    STARTS(b, len, "HTTP/1.") || STARTS(b, len, "HTTP/2 "))
		return NH_APP_HTTP;
	if (STARTS(b, len, "SSH-"))
		return NH_APP_SSH;
	/* TLS record: handshake (ClientHello/ServerHello) or application data. */
	if (len >= 6 && b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04 && (b[5] == 1 || b[5] == 2))
		return NH_APP_HTTPS;
	if (len >= 3 && b[0] == 0x17 && b[1] == 0x03 && b[2] == 0x03)
		return NH_APP_HTTPS;
	return NH_APP_NONE;
}

static __always_inline __u8 sniff_udp(const __u8 *b, __u32 len, const struct nh_flow_key *k)
{
	/* QUIC long header: form and fixed bits set, version 1 or 2. */
	if (len >= 5 && (b[0] & 0xc0) == 0xc0 &&
	    ((b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 1) ||
	     (b[1] == 0x6b && b[2] == 0x33 && b[3] == 0x43 && b[4] == 0xcf)))
		return NH_APP_QUIC;
	/*
	 * DNS: standard query with one question, and a sane first label. mDNS
	 * and LLMNR share the wire format; their ports name them instead.
	 */
	if (len >= 13 && k->local_port != 5353 && k->remote_port != 5353 &&
	    k->local_port != 5355 && k->remote_port != 5355) {
		bool response = b[2] & 0x80;
		__u8 opcode = (b[2] >> 3) & 0xf, rcode = b[3] & 0xf;

		if (opcode == 0 && rcode <= 5 && b[4] == 0 && b[5] == 1 && b[12] >= 1 &&
		    b[12] <= 63 &&
		    (response || (b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0 && b[10] == 0 &&
				  b[11] <= 1)))
			return NH_APP_DNS;
	}
	return NH_APP_NONE;
}

/*
 * Where the network header starts, from the beginning of the packet data.
 * Payload usually sits in page fragments that only bpf_skb_load_bytes()
 * reaches, and that helper counts from the start, not from the network
 * header; __sk_buff does not say where that is. Find it by comparing: the
 * frame is Ethernet (14), Ethernet with an in-band VLAN tag (18), or bare IP
 * (0, tun and WireGuard devices).
 */
static __always_inline int network_offset(struct __sk_buff *skb)
{
	static const int candidates[] = { 14, 0, 18 };
	__u64 net[2], at[2];

	if (bpf_skb_load_bytes_relative(skb, 0, net, sizeof(net), BPF_HDR_START_NET))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (bpf_skb_load_bytes(skb, candidates[i], at, sizeof(at)))
			continue;
		if (at[0] == net[0] && at[1] == net[1])
			return candidates[i];
	}
	return -1;
}

static __always_inline void sniff(struct __sk_buff *skb, const struct packet *p,
				  struct nh_flow_val *flow)
{
	__u8 buf[SNIFF_LEN] = {};
	__u32 len = SNIFF_LEN;
	int net;
	__u8 app;

	if (flow->app != NH_APP_NONE || flow->sniffed >= NH_SNIFF_PACKETS || !p->payload_len)
		return;
	flow->sniffed++;
	if (p->payload_len < SNIFF_LEN) {
		len = 4;
		if (p->payload_len < len)
			return;
	}
	net = network_offset(skb);
	if (net < 0)
		return;
	if (len == SNIFF_LEN) {
		if (bpf_skb_load_bytes(skb, net + p->payload_off, buf, SNIFF_LEN))
			return;
	} else if (bpf_skb_load_bytes(skb, net + p->payload_off, buf, 4)) {
		return;
	}
	app = p->key.protocol == IPPROTO_TCP ? sniff_tcp(buf, len) : sniff_udp(buf, len, &p->key);
	if (app != NH_APP_NONE)
		flow->app = app;
}

/*
 * The cookie of a socket found by bpf_sk_lookup_udp(). TC programs have no
 * helper for that, so read sock_common.skc_cookie. The verifier forbids
 * arithmetic on a socket pointer, hence the pointer's value is first copied
 * out as a number. Zero means the cookie was never generated: no hook has
 * seen the socket yet, and a later packet tries again.
 */
static __always_inline __u64 looked_up_cookie(struct bpf_sock *sk)
{
	__u64 ptr = 0, cookie = 0;
	struct bpf_sock *slot = sk;

	if (bpf_probe_read_kernel(&ptr, sizeof(ptr), &slot))
		return 0;
	ptr += bpf_core_field_offset(struct sock_common, skc_cookie);
	if (bpf_probe_read_kernel(&cookie, sizeof(cookie), (void *)ptr))
		return 0;
	return cookie;
}

/* The owning socket: the packet's own on egress, a lookup on ingress. */
static __always_inline void find_owner(struct __sk_buff *skb, const struct packet *p,
				       struct nh_flow_val *flow, bool egress)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;
	__u64 cookie;

	if (egress) {
		sk = skb->sk;
		if (!sk)
			return;
		/* Request and timewait sockets are not the owner; a listener neither. */
		sk = bpf_sk_fullsock(sk);
		if (!sk || sk->state == TCP_LISTEN)
			return;
		cookie = bpf_get_socket_cookie(skb);
		if (cookie && cookie != flow->cookie)
			flow->cookie = cookie;
		return;
	}
	/*
	 * TCP flows learn their socket from the ACKs the host sends; a datagram
	 * flow may only ever receive, so it is looked up until found.
	 */
	if (flow->cookie || p->key.protocol != IPPROTO_UDP)
		return;
	if (p->key.family == 4) {
		tuple.ipv4.saddr = p->src4;
		tuple.ipv4.daddr = p->dst4;
		tuple.ipv4.sport = p->sport;
		tuple.ipv4.dport = p->dport;
		sk = bpf_sk_lookup_udp(skb, &tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0);
	} else {
		/* Ingress: remote is the source, local the destination. */
		__builtin_memcpy(tuple.ipv6.saddr, p->key.remote_addr, 16);
		__builtin_memcpy(tuple.ipv6.daddr, p->key.local_addr, 16);
		tuple.ipv6.sport = p->sport;
		tuple.ipv6.dport = p->dport;
		sk = bpf_sk_lookup_udp(skb, &tuple, sizeof(tuple.ipv6), BPF_F_CURRENT_NETNS, 0);
	}
	if (!sk)
		return;
	cookie = looked_up_cookie(sk);
	bpf_sk_release(sk);
	if (cookie)
		flow->cookie = cookie;
}

/* Whether a packet leaves from a socket of this host (not a listener's SYN-ACK). */
static __always_inline bool sent_by_local_socket(struct __sk_buff *skb, bool egress)
{
	struct bpf_sock *sk = egress ? skb->sk : NULL;

	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	return sk && sk->state != TCP_LISTEN;
}

/*
 * Room for one more unowned flow: under both shares. An evicted LRU count
 * only makes a remote's share look emptier; the overall share still holds.
 */
static __always_inline bool unowned_admitted(const struct nh_remote_key *remote)
{
	struct nh_remote_val *created, *retired;

	if ((__s64)(unowned_created - unowned_retired) >= (__s64)unowned_quota)
		return false;
	created = bpf_map_lookup_elem(&remote_created, remote);
	if (!created)
		return true;
	retired = bpf_map_lookup_elem(&remote_retired, remote);
	return (__s64)(created->flows - (retired ? retired->flows : 0)) < (__s64)remote_quota;
}

static __always_inline void unowned_count(const struct nh_remote_key *remote)
{
	struct nh_remote_val *created, one = { .flows = 1 };

	__sync_fetch_and_add(&unowned_created, 1);
	created = bpf_map_lookup_elem(&remote_created, remote);
	if (created)
		__sync_fetch_and_add(&created->flows, 1);
	else if (bpf_map_update_elem(&remote_created, remote, &one, BPF_NOEXIST) == -EEXIST &&
		 (created = bpf_map_lookup_elem(&remote_created, remote)))
		__sync_fetch_and_add(&created->flows, 1);
}

/*
 * The flow's entry, created on its first packet. Only creation is checked
 * against the shares: an existing flow is never refused nor evicted. Loopback
 * flows (local) are between sockets of this host at both ends, so never
 * unowned: thousands of connections to 127.0.0.1 are not one remote's flood.
 */
static __always_inline struct nh_flow_val *flow_in_slot(__u32 index)
{
	struct nh_flow_slot *slot = bpf_map_lookup_elem(&flow_slots, &index);

	return slot ? &slot->val : NULL;
}

/* A free slot's index, or -1 when all NH_MAX_FLOWS are taken. */
static __always_inline long flow_slot_take(void)
{
	__u32 index;
	__u64 fresh;

	if (!bpf_map_pop_elem(&free_flow_slots, &index))
		return index;
	fresh = __sync_fetch_and_add(&flow_slots_used, 1);
	return fresh < NH_MAX_FLOWS ? (long)fresh : -1;
}

static __always_inline struct nh_flow_val *flow_entry(struct __sk_buff *skb,
						      const struct nh_flow_key *key, bool egress,
						      bool local)
{
	__u32 *index = bpf_map_lookup_elem(&flows, key);
	struct nh_remote_key remote = {};
	struct nh_flow_slot *slot;
	bool unowned;
	__u32 taken;
	long got;

	if (index)
		return flow_in_slot(*index);
	unowned = !local && !sent_by_local_socket(skb, egress);
	if (unowned) {
		remote.family = key->family;
		__builtin_memcpy(remote.addr, key->remote_addr, 16);
		if (!unowned_admitted(&remote))
			return NULL;
	}
	got = flow_slot_take();
	if (got < 0)
		return NULL;
	taken = (__u32)got;
	slot = bpf_map_lookup_elem(&flow_slots, &taken);
	if (!slot)
		return NULL;
	/* Written before the key is published: nothing counts into the slot yet. */
	slot->key = *key;
	__builtin_memset(&slot->val, 0, sizeof(slot->val));
	slot->val.flags = unowned ? NH_FLOW_UNOWNED : 0;
	if (bpf_map_update_elem(&flows, key, &taken, BPF_NOEXIST)) {
		/* Another CPU created it first (use theirs), or the map is full. */
		bpf_map_push_elem(&free_flow_slots, &taken, 0);
		index = bpf_map_lookup_elem(&flows, key);
		return index ? flow_in_slot(*index) : NULL;
	}
	/* A locked add: userspace sees live only after the writes above. */
	__sync_fetch_and_add(&slot->live, 1);
	if (unowned)
		unowned_count(&remote);
	return &slot->val;
}

static __always_inline struct nh_iface_val *iface_entry(__u32 ifindex)
{
	struct nh_iface_val *iface = bpf_map_lookup_elem(&ifaces, &ifindex);
	struct nh_iface_val zero = {};

	if (iface)
		return iface;
	bpf_map_update_elem(&ifaces, &ifindex, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ifaces, &ifindex);
}

/* The kernel's sk_buff behind the context, for fields __sk_buff does not show. */
static __always_inline struct sk_buff *kernel_skb(struct __sk_buff *skb)
{
	struct __sk_buff *slot = skb;
	__u64 ptr = 0;

	/* As in looked_up_cookie(): the pointer's value, copied out as a number. */
	bpf_probe_read_kernel(&ptr, sizeof(ptr), &slot);
	return (struct sk_buff *)ptr;
}

/*
 * A GSO super-packet on egress that the device cannot take whole is cut into
 * segments after this hook (validate_xmit_skb), and the device counts each
 * segment with its own copy of the headers. Decide as the kernel does
 * (net_gso_ok() on the device's features, frag lists) and count what it will
 * count: gso_segs packets, and the headers once more per extra segment.
 */
static __always_inline void gso_segments(struct __sk_buff *skb, const struct packet *p,
					 __u64 *bytes, __u32 *packets)
{
	struct skb_shared_info *shinfo;
	struct sk_buff *k = kernel_skb(skb);
	__u64 features, wanted;
	__u32 segs = skb->gso_segs, hdr_len, gso_type;
	__u16 mac, net;

	if (!k || segs < 2 || (p->key.protocol != IPPROTO_TCP && p->key.protocol != IPPROTO_UDP))
		return;
	shinfo = (struct skb_shared_info *)(BPF_CORE_READ(k, head) + BPF_CORE_READ(k, end));
	gso_type = BPF_CORE_READ(shinfo, gso_type);
	features = BPF_CORE_READ(k, dev, features);
	/* SKB_GSO_* bits line up with the NETIF_F_GSO_* features from NETIF_F_GSO_SHIFT. */
	wanted = (__u64)gso_type << NETIF_F_GSO_SHIFT;
	if ((features & wanted) == wanted &&
	    (!BPF_CORE_READ(shinfo, frag_list) || (features & (1ULL << NETIF_F_FRAGLIST_BIT))))
		return; /* the device takes it whole and counts it once */
	mac = BPF_CORE_READ(k, mac_header);
	net = BPF_CORE_READ(k, network_header);
	hdr_len = (__u32)(__u16)(net - mac) + p->payload_off;
	*bytes += (__u64)(segs - 1) * hdr_len;
	*packets = segs;
}

static __always_inline void count_flow(struct nh_flow_val *flow, int dir, __u64 bytes,
				       __u32 packets)
{
	add(&flow->bytes[dir], bytes);
	add(&flow->packets[dir], packets);
}

/* The same flow seen from the other end: local and remote swapped (ICMP keeps its id). */
static __always_inline void mirror_key(struct nh_flow_key *m, const struct nh_flow_key *k)
{
	*m = *k;
	__builtin_memcpy(m->local_addr, k->remote_addr, 16);
	__builtin_memcpy(m->remote_addr, k->local_addr, 16);
	if (k->protocol == IPPROTO_TCP || k->protocol == IPPROTO_UDP) {
		m->local_port = k->remote_port;
		m->remote_port = k->local_port;
	}
}

#include "capture.bpf.h"

/*
 * Loopback counts each packet once, as received and as sent alike, after
 * eth_type_trans() took its 14-byte Ethernet header (loopback_xmit). Some of
 * what it sends never passes the egress hook (pure ACKs of bulk TCP were
 * missing, with TCX and with cls_bpf alike), while everything it counts
 * passes ingress: so loopback is counted on ingress only, as received by its
 * destination flow and as sent by the mirrored source flow. Egress only
 * learns owners and sniffs payload.
 */
static __always_inline int account_loopback(struct __sk_buff *skb, bool egress)
{
	struct nh_flow_val *flow = NULL, *source = NULL;
	struct nh_iface_val *iface;
	struct nh_flow_key mirror;
	struct packet p = {};
	__u32 len = skb->len > ETH_HLEN ? skb->len - ETH_HLEN : 0;
	int parsed = -1;

	if (skb->protocol == bpf_htons(ETH_P_IP))
		parsed = parse_ipv4(skb, &p, egress);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		parsed = parse_ipv6(skb, &p, egress);
	p.key.ifindex = skb->ifindex;
	/* Captured once, where every loopback packet passes: on ingress. */
	if (capture_cfg.on && !egress)
		capture(skb, &p, parsed, NULL, false, true);
	else if (capture_cfg.on)
		capture_loopback_egress(skb);
	if (parsed == 0) {
		flow = flow_entry(skb, &p.key, egress, true);
		if (!flow)
			add(&wire_drops[NH_WIRE_DROP_FLOW], 1);
	}
	if (egress) {
		if (flow) {
			find_owner(skb, &p, flow, true);
			sniff(skb, &p, flow);
		}
		return TC_ACT_UNSPEC;
	}

	iface = iface_entry(skb->ifindex);
	if (!iface) {
		add(&wire_drops[NH_WIRE_DROP_IFACE], 1);
		return TC_ACT_UNSPEC;
	}
	add(&iface->bytes[NH_DIR_RX], len);
	add(&iface->packets[NH_DIR_RX], 1);
	add(&iface->bytes[NH_DIR_TX], len);
	add(&iface->packets[NH_DIR_TX], 1);
	if (!flow) {
		add(&iface->noflow_bytes[NH_DIR_RX], len);
		add(&iface->noflow_packets[NH_DIR_RX], 1);
		add(&iface->noflow_bytes[NH_DIR_TX], len);
		add(&iface->noflow_packets[NH_DIR_TX], 1);
		return TC_ACT_UNSPEC;
	}
	count_flow(flow, NH_DIR_RX, len, 1);
	flow->last_ns = bpf_ktime_get_coarse_ns();
	mirror_key(&mirror, &p.key);
	source = flow_entry(skb, &mirror, false, true);
	if (source) {
		count_flow(source, NH_DIR_TX, len, 1);
		source->last_ns = flow->last_ns;
	} else {
		add(&wire_drops[NH_WIRE_DROP_FLOW], 1);
		add(&iface->noflow_bytes[NH_DIR_TX], len);
		add(&iface->noflow_packets[NH_DIR_TX], 1);
	}
	find_owner(skb, &p, flow, false);
	sniff(skb, &p, flow);
	return TC_ACT_UNSPEC;
}

static __always_inline int account(struct __sk_buff *skb, bool egress)
{
	int dir = egress ? NH_DIR_TX : NH_DIR_RX;
	struct packet p = {};
	struct nh_iface_val *iface;
	struct nh_flow_val *flow = NULL;
	__u64 len = skb->len;
	__u32 packets = 1;
	int parsed = -1;

	if (skb->ifindex == LOOPBACK_IFINDEX)
		return account_loopback(skb, egress);
	iface = iface_entry(skb->ifindex);
	if (!iface) {
		add(&wire_drops[NH_WIRE_DROP_IFACE], 1);
		return TC_ACT_UNSPEC;
	}

	p.key.ifindex = skb->ifindex;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		parsed = parse_ipv4(skb, &p, egress);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		parsed = parse_ipv6(skb, &p, egress);
	if (egress && skb->gso_size && parsed == 0)
		gso_segments(skb, &p, &len, &packets);
	/* Per-CPU value, but atomic all the same: cheap on a line no other CPU shares. */
	add(&iface->bytes[dir], len);
	add(&iface->packets[dir], packets);
	if (parsed == 0) {
		flow = flow_entry(skb, &p.key, egress, false);
		if (!flow)
			add(&wire_drops[NH_WIRE_DROP_FLOW], 1);
	}
	if (!flow) {
		add(&iface->noflow_bytes[dir], len);
		add(&iface->noflow_packets[dir], packets);
		if (capture_cfg.on)
			capture(skb, &p, parsed, NULL, egress, false);
		return TC_ACT_UNSPEC;
	}
	count_flow(flow, dir, len, packets);
	flow->last_ns = bpf_ktime_get_coarse_ns();
	find_owner(skb, &p, flow, egress);
	sniff(skb, &p, flow);
	if (capture_cfg.on)
		capture(skb, &p, parsed, flow, egress, false);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int wire_ingress(struct __sk_buff *skb)
{
	return account(skb, false);
}

SEC("tc")
int wire_egress(struct __sk_buff *skb)
{
	return account(skb, true);
}
