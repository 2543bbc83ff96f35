/*
 * json_read.h - strict reading of JSON documents into model structs, and the
 * one way peerplan writes JSON.
 *
 * Every parser in api/ follows the same pattern:
 *
 *	struct jr r;
 *	json_t *doc = jr_parse(buf, len, err);      // PP_ERR_INVALID_JSON, line/column
 *	jr_init(&r, err);
 *	if (jr_object(&r, doc, allowed_keys) < 0)   // "frobnicate: unknown field"
 *		...;
 *	size_t m = jr_push_key(&r, "policy");        // path is now "policy"
 *	jr_real(&r, policy, "budget", JR_OPTIONAL, 0, JR_NO_MAX, &budget);
 *	jr_pop(&r, m);                               // path is "" again
 *
 * A struct jr carries the JSON path of the value being read (cheap to push
 * and pop: it is one fixed buffer and a length) and the caller's
 * struct pp_error.  A reader that rejects a value records PP_ERR_INVALID_INPUT
 * with path = the current path plus the field ("parents[3].seats") and a
 * message that starts with that path ("parents[3].seats: must be an integer
 * >= 0"), then returns -1.  The first error wins, so a parser may keep going
 * or return at once; it only has to propagate -1.
 *
 * Optional fields: absent and JSON null both mean "use the default", so
 * readers leave *out untouched; the caller stores the default first.  For a
 * required field, absence is "missing required field" and null is a type
 * error.
 *
 * Strings handed out (jr_string) point into the json_t and live as long as
 * the document.  Tag lists are interned into a struct jr_strtab, whose
 * strings the caller finally takes over (jr_strtab_take) or frees.
 *
 * No I/O here: jr_dumps() returns a string for the caller to write.
 */
#ifndef PP_JSON_READ_H
#define PP_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define JR_PATH_MAX 256     /* = sizeof ((struct pp_error *)0)->path */
#define JR_ID_MAX   64      /* ids: 1..64 chars of [A-Za-z0-9._:-] */
#define JR_INT_MAX  1000000 /* upper bound of "any integer >= x" fields */
#define JR_NO_MAX   1e15    /* upper bound of "any number >= x" fields */

enum jr_need { JR_OPTIONAL = 0, JR_REQUIRED = 1 };

/* The reading context: the current path and the error to fill. */
struct jr {
	char path[JR_PATH_MAX];
	size_t len;
	struct pp_error *err; /* may be NULL */
};

/* Interned strings: index i <-> string v[i]. */
struct jr_strtab {
	json_t *index; /* object: string -> integer index */
	char **v;      /* malloc'd strings */
	int n, cap;
};

/* Parse buf[0..len) as one JSON object or array; repeated keys are errors.
 * Returns a new reference, or NULL with PP_ERR_INVALID_JSON whose message
 * names line and column ("line 3, column 7: ..."). */
json_t *jr_parse(const char *buf, size_t len, struct pp_error *err);

/* Start reading at the document root (path ""). */
void jr_init(struct jr *r, struct pp_error *err);

/* Append ".key" (or "key" at the root) / "[i]" to the path; return the mark
 * to give jr_pop().  A path longer than JR_PATH_MAX - 1 is truncated. */
size_t jr_push_key(struct jr *r, const char *key);
size_t jr_push_index(struct jr *r, size_t i);
void jr_pop(struct jr *r, size_t mark);

/* Record PP_ERR_INVALID_INPUT at the current path plus key (key may be NULL
 * for the current path itself).  The message is "<path>: <fmt...>", with
 * the current path (not the key) when at_parent is true, so that a relation
 * between fields reads "rooms[0].available[1]: 'from' must be before 'to'"
 * while the path points at "...available[1].from".  Returns -1. */
