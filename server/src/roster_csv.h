/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * roster_csv — a meeting's roster from the CSV file a spreadsheet program
 * saves: each row as it would be added, or the reason it is refused.
 *
 * Design note.
 *
 * The file. UTF-8, with or without the byte-order mark (EF BB BF) that
 * spreadsheet programs write; UTF-16 (a BOM FF FE / FE FF, or NUL bytes) is
 * refused as a whole with a sentence saying how to save it. RFC 4180
 * records: fields separated by a comma or a semicolon (whichever the
 * header row has more of outside quotes; a tie is a comma), records by
 * CRLF, LF or CR; a field in double quotes may hold separators, line
 * breaks and doubled quotes. Leniency where spreadsheets are sloppy: a
 * quote inside an unquoted field is a plain character, text after a
 * closing quote is kept.
 *
 * The header. The first record that is not empty names the columns. Each
 * name is folded (case and Vietnamese diacritics dropped, search.h) and
 * stripped to letters and digits, then looked up: "Họ và tên", "Họ tên",
 * "Name", "Full name" → name (required); "Chức vụ", "Title", "Position" →
 * title; "Đơn vị", "Cơ quan", "Organisation", "Organization" → org;
 * "Vai trò", "Role" → role; "Email", "E-mail", "Thư điện tử" → email.
 * Other columns are ignored (and listed); a second column of the same kind
 * too.
 *
 * Rows. A record whose fields are all empty is skipped. Every other record
 * becomes a row, accepted or refused with one reason (the first found):
 * a quoted field never closed (the row runs to the end of the file), more
 * than ROSTER_ROW_MAX bytes or ROSTER_COLS_MAX fields, a field of a mapped
 * column that is not UTF-8 text or holds control characters, a field that
 * starts with = + - @ (a spreadsheet would run it as a formula: refused,
 * never neutralised silently; a lone "-" is read as empty), an empty name,
 * a name over 100 characters, a title or organisation over 300, an unknown
 * role (empty is member), a bad email, an email seen on an earlier row.
 * Fields are trimmed of spaces and tabs. `line` is the physical line the
 * record starts on (the header is usually line 1).
 *
 * Bounds: ROSTER_CSV_MAX bytes of file, ROSTER_ROWS_MAX rows, each with
 * its own cap above; past them the parse fails or the row is refused, and
 * nothing grows without a limit (a 1 MB line costs no memory beyond the
 * row cap).
 *
 * No store, no transport: the roster is checked against the meeting by the
 * caller (console.c). Threads: any; nothing is shared.
 */
#ifndef PLENUM_ROSTER_CSV_H
#define PLENUM_ROSTER_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

#define ROSTER_CSV_MAX ((size_t)1 << 20) /* bytes of a file */
#define ROSTER_ROWS_MAX 5000
#define ROSTER_COLS_MAX 64
#define ROSTER_ROW_MAX 4096              /* bytes of one record */
#define ROSTER_REASON_MAX 240

enum roster_col { ROSTER_NAME, ROSTER_TITLE, ROSTER_ORG, ROSTER_ROLE, ROSTER_EMAIL, ROSTER_NCOLS };

struct roster_row {
	int line;                  /* where the record starts, 1-based */
	char *name, *title, *org;  /* trimmed; "" when absent (never NULL when accepted) */
	char *email;               /* NULL when absent */
	enum auth_role role;
	char reason[ROSTER_REASON_MAX]; /* "" when accepted, else why it is refused */
};

struct roster {
	bool bom;
	char sep;                  /* ',' or ';' */
	int col[ROSTER_NCOLS];     /* 0-based column of each field, -1 if none */
	json_t *ignored;           /* header names of the columns not used */
	struct roster_row *rows;
	int nrows;
};

/* Parses `len` bytes of CSV into *out (caller frees with roster_free).
 * Returns 0, or -EINVAL with a sentence in err when the file as a whole
 * cannot be read (empty, UTF-16, no header naming a name column), -E2BIG
 * (more than ROSTER_CSV_MAX bytes or ROSTER_ROWS_MAX rows), -ENOMEM. */
int roster_csv_parse(const char *data, size_t len, struct roster **out,
		     char *err, size_t errlen);
void roster_free(struct roster *r);

/* Refuses an accepted row with a reason (printf format). A refused row
 * keeps its first reason. */
void roster_refuse(struct roster_row *row, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The preview: {separator, bom, columns: {name: i, …}, ignored: […],
 * rows: [{line, name, title, org, role, email}], refused: [{line,
 * reason}], counts: {rows, refused}} (caller owns). */
json_t *roster_json(const struct roster *r);

/* Role words of the file (English or Vietnamese, case and diacritics
 * ignored; "" is member) → role, or ROLE_NONE. Not display. */
enum auth_role roster_role_parse(const char *s);

#endif
