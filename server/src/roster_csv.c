/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* roster_csv — see roster_csv.h. RFC 4180 with a spreadsheet's habits. */
#include "roster_csv.h"
#include "search.h"
#include "staff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 1200 /* bytes of a title or organisation: 300 characters */

/* One record as read: its fields' bytes, unescaped, in buf. */
struct rec {
	int line;
	char buf[ROSTER_ROW_MAX];
	size_t used;
	size_t off[ROSTER_COLS_MAX], len[ROSTER_COLS_MAX];
	int nf;
	bool too_long, too_many, unclosed;
};

static void put(struct rec *r, char c)
{
	if (r->used >= sizeof r->buf) {
		r->too_long = true;
		return;
	}
	r->buf[r->used++] = c;
}

static void field_end(struct rec *r, size_t start)
{
	if (r->nf >= ROSTER_COLS_MAX) {
		r->too_many = true;
		return;
	}
	r->off[r->nf] = start;
	r->len[r->nf] = r->used - start;
	r->nf++;
}

/* Reads the record at d[p]; returns where the next one starts. *line is
 * the current physical line, advanced past every line break consumed. */
static size_t read_record(const char *d, size_t len, size_t p, char sep, int *line,
			  struct rec *r)
{
	size_t start = 0;
	bool quoted = false, blank = true; /* blank: the field so far is spaces */

	r->line = *line;
	r->used = 0;
	r->nf = 0;
	r->too_long = r->too_many = r->unclosed = false;
	while (p < len) {
		char c = d[p];
		if (quoted) {
			if (c == '"') {
				if (p + 1 < len && d[p + 1] == '"') {
					put(r, '"');
					p += 2;
					continue;
				}
				quoted = false;
				p++;
				continue;
			}
			if (c == '\n' || (c == '\r' && !(p + 1 < len && d[p + 1] == '\n')))
				(*line)++;
			put(r, c);
			p++;
			continue;
		}
		if (c == '"' && blank) {
			/* Spaces before an opening quote are not part of the field. */
			r->used = start;
			quoted = true;
			blank = false;
			p++;
			continue;
		}
		if (c == sep) {
			field_end(r, start);
			start = r->used;
			blank = true;
			p++;
			continue;
		}
		if (c == '\r' || c == '\n') {
			p += (c == '\r' && p + 1 < len && d[p + 1] == '\n') ? 2 : 1;
			(*line)++;
			field_end(r, start);
			return p;
		}
		if (c != ' ' && c != '\t')
			blank = false;
		put(r, c);
		p++;
	}
	if (quoted)
		r->unclosed = true;
	field_end(r, start);
	return p;
}

