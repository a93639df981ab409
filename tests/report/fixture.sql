-- Two days of history (UTC) as nethound record leaves it, for test_report.
--
-- Session 1 ran from 2026-11-19 07:58 and crashed at 16:41 (its end time is
-- its last flush); session 2 started at 17:02 and is still running at the
-- test's "now", 2026-11-20 23:30:00 UTC. In between: a browser all day, a big
-- curl download, apt, a nightly upload by a process of user mallory that
-- calls itself sshd (kept apart from the real sshd: rollups are keyed by
-- name, user, unit and container), a process with a hostile name in a
-- container that uploads 1.3 GiB at night, a process with a non-ASCII name,
-- and the alerts all that raised.
--
-- Reports read the rollups only; traffic_log holds a few sample rows that
-- deliberately do not add up to them, so a report that summed traffic_log
-- would show different numbers.
BEGIN;

INSERT INTO sessions (id, start_time, end_time, status, mode, hooks, tc, host, kernel,
		      nethound_pid, last_flush)
VALUES (1, '2026-11-19 07:58:12', '2026-11-19 16:41:07', 'crashed', 'record', 'fentry', 'tcx',
	'build-07', '6.1.0-27-amd64', 812, '2026-11-19 16:41:07'),
       (2, '2026-11-19 17:02:44', NULL, 'running', 'record', 'fentry', 'tcx',
	'build-07', '6.1.0-27-amd64', 1377, '2026-11-20 23:29:58');

-- Every hour either session was running: 2026-11-19 07:00 to 2026-11-20 23:00.
CREATE TEMP TABLE hours AS
WITH RECURSIVE h(hour) AS (
	SELECT '2026-11-19 07:00:00'
	UNION ALL
	SELECT datetime(hour, '+1 hour') FROM h WHERE hour < '2026-11-20 23:00:00'
)
SELECT hour, CAST(strftime('%H', hour) AS INTEGER) AS hod FROM h;

-- Payload bytes per process and hour; wire bytes are derived below.
CREATE TEMP TABLE payload (hour TEXT, process_name TEXT, up INTEGER, down INTEGER,
	user TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '',
	container TEXT NOT NULL DEFAULT '');

-- An ssh login and the resolver, every hour.
INSERT INTO payload SELECT hour, 'sshd', 180000 + 1000 * hod, 60000 + 500 * hod, 'root',
	'ssh.service', '' FROM hours;
INSERT INTO payload SELECT hour, 'systemd-resolve', 24000 + 100 * hod, 51000 + 300 * hod,
	'systemd-resolve', 'systemd-resolved.service', '' FROM hours;
-- The browser from 08:00 to 22:59, busier towards the evening.
INSERT INTO payload SELECT hour, 'firefox', (52428800 + 3145728 * hod) / 16,
	52428800 + 3145728 * hod, 'alice', 'user@1000.service', ''
FROM hours WHERE hod BETWEEN 8 AND 22;
-- A music player with a non-ASCII (valid UTF-8) name, on the second day's working hours.
INSERT INTO payload SELECT hour, 'caf' || CAST(X'C3A9' AS TEXT), 1048576 + 4096 * hod, 31457280,
	'alice', 'user@1000.service', '' FROM hours WHERE hour >= '2026-11-20' AND hod BETWEEN 9 AND 17;
-- One-off jobs.
-- A process of nobody known: what a database from before identity holds.
INSERT INTO payload (hour, process_name, up, down) VALUES
	('2026-11-19 14:00:00', 'curl', 1048576, 1610612736),
	('2026-11-19 15:00:00', 'curl', 131072, 104857600);
INSERT INTO payload VALUES
	('2026-11-20 02:00:00', 'sshd', 209715200, 1048576, 'mallory', 'session-7.scope', ''),
	('2026-11-20 06:00:00', 'apt', 2097152, 367001600, 'root', 'apt-daily-upgrade.service', '');
