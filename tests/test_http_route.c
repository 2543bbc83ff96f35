/*
 * test_http_route.c - routing a request target (http_route, over the table
 * of daemon/routes.c) without a network: methods, HEAD as GET, the {id}
 * segment percent-decoded, and ids that must match nothing rather than be
 * trimmed into another id (a NUL or a '/' in the decoded segment, an id too
 * long), malformed queries, and a pattern with several {id} segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <event2/http.h>
#include <string.h>

#include "http.h"

/* Route method and target; returns the route's name, or NULL with *code
 * the error.  param gets the captured id. */
static const char *route(enum evhttp_cmd_type method, const char *target, char param[128],
			 enum pp_errcode *code)
{
	struct evhttp_uri *uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
	struct http_call c;
	struct pp_error err = {0};
	const char *name = NULL;

	assert_non_null(uri);
	memset(&c, 0, sizeof c);
	c.query.tqh_last = &c.query.tqh_first;
	if (http_route(&c, method, uri, &err) == 0) {
		assert_true(c.route >= 0 && c.route < nroutes);
		name = routes[c.route].name;
		strcpy(param, c.param);
	} else {
		assert_int_equal(c.route, -1);
	}
	*code = err.code;
	evhttp_clear_headers(&c.query);
	evhttp_uri_free(uri);
	return name;
}

static void test_routes(void **state)
{
	enum pp_errcode code;
	char param[128];

	assert_string_equal(route(EVHTTP_REQ_GET, "/v1/health", param, &code), "health");
	assert_string_equal(route(EVHTTP_REQ_HEAD, "/v1/health", param, &code), "health");
	assert_string_equal(route(EVHTTP_REQ_PUT, "/v1/specialists/S1", param, &code),
			    "specialists_put");
	assert_string_equal(param, "S1");
	assert_string_equal(route(EVHTTP_REQ_GET, "/v1/plans/p%2D1/calendar.ics?x=1", param, &code),
			    "plans_calendar");
	assert_string_equal(param, "p-1");
	assert_string_equal(route(EVHTTP_REQ_GET, "/v1/plans/a+b%zz", param, &code), "plans_get");
	assert_string_equal(param, "a+b%zz");
	assert_null(route(EVHTTP_REQ_POST, "/v1/health", param, &code));
	assert_int_equal(code, PP_ERR_NOT_FOUND);
	assert_null(route(EVHTTP_REQ_GET, "/v1/plans/", param, &code));
	assert_int_equal(code, PP_ERR_NOT_FOUND);
	assert_null(route(EVHTTP_REQ_GET, "/v1/plans?a=%zz&&b", param, &code));
	assert_int_equal(code, PP_ERR_INVALID_INPUT);
}

/* Issue 11, item 4: PUT /v1/specialists/S1%00anything created S1 and
 * DELETE /v1/specialists/S1%2F..%2F.. deleted S1. */
static void test_ids_never_trimmed(void **state)
{
	static const char *const bad[] = {
	    "/v1/specialists/S1%00anything",
	    "/v1/specialists/S1%2F..%2F..",
	    "/v1/specialists/S1%2f",
	    "/v1/specialists/%00",
	};
	enum pp_errcode code;
	char param[128], id[200];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_null(route(EVHTTP_REQ_PUT, bad[i], param, &code));
		assert_int_equal(code, PP_ERR_NOT_FOUND);
		assert_null(route(EVHTTP_REQ_DELETE, bad[i], param, &code));
		assert_int_equal(code, PP_ERR_NOT_FOUND);
	}
	/* a plan's calendar under an id holding "%2F" is no plan's calendar */
	assert_null(route(EVHTTP_REQ_GET, "/v1/plans/p1%2Fcalendar.ics", param, &code));
	/* 127 bytes fit the captured id; 128 match nothing */
	memset(id, 'a', sizeof id);
	memcpy(id, "/v1/plans/", 10);
	id[10 + 127] = '\0';
	assert_string_equal(route(EVHTTP_REQ_GET, id, param, &code), "plans_get");
	assert_int_equal(strlen(param), 127);
	id[10 + 127] = 'a';
	id[10 + 128] = '\0';
	assert_null(route(EVHTTP_REQ_GET, id, param, &code));
	assert_int_equal(code, PP_ERR_NOT_FOUND);
}

/* PUT /v1/attendance/{month}/{series}/{date}: each segment its own param,
 * each decoded and checked alone. */
static void test_several_ids(void **state)
{
	struct evhttp_uri *uri = evhttp_uri_parse_with_flags(
	    "/v1/attendance/2026-10/mon-1100-1230%40r2-library/2026-10-05",
	    EVHTTP_URI_NONCONFORMANT);
	struct http_call c;
	struct pp_error err = {0};
	enum pp_errcode code;
	char param[128];

	(void)state;
	memset(&c, 0, sizeof c);
	c.query.tqh_last = &c.query.tqh_first;
	assert_int_equal(http_route(&c, EVHTTP_REQ_PUT, uri, &err), 0);
	assert_string_equal(routes[c.route].name, "attendance_put");
	assert_string_equal(http_param(&c, 0), "2026-10");
	assert_string_equal(c.param, "2026-10");
	assert_string_equal(http_param(&c, 1), "mon-1100-1230@r2-library");
	assert_string_equal(http_param(&c, 2), "2026-10-05");
	evhttp_clear_headers(&c.query);
	evhttp_uri_free(uri);
	assert_string_equal(route(EVHTTP_REQ_GET, "/v1/attendance/2026-10", param, &code),
			    "attendance_list");
	assert_string_equal(param, "2026-10");
	/* A segment short, one too many, an empty or a '/' one: no route. */
	assert_null(route(EVHTTP_REQ_PUT, "/v1/attendance/2026-10/s@r", param, &code));
	assert_null(route(EVHTTP_REQ_PUT, "/v1/attendance/2026-10/s@r/2026-10-05/x", param, &code));
	assert_null(route(EVHTTP_REQ_PUT, "/v1/attendance/2026-10//2026-10-05", param, &code));
	assert_null(route(EVHTTP_REQ_PUT, "/v1/attendance/2026-10/s%2Fr/2026-10-05", param, &code));
	assert_int_equal(code, PP_ERR_NOT_FOUND);
	assert_string_equal(
	    route(EVHTTP_REQ_GET, "/v1/months/2026-10/report?format=csv", param, &code),
	    "months_report");
	assert_string_equal(param, "2026-10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_ids_never_trimmed),
	    cmocka_unit_test(test_several_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
