/*
 * http.c - evhttp set-up, connections and their cap, limits, dispatch
 * through the route table, replies.
 *
 * Connections: listeners are our own evconnlisteners handed to
 * evhttp_bind_listener, so shutdown can pause them while replies in flight
 * drain -- on the sockets systemd passed (socket activation), or else on
 * the TCP address and Unix socket of the options.  libevent 2.1 has no connection cap
 * (evhttp_set_max_connections came in 2.2) and no hook when evhttp accepts, so every connection is
 * counted through evhttp's bufferevent factory (evhttp_set_bevcb, called once
 * per accepted socket, TCP or Unix): the count goes up there, and at
 * `max-connections` the listeners are disabled, so further clients wait in
 * the kernel's backlog instead of being accepted.  The evhttp connection
 * does not exist yet inside the factory; one event later (same loop pass,
 * before the socket is ever read) `adopt` finds it as the bufferevent's
 * callback argument and sets its close callback, which counts the
 * connection down and resumes accepting below the cap.
 *
 * Error pages: evhttp answers some requests itself, before our dispatcher
 * sees them -- malformed HTTP and header blocks over `max-headers` (400),
 * bodies over `max-body` (413, for a Content-Length above the limit at once,
 * for a chunked body as soon as it passes it) -- with a plain HTML page, and
 * 2.1 has no hook for that page.  So each connection watches its output
 * buffer: bytes added there outside http_reply_bytes are evhttp's own, and
 * an event in the same loop pass, before anything is written to the socket,
 * replaces such a reply by API.md's JSON error with the same status
 * (431 for a 400 once the request has passed `max-headers` bytes),
 * `Connection: close`.  A `100 Continue` is left as it is.
 *
 * Framing: every byte read is framed by http_frame.c in the input
 * buffer's callback, which runs before evhttp's read callback parses it.
 * A request it refuses (two Content-Lengths, a Transfer-Encoding other
 * than chunked, HTTP/1.1 without Host, ...) never reaches evhttp whole:
 * what evhttp has not read of the line at fault is replaced by a line it
 * cannot parse, evhttp fails the request with its own page, and that page
 * is replaced as above, by the framing's status and reason.
 *
 * Requests in progress -- being handled or held for ?wait -- have their own
 * cap: above `max-requests` a request is answered 429 busy with Retry-After.
 *
 * Limits: evhttp enforces the header size, the body size (set to
 * `max-body` exactly, so no body above it is ever buffered whole) and the
 * read/write timeouts.  The dispatcher checks the body size again, for
 * keep-alive connections opened before a SIGHUP lowered the limit.
 *
 * Dispatch: match method and path against routes[] (each pattern segment
 * "{id}" captures one segment, http_param), then the token and role, then the body
 * size, then the handler.  HEAD is served as GET, without the body.  Unknown
 * paths and methods are 404 not_found.
 * The stored tokens are read once per pass of the event loop, by its first
 * request that carries one, and forgotten by an event that the first check
 * activates: libevent runs it after the callbacks already active in the
 * pass, so every request read in that pass shares one read of the table.
 */
#include "http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http_frame.h"
#include "json_read.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

static const struct {
	enum pp_errcode code;
	int status;
} http_status_table[] = {
    {PP_ERR_INVALID_JSON, 400},  {PP_ERR_INVALID_INPUT, 400}, {PP_ERR_UNAUTHORIZED, 401},
    {PP_ERR_FORBIDDEN, 403},     {PP_ERR_NOT_FOUND, 404},     {PP_ERR_CONFLICT, 409},
    {PP_ERR_TOO_LARGE, 413},     {PP_ERR_INFEASIBLE, 422},    {PP_ERR_BUSY, 429},
    {PP_ERR_SHUTTING_DOWN, 503}, {PP_ERR_INTERNAL, 500},
};

int http_status_of(enum pp_errcode code)
{
	for (size_t i = 0; i < sizeof http_status_table / sizeof http_status_table[0]; i++)
		if (http_status_table[i].code == code)
			return http_status_table[i].status;
	return 500;
}

double http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return status < 400 ? "OK" : "Error";
	}
}

static const char *http_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "other";
	}
}

static void http_call_free(struct http_call *c)
{
	c->srv->inflight--;
	evhttp_clear_headers(&c->query);
	free(c);
}

/* The reply when even the reply cannot be made. */
static const char http_oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