-- A name that a spreadsheet would run as a formula, with a quote, a comma, a
-- backslash, a newline and a byte that is not UTF-8 (comm is any bytes but
-- NUL): =ev"il,\<LF><ESC>]0;x<BEL><U+009B, 8-bit CSI>v2<FF>.
-- It runs in a container whose name is just as hostile.
INSERT INTO payload VALUES
	('2026-11-20 03:00:00', '=ev"il,\' || char(10) || char(27) || ']0;x' || char(7) || CAST(X'C29B' AS TEXT) || 'v2' || CAST(X'FF' AS TEXT),
	 734003200, 5242880, 'www-data', 'docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
	 '@web' || char(9) || '"1"'),
	('2026-11-20 04:00:00', '=ev"il,\' || char(10) || char(27) || ']0;x' || char(7) || CAST(X'C29B' AS TEXT) || 'v2' || CAST(X'FF' AS TEXT),
	 629145600, 4194304, 'www-data', 'docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope',
	 '@web' || char(9) || '"1"');

-- On the wire: 4 % headers plus some ACKs and handshakes per hour.
INSERT INTO traffic_hourly (hour, process_name, upload_bytes, download_bytes, wire_upload_bytes,
			    wire_download_bytes, user, unit, container)
SELECT hour, process_name, up, down, up + up / 25 + 6400, down + down / 25 + 5200, user, unit,
	container FROM payload;

INSERT INTO traffic_daily (day, process_name, upload_bytes, download_bytes, wire_upload_bytes,
			   wire_download_bytes, user, unit, container)
SELECT substr(hour, 1, 10), process_name, sum(upload_bytes), sum(download_bytes),
	sum(wire_upload_bytes), sum(wire_download_bytes), user, unit, container
FROM traffic_hourly GROUP BY 1, 2, 7, 8, 9;

-- Wire bytes per protocol class: the browser splits HTTPS/QUIC, the rest by
-- what they speak; NTP has no process (the kernel's own traffic).
INSERT INTO protocol_hourly
SELECT hour, protocol, sum(up), sum(down) FROM (
	SELECT hour, 'HTTPS' AS protocol, wire_upload_bytes * 3 / 4 AS up,
		wire_download_bytes * 3 / 4 AS down
	FROM traffic_hourly WHERE process_name = 'firefox'
	UNION ALL
	SELECT hour, 'QUIC', wire_upload_bytes - wire_upload_bytes * 3 / 4,
		wire_download_bytes - wire_download_bytes * 3 / 4
	FROM traffic_hourly WHERE process_name = 'firefox'
	UNION ALL
	SELECT hour, CASE process_name
			WHEN 'curl' THEN 'HTTPS'
			WHEN 'apt' THEN 'HTTP'
			WHEN 'sshd' THEN 'SSH'
			WHEN 'systemd-resolve' THEN 'DNS'
			WHEN 'caf' || CAST(X'C3A9' AS TEXT) THEN 'UDP'
			ELSE 'TCP'
		END,
		wire_upload_bytes, wire_download_bytes
	FROM traffic_hourly WHERE process_name <> 'firefox'
) GROUP BY hour, protocol;
INSERT INTO protocol_hourly VALUES
	('2026-11-19 08:00:00', 'NTP', 90, 90),
	('2026-11-20 08:00:00', 'NTP', 90, 90);

-- Session totals are what each session flushed: its hours of the rollup.
UPDATE sessions SET
	total_upload = (SELECT sum(upload_bytes) FROM traffic_hourly WHERE hour < '2026-11-19 17:00:00'),
	total_download = (SELECT sum(download_bytes) FROM traffic_hourly WHERE hour < '2026-11-19 17:00:00'),
	wire_upload = (SELECT sum(wire_upload_bytes) FROM traffic_hourly WHERE hour < '2026-11-19 17:00:00'),
	wire_download = (SELECT sum(wire_download_bytes) FROM traffic_hourly WHERE hour < '2026-11-19 17:00:00')
WHERE id = 1;
UPDATE sessions SET
	total_upload = (SELECT sum(upload_bytes) FROM traffic_hourly WHERE hour >= '2026-11-19 17:00:00'),
	total_download = (SELECT sum(download_bytes) FROM traffic_hourly WHERE hour >= '2026-11-19 17:00:00'),
	wire_upload = (SELECT sum(wire_upload_bytes) FROM traffic_hourly WHERE hour >= '2026-11-19 17:00:00'),
	wire_download = (SELECT sum(wire_download_bytes) FROM traffic_hourly WHERE hour >= '2026-11-19 17:00:00')
WHERE id = 2;

INSERT INTO alerts (timestamp, pid, process_name, alert_type, bandwidth_value, threshold,
		    session_id, state, direction, interface)
VALUES
	('2026-11-19 08:00:14', NULL, NULL, 'interface_rate', 15728640.0, 10485760.0, 1, 'raised', 'download', 'eth0'),
	('2026-11-19 08:00:31', NULL, NULL, 'interface_rate', 7340032.0, 10485760.0, 1, 'cleared', 'download', 'eth0'),
	('2026-11-19 14:02:37', 4242, 'curl', 'process_rate', 52428800.0, 1048576.0, 1, 'raised', 'download', NULL),
	('2026-11-19 14:02:38', NULL, NULL, 'total_rate', 53477376.0, 20971520.0, 1, 'raised', 'download', NULL),
	('2026-11-19 14:21:09', NULL, 'curl', 'daily_quota', 1074790400.0, 1073741824.0, 1, 'raised', NULL, NULL),
	('2026-11-19 14:35:50', 4242, 'curl', 'process_rate', 0.0, 1048576.0, 1, 'cleared', 'download', NULL),
	('2026-11-19 14:35:51', NULL, NULL, 'total_rate', 1048576.0, 20971520.0, 1, 'cleared', 'download', NULL),
	('2026-11-20 03:00:41', 31337, '=ev"il,\' || char(10) || char(27) || ']0;x' || char(7) || CAST(X'C29B' AS TEXT) || 'v2' || CAST(X'FF' AS TEXT),
	 'process_rate', 204472320.0, 1048576.0, 2, 'raised', 'upload', NULL),
	('2026-11-20 04:27:16', NULL, '=ev"il,\' || char(10) || char(27) || ']0;x' || char(7) || CAST(X'C29B' AS TEXT) || 'v2' || CAST(X'FF' AS TEXT),
	 'daily_quota', 1073807360.0, 1073741824.0, 2, 'raised', NULL, NULL),
	('2026-11-20 04:58:02', 31337, '=ev"il,\' || char(10) || char(27) || ']0;x' || char(7) || CAST(X'C29B' AS TEXT) || 'v2' || CAST(X'FF' AS TEXT),
	 'process_rate', 0.0, 1048576.0, 2, 'cleared', 'upload', NULL);

