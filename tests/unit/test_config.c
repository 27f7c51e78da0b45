/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_config — the server's options (config.c): defaults, config_set() for
 * every kind of value, the environment, config files with line numbers in
 * their errors, and the public URL derived from the listen address.
 *
 * Tests that write a config file do so in their own temporary directory;
 * every PLENUM_<KEY> variable is cleared before each test.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "config.h"

static const char *env_names[] = {
	"PLENUM_DATA", "PLENUM_LISTEN", "PLENUM_PUBLIC_URL", "PLENUM_WEB_ROOT",
	"PLENUM_MAX_UPLOAD", "PLENUM_RENDER_WORKERS", "PLENUM_RENDER_TIMEOUT",
	"PLENUM_MAX_CONNECTIONS", "PLENUM_CACHE_MAX",
};

struct fixture {
	char dir[64];
	struct config c;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
		unsetenv(env_names[i]);
	tmpdir_new(f->dir, sizeof f->dir, "config");
	config_init(&f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_free(&f->c);
	for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
		unsetenv(env_names[i]);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Writes `text` to <dir>/plenum.conf; the path goes to `path`. */
static void write_conf(struct fixture *f, const char *text, char path[128])
{
	snprintf(path, 128, "%s/plenum.conf", f->dir);
	file_put(path, text, strlen(text));
}

/* config_set must refuse, and say which option. */
static void expect_bad(struct fixture *f, const char *key, const char *value)
{
	int rc;

	f->err[0] = 0;
	rc = config_set(&f->c, key, value, f->err, sizeof f->err);
	if (rc != -EINVAL)
		fail_msg("%s = '%s': got %d, expected -EINVAL", key, value ? value : "(null)", rc);
	if (!strstr(f->err, key))
		fail_msg("%s = '%s': the message \"%s\" does not name the option", key,
			 value ? value : "(null)", f->err);
}

static void set_ok(struct fixture *f, const char *key, const char *value)
{
	f->err[0] = 0;
	if (config_set(&f->c, key, value, f->err, sizeof f->err) != 0)
		fail_msg("%s = '%s' refused: %s", key, value, f->err);
}

/* ---- defaults ---------------------------------------------------------------- */

static void defaults(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(f->c.listen_host, "127.0.0.1");
	assert_int_equal(f->c.port, 8080);
	assert_int_equal(f->c.max_upload, 100u * 1024 * 1024);
	assert_string_equal(f->c.data_dir, "data");
	assert_null(f->c.public_url);
	assert_non_null(f->c.web_root);
	assert_int_equal(f->c.render_workers, 0);
	assert_int_equal(f->c.render_timeout_ms, 20000);
	assert_int_equal(f->c.max_connections, 10000);

	assert_int_equal(config_finish(&f->c, f->err, sizeof f->err), 0);
	assert_string_equal(f->c.public_url, "http://127.0.0.1:8080");

	config_free(NULL); /* a no-op */
}

/* ---- listen ---------------------------------------------------------------- */

static void listen_forms(void **state)
{
	struct fixture *f = *state;

	set_ok(f, "listen", "0.0.0.0:9000");
	assert_string_equal(f->c.listen_host, "0.0.0.0");
	assert_int_equal(f->c.port, 9000);

	set_ok(f, "listen", "[::1]:8081");
	assert_string_equal(f->c.listen_host, "::1");
	assert_int_equal(f->c.port, 8081);

	/* A port alone keeps the host. */
	set_ok(f, "listen", "8082");
	assert_string_equal(f->c.listen_host, "::1");
	assert_int_equal(f->c.port, 8082);

	set_ok(f, "listen", "plenum.local:1");
	assert_string_equal(f->c.listen_host, "plenum.local");
	assert_int_equal(f->c.port, 1);
	set_ok(f, "listen", "65535");
	assert_int_equal(f->c.port, 65535);
}

static void listen_bad_values(void **state)
{
	struct fixture *f = *state;
	static const char *bad[] = {
		"0", "70000", "65536", "abc", "-1", "0.0.0.0:0", "0.0.0.0:70000", "0.0.0.0:abc",
		":8080", "0.0.0.0:", "8080 ", "80x", "",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad(f, "listen", bad[i]);
	expect_bad(f, "listen", NULL);
	/* Nothing was changed by the refusals. */
	assert_string_equal(f->c.listen_host, "127.0.0.1");
	assert_int_equal(f->c.port, 8080);
}

/* ---- sizes and numbers -------------------------------------------------------- */

static void max_upload_suffixes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *in;
		size_t bytes;
	} cases[] = {
		{ "1024", 1024 },
		{ "1K", 1024 },
		{ "1k", 1024 },
		{ "1KB", 1024 },
		{ "5M", (size_t)5 << 20 },
		{ "5m", (size_t)5 << 20 },
		{ "2G", (size_t)2 << 30 },
		{ "1024G", (size_t)1 << 40 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		set_ok(f, "max-upload", cases[i].in);
		if (f->c.max_upload != cases[i].bytes)
			fail_msg("max-upload %s = %zu, expected %zu", cases[i].in, f->c.max_upload,
				 cases[i].bytes);
	}
}

static void max_upload_bad_values(void **state)
{
	struct fixture *f = *state;
	static const char *bad[] = {
		"-1", "12X", "0", "0K", "abc", "", "1.5M", "5 M", "5MM", "1T", "1025G",
		"18446744073709551616", " -1",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad(f, "max-upload", bad[i]);
	assert_int_equal(f->c.max_upload, 100u * 1024 * 1024);
}

/* The page cache's cap: 2 GiB unless set, the same sizes as max-upload. */
static void cache_max_sizes(void **state)
{
	struct fixture *f = *state;

	assert_true(f->c.cache_max == (size_t)2 << 30);
	set_ok(f, "cache-max", "300M");
	assert_true(f->c.cache_max == (size_t)300 << 20);
	expect_bad(f, "cache-max", "lots");
	expect_bad(f, "cache-max", "0");
	assert_true(f->c.cache_max == (size_t)300 << 20);
}

static void other_numbers(void **state)
{
	struct fixture *f = *state;

	set_ok(f, "render-timeout", "30");
	assert_int_equal(f->c.render_timeout_ms, 30000);
	set_ok(f, "render-workers", "4");
	assert_int_equal(f->c.render_workers, 4);
	set_ok(f, "max-connections", "16");
	assert_int_equal(f->c.max_connections, 16);
	set_ok(f, "data", "/var/lib/plenum");
	assert_string_equal(f->c.data_dir, "/var/lib/plenum");
	set_ok(f, "web-root", "/usr/share/plenum/web");
	assert_string_equal(f->c.web_root, "/usr/share/plenum/web");

	expect_bad(f, "render-timeout", "0");
	expect_bad(f, "render-timeout", "3601");
	expect_bad(f, "render-workers", "65");
	expect_bad(f, "render-workers", "-1");
	expect_bad(f, "max-connections", "15");
	expect_bad(f, "max-connections", "lots");

	f->err[0] = 0;
	assert_int_equal(config_set(&f->c, "colour", "blue", f->err, sizeof f->err), -EINVAL);
	assert_non_null(strstr(f->err, "colour"));
}

/* ---- public-url ---------------------------------------------------------------- */

static void public_url(void **state)
{
	struct fixture *f = *state;

	set_ok(f, "public-url", "https://hop.example.vn/");
	assert_string_equal(f->c.public_url, "https://hop.example.vn");
	set_ok(f, "public-url", "http://192.168.1.20:8080///");
	assert_string_equal(f->c.public_url, "http://192.168.1.20:8080");
	set_ok(f, "public-url", "https://hop.example.vn/plenum");
	assert_string_equal(f->c.public_url, "https://hop.example.vn/plenum");

	expect_bad(f, "public-url", "ftp://hop.example.vn");
	expect_bad(f, "public-url", "hop.example.vn");
	expect_bad(f, "public-url", "//hop.example.vn");
	expect_bad(f, "public-url", "javascript:alert(1)");
	assert_string_equal(f->c.public_url, "https://hop.example.vn/plenum");

	/* Given: config_finish keeps it. */
	set_ok(f, "listen", "0.0.0.0:9000");
	assert_int_equal(config_finish(&f->c, f->err, sizeof f->err), 0);
	assert_string_equal(f->c.public_url, "https://hop.example.vn/plenum");
}

/* ---- the environment ---------------------------------------------------------- */

static void env_is_read(void **state)
{
	struct fixture *f = *state;

	setenv("PLENUM_LISTEN", "0.0.0.0:9001", 1);
	setenv("PLENUM_MAX_UPLOAD", "5M", 1);
	setenv("PLENUM_PUBLIC_URL", "", 1); /* empty: not set */
	assert_int_equal(config_load_env(&f->c, f->err, sizeof f->err), 0);
	assert_string_equal(f->c.listen_host, "0.0.0.0");
	assert_int_equal(f->c.port, 9001);
	assert_int_equal(f->c.max_upload, (size_t)5 << 20);
	assert_null(f->c.public_url);

	setenv("PLENUM_MAX_UPLOAD", "12X", 1);
	f->err[0] = 0;
	assert_int_equal(config_load_env(&f->c, f->err, sizeof f->err), -EINVAL);
	assert_non_null(strstr(f->err, "max-upload"));
}

/* ---- config files ---------------------------------------------------------------- */

static void file_is_read(void **state)
{
	struct fixture *f = *state;
	char path[128];

	write_conf(f,
		   "# Plenum, phòng họp tầng 5\n"
		   "\n"
		   "listen = 0.0.0.0:9000\n"
		   "   # an indented comment\n"
		   "max-upload=2G\n"
		   "\tpublic-url   =   https://hop.example.vn/   \n"
		   "render-timeout = 5\r\n"
		   "listen = 9002\n",
		   path);
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), 0);
	assert_string_equal(f->c.listen_host, "0.0.0.0");
	assert_int_equal(f->c.port, 9002); /* the last line wins */
	assert_int_equal(f->c.max_upload, (size_t)2 << 30);
	assert_string_equal(f->c.public_url, "https://hop.example.vn");
	assert_int_equal(f->c.render_timeout_ms, 5000);
}

static void file_errors_name_the_line(void **state)
{
	struct fixture *f = *state;
	char path[128], want[160];

	/* A line that is not key = value. */
	write_conf(f, "# comment\nlisten = 9000\n\nnonsense\nmax-upload = 1M\n", path);
	f->err[0] = 0;
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), -EINVAL);
	snprintf(want, sizeof want, "%s:4:", path);
	assert_non_null(strstr(f->err, want));

	/* A bad value: the line and the option. */
	write_conf(f, "listen = 9000\nmax-upload = 12X\n", path);
	f->err[0] = 0;
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), -EINVAL);
	snprintf(want, sizeof want, "%s:2:", path);
	assert_non_null(strstr(f->err, want));
	assert_non_null(strstr(f->err, "max-upload"));

	/* An unknown key. */
	write_conf(f, "\n\ncolour = blue\n", path);
	f->err[0] = 0;
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), -EINVAL);
	snprintf(want, sizeof want, "%s:3:", path);
	assert_non_null(strstr(f->err, want));
	assert_non_null(strstr(f->err, "colour"));

	/* A key without a value. */
	write_conf(f, "listen =\n", path);
	f->err[0] = 0;
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), -EINVAL);
	assert_non_null(strstr(f->err, ":1:"));
	assert_non_null(strstr(f->err, "listen"));

	snprintf(path, sizeof path, "%s/missing.conf", f->dir);
	assert_int_equal(config_load_file(&f->c, path, f->err, sizeof f->err), -ENOENT);
}