int jr_fail(struct jr *r, const char *key, bool at_parent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record PP_ERR_INTERNAL "out of memory"; returns -1. */
int jr_oom(struct jr *r);

/* v must be an object whose keys are all in allowed (NULL-terminated; a
 * NULL list allows any key, for maps such as matching's "traits").
 * Errors: "must be an object", "<path>.<key>: unknown field". */
int jr_object(struct jr *r, const json_t *v, const char *const *allowed);

/* Look up obj[key].  Returns 0 with *out = the value, or *out = NULL when the
 * field is absent or null and optional; -1 when required and absent/null. */
int jr_field(struct jr *r, const json_t *obj, const char *key, enum jr_need need, json_t **out);

/* Typed readers of obj[key].  Range bounds are inclusive; out is written only
 * when the field is present and valid.  Integers must be JSON integers; a
 * number may be integer or real. */
int jr_int(struct jr *r, const json_t *obj, const char *key, enum jr_need need, long long lo,
	   long long hi, int *out);
int jr_real(struct jr *r, const json_t *obj, const char *key, enum jr_need need, double lo,
	    double hi, double *out);
int jr_bool(struct jr *r, const json_t *obj, const char *key, enum jr_need need, bool *out);

/* A string of 0..maxlen bytes (minlen 1 rejects ""); *out points into obj. */
int jr_string(struct jr *r, const json_t *obj, const char *key, enum jr_need need, size_t minlen,
	      size_t maxlen, const char **out);

/* A string that is one of names[0..n); *out = its index. */
int jr_enum(struct jr *r, const json_t *obj, const char *key, enum jr_need need,
	    const char *const *names, int n, int *out);

/* An array; *out = the borrowed array, or NULL when optional and absent. */
int jr_array(struct jr *r, const json_t *obj, const char *key, enum jr_need need, json_t **out);

/* Is s a valid id (1..64 chars of [A-Za-z0-9._:-])? */
bool jr_id_valid(const char *s);

/* A valid id, copied into out[JR_ID_MAX + 1]. */
int jr_id(struct jr *r, const json_t *obj, const char *key, enum jr_need need, char *out);

/* The ids at (char *)base + i * stride + offset, i < n, must be distinct.
 * Call with the path at the list ("parents"); the error names the later
 * duplicate: path "parents[5].id", message "parents[5].id: duplicate id
 * 'P1' (also parents[2])". */
int jr_unique_ids(struct jr *r, const void *base, size_t n, size_t stride, size_t offset);

/* Intern s; returns its index, or -1 (out of memory, recorded in r). */
int jr_intern(struct jr *r, struct jr_strtab *t, const char *s);

/* Hand the strings over (*v malloc'd array of malloc'd strings, *n count)
 * and empty t; the caller frees them with free(). */
void jr_strtab_take(struct jr_strtab *t, char ***v, int *n);

/* Free t's index and any strings not taken. */
void jr_strtab_free(struct jr_strtab *t);

/* A tag list obj[key]: an array of non-empty strings (at most JR_ID_MAX
 * chars each), read as a set.  *v = malloc'd sorted distinct intern indices
 * (NULL when empty), *n its length.  Absent and optional: *v = NULL, *n = 0. */
int jr_tags(struct jr *r, const json_t *obj, const char *key, enum jr_need need,
	    struct jr_strtab *t, int **v, int *n);

/* Money and other reals as they should be printed: rounded to 1e-6, with
 * -0 turned into 0, so that a sum like 2915.0000000000005 prints 2915.0. */
double jr_round6(double x);

/* json_real(jr_round6(x)); NULL on out of memory. */
json_t *jr_money(double x);

/* A JSON string of the C string s, which may hold any bytes (a decoded
 * path segment or query value echoed in a message): valid UTF-8 is kept,
 * and each byte that is not part of a valid sequence (as Jansson judges:
 * no overlong forms, surrogates or code points above U+10FFFF) is written
 * as the four characters \xNN, so json_string() cannot refuse it.  NULL
 * on out of memory. */
json_t *jr_text(const char *s);

enum { JR_PRETTY = 1 };

/* The one serialisation of peerplan's JSON: compact (or indented with
 * JR_PRETTY), keys in insertion order, reals with 15 significant digits
 * (so 2915.0 prints "2915.0"); any value, not only objects and arrays.
 * Returns a malloc'd string, or NULL. */
char *jr_dumps(const json_t *v, int flags);

#endif
