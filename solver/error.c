/*
 * error.c - first-error-wins recording of struct pp_error, and the code names
 * that API.md promises to clients.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pp_error_set(struct pp_error *err, enum pp_errcode code, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != PP_OK)
		return -1;
	err->code = code;
	snprintf(err->path, sizeof err->path, "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

void pp_error_clear(struct pp_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof *err);
}

const char *pp_errcode_name(enum pp_errcode code)
{
	static const char *const names[] = {
	    [PP_OK] = "ok",
	    [PP_ERR_INVALID_JSON] = "invalid_json",
	    [PP_ERR_INVALID_INPUT] = "invalid_input",
	    [PP_ERR_UNAUTHORIZED] = "unauthorized",
	    [PP_ERR_FORBIDDEN] = "forbidden",
	    [PP_ERR_NOT_FOUND] = "not_found",
	    [PP_ERR_CONFLICT] = "conflict",
	    [PP_ERR_TOO_LARGE] = "too_large",
	    [PP_ERR_INFEASIBLE] = "infeasible",
	    [PP_ERR_BUSY] = "busy",
	    [PP_ERR_SHUTTING_DOWN] = "shutting_down",
	    [PP_ERR_INTERNAL] = "internal",
	};

	if ((unsigned)code >= sizeof names / sizeof names[0])
		return "internal";
	return names[code];
}
