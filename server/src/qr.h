/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * qr — QR codes of join links (libqrencode): as SVG for the web client and
 * printed material, as text for the terminal.
 *
 * Error correction level M (15 % of the code may be damaged or covered),
 * 8-bit mode, the quiet zone of 4 modules the standard asks for
 * (ISO/IEC 18004 §7.3.7). Any thread (libqrencode is thread-safe in
 * Debian's build).
 */
#ifndef PLENUM_QR_H
#define PLENUM_QR_H

#include <stdio.h>

/* The QR code of `text` as an SVG document (caller frees *out). Returns 0,
 * -EINVAL (text too long for a QR code) or -ENOMEM. */
int qr_svg(const char *text, char **out, size_t *len);

/* Draws the QR code of `text` on `f` with half-block characters, two rows of
 * modules per line, dark on light whatever the terminal's colours.
 * Returns 0 or -EINVAL/-ENOMEM. */
int qr_terminal(const char *text, FILE *f);

/* The module matrix: *width modules a side, row-major, 1 = dark (caller
 * frees *modules). Returns 0 or a negative errno. For renderers elsewhere. */
int qr_matrix(const char *text, unsigned char **modules, int *width);

#endif