/* Write the reply evhttp has queued on bev now, in this loop pass, rather
 * than when the socket is next reported writable.  bufferevent keeps the
 * front of its output buffer frozen except while it writes, so this does as
 * its write callback does: unfreeze, write, freeze.  When everything went,
 * evhttp is told so at once (it frees the request and reads the next one,
 * or closes the connection), so the pass that read the request leaves the
 * socket's epoll registration as it found it.  A partial write or an error
 * is left to the bufferevent, which goes on as if this had not happened. */
static void http_write_now(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (fd < 0 || evbuffer_get_length(out) == 0)
		return;
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, fd);
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
}

/* Send c's reply, its body already in the request's output buffer; a HEAD
 * request gets the headers of that body without it.  Frees c. */
static void http_send(struct http_call *c, int status, const char *content_type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
	struct evbuffer *body = evhttp_request_get_output_buffer(c->req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	double secs = http_now() - c->t0;

	metrics_request(c->srv->metrics, c->route, status, secs);
	/* The route's pattern, never the target: a path segment may be a
	 * parent code and a query anything. */
	log_debug("%s %s -> %d (%.3f s)", http_method_name(evhttp_request_get_command(c->req)),
		  c->route >= 0 ? routes[c->route].pattern : "(no route)", status, secs);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
		/* evhttp counts no body for HEAD and would still send it */
		char n[24];

		snprintf(n, sizeof n, "%zu", evbuffer_get_length(body));
		evhttp_add_header(h, "Content-Length", n);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	c->srv->replying = true; /* our bytes, not an evhttp error page */
	/* This frees c->req at once when its connection is already gone. */
	evhttp_send_reply(c->req, status, http_reason(status), NULL);
	c->srv->replying = false;
	http_call_free(c);
	if (bev != NULL)
		http_write_now(bev); /* last: the request may be freed by it */
}

void http_reply_bytes(struct http_call *c, int status, const char *content_type, const char *buf,
		      size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(c->req);

	if (evbuffer_add(out, buf, len) < 0) {
		evbuffer_drain(out, evbuffer_get_length(out));
		if (evbuffer_add(out, http_oom, strlen(http_oom)) < 0)
			evbuffer_drain(out, evbuffer_get_length(out));
		status = 500;
		content_type = "application/json";
	}
	http_send(c, status, content_type);
}

struct http_doc {
	unsigned refs;
	size_t len;
	char *text;
};

struct http_doc *http_doc_adopt(char *text)
{
	struct http_doc *d = malloc(sizeof *d);

	if (d == NULL) {
		free(text);
		return NULL;
	}
	d->refs = 1;
	d->len = strlen(text);
	d->text = text;
	return d;
}

struct http_doc *http_doc_ref(struct http_doc *d)
{
	d->refs++;
	return d;
}

void http_doc_unref(struct http_doc *d)
{
	if (d != NULL && --d->refs == 0) {
		free(d->text);
		free(d);
	}
}

size_t http_doc_len(const struct http_doc *d)
{
	return d->len;
}

static void http_doc_release(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	http_doc_unref(arg);
}

void http_reply_doc(struct http_call *c, int status, const char *content_type, struct http_doc *d)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(c->req);

	if (evbuffer_add_reference(out, d->text, d->len, http_doc_release, http_doc_ref(d)) < 0) {
		http_doc_unref(d);
		http_reply_bytes(c, 500, "application/json", http_oom, strlen(http_oom));
		return;
	}
	http_send(c, status, content_type);
}

void http_reply_json(struct http_call *c, int status, json_t *body, const char *location)
{
	char *text = body ? jr_dumps(body, 0) : NULL;

	json_decref(body);
	if (text == NULL) {
		http_reply_bytes(c, 500, "application/json", http_oom, strlen(http_oom));
		return;
	}
	if (location != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location", location);
	http_reply_bytes(c, status, "application/json", text, strlen(text));
	free(text);
}

void http_reply_error(struct http_call *c, const struct pp_error *err, json_t *extra)
{
	/* A message or path may quote a path segment or query value, which
	 * may hold any bytes: jr_text() escapes what is not UTF-8. */
	json_t *e = json_pack("{s:s, s:o}", "code", pp_errcode_name(err->code), "message",
			      jr_text(err->message));

	if (e != NULL && err->path[0] != '\0')
		json_object_set_new(e, "path", jr_text(err->path));
	if (e != NULL && extra != NULL)
		json_object_update(e, extra);
	json_decref(extra);
	if ((err->code == PP_ERR_BUSY || err->code == PP_ERR_SHUTTING_DOWN) &&
	    evhttp_find_header(evhttp_request_get_output_headers(c->req), "Retry-After") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "Retry-After",
				  err->code == PP_ERR_BUSY ? "5" : "10");
	if (err->code == PP_ERR_UNAUTHORIZED)
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "WWW-Authenticate",
				  "Bearer realm=\"peerplan\"");
	http_reply_json(c, http_status_of(err->code), e ? json_pack("{s:o}", "error", e) : NULL,
			NULL);
}

