/*
 * test_http_frame.c - the strict request framing of daemon/http_frame.c:
 * where requests begin and end (Content-Length, chunked with extensions
 * and trailers, pipelined), each refusal of issue 11 item 7 with its
 * status, and the same events whether the bytes come at once or one by
 * one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_frame.h"

/* What one run over a stream saw. */
struct run {
	int starts, heads, dones;
	int status; /* 0 unless rejected */
	const char *why;
	uint64_t reject_line; /* f.line at the refusal */
	char out[4096];       /* the stream as rewritten */
};

/* Feed s in pieces of `step` bytes (0: all at once). */
static void frame_run(const char *s, size_t step, struct run *r)
{
	struct http_frame f;
	size_t len = strlen(s), at = 0;

	memset(r, 0, sizeof *r);
	assert_true(len < sizeof r->out);
	memcpy(r->out, s, len + 1);
	http_frame_init(&f);
	while (at < len) {
		size_t n = step == 0 || len - at < step ? len - at : step, used;
		char *p = r->out + at;

		while (n > 0) {
			enum http_frame_event ev = http_frame_feed(&f, p, n, &used);

			p += used;
			n -= used;
			at += used;
			if (ev == HTTP_FRAME_START)
				r->starts++;
			else if (ev == HTTP_FRAME_HEAD)
				r->heads++;
			else if (ev == HTTP_FRAME_DONE)
				r->dones++;
			else if (ev == HTTP_FRAME_REJECT && r->status == 0) {
				r->status = f.status;
				r->why = f.why;
				r->reject_line = f.line;
			}
		}
	}
	assert_int_equal(f.pos, len);
}

/* Run s at once and byte by byte: the same events. */
static void frame_both(const char *s, struct run *r)
{
	struct run one;

	frame_run(s, 1, &one);
	frame_run(s, 0, r);
	assert_int_equal(one.starts, r->starts);
	assert_int_equal(one.heads, r->heads);
	assert_int_equal(one.dones, r->dones);
	assert_int_equal(one.status, r->status);
	assert_true(one.reject_line == r->reject_line);
	assert_string_equal(one.out, r->out);
}

static void expect_reject(const char *s, int status)
{
	struct run r;

	frame_both(s, &r);
	if (r.status != status)
		fail_msg("%s: status %d, want %d", s, r.status, status);
	assert_non_null(r.why);
}

static void test_requests_begin_and_end(void **state)
{
	struct run r;

	frame_both("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.heads, 0);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.status, 0);
	/* Pipelined, with a body, LF-only lines, HTTP/1.0 without Host. */
	frame_both("POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
		   "GET / HTTP/1.0\n\n"
		   "PUT /a HTTP/1.1\r\nhost: y\r\ncontent-length:  3 \r\n\r\nabc",
		   &r);
	assert_int_equal(r.starts, 3);
	assert_int_equal(r.heads, 2);
	assert_int_equal(r.dones, 3);
	assert_int_equal(r.status, 0);
	/* A partial request is still in progress. */
	frame_both("GET / HTTP/1.1\r\nHost: x\r\n", &r);
	assert_int_equal(r.starts, 1);
	assert_int_equal(r.dones, 0);
	/* Equal Content-Lengths are one. */
	frame_both(
	    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nab", &r);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.status, 0);
}

static void test_chunked_with_extensions_and_trailers(void **state)
{
	struct run r;
	const char *req = "POST /v1/plans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
			  "5;name=value\r\nhello\r\n"
			  "3\t;a=\"q;x\"\r\nabc\r\n"
			  "0;last\r\nX-Trailer: 1\r\n\r\n"
			  "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	frame_both(req, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.starts, 2);
	assert_int_equal(r.heads, 1);
	assert_int_equal(r.dones, 2);
	/* The byte after each size is a space for evhttp; the rest stays. */
	assert_non_null(strstr(r.out, "\r\n5 name=value\r\nhello\r\n3 ;a=\"q;x\"\r\nabc\r\n"
				      "0 last\r\n"));
}

static void test_refusals(void **state)
{
	/* Two different Content-Lengths: the smuggling of issue 11. */
	expect_reject(
	    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n", 400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", 400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
		      413);
	/* Transfer-Encoding: only chunked, alone, in HTTP/1.1. */
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		      501);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n", 501);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n",
		      400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		      "Content-Length: 5\r\n\r\n",
		      400);
	expect_reject("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	/* A body evhttp would read as the next request. */
	expect_reject("HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", 400);
	expect_reject("get / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", 400);
	/* Host. */
	expect_reject("GET / HTTP/1.1\r\n\r\n", 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
	/* Lines. */
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n", 400);
	expect_reject("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n folded\r\n\r\n", 400);
	expect_reject("GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400);
	expect_reject("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\x01\r\n\r\n", 400);
	expect_reject("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	expect_reject("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400);
	expect_reject("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	/* Chunks. */
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "0x5\r\nhello\r\n0\r\n\r\n",
		      400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "5\r\nhello3\r\nabc\r\n0\r\n\r\n",
		      400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "5 x\r\nhello\r\n0\r\n\r\n",
		      400);
	expect_reject("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "1000000000000000\r\n",
		      413);
}

/* A refusal names the start of the line at fault, where http.c cuts the
 * stream (what evhttp has not read of the line is replaced). */
static void test_refusal_line(void **state)
{
	const char *ok = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *bad = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
			  "\r\n";
	char s[512];
	struct run r;

	snprintf(s, sizeof s, "%s%s", ok, bad);
	frame_both(s, &r);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.starts, 2);
	assert_int_equal(r.dones, 1);
	assert_true(r.reject_line == strlen(ok) + (size_t)(strstr(bad, "Content-Length: 2") - bad));
	/* At the head's end: the blank line. */
	frame_both("GET / HTTP/1.1\r\nX: y\r\n\r\n", &r);
	assert_int_equal(r.status, 400);
	assert_true(r.reject_line == strlen("GET / HTTP/1.1\r\nX: y\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_begin_and_end),
	    cmocka_unit_test(test_chunked_with_extensions_and_trailers),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_refusal_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
