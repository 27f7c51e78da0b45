/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_document — libFuzzer harness for the render worker's open-and-render
 * (render_worker_probe()): each input is opened as a PDF from memory, its
 * pages counted and page 1 drawn at a small width, under the worker's
 * page-size clamp and allocation cap. Properties checked on every input: it
 * never crashes or leaks; a failure is one of the documented statuses and
 * carries a sentence for a person.
 *
 * MuPDF is Debian's static library, built without coverage instrumentation:
 * the fuzzer steers by our code and the dictionary (document.dict), and the
 * sanitizers see MuPDF's memory errors only through the allocations it
 * makes with our allocator.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int rc;

	/* Past a few hundred KB the fuzzer only repeats itself, slowly. */
	if (size > 512 * 1024)
		return -1;
	memset(err, 'x', sizeof err);
	rc = render_worker_probe(data, size, err, sizeof err);
	assert(memchr(err, '\0', sizeof err));
	if (rc == 0)
		return 0;
	assert(rc == -EINVAL || rc == -EACCES || rc == -ENOMEM);
	assert(err[0] >= 'A' && err[0] <= 'Z');
	return 0;
}