void http_fail(struct http_call *c, enum pp_errcode code, const char *fmt, ...)
{
	struct pp_error err = {.code = code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof err.message, fmt, ap);
	va_end(ap);
	http_reply_error(c, &err, NULL);
}

const char *http_body(struct http_call *c, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);

	*len = evbuffer_get_length(in);
	return (const char *)evbuffer_pullup(in, -1);
}

const char *http_query(struct http_call *c, const char *key)
{
	return evhttp_find_header(&c->query, key);
}

/* Match path against pattern; each "{id}" segment captures one path
 * segment, percent-decoded, into the next of c's params (http_param).  A
 * segment whose decoding holds '/' or NUL, or does not fit a param, matches
 * nothing: an id is never trimmed into another ("S1%00x" and "S1%2F.." are
 * not S1).  Returns true on a match. */
static bool http_match(const char *pattern, const char *path, struct http_call *c)
{
	int k = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/"), declen = 0;
			char *seg, *dec, *param = k == 0 ? c->param : c->param_more[k - 1];
			bool ok;

			if (n == 0 || k >= HTTP_MAX_PARAMS || (seg = strndup(path, n)) == NULL)
				return false;
			dec = evhttp_uridecode(seg, 0, &declen);
			free(seg);
			ok = dec != NULL && declen < sizeof c->param && strlen(dec) == declen &&
			     strchr(dec, '/') == NULL;
			if (ok)
				memcpy(param, dec, declen + 1);
			free(dec);
			if (!ok)
				return false;
			k++;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

const char *http_param(const struct http_call *c, int i)
{
	return i == 0 ? c->param : c->param_more[i - 1];
}

int http_route(struct http_call *c, enum evhttp_cmd_type method, const struct evhttp_uri *uri,
	       struct pp_error *err)
{
	/* HEAD is answered as GET, without the body (http_send) */
	enum evhttp_cmd_type as = method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : method;
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;

	c->route = -1;
	c->param[0] = '\0';
	if (path == NULL || (query != NULL && evhttp_parse_query_str(query, &c->query) < 0))
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "", "malformed request target");
	for (int i = 0; i < nroutes; i++) {
		if (routes[i].method == as && http_match(routes[i].pattern, path, c)) {
			c->route = i;
			return 0;
		}
	}
	c->param[0] = '\0';
	return pp_error_set(err, PP_ERR_NOT_FOUND, "", "no resource for this method and path");
}

/* The end of a loop pass: the token rows read in it are forgotten, so a
 * token added or revoked by another process counts from the next pass on. */
static void http_pass_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	srv->pass_armed = false;
	auth_cache_forget(srv->tokens);
}

