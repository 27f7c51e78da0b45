/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_roster_csv — the roster from a spreadsheet's CSV file (roster_csv.c):
 * byte-order marks, commas and semicolons, quoted fields, headers in
 * Vietnamese and English, each refused row with its line and reason, and
 * hostile files (unclosed quotes, a 1 MB line, invalid UTF-8, formulas,
 * UTF-16, too many rows or columns).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "roster_csv.h"

static struct roster *parse_ok(const char *csv)
{
	struct roster *r = NULL;
	char err[300] = "";

	int rc = roster_csv_parse(csv, strlen(csv), &r, err, sizeof err);
	if (rc != 0)
		fail_msg("parse failed (%d): %s", rc, err);
	assert_non_null(r);
	return r;
}

static int parse_err(const char *csv, size_t len, char err[300])
{
	struct roster *r = NULL;
	int rc = roster_csv_parse(csv, len, &r, err, 300);

	assert_null(r);
	assert_true(err[0] != 0);
	return rc;
}

static const struct roster_row *row_at_line(const struct roster *r, int line)
{
	for (int i = 0; i < r->nrows; i++)
		if (r->rows[i].line == line)
			return &r->rows[i];
	fail_msg("no row at line %d", line);
	return NULL;
}

/* ---- the file ----------------------------------------------------------- */

static void bom_and_semicolons_and_vietnamese_header(void **state)
{
	(void)state;
	struct roster *r = parse_ok("\xef\xbb\xbf" "STT;Họ và tên;Chức vụ;Đơn vị;Vai trò;Email\r\n"
				    "1;Nguyễn Văn An;Giám đốc;Sở Thông tin, Truyền thông;Chủ tọa;an@example.vn\r\n"
				    "2;Trần Thị Bình;Phó giám đốc;Sở Tài chính;thành viên;\r\n"
				    "3;Lê Minh Châu;;;Khách mời;chau@example.vn\r\n");

	assert_true(r->bom);
	assert_int_equal(r->sep, ';');
	assert_int_equal(r->col[ROSTER_NAME], 1);
	assert_int_equal(r->col[ROSTER_TITLE], 2);
	assert_int_equal(r->col[ROSTER_ORG], 3);
	assert_int_equal(r->col[ROSTER_ROLE], 4);
	assert_int_equal(r->col[ROSTER_EMAIL], 5);
	assert_int_equal(json_array_size(r->ignored), 1);
	assert_string_equal(json_string_value(json_array_get(r->ignored, 0)), "STT");
	assert_int_equal(r->nrows, 3);
	const struct roster_row *an = row_at_line(r, 2);
	assert_string_equal(an->reason, "");
	assert_string_equal(an->name, "Nguyễn Văn An");
	assert_string_equal(an->org, "Sở Thông tin, Truyền thông");
	assert_int_equal(an->role, ROLE_CHAIR);
	assert_string_equal(an->email, "an@example.vn");
	assert_int_equal(row_at_line(r, 3)->role, ROLE_MEMBER);
	assert_null(row_at_line(r, 3)->email);
	assert_int_equal(row_at_line(r, 4)->role, ROLE_GUEST);
	roster_free(r);
}

static void commas_without_bom_and_english_header_any_case(void **state)
{
	(void)state;
	struct roster *r = parse_ok("FULL NAME,title,Organisation,ROLE,E-mail\n"
				    "Nguyen Van An,Director,DOST,member,an@example.vn\n");

	assert_false(r->bom);
	assert_int_equal(r->sep, ',');
	assert_int_equal(r->col[ROSTER_EMAIL], 4);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(r->rows[0].reason, "");
	roster_free(r);
}

static void header_ignores_case_and_diacritics(void **state)
{
	(void)state;
	/* "HO VA TEN" without marks, "Don vi", "vai tro", "Thư điện tử". */
	struct roster *r = parse_ok("HO VA TEN;Don vi;vai tro;Thư điện tử\nAn;Sở;thư ký;an@x.vn\n");

	assert_int_equal(r->col[ROSTER_NAME], 0);
	assert_int_equal(r->col[ROSTER_ORG], 1);
	assert_int_equal(r->col[ROSTER_ROLE], 2);
	assert_int_equal(r->col[ROSTER_EMAIL], 3);
	assert_int_equal(r->rows[0].role, ROLE_SECRETARY);
	roster_free(r);
}

static void quoted_fields_hold_separators_quotes_and_newlines(void **state)
{
	(void)state;
	struct roster *r = parse_ok("Name,Title,Organisation\n"
				    "\"Phạm, Thị Dung\",\"Trưởng phòng \"\"Kế hoạch\"\"\",\"Sở\nKế hoạch\"\n"
				    "Hoàng Văn Em,,\n");

	assert_int_equal(r->nrows, 2);
	assert_string_equal(r->rows[0].name, "Phạm, Thị Dung");
	assert_string_equal(r->rows[0].title, "Trưởng phòng \"Kế hoạch\"");
	assert_string_equal(r->rows[0].org, "Sở\nKế hoạch");
	assert_int_equal(r->rows[0].line, 2);
	/* The record above spans two lines: the next one starts on line 4. */
	assert_int_equal(r->rows[1].line, 4);
	roster_free(r);
}

