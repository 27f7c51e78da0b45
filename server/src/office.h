/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * office — Word, Excel, PowerPoint and OpenDocument files: telling them
 * apart from other uploads, and converting them to PDF with LibreOffice.
 *
 * MuPDF does not lay out Office documents, so they are converted once, when
 * they are added, by `soffice --headless --convert-to pdf` in a process of
 * its own (its own process group, resource limits, a wall-clock timeout
 * after which the whole group is killed). The PDF is what the library
 * stores and renders; the original is kept beside it for download.
 *
 * Storage (no schema change): an Office document's blob is keyed by the
 * SHA-256 of the ORIGINAL file, so the same file uploaded twice is stored
 * (and converted) once:
 *
 *   <data>/blobs/<sha>.pdf            the conversion (the `blob` row, ext pdf)
 *   <data>/blobs/<sha>.orig.<ext>     the original, served by /api/docs/<doc>/file
 *
 * Each conversion gets a LibreOffice profile of its own caller's choosing
 * (one per render pool thread), so two conversions never share a profile:
 * LibreOffice does not support concurrent use of one.
 *
 * Threads: every function may be called from any thread; office_convert()
 * blocks for up to its timeout and must not run on the event loop.
 */
#ifndef PLENUM_OFFICE_H
#define PLENUM_OFFICE_H

#include <stddef.h>

/* What to tell a person when the server has no LibreOffice. */
#define OFFICE_NEEDS_LIBREOFFICE                                                  \
	"Word, Excel and PowerPoint files need LibreOffice on the server: apt-get " \
	"install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"

/* Default wall-clock limit of one conversion. */
#define OFFICE_TIMEOUT_MS 60000

/* Whether `ext` (lower case, as library_ext() gives it) names an Office
 * format: docx doc odt xlsx xls ods pptx ppt odp rtf. */
int office_ext(const char *ext);

/* Looks at the first bytes of the file at `path` (and, for a ZIP, its
 * central directory or its `mimetype` entry) together with `name_ext`, the
 * extension its name gave. Returns 1 for an Office document, with its real
 * extension in `ext` (a .pdf that is really a DOCX gives "docx"); 0 for
 * anything else (left to MuPDF); -EINVAL for a file named as an Office
 * format that cannot be one (random bytes named .docx), with a sentence in
 * err; -errno when the file cannot be read. */
int office_sniff(const char *path, const char *name_ext, char ext[16],
		 char *err, size_t errlen);

/* Finds `soffice` (or `libreoffice`) on PATH. Returns 0 with its path in
 * out, or -ENOENT. */
int office_find(char *out, size_t n);

/* Converts `src` to the PDF `out_pdf` (written under another name and
 * renamed into place) by running `soffice` with the profile directory
 * `profile` (created if missing; one conversion at a time per profile) and
 * `outdir` as its scratch output directory (emptied before use).
 * stop_fd (-1: none) becoming readable cancels the conversion.
 * Returns 0, or: -ETIMEDOUT killed after timeout_ms ("conversion timed out
 * after N s" in err), -EINVAL LibreOffice could not read the file, -EIO it
 * could not be started or crashed, -ECANCELED stopped by stop_fd; with a
 * sentence in err. */
int office_convert(const char *soffice, const char *src, const char *out_pdf,
		   const char *profile, const char *outdir, int timeout_ms, int stop_fd,
		   char *err, size_t errlen);

/* <data>/blobs/<sha>.orig.<ext> */
void office_original_path(const char *data_dir, const char *sha, const char *ext,
			  char *out, size_t n);
/* Finds the kept original of blob `sha`. Returns 0 with its path in out and
 * its extension in ext, or -ENOENT (the document was not converted). */
int office_original_find(const char *data_dir, const char *sha, char *out, size_t n,
			 char ext[16]);
/* Keeps `src` as the original of blob `sha` (moved if `move`, else copied)
 * unless it is there already. Returns 0 or -errno. */
int office_original_keep(const char *data_dir, const char *sha, const char *ext,
			 const char *src, int move);

#endif
