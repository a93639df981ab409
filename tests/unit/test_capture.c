// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The capture sink's pieces: pcapng blocks, the process label, the text log, the options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/exitcodes.h"
#include "settings/cli.h"
#include "sinks/capture/packet_label.h"
#include "sinks/capture/pcapng.h"
#include "sinks/capture/text_log.h"

#define ARGS(...)                                                                                  \
	(sizeof((char *[]){"nethound", __VA_ARGS__}) / sizeof(char *)),                            \
	    ((char *[]){"nethound", __VA_ARGS__})

static uint32_t u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The option with code in the options at p (up to end), or NULL; its length in *len. */
static const unsigned char *find_option(const unsigned char *p, const unsigned char *end,
					uint16_t code, uint16_t *len)
{
	while (p + 4 <= end) {
		uint16_t c, l;

		memcpy(&c, p, 2);
		memcpy(&l, p + 2, 2);
		if (c == 0)
			return NULL;
		if (c == code) {
			*len = l;
			return p + 4;
		}
		p += 4 + (l + 3u) / 4 * 4;
	}
	return NULL;
}

static void test_pcapng_blocks(void)
{
	static const uint8_t frame[5] = {1, 2, 3, 4, 5};
	struct pcapng_packet pkt = {.ifid = 0,
				    .ts_ns = 1700000000123456789ull,
				    .data = frame,
				    .caplen = 5,
				    .len = 60,
				    .flags = PCAPNG_OUTBOUND,
				    .comment = "pid=42 comm=x",
				    .pid = 42};
	struct pcapng_stats isb = {.ifid = 0, .received = 1, .dropped = 7, .comment = "lost"};
	char *buf = NULL;
	size_t size = 0, off;
	FILE *out = open_memstream(&buf, &size);
	struct pcapng *w = pcapng_open(out, "nethound test", NULL);
	const unsigned char *b, *opt;
	uint16_t len;

	CHECK(w != NULL);
	CHECK_INT(pcapng_add_interface(w, 1, 65535, "veth0"), 0);
	CHECK_INT(pcapng_add_interface(w, 101, 65535, "wg0"), 1);
	CHECK_INT(pcapng_write_packet(w, &pkt), 0);
	CHECK_INT(pcapng_write_stats(w, &isb), 0);
	CHECK_INT(pcapng_close(w), 0);
	fclose(out);
	b = (const unsigned char *)buf;

	/* Section header: type, magic, version 1.0, shb_userappl. */
	CHECK_UINT(u32(b), 0x0A0D0D0Au);
	CHECK_UINT(u32(b + 8), 0x1A2B3C4Du);
	opt = find_option(b + 24, b + u32(b + 4) - 4, 4, &len);
	CHECK(opt && len == 13 && memcmp(opt, "nethound test", 13) == 0);
	off = u32(b + 4);
	/* Two interfaces, each named, each in nanoseconds. */
	CHECK_UINT(u32(b + off), 1);
	CHECK_UINT(b[off + 8], 1);
	opt = find_option(b + off + 16, b + off + u32(b + off + 4) - 4, 2, &len);
	CHECK(opt && len == 5 && memcmp(opt, "veth0", 5) == 0);
	opt = find_option(b + off + 16, b + off + u32(b + off + 4) - 4, 9, &len);
	CHECK(opt && len == 1 && *opt == 9);
	off += u32(b + off + 4);
	CHECK_UINT(b[off + 8], 101);
	off += u32(b + off + 4);
	/* The packet: timestamp in two halves, lengths, data padded, then its options. */
	CHECK_UINT(u32(b + off), 6);
	CHECK_UINT(((uint64_t)u32(b + off + 12) << 32) | u32(b + off + 16), pkt.ts_ns);
	CHECK_UINT(u32(b + off + 20), 5);
	CHECK_UINT(u32(b + off + 24), 60);
	CHECK(memcmp(b + off + 28, frame, 5) == 0);
	CHECK_UINT(u32(b + off + 4) % 4, 0);
	{
		const unsigned char *opts = b + off + 28 + 8, *end = b + off + u32(b + off + 4) - 4;

		opt = find_option(opts, end, 1, &len);
		CHECK(opt && len == 13 && memcmp(opt, "pid=42 comm=x", 13) == 0);
		opt = find_option(opts, end, 2, &len);
		CHECK(opt && len == 4 && u32(opt) == PCAPNG_OUTBOUND);
		opt = find_option(opts, end, 8, &len);
		CHECK(opt && len == 8 && u32(opt) == 42 && u32(opt + 4) == 0);
	}
	CHECK_UINT(u32(b + off + u32(b + off + 4) - 4), u32(b + off + 4));
	off += u32(b + off + 4);
	/* The statistics: isb_ifdrop. */
	CHECK_UINT(u32(b + off), 5);
	opt = find_option(b + off + 20, b + off + u32(b + off + 4) - 4, 5, &len);
	CHECK(opt && len == 8 && u32(opt) == 7);
	off += u32(b + off + 4);
	CHECK_UINT(off, size);
	free(buf);
}

