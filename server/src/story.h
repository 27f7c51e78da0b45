/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * story — HTML laid out as an A4 PDF by MuPDF's Story API (fz_new_story,
 * fz_place_story, fz_draw_story). It runs inside a render worker
 * (render_worker.c, op "story"); story_pdf() also runs it in the calling
 * process, for tests and tools.
 *
 * The page: A4 portrait, 25 mm left (room to bind), 20 mm right, 18 mm top,
 * 20 mm bottom; the footer sits in the bottom margin, centred, 9 pt, with
 * "{page}" and "{pages}" replaced by the page number and the page count.
 * Body text is 12 pt (the em of the layout).
 *
 * Fonts. MuPDF's built-in serif (Charis SIL) lacks the precomposed
 * Vietnamese letters (U+1EA0–U+1EF9: ạ ả ấ ầ … ệ ỗ ự …); MuPDF then takes
 * each of them from a regular Noto Serif, so the words come out right but a
 * bold or italic "BIÊN BẢN" has a regular "Ả". So the layout brings its own
 * fonts: Liberation 2 (Debian's fonts-liberation2, metric twins of Times New
 * Roman, Arial and Courier New, every Vietnamese letter in every face),
 * declared with @font-face for the families serif, "Times New Roman",
 * Times and "Liberation Serif"; sans-serif, Arial, Helvetica and
 * "Liberation Sans"; monospace, "Courier New", Courier and "Liberation
 * Mono". Only those files are in the layout's archive: the HTML can reach
 * no other file. Without the package the built-in fonts are used (and the
 * worker says so once on stderr).
 *
 * The HTML that lays out well (MuPDF 1.21.1 as Debian 12 ships it, tried
 * element by element; write the minutes to this):
 *
 *   Elements: h1–h6, p, div, br, hr, ul/ol/li (nested too), b/strong,
 *     i/em, table/tr/th/td (thead/tbody parse but see below), and the
 *     entities of HTML (&amp; &lt; &nbsp; &#x1EC7; …). A <style> block in
 *     <head> and style="" attributes. No images, scripts or external
 *     resources (an <img> shows as "[image]").
 *   Selectors: element, .class, element.class, descendant (table.x td),
 *     #id. A later rule of the same weight wins, as in a browser.
 *   Properties that work: font-size (pt, em, %), font-weight: bold,
 *     font-style: italic, text-align: left|right|center|justify,
 *     margin*, padding* on blocks (p, div, h*), border* on blocks and on
 *     tr (solid; widths in pt or px), line-height, color,
 *     page-break-before: always.
 *   The page's margins are the layout's: `body { margin: 0 }` is forced,
 *     so the HTML may give body a margin for the browser.
 *   Font families: serif (the default), sans-serif, monospace, or the
 *     names above; any other family falls back to the built-in fonts.
 *   Does NOT work, by MuPDF 1.21:
 *     - Column widths: every column of a table is equally wide; width on
 *       td/th/col and colspan are ignored. Give every row the same number
 *       of cells.
 *     - padding and border on td/th: drawn, but outside the cell and
 *       without moving its text, so cells overlap. Use no padding on cells
 *       (line-height spaces rows: td { line-height: 1.5 }), and draw rules
 *       with borders on tr: tr { border-bottom: 0.5pt solid black }. A
 *       border on the table draws its outer box (see the split below).
 *       Vertical rules between cells cannot be drawn.
 *     - text-indent (first line only), page-break-after and
 *       page-break-inside (ignored; see "keep" below), widths and floats.
 *   What the layout adds to MuPDF:
 *     - Tables split across pages. MuPDF 1.21 drops every row between a
 *       page break inside a table and its last row; so each row is laid
 *       out as a table of its own (same class, style and other
 *       attributes, the margins, paddings and borders between the parts
 *       taken off). Style rows through tr, td and the table's class, not
 *       through thead/tbody (`thead th` no longer matches rows past the
 *       first).
 *     - Keeping together: a table row is never split across pages unless
 *       it is taller than a page; neither is an element with class "keep"
 *       (say, the signature block's div), unless it has an id of its own.
 *       A heading h1–h6, or a row of th cells, is not left at the foot of
 *       a page: it moves to the next page with what follows it.
 *     - Words: a run of more than STORY_WORD_MAX characters with no
 *       space, hyphen or slash in it (a pasted hash, a very long address)
 *       gets an invisible break opportunity (U+200B) every STORY_WORD_MAX
 *       characters: MuPDF breaks lines only at those three, and would
 *       draw the rest of such a word off the page. Nothing shows there,
 *       but text copied out of the PDF has a space at each such break.
 *
 * Guards: HTML over STORY_HTML_MAX bytes, empty HTML and HTML with a NUL
 * byte are refused; a footer over STORY_FOOTER_MAX bytes is refused; more
 * than STORY_PAGES_MAX pages, or three blank pages in a row (an element
 * taller than a page, which MuPDF places again on every page), end the
 * layout with a sentence instead of running on.
 *
 * Output: the PDF is written to "<out_path>.tmp.XXXXXX", flushed to disk and
 * renamed over out_path: a reader never sees half a file. The directory of
 * out_path must exist. A worker killed mid-write (timeout) can leave the
 * temporary file behind; callers write into a folder that is emptied at
 * start (data/tmp).
 *
 * Threads: any, one call at a time per fz_context; nothing is kept between
 * calls.
 */
#ifndef PLENUM_STORY_H
#define PLENUM_STORY_H

#include <stddef.h>

#define STORY_HTML_MAX ((size_t)8 << 20)
#define STORY_FOOTER_MAX 512
#define STORY_PAGES_MAX 500
#define STORY_WORD_MAX 40

/* Where the Liberation 2 fonts are (Debian's fonts-liberation2). */
#define STORY_FONT_DIR "/usr/share/fonts/truetype/liberation2"

struct fz_context;

/* Lays out `html` (`len` bytes of UTF-8) as an A4 PDF at out_path, with
 * `footer` (UTF-8, NULL or "" for none) at the foot of every page. Returns
 * 0 and, unless NULL, the page count in *pages; or -EINVAL (the HTML or the
 * footer is refused, MuPDF cannot lay it out, or it does not fit on pages)
 * or -ENOMEM (over MuPDF's memory), or -EIO (the PDF cannot be written),
 * each with a sentence in err. Creates and drops its own fz_context. */
int story_pdf(const char *html, size_t len, const char *footer,
	      const char *out_path, int *pages, char *err, size_t errlen);

/* story_pdf() in the caller's MuPDF context (the render worker's, whose
 * allocations are capped). The context is left as it was found. */
int story_pdf_ctx(struct fz_context *ctx, const char *html, size_t len,
		  const char *footer, const char *out_path, int *pages,
		  char *err, size_t errlen);

/* Reads the HTML file at `path` into *html (malloc'd, NUL-terminated, the
 * caller frees it) and its length into *len. Returns 0, -ENOENT or -EACCES
 * (cannot be opened), -EINVAL (not a regular file, empty, or larger than
 * STORY_HTML_MAX: nothing is read then), -EIO or -ENOMEM, with a sentence
 * in err. */
int story_load(const char *path, char **html, size_t *len, char *err, size_t errlen);

#endif
