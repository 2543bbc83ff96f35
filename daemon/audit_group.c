/*
 * audit_group.c - group commit of audit rows before their replies (see
 * audit_group.h).  Used by the plan reads (res_plans.c), the candidates
 * requests (res_matches.c) and the program's reads (months.c).
 */
#include "audit_group.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static void audit_group_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	audit_group_flush(arg);
}

int audit_group_init(struct audit_group *g, struct event_base *base, struct store *st,
		     const char *action)
{
	g->st = st;
	g->action = action;
	g->head = NULL;
	g->tail = &g->head;
	g->n = 0;
	g->flush = event_new(base, -1, 0, audit_group_flush_cb, g);
	return g->flush != NULL ? 0 : -1;
}

void audit_group_add(struct audit_group *g, struct audit_wait *w, struct http_call *c,
		     const char *object, audit_send_fn send)
{
	w->next = NULL;
	w->call = c;
	store_now(w->at);
	snprintf(w->object, sizeof w->object, "%s", object);
	w->action = NULL;
	w->send = send;
	*g->tail = w;
	g->tail = &w->next;
	if (g->n++ == 0)
		event_active(g->flush, EV_TIMEOUT, 0);
}

void audit_group_flush(struct audit_group *g)
{
	struct audit_wait *w = g->head, *next;
	int n = g->n, i = 0, rc = 0;
	struct store_audit_row *rows;
	struct pp_error err = {0};

	if (n == 0)
		return;
	g->head = NULL;
	g->tail = &g->head;
	g->n = 0;
	rows = calloc((size_t)n, sizeof *rows);
	if (rows == NULL) {
		rc = pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	} else {
		for (struct audit_wait *q = w; q != NULL; q = q->next)
			rows[i++] = (struct store_audit_row){
			    q->at, q->call->who.name, q->action ? q->action : g->action, q->object};
		rc = store_audit_many(g->st, rows, n, &err);
		free(rows);
	}
	if (rc < 0)
		log_error("audit of %d \"%s\" row(s) not stored: %s", n, g->action, err.message);
	for (; w != NULL; w = next) {
		next = w->next;
		w->send(w, rc == 0 ? NULL : &err);
	}
}

/* A plain document waiting for its row (audit_group_reply). */
struct audit_doc_reply {
	struct audit_wait wait; /* first */
	int status;
	const char *content_type;
	struct http_doc *doc;
};

static void audit_doc_send(struct audit_wait *w, const struct pp_error *err)
{
	struct audit_doc_reply *r = (struct audit_doc_reply *)w;

	if (err != NULL)
		http_reply_error(w->call, err, NULL);
	else
		http_reply_doc(w->call, r->status, r->content_type, r->doc);
	http_doc_unref(r->doc);
	free(r);
}

void audit_group_reply(struct audit_group *g, struct http_call *c, const char *action,
		       const char *object, int status, const char *content_type,
		       struct http_doc *doc)
{
	struct audit_doc_reply *r = calloc(1, sizeof *r);

	if (r == NULL) {
		http_doc_unref(doc);
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	r->status = status;
	r->content_type = content_type;
	r->doc = doc;
	audit_group_add(g, &r->wait, c, object, audit_doc_send);
	r->wait.action = action;
}

void audit_group_free(struct audit_group *g)
{
	if (g->flush == NULL)
		return;
	audit_group_flush(g);
	event_free(g->flush);
	g->flush = NULL;
}