static void empty_rows_are_skipped_and_lines_counted(void **state)
{
	(void)state;
	struct roster *r = parse_ok("\n\nName;Email\r\n;\r\n\r\n  ;  \r\nAn;\r\n;;\r\n");

	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].line, 7);
	roster_free(r);
}

static void a_whole_file_refused(void **state)
{
	char err[300];

	(void)state;
	assert_int_equal(parse_err("", 0, err), -EINVAL);
	assert_int_equal(parse_err("\xef\xbb\xbf\r\n\r\n", 7, err), -EINVAL);
	assert_int_equal(parse_err("Chức vụ;Email\nGiám đốc;a@b.vn\n", 33, err), -EINVAL);
	assert_non_null(strstr(err, "Họ và tên"));
	assert_int_equal(parse_err("\xff\xfeN\0a\0m\0e\0", 10, err), -EINVAL);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(parse_err("Name\nA\0B\n", 9, err), -EINVAL);
}

/* ---- rows --------------------------------------------------------------- */

static void each_refused_row_has_its_line_and_reason(void **state)
{
	(void)state;
	struct roster *r = parse_ok("Họ và tên;Vai trò;Email\n"
				    "Nguyễn Văn An;;an@example.vn\n"          /* 2 ok */
				    ";thành viên;nobody@example.vn\n"         /* 3 empty name */
				    "Trần Bình;giám khảo;\n"                  /* 4 unknown role */
				    "Lê Châu;;chau@@example\n"                /* 5 bad email */
				    "Nguyễn Văn An;;AN@example.vn\n"          /* 6 same email as 2 */
				    "Phạm Dung;-;-\n");                       /* 7 lone dashes: empty */

	assert_int_equal(r->nrows, 6);
	assert_string_equal(row_at_line(r, 2)->reason, "");
	assert_string_equal(row_at_line(r, 3)->reason, "the name is empty");
	assert_non_null(strstr(row_at_line(r, 4)->reason, "the role 'giám khảo' is not one of"));
	assert_string_equal(row_at_line(r, 5)->reason,
			    "the email 'chau@@example' is not an email address");
	assert_string_equal(row_at_line(r, 6)->reason, "the same email as line 2");
	assert_string_equal(row_at_line(r, 7)->reason, "");
	assert_int_equal(row_at_line(r, 7)->role, ROLE_MEMBER);
	assert_null(row_at_line(r, 7)->email);

	json_t *j = roster_json(r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "rows")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "refused")), 4);
	json_t *refused = json_object_get(j, "refused");
	assert_int_equal(json_array_size(refused), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(refused, 0), "line")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "separator")), ";");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "columns"), "email")), 2);
	json_decref(j);
	roster_free(r);
}

static void names_are_bounded(void **state)
{
	char csv[1024];
	char name[500];

	(void)state;
	memset(name, 'a', 101);
	name[101] = 0;
	snprintf(csv, sizeof csv, "Name,Title\n%s,x\n", name);
	struct roster *r = parse_ok(csv);
	assert_string_equal(r->rows[0].reason, "the name is longer than 100 characters");
	roster_free(r);
	/* 100 Vietnamese letters (200+ bytes) are fine. */
	name[0] = 0;
	for (int i = 0; i < 100; i++)
		strcat(name, "ễ");
	snprintf(csv, sizeof csv, "Name\n%s\n", name);
	r = parse_ok(csv);
	assert_string_equal(r->rows[0].reason, "");
	roster_free(r);
}

/* ---- hostile files ------------------------------------------------------ */

static void unclosed_quote_runs_to_the_end(void **state)
{
	(void)state;
	struct roster *r = parse_ok("Name,Title\nAn,Director\n\"Bình,Deputy\nChâu,Head\n");

	assert_int_equal(r->nrows, 2);
	assert_string_equal(r->rows[0].reason, "");
	assert_int_equal(r->rows[1].line, 3);
	assert_non_null(strstr(r->rows[1].reason, "never closed"));
	roster_free(r);
}

