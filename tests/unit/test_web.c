// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* web_check.c: which requests the dashboard answers and which controls it takes. */
#include "check.h"
#include "sinks/web/web_check.h"

static void test_host(void)
{
	CHECK(web_host_is_literal("127.0.0.1"));
	CHECK(web_host_is_literal("127.0.0.1:9077"));
	CHECK(web_host_is_literal("localhost:9077"));
	CHECK(web_host_is_literal("LOCALHOST"));
	CHECK(web_host_is_literal("[::1]:9077"));
	CHECK(web_host_is_literal("[::1]"));
	CHECK(web_host_is_literal("192.0.2.7:80"));
	/* Names an attacker may point at 127.0.0.1 (DNS rebinding). */
	CHECK(!web_host_is_literal("evil.example:9077"));
	CHECK(!web_host_is_literal("localhost.evil.example"));
	CHECK(!web_host_is_literal("127.0.0.1.nip.io"));
	CHECK(!web_host_is_literal("[::1"));
	CHECK(!web_host_is_literal("[::1]x"));
	CHECK(!web_host_is_literal("[evil.example]:1"));
	CHECK(!web_host_is_literal(""));
	CHECK(!web_host_is_literal(NULL));
	CHECK(
	    !web_host_is_literal("1111111111111111111111111111111111111111111111111111111111111111"
				 "1111:80"));
}

static void test_secret(void)
{
	CHECK(web_secret_equal("abc123", "abc123"));
	CHECK(!web_secret_equal("abc123", "abc124"));
	CHECK(!web_secret_equal("abc123", "abc12"));
	CHECK(!web_secret_equal("abc123", "abc1234"));
	CHECK(!web_secret_equal("abc123", ""));
	CHECK(!web_secret_equal("abc123", NULL));
}

static void test_origin(void)
{
	/* curl: no Origin, no Sec-Fetch-Site. */
	CHECK(web_same_origin(NULL, NULL, "127.0.0.1:9077"));
	CHECK(web_same_origin("http://127.0.0.1:9077", "same-origin", "127.0.0.1:9077"));
	CHECK(web_same_origin("http://LOCALHOST:9077", NULL, "localhost:9077"));
	CHECK(web_same_origin(NULL, "same-origin", "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://evil.example", NULL, "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://127.0.0.1:9078", NULL, "127.0.0.1:9077"));
	CHECK(!web_same_origin("https://127.0.0.1:9077", NULL, "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://127.0.0.1:9077.evil", NULL, "127.0.0.1:9077"));
	CHECK(!web_same_origin("null", NULL, "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://127.0.0.1:9077", NULL, NULL));
	/* The browser says another site sent it, whatever Origin claims. */
	CHECK(!web_same_origin(NULL, "cross-site", "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://127.0.0.1:9077", "same-site", "127.0.0.1:9077"));
	CHECK(!web_same_origin("http://127.0.0.1:9077", "none", "127.0.0.1:9077"));
}

static void test_time(void)
{
	CHECK(web_plausible_time(NULL));
	CHECK(web_plausible_time("2026-12-01"));
	CHECK(web_plausible_time("2026-12-01 13:45"));
	CHECK(!web_plausible_time("2026-12-01T13:45"));
	CHECK(!web_plausible_time("<script>"));
	CHECK(!web_plausible_time("2026-12-01 13:45:00"));
	CHECK(!web_plausible_time("2026-12-01;DROP"));
}

static void test_threshold(void)
{
	double v = -1;

	CHECK(web_parse_threshold("0", &v) && v == 0);
	CHECK(web_parse_threshold("1048576", &v) && v == 1048576);
	CHECK(web_parse_threshold("2.5", &v) && v == 2.5);
	CHECK(web_parse_threshold("1e15", &v) && v == 1e15);
	v = 7;
	CHECK(!web_parse_threshold("1.1e15", &v) && v == 7);
	CHECK(!web_parse_threshold("-1", &v));
	CHECK(!web_parse_threshold("", &v));
	CHECK(!web_parse_threshold(NULL, &v));
	CHECK(!web_parse_threshold("abc", &v));
	CHECK(!web_parse_threshold("1M", &v));
	CHECK(!web_parse_threshold(" 5", &v));
	CHECK(!web_parse_threshold("inf", &v));
	CHECK(!web_parse_threshold("nan", &v));
	CHECK(!web_parse_threshold("0x10", &v));
	CHECK(!web_parse_threshold("1e", &v));
	CHECK(v == 7);
}

int main(void)
{
	test_host();
	test_secret();
	test_origin();
	test_time();
	test_threshold();
	return check_finish("test_web");
}
