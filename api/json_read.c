/*
 * json_read.c - the strict-reading toolkit of json_read.h over Jansson.
 *
 * The path is one fixed buffer plus a length: pushing appends ".key" or
 * "[i]" with snprintf, popping writes a NUL back at the saved length, so
 * walking a document costs no allocation.  Every reader funnels its
 * rejections through jr_fail(), which is where the "<path>: <what>" message
 * shape of API.md is made.  Interning uses a Jansson object as the hash
 * table from string to index.  Output goes through jr_dumps() only, so every
 * document peerplan emits prints its reals the same way.
 */
#include "json_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *jr_parse(const char *buf, size_t len, struct pp_error *err)
{
	json_error_t e;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);

	if (v == NULL)
		pp_error_set(err, PP_ERR_INVALID_JSON, "", "invalid JSON at line %d, column %d: %s",
			     e.line, e.column, e.text);
	return v;
}

void jr_init(struct jr *r, struct pp_error *err)
{
	r->path[0] = '\0';
	r->len = 0;
	r->err = err;
}

/* Append formatted text to the path, truncating at the buffer's end. */
static void path_append(struct jr *r, const char *fmt, const char *s, size_t i)
{
	int k;

	if (s != NULL)
		k = snprintf(r->path + r->len, sizeof r->path - r->len, fmt, s);
	else
		k = snprintf(r->path + r->len, sizeof r->path - r->len, fmt, i);
	if (k < 0)
		k = 0;
	r->len += (size_t)k;
	if (r->len > sizeof r->path - 1)
		r->len = sizeof r->path - 1;
}

size_t jr_push_key(struct jr *r, const char *key)
{
	size_t mark = r->len;

	path_append(r, r->len == 0 ? "%s" : ".%s", key, 0);
	return mark;
}

size_t jr_push_index(struct jr *r, size_t i)
{
	size_t mark = r->len;

	path_append(r, "[%zu]", NULL, i);
	return mark;
}

void jr_pop(struct jr *r, size_t mark)
{
	if (mark < r->len) {
		r->len = mark;
		r->path[mark] = '\0';
	}
}

int jr_fail(struct jr *r, const char *key, bool at_parent, const char *fmt, ...)
{
	char what[384];
	size_t mark;
	va_list ap;

	if (r->err == NULL || r->err->code != PP_OK)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (at_parent || key == NULL) {
		char parent[JR_PATH_MAX];

		snprintf(parent, sizeof parent, "%s", r->path);
		mark = key ? jr_push_key(r, key) : r->len;
		if (parent[0] != '\0')
			pp_error_set(r->err, PP_ERR_INVALID_INPUT, r->path, "%s: %s", parent, what);
		else
			pp_error_set(r->err, PP_ERR_INVALID_INPUT, r->path, "%s", what);
	} else {
		mark = jr_push_key(r, key);
		pp_error_set(r->err, PP_ERR_INVALID_INPUT, r->path, "%s: %s", r->path, what);
	}
	jr_pop(r, mark);
	return -1;
}

int jr_oom(struct jr *r)
{
	return pp_error_set(r->err, PP_ERR_INTERNAL, r->path, "out of memory");
}

int jr_object(struct jr *r, const json_t *v, const char *const *allowed)
{
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return jr_fail(r, NULL, false, "must be an object");
	if (allowed == NULL)
		return 0;
	json_object_foreach ((json_t *)v, key, val) {
		bool ok = false;

		for (const char *const *a = allowed; *a != NULL && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			return jr_fail(r, key, false, "unknown field");
	}
	return 0;
}

int jr_field(struct jr *r, const json_t *obj, const char *key, enum jr_need need, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL && need == JR_REQUIRED)
		return jr_fail(r, key, false, "missing required field");
	if (json_is_null(v)) {
		if (need == JR_REQUIRED)
			return jr_fail(r, key, false, "must not be null");
		return 0;
	}
	*out = v;
	return 0;
}

/* Describe an inclusive integer range for messages: ">= 0", "from 1 to 100". */
static void int_range(char *buf, size_t size, long long lo, long long hi)
{
	if (hi >= JR_INT_MAX)
		snprintf(buf, size, ">= %lld", lo);
	else
		snprintf(buf, size, "from %lld to %lld", lo, hi);
}

