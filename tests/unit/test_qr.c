/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_qr — QR codes of join links (qr.c): the module matrix has the three
 * finder patterns of ISO/IEC 18004 §6.3.3, the SVG has the 4-module quiet
 * zone in its viewBox, the terminal drawing packs two rows per line, and a
 * text too long for any QR code is refused.
 *
 * Pure functions: no temporary files, nothing to clean up.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "qr.h"

#define URL "http://192.168.1.20:8080/j/AZaz09-_AZaz09-_AZaz09"

/* ISO/IEC 18004 §6.3.3: a finder pattern is a dark 7×7 border, a light
 * 5×5 ring and a dark 3×3 centre, with a light separator around it. */
static void assert_finder(const unsigned char *m, int w, int x0, int y0, const char *where)
{
	for (int y = 0; y < 7; y++) {
		for (int x = 0; x < 7; x++) {
			int ring = x == 0 || y == 0 || x == 6 || y == 6;
			int gap = !ring && (x == 1 || y == 1 || x == 5 || y == 5);
			int want = !gap;
			if (m[(y0 + y) * w + (x0 + x)] != want)
				fail_msg("%s finder: module (%d,%d) is %d, expected %d", where, x, y,
					 m[(y0 + y) * w + (x0 + x)], want);
		}
	}
	/* The separator: the row and column between the pattern and the rest. */
	for (int i = -1; i <= 7; i++) {
		int sx[2] = { x0 - 1, x0 + 7 }, sy[2] = { y0 - 1, y0 + 7 };
		for (int k = 0; k < 2; k++) {
			if (sy[k] >= 0 && sy[k] < w && x0 + i >= 0 && x0 + i < w &&
			    m[sy[k] * w + x0 + i])
				fail_msg("%s finder: separator row not light", where);
			if (sx[k] >= 0 && sx[k] < w && y0 + i >= 0 && y0 + i < w &&
			    m[(y0 + i) * w + sx[k]])
				fail_msg("%s finder: separator column not light", where);
		}
	}
}

static void matrix_has_three_finders(void **state)
{
	unsigned char *m = NULL;
	int w = 0, dark = 0;

	(void)state;
	assert_int_equal(qr_matrix(URL, &m, &w), 0);
	assert_non_null(m);
	/* Version v is 17 + 4v modules a side. */
	assert_true(w >= 21);
	assert_int_equal((w - 17) % 4, 0);
	for (int i = 0; i < w * w; i++) {
		assert_true(m[i] == 0 || m[i] == 1);
		dark += m[i];
	}
	assert_true(dark > w * w / 4 && dark < w * w * 3 / 4);

	assert_finder(m, w, 0, 0, "top-left");
	assert_finder(m, w, w - 7, 0, "top-right");
	assert_finder(m, w, 0, w - 7, "bottom-left");
	/* And no finder in the fourth corner: that is how a reader orients it. */
	int all = 1;
	for (int x = 0; x < 7; x++)
		all &= m[(w - 1) * w + (w - 7 + x)] && m[(w - 7) * w + (w - 7 + x)];
	assert_false(all);

	/* Timing pattern (§6.3.5): row 6 alternates between the finders. */
	for (int x = 8; x < w - 8; x++)
		assert_int_equal(m[6 * w + x], x % 2 == 0);
	free(m);
}

static void matrix_is_deterministic_and_grows(void **state)
{
	unsigned char *a = NULL, *b = NULL, *c = NULL;
	int wa, wb, wc;
	char longer[400];

	(void)state;
	assert_int_equal(qr_matrix(URL, &a, &wa), 0);
	assert_int_equal(qr_matrix(URL, &b, &wb), 0);
	assert_int_equal(wa, wb);
	assert_memory_equal(a, b, (size_t)wa * (size_t)wa);
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	assert_int_equal(qr_matrix(longer, &c, &wc), 0);
	assert_true(wc > wa);
	free(a);
	free(b);
	free(c);
}