static void test_label_escapes_hostile_names(void)
{
	struct captured_packet pkt = {.pid = 4242, .uid = 1000, .cgroup_id = 77};
	struct process_identity id = {.exe = "/tmp/a b", .unit = "x=y.service"};
	char label[PACKET_LABEL_MAX], words[PACKET_LABEL_MAX];

	memcpy(pkt.comm, "a b=c\\\x1b\xff\"", 10);
	packet_label_identity(words, sizeof(words), &id);
	CHECK_STR(words, " exe=/tmp/a\\x20b unit=x\\x3dy.service");
	packet_label(label, sizeof(label), &pkt, words);
	CHECK_STR(label, "pid=4242 comm=a\\x20b\\x3dc\\x5c\\x1b\\xff\\x22 uid=1000 cgroup=77 "
			 "exe=/tmp/a\\x20b unit=x\\x3dy.service");
	pkt.pid = 0;
	packet_label(label, sizeof(label), &pkt, NULL);
	CHECK_STR(label, "pid=0 unattributed");
	/* A small buffer cuts between escapes, never inside one. */
	pkt.pid = 1;
	packet_label(label, 20, &pkt, NULL);
	CHECK_STR(label, "pid=1 comm=a\\x20b");
}

static void test_text_log_lines(void)
{
	/* Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, TCP 40000 -> 80. */
	uint8_t frame[54] = {[12] = 0x08, [13] = 0x00, [14] = 0x45, [16] = 0,  [17] = 40,
			     [23] = 6,	  [26] = 10,   [29] = 1,    [30] = 10, [33] = 2,
			     [34] = 0x9c, [35] = 0x40, [36] = 0,    [37] = 80, [46] = 0x50};
	struct captured_packet pkt = {.link = PACKET_LINK_ETHERNET,
				      .ts_ns = 1700000000000000001ull,
				      .len = 54,
				      .caplen = 54,
				      .data = frame};
	uint8_t v6[54 + 20] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60, [20] = 17,   [37] = 1,
			       [53] = 2,    [54] = 0x00, [55] = 53,   [56] = 0x13, [57] = 0x88};
	uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	text_log_header(out);
	text_log_line(out, 1, &pkt, "pid=0 unattributed");
	pkt.data = v6;
	pkt.caplen = pkt.len = sizeof(v6);
	text_log_line(out, 2, &pkt, "pid=7 comm=dig uid=0 cgroup=1");
	pkt.data = arp;
	pkt.caplen = pkt.len = sizeof(arp);
	text_log_line(out, 3, &pkt, "pid=0 unattributed");
	/* Raw IP (tun, WireGuard): the first byte is the IP header. */
	pkt.link = PACKET_LINK_RAW;
	pkt.data = frame + 14;
	pkt.caplen = pkt.len = 40;
	text_log_line(out, 4, &pkt, "pid=0 unattributed");
	fclose(out);
	CHECK_STR(buf,
		  "# frame time source destination protocol length process\n"
		  "1 2023-11-14T22:13:20.000000001Z 10.0.0.1:40000 10.0.0.2:80 TCP 54 "
		  "pid=0 unattributed\n"
		  "2 2023-11-14T22:13:20.000000001Z [::1]:53 [::2]:5000 UDP 74 "
		  "pid=7 comm=dig uid=0 cgroup=1\n"
		  "3 2023-11-14T22:13:20.000000001Z 02:00:00:00:00:01 ff:ff:ff:ff:ff:ff ARP 42 "
		  "pid=0 unattributed\n"
		  "4 2023-11-14T22:13:20.000000001Z 10.0.0.1:40000 10.0.0.2:80 TCP 40 "
		  "pid=0 unattributed\n");
	free(buf);
}

