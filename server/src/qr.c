/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* qr — see qr.h. */
#include "qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4

/* ISO/IEC 18004 §6.4.2: bytes are read as ISO-8859-1 unless an ECI says
 * otherwise. Text with bytes past ASCII (a Vietnamese Wi-Fi name) says
 * UTF-8 with ECI 000026, which readers honour instead of guessing (zbar
 * guesses Shift-JIS); ASCII text (every link) is encoded as it always was. */
static QRcode *encode(const char *text)
{
	QRinput *in;
	QRcode *q = NULL;
	size_t n = strlen(text);
	bool ascii = true;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		ascii = ascii && *p < 0x80;
	if (ascii)
		return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	in = QRinput_new2(0, QR_ECLEVEL_M);
	if (!in)
		return NULL;
	if (QRinput_appendECIheader(in, 26) == 0 &&
	    QRinput_append(in, QR_MODE_8, (int)n, (const unsigned char *)text) == 0)
		q = QRcode_encodeInput(in);
	QRinput_free(in);
	return q;
}

int qr_matrix(const char *text, unsigned char **modules, int *width)
{
	QRcode *q = encode(text);

	if (!q)
		return errno == ERANGE || errno == EINVAL ? -EINVAL : -ENOMEM;
	*width = q->width;
	*modules = malloc((size_t)q->width * (size_t)q->width);
	if (!*modules) {
		QRcode_free(q);
		return -ENOMEM;
	}
	for (int i = 0; i < q->width * q->width; i++)
		(*modules)[i] = q->data[i] & 1;
	QRcode_free(q);
	return 0;
}

int qr_svg(const char *text, char **out, size_t *len)
{
	unsigned char *m;
	int w, rc = qr_matrix(text, &m, &w);

	if (rc < 0)
		return rc;
	int side = w + 2 * QUIET;
	/* Each dark run of a row becomes one "M x y h n v 1 h -n z" path piece. */
	size_t cap = 512 + (size_t)w * (size_t)w * 24;
	char *svg = malloc(cap);
	size_t n;
	if (!svg) {
		free(m);
		return -ENOMEM;
	}
	n = (size_t)snprintf(svg, cap,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"shape-rendering=\"crispEdges\">"
		"<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		side, side, side, side);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!m[y * w + x]) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && m[y * w + x + run])
				run++;
			n += (size_t)snprintf(svg + n, cap - n, "M%d %dh%dv1h-%dz",
					      x + QUIET, y + QUIET, run, run);
			x += run;
		}
	}
	n += (size_t)snprintf(svg + n, cap - n, "\"/></svg>\n");
	free(m);
	*out = svg;
	if (len)
		*len = n;
	return 0;
}

int qr_terminal(const char *text, FILE *f)
{
	unsigned char *m;
	int w, rc = qr_matrix(text, &m, &w);

	if (rc < 0)
		return rc;
	int side = w + 2 * QUIET;
	/* Explicit black on white (SGR 30;47) so that a dark terminal does not
	 * turn the code into its negative, which many phone scanners reject. */
	for (int y = 0; y < side; y += 2) {
		fputs("\033[30;107m", f);
		for (int x = 0; x < side; x++) {
			int top = 0, bottom = 0;
			int mx = x - QUIET, my = y - QUIET;
			if (mx >= 0 && mx < w && my >= 0 && my < w)
				top = m[my * w + mx];
			if (mx >= 0 && mx < w && my + 1 >= 0 && my + 1 < w)
				bottom = m[(my + 1) * w + mx];
			fputs(top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ", f);
		}
		fputs("\033[0m\n", f);
	}
	free(m);
	return 0;
}