/* Every request enters here: route, authenticate, check size, dispatch. */
static void http_dispatch(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct http_call *c = calloc(1, sizeof *c);
	struct pp_error err = {0};
	size_t len;

	if (c == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	c->req = req;
	c->srv = srv;
	c->route = -1;
	c->t0 = http_now();
	srv->inflight++;
	c->query.tqh_first = NULL;
	c->query.tqh_last = &c->query.tqh_first;
	if (http_route(c, evhttp_request_get_command(req), evhttp_request_get_evhttp_uri(req),
		       &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (srv->stopping) {
		http_fail(c, PP_ERR_SHUTTING_DOWN, "the daemon is stopping");
		return;
	}
	if (srv->inflight > srv->opts.num[OPT_MAX_REQUESTS]) {
		struct pp_error busy = {.code = PP_ERR_BUSY};

		snprintf(busy.message, sizeof busy.message,
			 "more than %ld requests in progress; retry later",
			 srv->opts.num[OPT_MAX_REQUESTS]);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		http_reply_error(c, &busy, NULL);
		return;
	}
	if (routes[c->route].roles != 0) {
		const char *h =
		    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

		if (!srv->pass_armed) {
			srv->pass_armed = true;
			event_active(srv->pass_end, EV_TIMEOUT, 0);
		}
		if (auth_check_cached(srv->store, srv->tokens, h, &c->who, &err) < 0) {
			http_reply_error(c, &err, NULL);
			return;
		}
		if (!auth_allows(c->who.role, routes[c->route].roles)) {
			http_fail(c, PP_ERR_FORBIDDEN, "role '%s' may not use this endpoint",
				  auth_role_name(c->who.role));
			return;
		}
	}
	http_body(c, &len);
	if (len > (size_t)srv->opts.num[OPT_MAX_BODY]) {
		http_fail(c, PP_ERR_TOO_LARGE, "the body is %zu bytes; the limit is %ld", len,
			  srv->opts.num[OPT_MAX_BODY]);
		return;
	}
	routes[c->route].handler(c);
}

/* One accepted connection, counted against max-connections while open. */
struct http_conn {
	struct server *srv;
	struct bufferevent *bev;
	struct evbuffer_cb_entry *in_cb, *out_cb;
	struct event *fix; /* translates an evhttp error page; lazily made */
	bool fix_pending;
	size_t consumed;         /* bytes evhttp has read of the current request */
	struct http_conn *next;  /* in srv->adopt_list */
	struct http_frame frame; /* the requests' framing, read ahead of evhttp */
	uint64_t received;       /* bytes read from the socket */
	bool rewriting;          /* the input buffer is ours to change */
	/* While a request is arriving (from the accept for the first one, from
	 * its first byte for the next): its deadline, and its place in
	 * srv->arriving, oldest first. */
	struct event *deadline;
	bool arriving, body; /* body: the head has arrived, the body not yet */
	double since;
	struct http_conn *older, *newer;
};

/* At the connection cap, a request that has been arriving for this long
 * makes way for clients waiting in the backlog (http_reap_cb). */
#define HTTP_REAP_AFTER 1.0
/* How often the cap is looked at while accepting is paused. */
#define HTTP_REAP_EVERY 0.25

static void http_listeners_enable(struct server *srv, bool on)
{
	for (int i = 0; i < srv->nlisteners; i++)
		if (on)
			evconnlistener_enable(srv->listeners[i]);
		else
			evconnlistener_disable(srv->listeners[i]);
}

static struct timeval http_tv(double secs)
{
	struct timeval tv = {.tv_sec = (time_t)secs,
			     .tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};

	return tv;
}

/* Pause accepting at the connection cap and resume below it; nothing once
 * the daemon is stopping (its listeners stay off).  While paused, the
 * reaper runs. */
static void http_conn_limit(struct server *srv)
{
	bool full = srv->nconns >= srv->opts.num[OPT_MAX_CONNECTIONS];
	struct timeval every = http_tv(HTTP_REAP_EVERY);

	if (srv->stopping || srv->closing || full == srv->paused)
		return;
	http_listeners_enable(srv, !full);
	srv->paused = full;
	if (full)
		event_add(srv->reaper, &every);
	else
		event_del(srv->reaper);
	log_debug("%d connection(s) open: accepting %s", srv->nconns, full ? "paused" : "resumed");
}

/* (Re)start hc's deadline: secs from now. */
static void http_conn_deadline(struct http_conn *hc, long secs)
{
	struct timeval tv = {.tv_sec = secs};

	event_add(hc->deadline, &tv);
}

/* A request of hc begins to arrive (on), or has arrived or gone (off):
 * its deadline, header-timeout from now, and its place at the newest end
 * of srv->arriving. */
static void http_conn_arriving(struct http_conn *hc, bool on)
{
	struct server *srv = hc->srv;

	if (on == hc->arriving)
		return;
	hc->arriving = on;
	if (on) {
		hc->since = http_now();
		hc->older = srv->arriving_newest;
		hc->newer = NULL;
		*(hc->older ? &hc->older->newer : &srv->arriving_oldest) = hc;
		srv->arriving_newest = hc;
		http_conn_deadline(hc, srv->opts.num[OPT_HEADER_TIMEOUT]);
		return;
	}
	*(hc->older ? &hc->older->newer : &srv->arriving_oldest) = hc->newer;
	*(hc->newer ? &hc->newer->older : &srv->arriving_newest) = hc->older;
	hc->older = hc->newer = NULL;
	event_del(hc->deadline);
}

/* Whether the daemon reads hc now: evhttp stops reading a connection while
 * it answers a request of it, and the request after waits unread -- for
 * the daemon, not for its client. */
static bool http_conn_reading(const struct http_conn *hc)
{
	return (bufferevent_get_enabled(hc->bev) & EV_READ) != 0;
}

/* Close hc as evhttp closes a connection whose read timed out (a request
 * it holds, if any, is detached, not freed).  hc is gone after. */
static void http_conn_expire(struct http_conn *hc, const char *why)
{
	log_debug("a connection closed: %s", why);
	metrics_request(hc->srv->metrics, -1, 408, 0);
	bufferevent_trigger_event(hc->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
}

/* hc's request has not arrived in time: close it, unless the daemon is
 * what it waits for (then the deadline starts again). */
static void http_conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *hc = arg;

	if (!http_conn_reading(hc)) {
		http_conn_deadline(hc, hc->srv->opts.num[OPT_HEADER_TIMEOUT]);
		return;
	}
	http_conn_expire(hc, hc->body ? "its request body did not arrive within body-timeout"
				      : "its request did not arrive within header-timeout");
}

/* At the cap, every request that has been arriving for HTTP_REAP_AFTER
 * seconds is closed, oldest first, so that slow clients (a byte now and
 * then, or nothing) cannot hold every slot while others wait in the
 * backlog: an idle keep-alive connection, or one whose request is being
 * answered, is never closed here. */
static void http_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	double now = http_now();
	struct http_conn *hc, *newer;

	if (!srv->paused)
		return;
	/* All of them, not one: a slot freed resumes accepting, and the
	 * backlog may hold more slow clients before the ones that wait. */
	for (hc = srv->arriving_oldest; hc != NULL && now - hc->since >= HTTP_REAP_AFTER;
	     hc = newer) {
		newer = hc->newer;
		if (http_conn_reading(hc))
			http_conn_expire(hc, "slow to send its request while at max-connections");
	}
}

/* Forget hc: unhook it from its buffers, count it down, free it. */
static void http_conn_release(struct http_conn *hc)
{
	struct server *srv = hc->srv;

	evbuffer_remove_cb_entry(bufferevent_get_input(hc->bev), hc->in_cb);
	evbuffer_remove_cb_entry(bufferevent_get_output(hc->bev), hc->out_cb);
	if (hc->fix != NULL)
		event_free(hc->fix);
	http_conn_arriving(hc, false);
	event_free(hc->deadline);
	free(hc);
	srv->nconns--;
	http_conn_limit(srv);
}

static void http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	http_conn_release(arg);
}

/* Set the close callback of every connection accepted since the last call
 * (evhttp made each one right after http_conn_new returned). */
static void http_conn_adopt(struct server *srv)
{
	struct http_conn *hc;

	while ((hc = srv->adopt_list) != NULL) {
		struct bufferevent *bev = hc->bev;
		bufferevent_event_cb eventcb = NULL;
		void *evcon = NULL;

		srv->adopt_list = hc->next;
		bufferevent_getcb(bev, NULL, NULL, &eventcb, &evcon);
		if (eventcb != NULL && evcon != NULL)
			evhttp_connection_set_closecb(evcon, http_conn_closed, hc);
		else
			http_conn_release(hc); /* evhttp already dropped it */
		bufferevent_decref(bev);
	}
}

static void http_conn_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	http_conn_adopt(arg);
}

