/*
 * http.h - the daemon's shared state and the HTTP plumbing every resource
 * uses: the route table's shape, one call per request, replies, errors.
 *
 * A struct http_call is allocated for each request and freed by the reply
 * functions, so a handler may keep it (a ?wait reply) and answer later from
 * the loop thread.  Every reply passes through http_reply_*(), which counts
 * it in the metrics and logs it.
 */
#ifndef PP_HTTP_H
#define PP_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>

#include "auth.h"
#include "error.h"
#include "options.h"

struct event;
struct event_base;
struct evconnlistener;
struct store;
struct jobs;
struct metrics;
struct plans;
struct matches;
struct running;
struct retention;

/* Listening sockets: TCP and Unix, or those systemd passes (at most this). */
#define HTTP_MAX_LISTENERS 8

struct server {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listeners[HTTP_MAX_LISTENERS];
	int nlisteners;
	int passed[HTTP_MAX_LISTENERS]; /* listening sockets from systemd, if any */
	int npassed;
	struct store *store;
	struct jobs *jobs;
	struct metrics *metrics;
	struct plans *plans;
	struct matches *matches;
	struct running *running;     /* the running-month resources (running.h) */
	struct retention *retention; /* purges (retention.h) */
	struct options opts;
	int nworkers;
	int inflight; /* requests being handled or held */
	bool stopping;
	/* Connections (http.c): open ones counted against max-connections. */
	int nconns;
	bool paused;         /* listeners disabled at the cap */
	bool replying;       /* http_reply_bytes is writing a reply */
	bool closing;        /* http_free is tearing evhttp down */
	struct event *adopt; /* hooks new connections once evhttp made them */
	struct http_conn *adopt_list;
	/* Connections whose request is arriving, oldest first, and the timer
	 * that closes the slow ones while accepting is paused at the cap. */
	struct http_conn *arriving_oldest, *arriving_newest;
	struct event *reaper;
	/* Tokens read once per loop pass: forgotten by the pass_end event,
	 * which the first check of a pass activates. */
	struct auth_cache *tokens;
	struct event *pass_end;
	bool pass_armed;
};

struct http_call;
struct http_conn;

/* One row of the route table: method, path pattern ("{id}" matches one
 * segment; at most HTTP_MAX_PARAMS of them), the roles that may call it (0 = no token needed), the
 * handler and the name used in metrics. */
struct route {
	enum evhttp_cmd_type method;
	const char *pattern;
	unsigned roles;
	void (*handler)(struct http_call *c);
	const char *name;
};

extern const struct route routes[];
extern const int nroutes;

/* "{id}" segments one pattern may have: /v1/attendance/{id}/{id}/{id}. */
#define HTTP_MAX_PARAMS 3

struct http_call {
	struct evhttp_request *req;
	struct server *srv;
	int route;                                 /* index in routes[], -1 when none matched */
	char param[128];                           /* the (first) {id} segment, decoded */
	char param_more[HTTP_MAX_PARAMS - 1][128]; /* the next ones (http_param) */
	struct auth_principal who;                 /* the caller, when the route needs a token */
	struct evkeyvalq query;                    /* decoded query parameters */
	double t0;                                 /* monotonic seconds at arrival */
	struct http_call *next;                    /* for resources that hold calls */
	void *data;                                /* for resources that hold calls */
};

/* Route a request: method and its target, as evhttp parsed it, against
 * routes[] (HEAD as GET; each "{id}" of a pattern takes one path segment,
 * percent-decoded, and never one whose decoding holds '/' or NUL or is over
 * sizeof c->param - 1 bytes).  Sets c->route (-1 when none), the params
 * (http_param) and c->query, which the caller clears with evhttp_clear_headers() in any case.
 * Returns 0, or -1 with err set: invalid_input for a target without a path
 * or with a malformed query, not_found when no route matches.  Needs no
 * event loop, so tests/fuzz drives it with targets alone. */
int http_route(struct http_call *c, enum evhttp_cmd_type method, const struct evhttp_uri *uri,
	       struct pp_error *err);

/* The i-th "{id}" segment of c's route, decoded (0 <= i < the pattern's
 * count; c->param is the first). */
const char *http_param(const struct http_call *c, int i);

/* Create evhttp and listen: on the sockets of srv->passed if there are any
 * (socket activation; the listen and socket options are then ignored), else
 * on the TCP address and the Unix socket of the options; apply the limits.
 * -1 with err set (a start-up failure). */
int http_start(struct server *srv, struct pp_error *err);

/* Re-apply the reloadable limits of srv->opts (SIGHUP). */
void http_apply_limits(struct server *srv);

/* Stop accepting new connections (shutdown); replies in flight continue. */
void http_stop_accepting(struct server *srv);

/* Close everything http_start opened. */
void http_free(struct server *srv);

/* The request body as a contiguous buffer (NUL-terminated copy not made). */
const char *http_body(struct http_call *c, size_t *len);

/* A decoded query parameter, or NULL. */
const char *http_query(struct http_call *c, const char *key);

/* Reply with a JSON document (the reference to body is stolen); location
 * may be NULL.  Frees c. */
void http_reply_json(struct http_call *c, int status, json_t *body, const char *location);

/* Reply with bytes of the given content type.  Frees c. */
void http_reply_bytes(struct http_call *c, int status, const char *content_type, const char *buf,
		      size_t len);

/* An immutable reply body that replies share by reference instead of
 * copying it (a cached document): counted holders, loop thread only. */
struct http_doc;

/* A document of text (malloc'd, NUL-terminated, taken over: freed with the
 * last reference, or at once when this fails), with one reference; NULL
 * when out of memory. */
struct http_doc *http_doc_adopt(char *text);

/* One more reference to d; d. */
struct http_doc *http_doc_ref(struct http_doc *d);

/* Drop a reference to d (NULL is ignored). */
void http_doc_unref(struct http_doc *d);

/* The length of d's text. */
size_t http_doc_len(const struct http_doc *d);

/* Reply with d as the body, written from d itself: the reply holds its own
 * reference until the bytes have left.  Frees c. */
void http_reply_doc(struct http_call *c, int status, const char *content_type, struct http_doc *d);

/* Reply with the JSON error of API.md for err, with the status the code maps
 * to (and Retry-After for busy / shutting_down); extra (stolen, may be NULL)
 * is merged into the "error" object.  Frees c. */
void http_reply_error(struct http_call *c, const struct pp_error *err, json_t *extra);

/* Shorthand: reply with a fresh error of code and message.  Frees c. */
void http_fail(struct http_call *c, enum pp_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The HTTP status of an error code (the one table). */
int http_status_of(enum pp_errcode code);

/* Seconds on the monotonic clock. */
double http_now(void);

#endif
