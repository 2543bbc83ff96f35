/*
 * fuzz_http.c - the bytes of a connection: their framing into requests
 * (daemon/http_frame.c), and the request line's routing (daemon/http.c,
 * http_route, over the table of daemon/routes.c), with no event loop.
 *
 * Each input is what a client sends on one connection.  The framing reader
 * reads it once whole and once in pieces of 1 to 16 bytes: both must give
 * the same events (a request starts, its head is complete, it is read
 * whole, it is refused with 400, 413 or 501 and a reason) at the same
 * offsets, in an order that makes sense, nothing after a refusal, and the
 * same rewritten bytes -- a reader that framed a split request otherwise
 * would let a request hide in another.  The first line,
 * "METHOD TARGET VERSION", is split as libevent 2.1 splits it (the target
 * runs to the last space) and the target parsed as evhttp parses it
 * (evhttp_uri_parse_with_flags, EVHTTP_URI_NONCONFORMANT); a method or
 * target evhttp refuses never reaches the daemon, so it ends the run.
 * http_route() must then agree with a
 * matcher written here from http.h's rule alone: the first route of the
 * method (HEAD as GET) whose pattern equals the path but for its "{id}"s,
 * each of which takes one segment that decodes (%XX, nothing else) to
 * 1..127 bytes with no '/' and no NUL -- an id is never trimmed into
 * another; the first id captured must be the same.  A malformed query is
 * the only other refusal.  The captured id is also checked against
 * jr_id_valid(), every decoded query parameter can be looked up, and the
 * id and the values go through jr_text(), which error replies echo them
 * with, into a JSON string (the same string when they are UTF-8).
 */
#include <ctype.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fuzz.h"
#include "http.h"
#include "http_frame.h"

static const struct {
	const char *name;
	enum evhttp_cmd_type cmd;
} methods[] = {
    {"GET", EVHTTP_REQ_GET},     {"POST", EVHTTP_REQ_POST},       {"HEAD", EVHTTP_REQ_HEAD},
    {"PUT", EVHTTP_REQ_PUT},     {"DELETE", EVHTTP_REQ_DELETE},   {"OPTIONS", EVHTTP_REQ_OPTIONS},
    {"TRACE", EVHTTP_REQ_TRACE}, {"CONNECT", EVHTTP_REQ_CONNECT}, {"PATCH", EVHTTP_REQ_PATCH},
};

static int hex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* seg[0..n) percent-decoded into out[128]; false unless 1..127 bytes with
 * no '/' and no NUL. */
static bool decode_id(const char *seg, size_t n, char out[128])
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)seg[i];

		if (c == '%' && i + 2 < n && isxdigit((unsigned char)seg[i + 1]) &&
		    isxdigit((unsigned char)seg[i + 2])) {
			c = hex((unsigned char)seg[i + 1]) * 16 + hex((unsigned char)seg[i + 2]);
			i += 2;
		}
		if (c == '\0' || c == '/' || len == 127)
			return false;
		out[len++] = (char)c;
	}
	out[len] = '\0';
	return len > 0;
}

/* The route for method as and path by http.h's rule, the first {id}
 * decoded into param; -1 when none. */
static int reference_route(enum evhttp_cmd_type as, const char *path, char param[128])
{
	for (int i = 0; i < nroutes; i++) {
		const char *pat = routes[i].pattern, *p = path;
		bool ok = routes[i].method == as, first = true;
		char seg[128];

		while (ok && *pat != '\0') {
			if (strncmp(pat, "{id}", 4) == 0) {
				size_t n = strcspn(p, "/");

				ok = decode_id(p, n, seg);
				if (ok && first)
					memcpy(param, seg, sizeof seg);
				first = false;
				pat += 4;
				p += n;
			} else {
				ok = *pat++ == *p++;
			}
		}
		if (ok && *p == '\0')
			return i;
	}
	return -1;
}

/* The id grammar of json_read.h: 1..64 of [A-Za-z0-9._:-]. */
static bool reference_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > JR_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._:-", s[i]) == NULL)
			return false;
	return true;
}

/* jr_text(s), which echoes bytes in error replies, is a JSON string
 * whatever s holds, and s itself when s is valid UTF-8. */
static void check_text(const char *s)
{
	json_t *plain = json_string(s), *t = jr_text(s);

	FUZZ_CHECK(t != NULL);
	FUZZ_CHECK(plain == NULL || strcmp(json_string_value(t), s) == 0);
	json_decref(plain);
	json_decref(t);
}