/* Refuse the request hc's framing rejected, before evhttp reads the line
 * at fault: what it has not read from that line on is replaced by a line
 * it cannot parse in any state (request line, header, chunk size,
 * trailer), so it fails the request at once and answers 400 (or 413),
 * which http_conn_fix_cb turns into the framing's status and reason.
 * Bytes before the line (a pipelined request evhttp has yet to read) stay.
 * Returns -1 when the connection had to be failed instead. */
static int http_conn_refuse(struct http_conn *hc, struct evbuffer *in)
{
	static const char poison[] = "\x01\r\n";
	size_t len = evbuffer_get_length(in);
	uint64_t front = hc->received - len; /* stream offset of the buffer's first byte */
	size_t keep = hc->frame.line > front ? (size_t)(hc->frame.line - front) : 0;
	struct evbuffer *kept = keep > 0 ? evbuffer_new() : NULL;
	int rc = 0;

	log_debug("request refused before evhttp read it: %d %s", hc->frame.status, hc->frame.why);
	hc->rewriting = true;
	if (keep > 0 && (kept == NULL || evbuffer_remove_buffer(in, kept, keep) != (int)keep))
		rc = -1;
	evbuffer_drain(in, evbuffer_get_length(in));
	if (rc == 0 && kept != NULL)
		evbuffer_add_buffer(in, kept);
	if (rc == 0)
		rc = evbuffer_add(in, poison, sizeof poison - 1);
	hc->rewriting = false;
	if (kept != NULL)
		evbuffer_free(kept);
	if (rc < 0) /* out of memory: drop the connection, never the framing */
		bufferevent_trigger_event(hc->bev, BEV_EVENT_READING | BEV_EVENT_ERROR, 0);
	return rc;
}

