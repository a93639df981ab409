/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The option set and its values: bounds, units, name tables and one validating
 * setter per setting. The command line (cli.c) and the configuration file
 * (config.c) both set values only through here, so a bound or a name is
 * written once and a bad value gets the same message wherever it came from.
 */
#ifndef NETHOUND_SETTINGS_H
#define NETHOUND_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "alerts/alerts.h"
#include "kernel/tiers.h"
#include "report/report.h"

enum command {
	CMD_TOP = 0, /* no command given: the live view on a terminal, else a snapshot per interval */
	CMD_DUMP,
	CMD_HELP,
	CMD_VERSION,
	CMD_RECORD, /* headless: log and alert until SIGINT/SIGTERM */
	CMD_REPORT, /* read the history database; no root needed */
	CMD_INTERFACES, /* list the interfaces and their TC hooks; loads nothing */
	CMD_CAPTURE, /* packets to pcapng or a text log, with their processes */
};

enum output_format {
	OUTPUT_AUTO = 0, /* JSON unless stdout is a terminal */
	OUTPUT_JSON,
	OUTPUT_TABLE,
};

#define CLI_MAX_FILTERS 64

struct options {
	enum command command;
	enum hook_tier hooks;
	enum output_format format;
	double interval;  /* seconds between samples */
	uint64_t count;   /* documents to print; 0 = until interrupted */
	bool count_set;
	bool verbose;
	const char *btf_path; /* NULL: /sys/kernel/btf/vmlinux */
	int npids;
	uint32_t pids[CLI_MAX_FILTERS];
	int ncomms;
	const char *comms[CLI_MAX_FILTERS];
	/* By identity (README, "Identity"). */
	size_t nusers;
	const char *users[CLI_MAX_FILTERS];
	size_t nunits;
	const char *units[CLI_MAX_FILTERS];
	size_t ncontainers;
	const char *containers[CLI_MAX_FILTERS];
	enum tc_mode tc;
	size_t nifaces; /* -i: only these interfaces; none = every interface that is up */
	const char *ifaces[CLI_MAX_FILTERS];
	bool no_rdns; /* -n: show addresses, never look up host names */

	/* History and alerts (record, the live view); a config file may set these. */
	const char *config_path; /* --config; NULL: /etc/nethound.conf if it exists */
	const char *db_path;     /* --db; NULL: STORE_DEFAULT_PATH */
	bool no_db;              /* --no-db: the live view logs nothing */
	unsigned retention_days; /* per-second rows kept this long; 0 = for good */
	bool db_trust_owner;     /* db_trust_owner: root uses a database others own or may write */
	unsigned history_rows_per_tick;  /* traffic_log rows per tick, then "(other)"; 0 = no cap */
	unsigned history_names_per_hour; /* rollup keys per hour, then "(other)"; 0 = no cap */
	uint64_t history_min_free;       /* bytes free under which writing pauses; 0 = off */
	struct alert_config alerts;
	const char *alert_exec; /* run for each alert event, without a shell */
	const char *alert_exec_user; /* --alert-exec-user; NULL: nobody */
	double alert_exec_timeout;   /* --alert-exec-timeout, seconds; 0: the default (10) */

	/* Metrics (record, the live view): --listen, --metrics-max-series. */
	bool listen_set; /* false: no HTTP listener */
	struct sockaddr_storage listen_addr;
	socklen_t listen_addrlen;
	uint64_t metrics_max_series;
	bool web_read_only; /* --web-read-only: the dashboard has no control endpoint */
	const char *web_auth_path; /* --web-auth: USER:HASH for basic auth; NULL: none */

	/* capture */
	const char *capture_file; /* -w: pcapng, "-" for stdout; NULL: none */
	const char *capture_text; /* --text: the packet log, "-" for stdout; NULL: none */
	uint32_t snaplen;         /* bytes of each packet kept */
	double capture_duration;  /* seconds; 0: until stopped */
	uint8_t capture_proto;    /* IPPROTO_*; 0: any */
	uint16_t capture_port;    /* 0: any */
	uint64_t ring_size;       /* bytes of the capture ring buffer */
	const char *capture_on_alert; /* record: a directory for captures on alert; NULL: off */
	double capture_seconds;       /* each capture on alert's length */
	uint64_t capture_max_bytes;   /* each capture on alert's file size, at most */

	/* report */
	const char *report_date; /* YYYY-MM-DD, local time; default today */
	const char *report_from; /* YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time */
	const char *report_to;   /* exclusive */
	enum report_format report_format;
	unsigned report_top; /* processes listed; default 10 */
	enum report_by report_by; /* --by */
};

