/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_kiosk_link — the kiosk's ties to the outside (kiosk/link.c): the
 * display links it accepts and the sentence for those it does not, the
 * paths behind a reverse proxy's prefix, the wait between two attempts to
 * reach the server (doubling, capped, jittered), and the Wi-Fi QR code's
 * text with its escapes.
 *
 * Pure functions: nothing to set up or clean up.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "link.h"

static void parses_display_links(void **state)
{
	struct link l;
	char err[300], path[600];

	(void)state;
	assert_int_equal(link_parse("http://127.0.0.1:8080/j/Y7QVQQPwlo7F3itzCiq06g", &l, err,
				    sizeof err),
			 0);
	assert_false(l.tls);
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 8080);
	assert_string_equal(l.prefix, "");
	assert_string_equal(l.token, "Y7QVQQPwlo7F3itzCiq06g");
	assert_string_equal(l.host_header, "127.0.0.1:8080");
	assert_int_equal(link_path(&l, "/ws", path, sizeof path), 0);
	assert_string_equal(path, "/ws");
	assert_int_equal(link_origin(&l, path, sizeof path), 0);
	assert_string_equal(path, "http://127.0.0.1:8080");

	/* https, default port, a prefix, a trailing slash */
	assert_int_equal(link_parse("https://hop.example.org/plenum/j/abc-DEF_123/", &l, err,
				    sizeof err),
			 0);
	assert_true(l.tls);
	assert_int_equal(l.port, 443);
	assert_string_equal(l.host_header, "hop.example.org");
	assert_string_equal(l.prefix, "/plenum");
	assert_string_equal(l.token, "abc-DEF_123");
	assert_int_equal(link_path(&l, "/api/join", path, sizeof path), 0);
	assert_string_equal(path, "/plenum/api/join");

	/* IPv6 */
	assert_int_equal(link_parse("http://[fe80::1]:9000/j/tok", &l, err, sizeof err), 0);
	assert_string_equal(l.host, "fe80::1");
	assert_int_equal(l.port, 9000);
	assert_string_equal(l.host_header, "[fe80::1]:9000");
}

static void refuses_what_is_not_a_display_link(void **state)
{
	static const char *const bad[] = {
		"",
		"ftp://example.org/j/abc",
		"example.org/j/abc",
		"http:///j/abc",
		"http://example.org",
		"http://example.org/m/abcdefabcdef/screen",
		"http://example.org:0/j/abc",
		"http://example.org:70000/j/abc",
		"http://example.org/j/",
		"http://example.org/j/abc def",
		"http://example.org/j/abc\r\nX-Evil: 1",
		"http://user@example.org/j/abc",
		"http://[::1/j/abc",
		"http://example.org/j/abc/more",
	};
	struct link l;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (link_parse(bad[i], &l, err, sizeof err) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		/* a sentence for a person, ending with a full stop */
		assert_true(strlen(err) > 10);
		assert_int_equal(err[strlen(err) - 1], '.');
	}
	assert_int_equal(link_parse(NULL, &l, err, sizeof err), -EINVAL);
}

static void backoff_doubles_and_is_capped(void **state)
{
	(void)state;
	/* rnd in the middle of its range: no jitter */
	assert_int_equal(link_backoff_ms(0, 0x80000000u), 250);
	assert_int_equal(link_backoff_ms(1, 0x80000000u), 500);
	assert_int_equal(link_backoff_ms(2, 0x80000000u), 1000);
	assert_int_equal(link_backoff_ms(4, 0x80000000u), 4000);
	assert_int_equal(link_backoff_ms(5, 0x80000000u), 8000);
	assert_int_equal(link_backoff_ms(30, 0x80000000u), 8000);
	assert_int_equal(link_backoff_ms(-3, 0x80000000u), 250);
	/* the jitter: 0.8 .. 1.2, never past the cap */
	assert_int_equal(link_backoff_ms(0, 0), 200);
	assert_true(link_backoff_ms(0, 0xffffffffu) >= 299 && link_backoff_ms(0, 0xffffffffu) <= 300);
	for (unsigned r = 0; r < 0xffffffffu - 0x01000000u; r += 0x01000000u) {
		unsigned ms = link_backoff_ms(40, r);

		assert_true(ms >= 6400 && ms <= LINK_BACKOFF_MAX_MS);
	}
}

static void wifi_text_is_escaped(void **state)
{
	char buf[200];

	(void)state;
	assert_int_equal(link_wifi_text("Phòng họp A", "matkhau123", buf, sizeof buf), 0);
	assert_string_equal(buf, "WIFI:T:WPA;S:Phòng họp A;P:matkhau123;;");
	/* \ ; , : " are escaped with a backslash */
	assert_int_equal(link_wifi_text("a;b,c", "p:q\"r\\s", buf, sizeof buf), 0);
	assert_string_equal(buf, "WIFI:T:WPA;S:a\\;b\\,c;P:p\\:q\\\"r\\\\s;;");
	/* an open network */
	assert_int_equal(link_wifi_text("Guest", NULL, buf, sizeof buf), 0);
	assert_string_equal(buf, "WIFI:T:nopass;S:Guest;;");
	assert_int_equal(link_wifi_text("Guest", "", buf, sizeof buf), 0);
	assert_string_equal(buf, "WIFI:T:nopass;S:Guest;;");
	assert_int_equal(link_wifi_text("", "x", buf, sizeof buf), -EINVAL);
	assert_int_equal(link_wifi_text("Guest", "password", buf, 10), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_display_links),
		cmocka_unit_test(refuses_what_is_not_a_display_link),
		cmocka_unit_test(backoff_doubles_and_is_capped),
		cmocka_unit_test(wifi_text_is_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