/* Frame n bytes at p (read from the socket into in): act on each event.
 * Returns -1 once the request is refused (in has changed). */
static int http_conn_frame(struct http_conn *hc, struct evbuffer *in, char *p, size_t n)
{
	while (n > 0) {
		size_t used;
		enum http_frame_event ev = http_frame_feed(&hc->frame, p, n, &used);

		p += used;
		n -= used;
		if (ev == HTTP_FRAME_START) {
			http_conn_arriving(hc, true); /* a no-op for the first request */
		} else if (ev == HTTP_FRAME_HEAD) {
			hc->body = true;
			http_conn_deadline(hc, hc->srv->opts.num[OPT_BODY_TIMEOUT]);
		} else if (ev == HTTP_FRAME_DONE) {
			hc->body = false;
			http_conn_arriving(hc, false);
		} else if (ev == HTTP_FRAME_REJECT) {
			hc->body = false;
			http_conn_arriving(hc, false);
			http_conn_refuse(hc, in);
			return -1;
		}
	}
	return 0;
}

/* n bytes were read into in, at its end: frame them before evhttp parses
 * them (this callback runs as they are added, evhttp's read callback
 * after it). */
static void http_conn_read(struct http_conn *hc, struct evbuffer *in, size_t n)
{
	struct evbuffer_ptr at;

	hc->received += n;
	if (evbuffer_ptr_set(in, &at, evbuffer_get_length(in) - n, EVBUFFER_PTR_SET) < 0)
		return;
	while (n > 0) {
		struct evbuffer_iovec v[8];
		int k = evbuffer_peek(in, (ev_ssize_t)n, &at, v, 8);

		for (int i = 0; i < k && i < 8 && n > 0; i++) {
			size_t take = v[i].iov_len < n ? v[i].iov_len : n;

			if (http_conn_frame(hc, in, v[i].iov_base, take) < 0)
				return;
			n -= take;
			evbuffer_ptr_set(in, &at, take, EVBUFFER_PTR_ADD);
		}
		if (k <= 0)
			return;
	}
}

static void http_conn_in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *hc = arg;

	if (hc->rewriting)
		return;
	hc->consumed += info->n_deleted;
	if (info->n_added > 0)
		http_conn_read(hc, buf, info->n_added);
}

/* The JSON reply that replaces evhttp's own page of status; *status may
 * change (400 -> 431).  NULL when out of memory. */
static char *http_conn_error_text(struct http_conn *hc, int *status)
{
	const struct options *o = &hc->srv->opts;
	size_t seen = hc->consumed + evbuffer_get_length(bufferevent_get_input(hc->bev));
	char msg[256];
	const char *code = "invalid_input";
	long limit = -1;
	json_t *e, *doc;
	char *text;

	if (hc->frame.status != 0) {
		*status = hc->frame.status;
		code = *status == 413   ? "too_large"
		       : *status == 501 ? "not_implemented"
					: "invalid_input";
		snprintf(msg, sizeof msg, "%s", hc->frame.why);
	} else if (*status == 413) {
		code = "too_large";
		limit = o->num[OPT_MAX_BODY];
		snprintf(msg, sizeof msg,
			 "the body is over the limit of %ld bytes (max-body), or its chunked "
			 "encoding is malformed",
			 limit);
	} else if (*status == 400 && seen > (size_t)o->num[OPT_MAX_HEADERS]) {
		*status = 431;
		code = "too_large";
		limit = o->num[OPT_MAX_HEADERS];
		snprintf(msg, sizeof msg,
			 "the request line and headers are over the limit of %ld bytes "
			 "(max-headers)",
			 limit);
	} else if (*status == 400) {
		snprintf(msg, sizeof msg, "malformed HTTP request");
	} else if (*status == 417) {
		snprintf(msg, sizeof msg, "only 'Expect: 100-continue' is understood");
	} else {
		snprintf(msg, sizeof msg, "the HTTP layer refused the request (%d)", *status);
	}
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (e != NULL && limit >= 0)
		json_object_set_new(e, "limit", json_integer(limit));
	doc = e != NULL ? json_pack("{s:o}", "error", e) : NULL;
	text = doc != NULL ? jr_dumps(doc, 0) : NULL;
	json_decref(doc);
	return text;
}