/* The bounds of every numeric setting. */
#define SETTINGS_SNAPLEN_MAX 131072 /* NH_CAPTURE_SNAP_MAX: a 64 KiB GSO packet and headers */
#define SETTINGS_CAPTURE_SECONDS_MAX 31536000.0 /* a year */
#define SETTINGS_RING_DEFAULT (16u << 20)
#define SETTINGS_RING_MIN 4096u    /* one page */
#define SETTINGS_RING_MAX (1u << 30)
#define SETTINGS_CAPTURE_SECONDS_DEFAULT 10.0
#define SETTINGS_CAPTURE_ON_ALERT_SECONDS_MAX 3600.0
#define SETTINGS_CAPTURE_MAX_BYTES_DEFAULT (10u << 20)
#define SETTINGS_INTERVAL_MIN 0.1 /* seconds; also the alert window's */
#define SETTINGS_INTERVAL_MAX 3600.0
#define SETTINGS_HOLD_MAX 86400.0 /* seconds an alert stays after its rate drops */
#define SETTINGS_EXEC_TIMEOUT_MIN 0.1 /* seconds an --alert-exec command may run */
#define SETTINGS_EXEC_TIMEOUT_MAX 3600.0
#define SETTINGS_RETENTION_DAYS_MAX 36500
/* The history's caps (README, "History and alerts"); the store's defaults. */
#define SETTINGS_HISTORY_ROWS_DEFAULT 4000
#define SETTINGS_HISTORY_NAMES_DEFAULT 2000
#define SETTINGS_HISTORY_CAP_MAX 10000000
#define SETTINGS_HISTORY_MIN_FREE_DEFAULT (64ULL << 20)
#define SETTINGS_COUNT_MAX UINT32_MAX
#define SETTINGS_PID_MAX 4194304 /* PID_MAX_LIMIT */
#define SETTINGS_COMM_MAX 15     /* bytes: TASK_COMM_LEN without its NUL */
#define SETTINGS_NAME_MAX 255    /* bytes of a user, unit or container name: NAME_MAX */
#define SETTINGS_TOP_MAX 100000
/* The metrics port when --listen gives only an address (see the README: not a Prometheus
 * exporter's allocated port). */
#define SETTINGS_METRICS_PORT 9077
#define SETTINGS_METRICS_SERIES_DEFAULT 1000
#define SETTINGS_METRICS_SERIES_MAX 1000000
/* 1 EiB/s: far past any link, so bigger is a typo; and every value up to it fits a uint64_t. */
#define SETTINGS_RATE_MAX 1152921504606846976.0

/* The defaults every run starts from, before the configuration file and flags. */
void settings_defaults(struct options *opts);

/*
 * "1024K", "1M", "2.5MiB/s", "500000", "100Mbit/s"; "off" and "0" give 0.
 * Byte units are binary (K = 1024), bit units decimal (Mbit = 10^6 bits).
 * Returns 0 or -1.
 */
int settings_parse_rate(const char *s, double *bytes_per_second);

/* "500M", "2G", "1TiB", "4096"; "off" gives 0. Binary units. Returns 0 or -1. */
int settings_parse_size(const char *s, uint64_t *bytes);

/* A plain decimal number of seconds ("0.5", "10", "1e1") from min to max. Returns 0 or -1. */
int settings_parse_seconds(const char *s, double min, double max, double *out);

/* Decimal digits only, from min to max. Returns 0 or -1. */
int settings_parse_whole(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * A value as a message quotes it: bytes a terminal would act on become '?'
 * (text_printable), and a long value is cut, at a character, with "...".
 * Returns buf.
 */
#define SETTINGS_QUOTED_MAX 80
const char *settings_quote(char *buf, size_t size, const char *value, size_t len);

/*
 * A setter validates a value and stores it in opts: 0, or -1 with why the
 * value is wrong in why ("'fast' is not a rate (e.g. ...)"), for the caller to
 * prefix with where the value came from ("--threshold: ", "file:3: threshold: ").
 * Strings are stored as the pointer given, so value must outlive opts.
 */
typedef int settings_setter(struct options *opts, const char *value, char *why, size_t whylen);

settings_setter settings_set_interval;
settings_setter settings_set_hooks;
settings_setter settings_set_tc;
settings_setter settings_add_interface; /* one name, appended */
settings_setter settings_set_retention;
settings_setter settings_set_history_rows_per_tick;
settings_setter settings_set_history_names_per_hour;
settings_setter settings_set_history_min_free;
settings_setter settings_set_threshold;
settings_setter settings_set_total_threshold;
settings_setter settings_set_interface_threshold;
settings_setter settings_set_unit_threshold;      /* --threshold-unit, threshold_unit */
settings_setter settings_set_container_threshold; /* --threshold-container, ... */
settings_setter settings_set_daily_quota;
settings_setter settings_set_window;
settings_setter settings_set_alert_hold;
settings_setter settings_set_alert_exec_timeout;
settings_setter settings_set_count;
settings_setter settings_add_pid;
settings_setter settings_add_comm;
settings_setter settings_add_user;      /* a user name or a uid */
settings_setter settings_add_unit;      /* a systemd unit name */
settings_setter settings_add_container; /* a container name or id */
settings_setter settings_set_report_format;
settings_setter settings_set_report_top;
settings_setter settings_set_listen; /* PORT, ADDR:PORT, [ADDR6]:PORT, ADDR, on, off */
settings_setter settings_set_metrics_max_series;
settings_setter settings_set_report_by;
settings_setter settings_set_snaplen;
settings_setter settings_set_capture_duration;
settings_setter settings_set_capture_proto; /* tcp, udp, icmp, icmpv6 or a number */
settings_setter settings_set_capture_port;
settings_setter settings_set_ring_size;
settings_setter settings_set_capture_seconds;   /* record --capture-seconds */
settings_setter settings_set_capture_max_bytes; /* record --capture-max-bytes */     /* a size, a power of two from 4K to 1G */

#endif
