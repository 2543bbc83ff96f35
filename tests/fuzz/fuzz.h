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

/* libFuzzer's own mutator, and the hook of a target's own mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned seed);

/* One node of a JSON document with where it hangs (parent NULL: the root). */
struct fuzz_node {
	json_t *v, *parent;
	const char *key; /* in an object parent */
	size_t index;    /* in an array parent */
};

/* Collect every node under v into nodes[0..*n) (at most max). */
static inline void fuzz_json_nodes(json_t *v, json_t *parent, const char *key, size_t index,
				   struct fuzz_node *nodes, size_t *n, size_t max)
{
	const char *k;
	json_t *el;
	size_t i;

	if (*n == max)
		return;
	nodes[(*n)++] = (struct fuzz_node){v, parent, key, index};
	if (json_is_object(v))
		json_object_foreach (v, k, el)
			fuzz_json_nodes(el, v, k, 0, nodes, n, max);
	else if (json_is_array(v))
		json_array_foreach (v, i, el)
			fuzz_json_nodes(el, v, NULL, i, nodes, n, max);
}

/* A structure-aware mutation of a JSON document for a target whose
 * interesting inputs are valid documents (a strict parser rejects nearly
 * every byte-level mutation): one node changed -- a number nudged, a
 * boolean flipped, a string swapped for another of the document, an
 * element dropped or repeated, a field dropped or made null -- and the
 * document written again.  Text that is not JSON, and one call in four, get
 * libFuzzer's own mutations.  A target whose inputs are JSON documents
 * says FUZZ_JSON_MUTATOR once to mutate them this way. */
static inline size_t fuzz_json_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed)
{
	static struct fuzz_node nodes[4096];
	json_t *doc = seed % 4 ? json_loadb((const char *)data, size, 0, NULL) : NULL;
	size_t n = 0, len = 0, na;
	struct fuzz_node *at, *other;
	unsigned r = (seed * 1103515245u + 12345u) >> 4;
	json_t *nv = NULL;
	char *text;

	if (doc == NULL)
		return LLVMFuzzerMutate(data, size, max_size);
	fuzz_json_nodes(doc, NULL, NULL, 0, nodes, &n, sizeof nodes / sizeof nodes[0]);
	at = &nodes[r % n];
	other = &nodes[(r >> 12) % n];
	na = json_is_array(at->v) ? json_array_size(at->v) : 0;
	if (json_is_object(at->parent) && r % 4 == 0) {
		if (r & 0x100)
			json_object_del(at->parent, at->key);
		else
			json_object_set_new(at->parent, at->key, json_null());
	} else if (json_is_integer(at->v)) {
		json_int_t x = json_integer_value(at->v), d[] = {1, -1, -x, 7 - x, 1000000 - x};

		nv = json_integer(x + d[(r >> 8) % 5]);
	} else if (json_is_real(at->v)) {
		nv = json_real(json_real_value(at->v) * (r & 0x100 ? 0.5 : 2.0));
	} else if (json_is_boolean(at->v)) {
		nv = json_boolean(!json_is_true(at->v));
	} else if (json_is_string(at->v) && json_is_string(other->v)) {
		nv = json_copy(other->v);
	} else if (na > 0 && r & 0x100) {
		json_array_remove(at->v, (r >> 9) % na);
	} else if (na > 0) {
		json_array_append_new(at->v, json_deep_copy(json_array_get(at->v, (r >> 9) % na)));
	}
	if (nv != NULL && json_is_object(at->parent))
		json_object_set_new(at->parent, at->key, nv);
	else if (nv != NULL && json_is_array(at->parent))
		json_array_set_new(at->parent, at->index, nv);
	else
		json_decref(nv);
	text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(doc);
	if (text != NULL && (len = strlen(text)) <= max_size)
		memcpy(data, text, len);
	free(text);
	return len > 0 && len <= max_size ? len : LLVMFuzzerMutate(data, size, max_size);
}

#define FUZZ_JSON_MUTATOR                                                                          \
	size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned seed) \
	{                                                                                          \
		return fuzz_json_mutate(data, size, max_size, seed);                               \
	}

#endif