static void check_route(enum evhttp_cmd_type cmd, const struct evhttp_uri *uri)
{
	enum evhttp_cmd_type as = cmd == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : cmd;
	const char *path = evhttp_uri_get_path(uri), *query = evhttp_uri_get_query(uri);
	struct http_call c;
	struct pp_error err = {0};
	struct evkeyval *kv;
	char param[128];
	int rc, want;

	memset(&c, 0, sizeof c);
	c.query.tqh_last = &c.query.tqh_first;
	rc = http_route(&c, cmd, uri, &err);
	if (rc < 0 && err.code == PP_ERR_INVALID_INPUT) {
		struct evkeyvalq q = {NULL, &q.tqh_first};

		FUZZ_CHECK(path == NULL ||
			   (query != NULL && evhttp_parse_query_str(query, &q) < 0));
		evhttp_clear_headers(&q);
	} else if (rc < 0) {
		FUZZ_CHECK(err.code == PP_ERR_NOT_FOUND && c.route == -1);
		FUZZ_CHECK(reference_route(as, path, param) == -1);
	} else {
		want = reference_route(as, path, param);
		FUZZ_CHECK(c.route == want);
		if (strstr(routes[want].pattern, "{id}") != NULL) {
			FUZZ_CHECK(strcmp(c.param, param) == 0);
			FUZZ_CHECK(jr_id_valid(c.param) == reference_id(c.param));
			check_text(c.param);
		}
		for (kv = c.query.tqh_first; kv != NULL; kv = kv->next.tqe_next) {
			FUZZ_CHECK(kv->key != NULL && kv->value != NULL &&
				   http_query(&c, kv->key) != NULL);
			check_text(kv->value);
		}
	}
	evhttp_clear_headers(&c.query);
}

/* One event of the framing reader: what, at which stream offset. */
struct frame_event {
	enum http_frame_event ev;
	uint64_t pos;
	int status;
};

/* Frame data as it arrives in pieces of step bytes into ev[0..*n) (room for
 * 2 * size + 2), the bytes as the reader left them into out; checks the
 * reader's promises on the way. */
static void frame_run(const uint8_t *data, size_t size, size_t step, struct frame_event *ev,
		      size_t *n, char *out)
{
	struct http_frame f;
	size_t off = 0, used, idle = 0;
	bool in = false, rejected = false;

	memcpy(out, data, size);
	http_frame_init(&f);
	*n = 0;
	while (off < size) {
		size_t len = size - off < step ? size - off : step;
		enum http_frame_event e = http_frame_feed(&f, out + off, len, &used);

		FUZZ_CHECK(used <= len && (e != HTTP_FRAME_MORE || used == len));
		FUZZ_CHECK(!rejected || e == HTTP_FRAME_MORE);
		off += used;
		FUZZ_CHECK(f.pos == off);
		FUZZ_CHECK(used > 0 || ++idle < 2); /* START reads nothing, once */
		if (used > 0)
			idle = 0;
		if (e == HTTP_FRAME_MORE)
			continue;
		FUZZ_CHECK(*n < 2 * size + 2);
		ev[(*n)++] = (struct frame_event){e, f.pos, e == HTTP_FRAME_REJECT ? f.status : 0};
		FUZZ_CHECK(e == HTTP_FRAME_START ? !in : in);
		in = e == HTTP_FRAME_START || e == HTTP_FRAME_HEAD;
		if (e == HTTP_FRAME_REJECT) {
			FUZZ_CHECK(f.status == 400 || f.status == 413 || f.status == 501);
			FUZZ_CHECK(f.why != NULL && f.why[0] != '\0');
			rejected = true;
		}
		if (e == HTTP_FRAME_DONE || e == HTTP_FRAME_REJECT)
			FUZZ_CHECK(!http_frame_in_request(&f));
	}
}

/* The framing reader must find the same events at the same offsets, and
 * rewrite the same bytes, however the bytes are split as they arrive. */
static void check_frames(const uint8_t *data, size_t size)
{
	size_t cap = 2 * size + 2, n1, n2, step = 1 + (size > 0 ? data[size - 1] % 16 : 0);
	struct frame_event *e1 = calloc(cap, sizeof *e1), *e2 = calloc(cap, sizeof *e2);
	char *b1 = malloc(size + 1), *b2 = malloc(size + 1);

	FUZZ_CHECK(e1 != NULL && e2 != NULL && b1 != NULL && b2 != NULL);
	frame_run(data, size, size, e1, &n1, b1);
	frame_run(data, size, step, e2, &n2, b2);
	FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, size) == 0);
	for (size_t i = 0; i < n1; i++)
		FUZZ_CHECK(e1[i].ev == e2[i].ev && e1[i].pos == e2[i].pos &&
			   e1[i].status == e2[i].status);
	free(e1);
	free(e2);
	free(b1);
	free(b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	char *line, *target, *version;
	struct evhttp_uri *uri;
	int m = -1;

	check_frames(data, size);
	while (n < size && data[n] != '\n')
		n++;
	if (n > 0 && data[n - 1] == '\r')
		n--;
	line = malloc(n + 1);
	FUZZ_CHECK(line != NULL);
	memcpy(line, data, n);
	line[n] = '\0';
	target = strchr(line, ' ');
	version = target != NULL ? strrchr(target + 1, ' ') : NULL;
	if (version == NULL || version == target + 1) {
		free(line);
		return 0;
	}
	*target++ = '\0';
	*version = '\0';
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(line, methods[i].name) == 0)
			m = (int)i;
	uri = m >= 0 ? evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT) : NULL;
	if (uri != NULL) {
		check_route(methods[m].cmd, uri);
		evhttp_uri_free(uri);
	}
	free(line);
	return 0;
}