static void test_capture_options(void)
{
	struct options o;
	char err[512];

	CHECK_INT(cli_parse(ARGS("capture", "-w", "out.pcapng", "--text", "-", "--snaplen", "96",
				 "--duration", "2.5", "--proto", "UDP", "--port", "53",
				 "--ring-size", "64K", "--count", "10", "--pid", "7", "-i", "lo"),
			    &o, err, sizeof(err)),
		  NH_EXIT_OK);
	CHECK_INT(o.command, CMD_CAPTURE);
	CHECK_STR(o.capture_file, "out.pcapng");
	CHECK_STR(o.capture_text, "-");
	CHECK_UINT(o.snaplen, 96);
	CHECK_DOUBLE(o.capture_duration, 2.5, 0);
	CHECK_UINT(o.capture_proto, 17);
	CHECK_UINT(o.capture_port, 53);
	CHECK_UINT(o.ring_size, 65536);
	CHECK_UINT(o.count, 10);
	CHECK_INT(cli_parse(ARGS("capture", "-w", "x"), &o, err, sizeof(err)), NH_EXIT_OK);
	CHECK_UINT(o.snaplen, 131072);
	CHECK_UINT(o.ring_size, 16u << 20);
	CHECK_INT(
	    cli_parse(ARGS("capture", "-w", "log.txt", "--format", "text"), &o, err, sizeof(err)),
	    NH_EXIT_OK);
	CHECK(o.capture_file == NULL);
	CHECK_STR(o.capture_text, "log.txt");
	CHECK_INT(cli_parse(ARGS("capture", "-w", "x", "--format", "json"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_CONTAINS(err, "only 'text'");
	CHECK_INT(cli_parse(ARGS("capture", "--ring-size", "3M"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_CONTAINS(err, "power of two");
	CHECK_INT(cli_parse(ARGS("capture", "--snaplen", "131073"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_INT(cli_parse(ARGS("capture", "--proto", "256"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_INT(cli_parse(ARGS("dump", "--snaplen", "10"), &o, err, sizeof(err)), NH_EXIT_USAGE);
	CHECK_CONTAINS(err, "--snaplen does not apply to this command");
	CHECK_INT(cli_parse(ARGS("record", "-w", "x"), &o, err, sizeof(err)), NH_EXIT_USAGE);
	CHECK_INT(cli_parse(ARGS("capture", "-w", "x", "--threshold", "1M"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_INT(cli_parse(ARGS("record", "--capture-on-alert", "/var/tmp/caps",
				 "--capture-seconds", "30", "--capture-max-bytes", "1M",
				 "--ring-size", "1M"),
			    &o, err, sizeof(err)),
		  NH_EXIT_OK);
	CHECK_STR(o.capture_on_alert, "/var/tmp/caps");
	CHECK_DOUBLE(o.capture_seconds, 30, 0);
	CHECK_UINT(o.capture_max_bytes, 1u << 20);
	CHECK_INT(cli_parse(ARGS("record", "--capture-on-alert", "d"), &o, err, sizeof(err)),
		  NH_EXIT_OK);
	CHECK_DOUBLE(o.capture_seconds, 10, 0);
	CHECK_UINT(o.capture_max_bytes, 10u << 20);
	CHECK_INT(cli_parse(ARGS("record", "--capture-seconds", "0"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_INT(cli_parse(ARGS("dump", "--capture-on-alert", "d"), &o, err, sizeof(err)),
		  NH_EXIT_USAGE);
	CHECK_CONTAINS(err, "--capture-on-alert does not apply to this command");
}

int main(void)
{
	test_pcapng_blocks();
	test_label_escapes_hostile_names();
	test_text_log_lines();
	test_capture_options();
	return check_finish("test_capture");
}