static void svg_has_viewbox_and_path(void **state)
{
	unsigned char *m = NULL;
	char *svg = NULL, want[64];
	size_t len = 0;
	int w;

	(void)state;
	assert_int_equal(qr_matrix(URL, &m, &w), 0);
	free(m);
	assert_int_equal(qr_svg(URL, &svg, &len), 0);
	assert_non_null(svg);
	assert_int_equal(len, strlen(svg));
	assert_true(strncmp(svg, "<?xml", 5) == 0);
	assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	/* The code plus 4 quiet modules on each side. */
	snprintf(want, sizeof want, "viewBox=\"0 0 %d %d\"", w + 8, w + 8);
	assert_non_null(strstr(svg, want));
	/* A white background, then the dark modules as one path. */
	assert_non_null(strstr(svg, "fill=\"#fff\""));
	char *path = strstr(svg, "<path");
	assert_non_null(path);
	char *d = strstr(path, " d=\"M");
	assert_non_null(d);
	/* The top-left finder's first run starts at the quiet zone: M4 4h7. */
	assert_non_null(strstr(d, "M4 4h7v1h-7z"));
	assert_non_null(strstr(svg, "</svg>"));
	assert_int_equal(svg[len - 1], '\n');
	free(svg);

	/* len is optional. */
	assert_int_equal(qr_svg("x", &svg, NULL), 0);
	free(svg);
}

static void too_long_is_einval(void **state)
{
	char *text = malloc(5001);
	unsigned char *m = (unsigned char *)1;
	char *svg = (char *)1;
	int w = -1;
	FILE *f;
	char *buf = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(text);
	memset(text, 'a', 5000);
	text[5000] = 0;
	assert_int_equal(qr_matrix(text, &m, &w), -EINVAL);
	assert_ptr_equal(m, (unsigned char *)1); /* nothing handed back */
	assert_int_equal(qr_svg(text, &svg, NULL), -EINVAL);
	assert_ptr_equal(svg, (char *)1);
	f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(qr_terminal(text, f), -EINVAL);
	fclose(f);
	assert_int_equal(n, 0); /* nothing drawn */
	free(buf);
	free(text);
}

/* Version 40 at level M holds 2331 bytes in 8-bit mode (§7.4.10 table 7):
 * the largest code is drawn whole, one byte more is refused. */
static void largest_code(void **state)
{
	char *text = malloc(2333);
	unsigned char *m = NULL;
	char *svg = NULL, want[64];
	size_t len = 0;
	int w = 0;

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 2331; i++)
		text[i] = (char)('!' + (i * 7) % 90);
	text[2331] = 0;
	assert_int_equal(qr_matrix(text, &m, &w), 0);
	assert_int_equal(w, 177);
	free(m);
	assert_int_equal(qr_svg(text, &svg, &len), 0);
	assert_int_equal(len, strlen(svg));
	snprintf(want, sizeof want, "viewBox=\"0 0 185 185\"");
	assert_non_null(strstr(svg, want));
	assert_non_null(strstr(svg, "\"/></svg>\n"));
	free(svg);

	text[2331] = 'x';
	text[2332] = 0;
	assert_int_equal(qr_svg(text, &svg, &len), -EINVAL);
	free(text);
}

static void terminal_writes_half_lines(void **state)
{
	unsigned char *m = NULL;
	char *buf = NULL;
	size_t n = 0;
	int w, lines = 0;
	FILE *f;

	(void)state;
	assert_int_equal(qr_matrix(URL, &m, &w), 0);
	free(m);
	f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(qr_terminal(URL, f), 0);
	assert_int_equal(fclose(f), 0);

	int side = w + 8;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, (side + 1) / 2);
	/* Each line is black on white, reset at its end. */
	char *line = buf;
	for (int i = 0; i < lines; i++) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		assert_true(strncmp(line, "\033[30;107m", 9) == 0);
		assert_true(end - line >= 4 && strncmp(end - 4, "\033[0m", 4) == 0);
		line = end + 1;
	}
	/* The first line is quiet zone only: spaces between the colour codes. */
	char *first_end = strchr(buf, '\n');
	for (char *p = buf + 9; p < first_end - 4; p++)
		assert_int_equal(*p, ' ');
	/* Full and half blocks are used. */
	assert_non_null(strstr(buf, "\u2588"));
	assert_true(strstr(buf, "\u2580") || strstr(buf, "\u2584"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matrix_has_three_finders),
		cmocka_unit_test(matrix_is_deterministic_and_grows),
		cmocka_unit_test(svg_has_viewbox_and_path),
		cmocka_unit_test(too_long_is_einval),
		cmocka_unit_test(largest_code),
		cmocka_unit_test(terminal_writes_half_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