-- The hostile upload's unit and container over --threshold-unit and --threshold-container.
INSERT INTO alerts (timestamp, pid, process_name, alert_type, bandwidth_value, threshold,
		    session_id, state, direction, interface, unit, container)
VALUES
	('2026-11-20 03:00:42', NULL, NULL, 'unit_rate', 204472320.0, 104857600.0, 2, 'raised',
	 'upload', NULL, 'docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope', NULL),
	('2026-11-20 03:00:42', NULL, NULL, 'container_rate', 204472320.0, 104857600.0, 2, 'raised',
	 'upload', NULL, NULL, '@web' || char(9) || '"1"');

INSERT INTO interface_log VALUES
	('2026-11-19 14:02:37', 'eth0', 1093120, 53687091, 4096, 81920, 1),
	('2026-11-20 03:00:41', 'eth0', 212860928, 1572864, 2048, 40960, 2),
	('2026-11-20 23:29:58', 'eth0', 2150400, 24117248, 1024, 16384, 2),
	('2026-11-20 23:29:58', 'wlan0', 0, 1200, 0, 1200, 2);

INSERT INTO traffic_log (timestamp, pid, process_name, upload_bytes, download_bytes, upload_rate,
			 download_rate, protocols, session_id, uid, cgroup_id, wire_upload_bytes,
			 wire_download_bytes)
VALUES
	('2026-11-20 23:29:57', 2210, 'firefox', 131072, 2097152, 131072.0, 2097152.0, 'TCP,UDP,HTTPS,QUIC', 2, 1000, 8812, 136704, 2183168),
	('2026-11-20 23:29:57', 903, 'sshd', 312, 96, 312.0, 96.0, 'TCP,SSH', 2, 0, 4411, 364, 148),
	('2026-11-20 23:29:58', 2210, 'firefox', 65536, 1048576, 65536.0, 1048576.0, 'TCP,UDP,HTTPS,QUIC', 2, 1000, 8812, 68544, 1091584),
	('2026-11-20 23:29:58', 611, 'systemd-resolve', 84, 212, 84.0, 212.0, 'UDP,DNS', 2, 991, 2207, 112, 240);

COMMIT;
