/*
 * http.c - evhttp set-up, limits, dispatch through the route table, replies.
 *
 * Listeners are our own evconnlisteners handed to evhttp_bind_listener, so
 * shutdown can pause them while replies in flight drain.  libevent 2.1 has
 * no connection cap (evhttp_set_max_connections came in 2.2), so the cap is
 * on requests in progress -- being handled or held for ?wait: above
 * `max-requests` a request is answered 503 busy at once with Retry-After.
 *
 * Limits: evhttp enforces the header size and the read/write timeouts.  The
 * body limit is checked here so the client gets API.md's JSON 413; evhttp's
 * own cap is set to twice the limit so that a huge body is cut off (with
 * libevent's plain 413) without ever being buffered whole.
 *
 * Dispatch: match method and path against routes[] (a pattern segment
 * "{id}" captures one segment), then the token and role, then the body
 * size, then the handler.  Unknown paths and methods are 404 not_found.
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

#include "json_read.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

static const struct {
	enum pp_errcode code;
	int status;
} http_status_table[] = {
	{PP_ERR_INVALID_JSON, 400}, {PP_ERR_INVALID_INPUT, 400}, {PP_ERR_UNAUTHORIZED, 401},
	{PP_ERR_FORBIDDEN, 403},    {PP_ERR_NOT_FOUND, 404},     {PP_ERR_CONFLICT, 409},
	{PP_ERR_TOO_LARGE, 413},    {PP_ERR_INFEASIBLE, 422},    {PP_ERR_BUSY, 429},
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
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

static void http_call_free(struct http_call *c)
{
	c->srv->inflight--;
	evhttp_clear_headers(&c->query);
	free(c);
}

void http_reply_bytes(struct http_call *c, int status, const char *content_type,
		      const char *buf, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
	struct evbuffer *out = evbuffer_new();
	double secs = http_now() - c->t0;

	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (out != NULL)
		evbuffer_add(out, buf, len);
	evhttp_send_reply(c->req, status, http_reason(status), out);
	if (out != NULL)
		evbuffer_free(out);
	metrics_request(c->srv->metrics, c->route, status, secs);
	log_debug("%s %s -> %d (%.3f s)",
		  c->route >= 0 ? routes[c->route].name : "-", evhttp_request_get_uri(c->req), status,
		  secs);
	http_call_free(c);
}

void http_reply_json(struct http_call *c, int status, json_t *body, const char *location)
{
	char *text = body ? jr_dumps(body, 0) : NULL;

	json_decref(body);
	if (text == NULL) {
		const char *oom = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
		http_reply_bytes(c, 500, "application/json", oom, strlen(oom));
		return;
	}
	if (location != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location", location);
	http_reply_bytes(c, status, "application/json", text, strlen(text));
	free(text);
}

void http_reply_error(struct http_call *c, const struct pp_error *err, json_t *extra)
{
	json_t *e = json_pack("{s:s, s:s}", "code", pp_errcode_name(err->code), "message",
			      err->message);

	if (e != NULL && err->path[0] != '\0')
		json_object_set_new(e, "path", json_string(err->path));
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

/* Match path against pattern; a "{id}" segment is copied to param.  Returns
 * true on a match. */
static bool http_match(const char *pattern, const char *path, char *param, size_t paramlen)
{
	while (*pattern != '\0' && *path != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/");
			char *dec;

			if (n == 0)
				return false;
			dec = evhttp_uridecode(path, 0, NULL);
			if (dec == NULL)
				return false;
			dec[strcspn(dec, "/")] = '\0';
			if (strlen(dec) >= paramlen) {
				free(dec);
				return false;
			}
			strcpy(param, dec);
			free(dec);
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

/* Every request enters here: route, authenticate, check size, dispatch. */
static void http_dispatch(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct http_call *c = calloc(1, sizeof *c);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
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
	if (path == NULL || (query != NULL && evhttp_parse_query_str(query, &c->query) < 0)) {
		http_fail(c, PP_ERR_INVALID_INPUT, "malformed request target");
		return;
	}
	for (int i = 0; i < nroutes; i++) {
		if (routes[i].method == method &&
		    http_match(routes[i].pattern, path, c->param, sizeof c->param)) {
			c->route = i;
			break;
		}
	}
	if (c->route < 0) {
		http_fail(c, PP_ERR_NOT_FOUND, "no resource for this method and path");
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
		const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
						   "Authorization");

		if (auth_check(srv->store, h, &c->who, &err) < 0) {
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

void http_apply_limits(struct server *srv)
{
	evhttp_set_max_headers_size(srv->http, srv->opts.num[OPT_MAX_HEADERS]);
	evhttp_set_max_body_size(srv->http, 2 * srv->opts.num[OPT_MAX_BODY]);
	evhttp_set_timeout(srv->http, (int)srv->opts.num[OPT_TIMEOUT]);
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
		pp_error_set(err, PP_ERR_INVALID_INPUT, "listen",
			     "listen: '%s' is not HOST:PORT", addr);
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
	for (int i = 0; i < srv->nlisteners; i++)
		evconnlistener_disable(srv->listeners[i]);
}

void http_free(struct server *srv)
{
	if (srv->http != NULL)
		evhttp_free(srv->http); /* frees the bound listeners too */
	srv->http = NULL;
	srv->nlisteners = 0;
	if (srv->opts.str[OPT_SOCKET] != NULL && srv->opts.str[OPT_SOCKET][0] != '\0')
		unlink(srv->opts.str[OPT_SOCKET]);
}