int jr_int(struct jr *r, const json_t *obj, const char *key, enum jr_need need, long long lo,
	   long long hi, int *out)
{
	char range[64];
	json_t *v;
	long long x;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	int_range(range, sizeof range, lo, hi);
	if (!json_is_integer(v))
		return jr_fail(r, key, false, "must be an integer %s", range);
	x = json_integer_value(v);
	if (x < lo)
		return jr_fail(r, key, false, "must be an integer %s", range);
	if (x > hi)
		return jr_fail(r, key, false, "must be an integer from %lld to %lld", lo, hi);
	*out = (int)x;
	return 0;
}

int jr_real(struct jr *r, const json_t *obj, const char *key, enum jr_need need, double lo,
	    double hi, double *out)
{
	json_t *v;
	double x;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_number(v))
		return jr_fail(r, key, false, "must be a number >= %g", lo);
	x = json_number_value(v);
	if (!isfinite(x) || x < lo)
		return jr_fail(r, key, false, "must be a number >= %g", lo);
	if (x > hi)
		return jr_fail(r, key, false, "must be a number from %g to %g", lo, hi);
	*out = x;
	return 0;
}

int jr_bool(struct jr *r, const json_t *obj, const char *key, enum jr_need need, bool *out)
{
	json_t *v;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return jr_fail(r, key, false, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int jr_string(struct jr *r, const json_t *obj, const char *key, enum jr_need need, size_t minlen,
	      size_t maxlen, const char **out)
{
	json_t *v;
	size_t n;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return jr_fail(r, key, false, "must be a string");
	n = json_string_length(v);
	if (n < minlen && minlen == 1)
		return jr_fail(r, key, false, "must not be empty");
	if (n < minlen || n > maxlen)
		return jr_fail(r, key, false, "must be a string of %zu to %zu characters", minlen,
			       maxlen);
	*out = json_string_value(v);
	return 0;
}

int jr_enum(struct jr *r, const json_t *obj, const char *key, enum jr_need need,
	    const char *const *names, int n, int *out)
{
	char list[256];
	size_t used = 0;
	json_t *v;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (json_is_string(v)) {
		for (int i = 0; i < n; i++) {
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	list[0] = '\0';
	for (int i = 0; i < n && used < sizeof list; i++) {
		int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
		used += k > 0 ? (size_t)k : 0;
	}
	return jr_fail(r, key, false, "must be one of %s", list);
}

int jr_array(struct jr *r, const json_t *obj, const char *key, enum jr_need need, json_t **out)
{
	json_t *v;

	*out = NULL;
	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return jr_fail(r, key, false, "must be an array");
	*out = v;
	return 0;
}

bool jr_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > JR_ID_MAX)
		return false;
	for (const char *c = s; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._:-", *c) != NULL))
			return false;
	}
	return true;
}

int jr_id(struct jr *r, const json_t *obj, const char *key, enum jr_need need, char *out)
{
	const char *s = NULL;
	json_t *v;

	if (jr_field(r, obj, key, need, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)) ||
	    !jr_id_valid(json_string_value(v)))
		return jr_fail(r, key, false,
			       "must be an id: 1 to %d characters of A-Z a-z 0-9 . _ : -",
			       JR_ID_MAX);
	s = json_string_value(v);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

struct id_ref {
	const char *id;
	size_t i;
};

/* Order by id, then by position, so equal ids sit together in input order. */
static int id_ref_cmp(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

int jr_unique_ids(struct jr *r, const void *base, size_t n, size_t stride, size_t offset)
{
	struct id_ref *refs;
	size_t dup = n, first = 0;

	if (n < 2)
		return 0;
	refs = malloc(n * sizeof *refs);
	if (refs == NULL)
		return jr_oom(r);
	for (size_t i = 0; i < n; i++) {
		refs[i].id = (const char *)base + i * stride + offset;
		refs[i].i = i;
	}
	qsort(refs, n, sizeof *refs, id_ref_cmp);
	/* Report the duplicate that comes first in input order. */
	for (size_t k = 1; k < n; k++) {
		if (strcmp(refs[k - 1].id, refs[k].id) == 0 &&
		    (k < 2 || strcmp(refs[k - 2].id, refs[k].id) != 0) && refs[k].i < dup) {
			dup = refs[k].i;
			first = refs[k - 1].i;
		}
	}
	free(refs);
	if (dup < n) {
		char list[JR_PATH_MAX];
		const char *id = (const char *)base + dup * stride + offset;
		size_t mark;
		int rc;

		snprintf(list, sizeof list, "%s", r->path);
		mark = jr_push_index(r, dup);
		rc = jr_fail(r, "id", false, "duplicate id '%s' (also %s[%zu])", id, list, first);
		jr_pop(r, mark);
		return rc;
	}
	return 0;
}

int jr_intern(struct jr *r, struct jr_strtab *t, const char *s)
{
	json_t *idx;
	char *copy;

	if (t->index == NULL && (t->index = json_object()) == NULL)
		return jr_oom(r);
	idx = json_object_get(t->index, s);
	if (idx != NULL)
		return (int)json_integer_value(idx);
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		char **v = realloc(t->v, (size_t)cap * sizeof *v);

		if (v == NULL)
			return jr_oom(r);
		t->v = v;
		t->cap = cap;
	}
	copy = strdup(s);
	if (copy == NULL)
		return jr_oom(r);
	if (json_object_set_new(t->index, s, json_integer(t->n)) < 0) {
		free(copy);
		return jr_oom(r);
	}
	t->v[t->n] = copy;
	return t->n++;
}

void jr_strtab_take(struct jr_strtab *t, char ***v, int *n)
{
	*v = t->v;
	*n = t->n;
	t->v = NULL;
	t->n = t->cap = 0;
	json_decref(t->index);
	t->index = NULL;
}

void jr_strtab_free(struct jr_strtab *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	json_decref(t->index);
	memset(t, 0, sizeof *t);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int jr_tags(struct jr *r, const json_t *obj, const char *key, enum jr_need need,
	    struct jr_strtab *t, int **v, int *n)
{
	json_t *arr, *el;
	size_t i, mark, k = 0;
	int *out;

	*v = NULL;
	*n = 0;
	if (jr_array(r, obj, key, need, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	out = malloc(json_array_size(arr) * sizeof *out);
	if (out == NULL)
		return jr_oom(r);
	mark = jr_push_key(r, key);
	json_array_foreach (arr, i, el) {
		size_t len = json_is_string(el) ? json_string_length(el) : 0;
		int idx;

		if (len == 0 || len > JR_ID_MAX || len != strlen(json_string_value(el))) {
			size_t m = jr_push_index(r, i);

			jr_fail(r, NULL, false,
				"must be a non-empty string of at most %d characters", JR_ID_MAX);
			jr_pop(r, m);
			goto fail;
		}
		idx = jr_intern(r, t, json_string_value(el));
		if (idx < 0)
			goto fail;
		out[k++] = idx;
	}
	jr_pop(r, mark);
	qsort(out, k, sizeof *out, int_cmp);
	*n = 0;
	for (size_t j = 0; j < k; j++)
		if (j == 0 || out[j] != out[j - 1])
			out[(*n)++] = out[j];
	*v = out;
	return 0;
fail:
	jr_pop(r, mark);
	free(out);
	return -1;
}

double jr_round6(double x)
{
	if (!isfinite(x))
		return x;
	return round(x * 1e6) / 1e6 + 0.0;
}

json_t *jr_money(double x)
{
	return json_real(jr_round6(x));
}

/* The length of the valid UTF-8 sequence at p (1..4), or 0. */
static size_t jr_utf8_len(const unsigned char *p)
{
	unsigned c = p[0], cp;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0; /* a continuation byte, or a lead byte never valid */
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

json_t *jr_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), bad = 0, n, m, k;
	char *out;
	json_t *v;

	for (n = 0; n < len; n += m ? m : 1)
		if ((m = jr_utf8_len(p + n)) == 0)
			bad++;
	if (bad == 0)
		return json_string(s);
	if ((out = malloc(len + 3 * bad + 1)) == NULL)
		return NULL;
	for (n = 0, k = 0; n < len; n += m ? m : 1) {
		if ((m = jr_utf8_len(p + n)) == 0) {
			k += (size_t)sprintf(out + k, "\\x%02X", p[n]);
		} else {
			memcpy(out + k, s + n, m);
			k += m;
		}
	}
	out[k] = '\0';
	v = json_string(out);
	free(out);
	return v;
}

char *jr_dumps(const json_t *v, int flags)
{
	size_t f = JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY;

	f |= (flags & JR_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
	return json_dumps(v, f);
}
