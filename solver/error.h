/*
 * error.h - the one error type of peerplan.
 *
 * Every fallible function returns 0 / -1 (or a pointer / NULL) and fills a
 * caller-owned struct pp_error, the way Jansson fills json_error_t: the first
 * error wins, and a NULL error pointer is allowed.  The code says what kind of
 * failure it is (the daemon maps codes to HTTP statuses in one table); `path`
 * names the offending JSON field ("parents[3].available[0].from") when there
 * is one, and `message` is a sentence an agency coordinator can act on.
 */
#ifndef PP_ERROR_H
#define PP_ERROR_H

enum pp_errcode {
	PP_OK = 0,
	PP_ERR_INVALID_JSON,  /* 400: the body is not JSON */
	PP_ERR_INVALID_INPUT, /* 400: a field is missing, unknown, out of range */
	PP_ERR_UNAUTHORIZED,  /* 401 */
	PP_ERR_FORBIDDEN,     /* 403 */
	PP_ERR_NOT_FOUND,     /* 404 */
	PP_ERR_CONFLICT,      /* 409 */
	PP_ERR_TOO_LARGE,     /* 413 */
	PP_ERR_INFEASIBLE,    /* 422 */
	PP_ERR_BUSY,          /* 429 */
	PP_ERR_SHUTTING_DOWN, /* 503 */
	PP_ERR_INTERNAL,      /* 500: a bug, an out-of-memory, a solver failure */
};

struct pp_error {
	enum pp_errcode code;
	char path[256];
	char message[512];
};

/* Record an error unless one is already recorded; err may be NULL.  path may
 * be NULL or "".  Always returns -1 so callers can `return pp_error_set(...)`. */
int pp_error_set(struct pp_error *err, enum pp_errcode code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clear err to "no error"; err may be NULL. */
void pp_error_clear(struct pp_error *err);

/* The stable lower-case name of a code ("invalid_input"), as in API.md. */
const char *pp_errcode_name(enum pp_errcode code);

#endif