/* A line longer than the reader's buffer is one line: either it is taken
 * whole, or the error names it — never the line after it. */
static void long_line_keeps_line_numbers(void **state)
{
	struct fixture *f = *state;
	char path[128], text[4096];
	int rc;

	snprintf(text, sizeof text, "listen = 9000\n# ");
	memset(text + strlen(text), 'x', 2000);
	text[16 + 2000] = 0;
	strcat(text, "\nmax-upload = 5M\n");
	write_conf(f, text, path);
	f->err[0] = 0;
	rc = config_load_file(&f->c, path, f->err, sizeof f->err);
	if (rc == 0) {
		assert_int_equal(f->c.max_upload, (size_t)5 << 20);
	} else if (!strstr(f->err, ":2:")) {
		fail_msg("a 2000-byte comment on line 2 gave: %s", f->err);
	}
}

/* ---- the derived public URL ------------------------------------------------------- */

static void finish_derives_public_url(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *listen, *url;
	} cases[] = {
		{ "192.168.1.20:8080", "http://192.168.1.20:8080" },
		{ "0.0.0.0:9000", "http://127.0.0.1:9000" },
		{ "[::1]:8081", "http://[::1]:8081" },
		{ "[::]:8083", "http://127.0.0.1:8083" },
		{ "plenum.local:80", "http://plenum.local:80" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c;
		config_init(&c);
		assert_int_equal(config_set(&c, "listen", cases[i].listen, f->err, sizeof f->err), 0);
		assert_int_equal(config_finish(&c, f->err, sizeof f->err), 0);
		if (strcmp(c.public_url, cases[i].url) != 0) {
			char got[128];
			snprintf(got, sizeof got, "%s", c.public_url);
			config_free(&c);
			fail_msg("listen %s: public URL %s, expected %s", cases[i].listen, got,
				 cases[i].url);
		}
		config_free(&c);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(defaults),
		T(listen_forms),
		T(listen_bad_values),
		T(max_upload_suffixes),
		T(max_upload_bad_values),
		T(cache_max_sizes),
		T(other_numbers),
		T(public_url),
		T(env_is_read),
		T(file_is_read),
		T(file_errors_name_the_line),
		T(long_line_keeps_line_numbers),
		T(finish_derives_public_url),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