/* The field's bytes trimmed of spaces and tabs, as a new string. */
static char *field_dup(const struct rec *r, int i)
{
	const char *s;
	size_t n;

	if (i < 0 || i >= r->nf)
		return strdup("");
	s = r->buf + r->off[i];
	n = r->len[i];
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

static bool record_empty(const struct rec *r)
{
	for (size_t i = 0; i < r->used; i++)
		if (r->buf[i] != ' ' && r->buf[i] != '\t')
			return false;
	return !r->unclosed;
}

/* The separator: ';' when the first line that is not blank has more
 * semicolons than commas outside quotes, else ','. */
static char detect_sep(const char *d, size_t len)
{
	int commas = 0, semis = 0;
	bool quoted = false, text = false;

	for (size_t p = 0; p < len; p++) {
		if (d[p] != ' ' && d[p] != '\t' && d[p] != '\r' && d[p] != '\n')
			text = true;
		if (d[p] == '"')
			quoted = !quoted;
		else if (!quoted && (d[p] == '\n' || d[p] == '\r') && text)
			break;
		else if (!quoted && d[p] == ',')
			commas++;
		else if (!quoted && d[p] == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

/* `s` folded (search.h) and stripped to ASCII letters and digits, into out. */
static void fold_key(const char *s, char *out, size_t outlen)
{
	char *f = search_fold_new(s);
	size_t n = 0;

	out[0] = 0;
	if (!f)
		return;
	for (const char *c = f; *c && n + 1 < outlen; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
			out[n++] = *c;
	out[n] = 0;
	free(f);
}

static int header_column(const char *name)
{
	static const struct { const char *key; enum roster_col col; } names[] = {
		{ "hovaten", ROSTER_NAME }, { "hoten", ROSTER_NAME }, { "name", ROSTER_NAME },
		{ "fullname", ROSTER_NAME }, { "ten", ROSTER_NAME },
		{ "chucvu", ROSTER_TITLE }, { "title", ROSTER_TITLE }, { "position", ROSTER_TITLE },
		{ "jobtitle", ROSTER_TITLE },
		{ "donvi", ROSTER_ORG }, { "coquan", ROSTER_ORG }, { "organisation", ROSTER_ORG },
		{ "organization", ROSTER_ORG }, { "org", ROSTER_ORG },
		{ "vaitro", ROSTER_ROLE }, { "role", ROSTER_ROLE },
		{ "email", ROSTER_EMAIL }, { "thudientu", ROSTER_EMAIL }, { "mail", ROSTER_EMAIL },
	};
	char key[64];

	if (strlen(name) > 200)
		return -1;
	fold_key(name, key, sizeof key);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(key, names[i].key) == 0)
			return (int)names[i].col;
	return -1;
}

enum auth_role roster_role_parse(const char *s)
{
	static const struct { const char *key; enum auth_role role; } roles[] = {
		{ "", ROLE_MEMBER }, { "member", ROLE_MEMBER }, { "thanhvien", ROLE_MEMBER },
		{ "daibieu", ROLE_MEMBER }, { "uyvien", ROLE_MEMBER },
		{ "chair", ROLE_CHAIR }, { "chutoa", ROLE_CHAIR }, { "chutri", ROLE_CHAIR },
		{ "secretary", ROLE_SECRETARY }, { "thuky", ROLE_SECRETARY },
		{ "guest", ROLE_GUEST }, { "khach", ROLE_GUEST }, { "khachmoi", ROLE_GUEST },
	};
	char key[64];

	if (!s || strlen(s) > 200)
		return ROLE_NONE;
	fold_key(s, key, sizeof key);
	if (!key[0] && s[0])
		return ROLE_NONE; /* only punctuation, or another script */
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(key, roles[i].key) == 0)
			return roles[i].role;
	return ROLE_NONE;
}

void roster_refuse(struct roster_row *row, const char *fmt, ...)
{
	va_list ap;

	if (row->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(row->reason, sizeof row->reason, fmt, ap);
	va_end(ap);
}

static bool utf8_ok(const char *s)
{
	json_t *j = json_string(s); /* NULL for invalid UTF-8 */

	json_decref(j);
	return j != NULL;
}

static bool has_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A short quote of valid UTF-8 text for a reason: at most 40 bytes, cut at
 * a character boundary. */
static void quote(const char *s, char out[48])
{
	size_t n = strlen(s);

	if (n > 40) {
		n = 40;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(out, 48, "%.*s%s", (int)n, s, strlen(s) > n ? "…" : "");
}

/* Checks one text field of a row; `what` names it in the reason. A lone
 * "-" is made empty. */
static void check_text(struct roster_row *row, char **field, const char *what, size_t max_chars)
{
	char *s = *field;

	if (strcmp(s, "-") == 0 || strcmp(s, "\xe2\x80\x93") == 0) {
		s[0] = 0;
		return;
	}
	if (!utf8_ok(s)) {
		roster_refuse(row, "the %s is not UTF-8 text: save the file as \"CSV UTF-8\"", what);
		return;
	}
	if (has_controls(s)) {
		roster_refuse(row, "the %s holds control characters", what);
		return;
	}
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		roster_refuse(row, "the %s starts with '%c', which a spreadsheet would run as a formula",
			      what, s[0]);
		return;
	}
	if (chars(s) > max_chars)
		roster_refuse(row, "the %s is longer than %zu characters", what, max_chars);
}

/* Turns a data record into a row, accepted or refused. */
static int make_row(struct roster *r, const struct rec *rec, struct roster_row *row,
		    json_t *emails)
{
	char q[48], *role = NULL;

	memset(row, 0, sizeof *row);
	row->line = rec->line;
	row->role = ROLE_MEMBER;
	row->name = field_dup(rec, r->col[ROSTER_NAME]);
	row->title = field_dup(rec, r->col[ROSTER_TITLE]);
	row->org = field_dup(rec, r->col[ROSTER_ORG]);
	role = field_dup(rec, r->col[ROSTER_ROLE]);
	row->email = field_dup(rec, r->col[ROSTER_EMAIL]);
	if (!row->name || !row->title || !row->org || !role || !row->email) {
		free(role);
		return -ENOMEM;
	}
	if (rec->unclosed)
		roster_refuse(row, "a quoted field is never closed (a \" is missing): "
				   "this row runs to the end of the file");
	if (rec->too_long)
		roster_refuse(row, "the row is longer than %d bytes", ROSTER_ROW_MAX);
	if (rec->too_many)
		roster_refuse(row, "the row has more than %d columns", ROSTER_COLS_MAX);
	check_text(row, &row->name, "name", AUTH_NAME_MAX / 4);
	check_text(row, &row->title, "title", TITLE_MAX / 4);
	check_text(row, &row->org, "organisation", TITLE_MAX / 4);
	check_text(row, &role, "role", 100);
	check_text(row, &row->email, "email", STAFF_EMAIL_MAX);
	if (!row->reason[0] && !row->name[0])
		roster_refuse(row, "the name is empty");
	if (!row->reason[0]) {
		row->role = roster_role_parse(role);
		if (row->role == ROLE_NONE) {
			quote(role, q);
			roster_refuse(row, "the role '%s' is not one of chair, secretary, member, guest "
					   "(chủ tọa, thư ký, thành viên, khách)", q);
		}
	}
	if (!row->reason[0] && row->email[0] && !staff_email_ok(row->email)) {
		quote(row->email, q);
		roster_refuse(row, "the email '%s' is not an email address", q);
	}
	if (!row->reason[0] && row->email[0]) {
		char key[STAFF_EMAIL_MAX + 1];
		size_t n = 0;
		for (const char *c = row->email; *c && n < STAFF_EMAIL_MAX; c++)
			key[n++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c + 32) : *c;
		key[n] = 0;
		json_t *seen = json_object_get(emails, key);
		if (seen)
			roster_refuse(row, "the same email as line %lld",
				      (long long)json_integer_value(seen));
		else
			json_object_set_new(emails, key, json_integer(row->line));
	}
	if (!row->email[0]) {
		free(row->email);
		row->email = NULL;
	}
	free(role);
	return 0;
}

int roster_csv_parse(const char *data, size_t len, struct roster **out, char *err, size_t errlen)
{
	struct roster *r = NULL;
	struct rec *rec = NULL;
	json_t *emails = NULL;
	size_t p = 0;
	int line = 1, rc = 0, cap = 0;
	bool header = false;

	*out = NULL;
	if (len > ROSTER_CSV_MAX) {
		snprintf(err, errlen, "the file is larger than %zu KiB", ROSTER_CSV_MAX >> 10);
		return -E2BIG;
	}
	if (len >= 2 && (((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe) ||
			 ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff))) {
		snprintf(err, errlen, "this file is UTF-16 text: save it as \"CSV UTF-8\" "
				      "(comma or semicolon separated)");
		return -EINVAL;
	}
	if (memchr(data, 0, len)) {
		snprintf(err, errlen, "this is not a CSV text file: save the list as \"CSV UTF-8\"");
		return -EINVAL;
	}
	r = calloc(1, sizeof *r);
	rec = malloc(sizeof *rec);
	emails = json_object();
	if (!r || !rec || !emails) {
		rc = -ENOMEM;
		goto fail;
	}
	r->ignored = json_array();
	for (int i = 0; i < ROSTER_NCOLS; i++)
		r->col[i] = -1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		r->bom = true;
		p = 3;
	}
	r->sep = detect_sep(data + p, len - p);

	while (p < len) {
		p = read_record(data, len, p, r->sep, &line, rec);
		if (record_empty(rec))
			continue;
		if (!header) {
			header = true;
			for (int i = 0; i < rec->nf; i++) {
				char *name = field_dup(rec, i);
				int c = name && utf8_ok(name) ? header_column(name) : -1;
				if (c >= 0 && r->col[c] < 0)
					r->col[c] = i;
				else if (name && utf8_ok(name) && name[0])
					json_array_append_new(r->ignored, json_string(name));
				free(name);
			}
			if (r->col[ROSTER_NAME] < 0) {
				snprintf(err, errlen, "the first row must name the columns, one of them "
						      "\"Họ và tên\" or \"Name\" (also: Chức vụ / Title, "
						      "Đơn vị / Organisation, Vai trò / Role, Email)");
				rc = -EINVAL;
				goto fail;
			}
			continue;
		}
		if (r->nrows == ROSTER_ROWS_MAX) {
			snprintf(err, errlen, "the file has more than %d rows", ROSTER_ROWS_MAX);
			rc = -E2BIG;
			goto fail;
		}
		if (r->nrows == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct roster_row *grown = realloc(r->rows, (size_t)ncap * sizeof *grown);
			if (!grown) {
				rc = -ENOMEM;
				goto fail;
			}
			r->rows = grown;
			cap = ncap;
		}
		rc = make_row(r, rec, &r->rows[r->nrows], emails);
		r->nrows++;
		if (rc < 0)
			goto fail;
	}
	if (!header) {
		snprintf(err, errlen, "the file is empty");
		rc = -EINVAL;
		goto fail;
	}
	free(rec);
	json_decref(emails);
	*out = r;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(rec);
	json_decref(emails);
	roster_free(r);
	return rc;
}

void roster_free(struct roster *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nrows; i++) {
		free(r->rows[i].name);
		free(r->rows[i].title);
		free(r->rows[i].org);
		free(r->rows[i].email);
	}
	free(r->rows);
	json_decref(r->ignored);
	free(r);
}

json_t *roster_json(const struct roster *r)
{
	static const char *const names[ROSTER_NCOLS] = { "name", "title", "org", "role", "email" };
	json_t *rows = json_array(), *refused = json_array(), *cols = json_object();
	int nrefused = 0;
	char sep[2] = { r->sep, 0 };

	for (int i = 0; i < ROSTER_NCOLS; i++)
		if (r->col[i] >= 0)
			json_object_set_new(cols, names[i], json_integer(r->col[i]));
	for (int i = 0; i < r->nrows; i++) {
		const struct roster_row *row = &r->rows[i];
		if (row->reason[0]) {
			json_array_append_new(refused, json_pack("{s:i, s:s}", "line", row->line,
								 "reason", row->reason));
			nrefused++;
			continue;
		}
		json_array_append_new(rows, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s?}",
			"line", row->line, "name", row->name, "title", row->title, "org", row->org,
			"role", auth_role_name(row->role), "email", row->email));
	}
	return json_pack("{s:s, s:b, s:o, s:O, s:o, s:o, s:{s:i, s:i}}", "separator", sep,
			 "bom", r->bom, "columns", cols, "ignored", r->ignored, "rows", rows,
			 "refused", refused, "counts", "rows", r->nrows - nrefused,
			 "refused", nrefused);
}