/* Replace the evhttp reply in hc's output buffer (after any 100 Continue)
 * by its JSON form; leave anything else alone. */
static void http_conn_fix_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *hc = arg;
	struct evbuffer *out = bufferevent_get_output(hc->bev);
	struct evbuffer_ptr p;
	int status = 0;
	char line[13], *text;

	hc->fix_pending = false;
	evbuffer_ptr_set(out, &p, 0, EVBUFFER_PTR_SET);
	while (status < 200) {
		if (evbuffer_copyout_from(out, &p, line, 12) != 12)
			return;
		line[12] = '\0';
		if (strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
			return;
		status = atoi(line + 9);
		if (status < 200) {
			p = evbuffer_search(out, "\r\n\r\n", 4, &p);
			if (p.pos < 0 || evbuffer_ptr_set(out, &p, 4, EVBUFFER_PTR_ADD) < 0)
				return;
		}
	}
	text = http_conn_error_text(hc, &status);
	evbuffer_drain(out, evbuffer_get_length(out));
	hc->srv->replying = true;
	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			    "Cache-Control: no-store\r\nConnection: close\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    status, http_reason(status), text ? strlen(text) : 0, text ? text : "");
	hc->srv->replying = false;
	free(text);
	metrics_request(hc->srv->metrics, -1, status, 0);
	log_debug("- (refused by evhttp) -> %d", status);
}

static void http_conn_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *hc = arg;

	if (info->n_added == 0)
		return;
	if (hc->srv->replying) {
		hc->consumed = 0; /* this request is read; what follows is the next one */
		return;
	}
	if (hc->fix_pending)
		return;
	if (hc->fix == NULL)
		hc->fix = event_new(hc->srv->base, -1, 0, http_conn_fix_cb, hc);
	if (hc->fix != NULL) {
		hc->fix_pending = true;
		event_active(hc->fix, EV_TIMEOUT, 0);
	}
}

/* evhttp's bufferevent factory, called once for each accepted socket: count
 * the connection, watch its buffers, pause accepting at the cap. */
static struct bufferevent *http_conn_new(struct event_base *base, void *arg)
{
	struct server *srv = arg;
	struct http_conn *hc = calloc(1, sizeof *hc);
	struct event *deadline = hc != NULL ? evtimer_new(base, http_conn_deadline_cb, hc) : NULL;
	struct bufferevent *bev =
	    deadline != NULL ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE) : NULL;

	if (bev == NULL) {
		if (deadline != NULL)
			event_free(deadline);
		free(hc);
		log_error("out of memory for a connection");
		return NULL; /* evhttp tries its own; this one is not counted */
	}
	hc->srv = srv;
	hc->bev = bev;
	hc->deadline = deadline;
	http_frame_init(&hc->frame);
	http_conn_arriving(hc, true); /* the first request: from the accept */
	hc->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), http_conn_in_cb, hc);
	hc->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), http_conn_out_cb, hc);
	bufferevent_incref(bev); /* stays valid until adopted, whatever evhttp does */
	hc->next = srv->adopt_list;
	srv->adopt_list = hc;
	event_active(srv->adopt, EV_TIMEOUT, 0);
	srv->nconns++;
	http_conn_limit(srv);
	return bev;
}

void http_apply_limits(struct server *srv)
{
	evhttp_set_max_headers_size(srv->http, srv->opts.num[OPT_MAX_HEADERS]);
	evhttp_set_max_body_size(srv->http, srv->opts.num[OPT_MAX_BODY]);
	evhttp_set_timeout(srv->http, (int)srv->opts.num[OPT_TIMEOUT]);
	http_conn_limit(srv);
}

/* Listen on the Unix socket path with the configured file mode. */
static struct evconnlistener *http_listen_unix(struct server *srv, const char *path,
					       struct pp_error *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct evconnlistener *l;
	struct stat sb;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof sun.sun_path) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "socket", "socket path too long: %s", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path); /* a stale socket of an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, "socket", "socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(0177); /* never more open than 0600 before the chmod */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    chmod(path, (mode_t)srv->opts.num[OPT_SOCKET_MODE]) < 0 || listen(fd, 128) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, "socket", "cannot listen on %s: %s", path,
			     strerror(errno));
		umask(old);
		close(fd);
		return NULL;
	}
	umask(old);
	l = evconnlistener_new(srv->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
			       0, fd);
	if (l == NULL) {
		close(fd);
		pp_error_set(err, PP_ERR_INTERNAL, "socket", "cannot listen on %s", path);
	}
	return l;
}

