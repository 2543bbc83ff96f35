/*
 * audit_group.h - replies that wait for their audit rows, committed in
 * groups: one transaction (one sync) per event-loop pass.
 *
 * A resource whose reads are audited embeds struct audit_wait as the first
 * member of its queued reply and hands it to audit_group_add() (or, for a
 * plain document, lets audit_group_reply() queue it); the first
 * reply of a loop pass activates the group's flush event, which libevent
 * runs after the callbacks already active in that pass.  The flush writes
 * every queued row in one transaction and only then calls each reply's
 * send function -- with NULL when its row is on disk, or with the commit's
 * error.  Loop thread only.
 */
#ifndef PP_AUDIT_GROUP_H
#define PP_AUDIT_GROUP_H

#include <event2/event.h>

#include "error.h"
#include "http.h"
#include "store.h"

struct audit_wait;

/* Send the reply of w (err NULL: its row is committed; else answer err) and
 * free the struct w is embedded in. */
typedef void (*audit_send_fn)(struct audit_wait *w, const struct pp_error *err);

struct audit_wait {
	struct audit_wait *next;
	struct http_call *call;
	char at[32];        /* when the audited action happened */
	char object[72];    /* the row's object: what was read */
	const char *action; /* the row's action; NULL: the group's */
	audit_send_fn send;
};

struct audit_group {
	struct store *st;
	const char *action; /* every row's action, e.g. "read plan" */
	struct event *flush;
	struct audit_wait *head, **tail; /* in arrival order */
	int n;
};

/* Set up g for rows with `action` in st.  Returns 0, or -1 (memory). */
int audit_group_init(struct audit_group *g, struct event_base *base, struct store *st,
		     const char *action);

/* Queue w, the reply to c about object, with its audit time taken now. */
void audit_group_add(struct audit_group *g, struct audit_wait *w, struct http_call *c,
		     const char *object, audit_send_fn send);

/* Reply to c with status and doc (a reference, stolen) of content_type (a
 * static string) once the row about object is committed -- with action
 * (static; NULL: the group's) -- or with a 500 when the commit fails. */
void audit_group_reply(struct audit_group *g, struct http_call *c, const char *action,
		       const char *object, int status, const char *content_type,
		       struct http_doc *doc);

/* Commit every queued row now and send the replies (shutdown, or the flush
 * event). */
void audit_group_flush(struct audit_group *g);

/* Flush, then free what init allocated. */
void audit_group_free(struct audit_group *g);

#endif
