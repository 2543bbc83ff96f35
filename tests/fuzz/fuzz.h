/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share.
 *
 * A target is one LLVMFuzzerTestOneInput() that feeds its input to the code
 * under test the way the CLI or the daemon does, and then checks what the
 * code promises with FUZZ_CHECK: a failed check prints its condition and
 * aborts, so libFuzzer keeps the input as a crash, like a sanitizer report.
 * The checks are cheap (index ranges, orders, round trips) so that a run
 * stays fast.  docs/fuzzing.md says how to build and run them.
 */
#ifndef PP_FUZZ_H
#define PP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

/* v[0..n) ascending (strictly: a set of indices), each in [0, hi). */
static inline bool fuzz_indices_ok(const int *v, int n, int hi)
{
	for (int i = 0; i < n; i++)
		if (v[i] < 0 || v[i] >= hi || (i > 0 && v[i] <= v[i - 1]))
			return false;
	return n == 0 || v != NULL;
}

/* A failed parse says why: a code the parsers use, and a message. */
static inline void fuzz_check_error(const struct pp_error *err)
{
	FUZZ_CHECK(err->code == PP_ERR_INVALID_JSON || err->code == PP_ERR_INVALID_INPUT);
	FUZZ_CHECK(err->message[0] != '\0');
}

/* jr_dumps(v) (compact), which must not fail; free() it. */
static inline char *fuzz_dumps(const json_t *v)
{
	char *s = v != NULL ? jr_dumps(v, 0) : NULL;

	FUZZ_CHECK(s != NULL);
	return s;
}

#endif