/* Listen on HOST:PORT. */
static struct evconnlistener *http_listen_tcp(struct server *srv, const char *addr,
					      struct pp_error *err)
{
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	struct evconnlistener *l;

	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) < 0) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "listen", "listen: '%s' is not HOST:PORT",
			     addr);
		return NULL;
	}
	l = evconnlistener_new_bind(srv->base, NULL, NULL,
				    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE |
					LEV_OPT_CLOSE_ON_EXEC,
				    128, (struct sockaddr *)&ss, sslen);
	if (l == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "listen", "cannot listen on %s: %s", addr,
			     strerror(errno));
	return l;
}

int http_start(struct server *srv, struct pp_error *err)
{
	const char *addr = srv->opts.str[OPT_LISTEN], *sock = srv->opts.str[OPT_SOCKET];

	srv->http = evhttp_new(srv->base);
	if (srv->http == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "cannot create the HTTP server");
	/* Every method reaches the dispatcher, which answers in JSON. */
	evhttp_set_allowed_methods(srv->http, 0x1ff);
	evhttp_set_gencb(srv->http, http_dispatch, srv);
	srv->adopt = event_new(srv->base, -1, 0, http_conn_adopt_cb, srv);
	srv->pass_end = event_new(srv->base, -1, 0, http_pass_end_cb, srv);
	srv->reaper = event_new(srv->base, -1, EV_PERSIST, http_reap_cb, srv);
	srv->tokens = auth_cache_new();
	if (srv->adopt == NULL || srv->pass_end == NULL || srv->reaper == NULL ||
	    srv->tokens == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	evhttp_set_bevcb(srv->http, http_conn_new, srv);
	if (srv->npassed > 0) {
		for (int i = 0; i < srv->npassed; i++) {
			struct evconnlistener *l;

			evutil_make_socket_nonblocking(srv->passed[i]);
			evutil_make_socket_closeonexec(srv->passed[i]);
			/* backlog 0: the socket listens already */
			l = evconnlistener_new(srv->base, NULL, NULL,
					       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0,
					       srv->passed[i]);
			if (l == NULL)
				return pp_error_set(err, PP_ERR_INTERNAL, "",
						    "cannot use the socket passed as fd %d",
						    srv->passed[i]);
			srv->listeners[srv->nlisteners++] = l;
			evhttp_bind_listener(srv->http, l);
			log_info("listening on the socket passed by systemd as fd %d",
				 srv->passed[i]);
		}
		http_apply_limits(srv);
		return 0;
	}
	if (addr[0] == '\0' && sock[0] == '\0')
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "listen",
				    "neither a TCP address nor a Unix socket to serve on");
	if (addr[0] != '\0') {
		struct evconnlistener *l = http_listen_tcp(srv, addr, err);

		if (l == NULL)
			return -1;
		srv->listeners[srv->nlisteners++] = l;
		evhttp_bind_listener(srv->http, l);
		log_info("listening on %s", addr);
	}
	if (sock[0] != '\0') {
		struct evconnlistener *l = http_listen_unix(srv, sock, err);

		if (l == NULL)
			return -1;
		srv->listeners[srv->nlisteners++] = l;
		evhttp_bind_listener(srv->http, l);
		log_info("listening on unix:%s (mode %04lo)", sock, srv->opts.num[OPT_SOCKET_MODE]);
	}
	http_apply_limits(srv);
	return 0;
}

void http_stop_accepting(struct server *srv)
{
	http_listeners_enable(srv, false);
}

void http_free(struct server *srv)
{
	srv->closing = true; /* connection closes below must not resume accepting */
	if (srv->adopt != NULL) {
		http_conn_adopt(srv);
		event_free(srv->adopt);
		srv->adopt = NULL;
	}
	if (srv->reaper != NULL)
		event_free(srv->reaper);
	srv->reaper = NULL;
	if (srv->http != NULL)
		evhttp_free(srv->http); /* frees the bound listeners and connections */
	if (srv->pass_end != NULL)
		event_free(srv->pass_end);
	srv->pass_end = NULL;
	auth_cache_free(srv->tokens);
	srv->tokens = NULL;
	srv->http = NULL;
	srv->nlisteners = 0;
	/* A passed socket's file belongs to systemd, which keeps listening. */
	if (srv->npassed == 0 && srv->opts.str[OPT_SOCKET] != NULL &&
	    srv->opts.str[OPT_SOCKET][0] != '\0')
		unlink(srv->opts.str[OPT_SOCKET]);
}