static void a_megabyte_line_is_one_refused_row(void **state)
{
	size_t n = (size_t)1 << 20;
	char *csv = malloc(n + 64);
	struct roster *r = NULL;
	char err[300];

	(void)state;
	assert_non_null(csv);
	strcpy(csv, "Name\nAn\n");
	size_t off = strlen(csv);
	memset(csv + off, 'x', n - off - 16);
	off = n - 16;
	strcpy(csv + off, "\nBình\n");
	assert_int_equal(roster_csv_parse(csv, strlen(csv), &r, err, sizeof err), 0);
	assert_int_equal(r->nrows, 3);
	assert_string_equal(row_at_line(r, 3)->reason, "the row is longer than 4096 bytes");
	assert_string_equal(row_at_line(r, 4)->name, "Bình");
	assert_string_equal(row_at_line(r, 4)->reason, "");
	roster_free(r);

	/* Past 1 MiB the file is refused as a whole. */
	char *big = malloc(ROSTER_CSV_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', ROSTER_CSV_MAX + 1);
	big[ROSTER_CSV_MAX + 1] = 0;
	assert_int_equal(roster_csv_parse(big, ROSTER_CSV_MAX + 1, &r, err, sizeof err), -E2BIG);
	assert_null(r);
	free(big);
	free(csv);
}

static void invalid_utf8_is_refused_by_row(void **state)
{
	(void)state;
	/* Windows-1258 "Nguy\xean" and an overlong encoding of '/'. */
	struct roster *r = parse_ok("Name;Title\nNguy\xean V\xe3n An;x\nAn;\xc0\xaf\nBình;ok\n");

	assert_int_equal(r->nrows, 3);
	assert_non_null(strstr(r->rows[0].reason, "the name is not UTF-8 text"));
	assert_non_null(strstr(r->rows[1].reason, "the title is not UTF-8 text"));
	assert_string_equal(r->rows[2].reason, "");
	json_t *j = roster_json(r); /* every string in it is valid UTF-8 */
	assert_non_null(j);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	free(text);
	json_decref(j);
	roster_free(r);
}

static void formulas_are_refused(void **state)
{
	(void)state;
	struct roster *r = parse_ok("Name,Title,Organisation,Email\n"
				    "=cmd|' /C calc'!A0,x,y,\n"
				    "An,+SUM(A1:A9),y,\n"
				    "Bình,x,@HYPERLINK(\"http://evil\"),\n"
				    "Châu,x,y,-2+3@x.vn\n"
				    "  =1+1,x,y,\n"
				    "Dung,Giám đốc,Sở,\n");

	assert_int_equal(r->nrows, 6);
	assert_non_null(strstr(r->rows[0].reason, "the name starts with '='"));
	assert_non_null(strstr(r->rows[0].reason, "formula"));
	assert_non_null(strstr(r->rows[1].reason, "the title starts with '+'"));
	assert_non_null(strstr(r->rows[2].reason, "the organisation starts with '@'"));
	assert_non_null(strstr(r->rows[3].reason, "the email starts with '-'"));
	assert_non_null(strstr(r->rows[4].reason, "the name starts with '='"));
	assert_string_equal(r->rows[5].reason, "");
	roster_free(r);
}

static void control_characters_are_refused(void **state)
{
	(void)state;
	struct roster *r = parse_ok("Name,Title\nAn\x1b[31m,x\nBình,\"a\rb\"\n");

	assert_non_null(strstr(r->rows[0].reason, "control characters"));
	assert_non_null(strstr(r->rows[1].reason, "control characters"));
	roster_free(r);
}

static void too_many_columns_or_rows(void **state)
{
	char *csv = malloc(200000);
	struct roster *r = NULL;
	char err[300];

	(void)state;
	assert_non_null(csv);
	strcpy(csv, "Name\nAn");
	for (int i = 0; i < 70; i++)
		strcat(csv, ",x");
	strcat(csv, "\n");
	r = parse_ok(csv);
	assert_string_equal(r->rows[0].reason, "the row has more than 64 columns");
	roster_free(r);

	strcpy(csv, "Name\n");
	size_t off = strlen(csv);
	for (int i = 0; i <= ROSTER_ROWS_MAX; i++)
		off += (size_t)sprintf(csv + off, "P%d\n", i);
	assert_int_equal(roster_csv_parse(csv, off, &r, err, sizeof err), -E2BIG);
	assert_non_null(strstr(err, "5000"));
	free(csv);
}

static void roles_in_both_languages(void **state)
{
	(void)state;
	assert_int_equal(roster_role_parse(""), ROLE_MEMBER);
	assert_int_equal(roster_role_parse("Chủ tọa"), ROLE_CHAIR);
	assert_int_equal(roster_role_parse("CHU TRI"), ROLE_CHAIR);
	assert_int_equal(roster_role_parse("Thư ký"), ROLE_SECRETARY);
	assert_int_equal(roster_role_parse("Đại biểu"), ROLE_MEMBER);
	assert_int_equal(roster_role_parse("guest"), ROLE_GUEST);
	assert_int_equal(roster_role_parse("display"), ROLE_NONE);
	assert_int_equal(roster_role_parse("!!"), ROLE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bom_and_semicolons_and_vietnamese_header),
		cmocka_unit_test(commas_without_bom_and_english_header_any_case),
		cmocka_unit_test(header_ignores_case_and_diacritics),
		cmocka_unit_test(quoted_fields_hold_separators_quotes_and_newlines),
		cmocka_unit_test(empty_rows_are_skipped_and_lines_counted),
		cmocka_unit_test(a_whole_file_refused),
		cmocka_unit_test(each_refused_row_has_its_line_and_reason),
		cmocka_unit_test(names_are_bounded),
		cmocka_unit_test(unclosed_quote_runs_to_the_end),
		cmocka_unit_test(a_megabyte_line_is_one_refused_row),
		cmocka_unit_test(invalid_utf8_is_refused_by_row),
		cmocka_unit_test(formulas_are_refused),
		cmocka_unit_test(control_characters_are_refused),
		cmocka_unit_test(too_many_columns_or_rows),
		cmocka_unit_test(roles_in_both_languages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
