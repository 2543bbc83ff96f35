/*
 * test_file.h - the whole of a file as a string, for the cmocka tests that
 * read example documents (header-only, static).  Include after cmocka.h.
 */
#ifndef PP_TEST_FILE_H
#define PP_TEST_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The contents of path, NUL-terminated, in a new malloc()ed buffer; its
 * length in *len when len is not NULL.  Fails the test when the file
 * cannot be read. */
static __attribute__((unused)) char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

#endif
