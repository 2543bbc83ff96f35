/*
 * idempotency.h - the Idempotency-Key header of POST /v1/plans and POST
 * /v1/assignments (idempotency.c): a retry with the key of a request that
 * succeeded, within a day, is answered what that request was answered and
 * creates nothing.
 */
#ifndef PP_IDEMPOTENCY_H
#define PP_IDEMPOTENCY_H

#include <jansson.h>
#include <stddef.h>

#include "http.h"
#include "store.h"

/* Longest key: visible ASCII characters (0x21..0x7e). */
#define IDEMPOTENCY_KEY_MAX 255

enum idempotency_state {
	IDEMPOTENCY_NONE,   /* no key: handle the request as usual */
	IDEMPOTENCY_NEW,    /* a key not seen: handle it, storing rec with its result */
	IDEMPOTENCY_REPLAY, /* a retry: answer the first answer (idempotency_replay) */
};

struct idempotency {
	enum idempotency_state state;
	char key[IDEMPOTENCY_KEY_MAX + 1];
	/* NEW: who, key, route and hash are set; idempotency_answer sets the
	 * answer to store with what the request creates.  REPLAY: the stored
	 * record, its body and location pointing to the copies below. */
	struct store_idem rec;
	char *body, *location; /* owned */
};

/* Read c's Idempotency-Key and look it up for c's caller into *k (free it
 * with idempotency_free in any case): k->state, and 0; or -1 with err set:
 * INVALID_INPUT at Idempotency-Key for two keys or one that is not 1 to
 * IDEMPOTENCY_KEY_MAX visible ASCII characters, CONFLICT at
 * Idempotency-Key when the key's first request had another route or
 * another body, INTERNAL for the database. */
int idempotency_check(struct http_call *c, struct idempotency *k, struct pp_error *err);

/* Set the answer of a NEW key: status, the JSON text of doc (as
 * http_reply_json writes it) and location (may be NULL).  0, or -1 when
 * out of memory. */
int idempotency_answer(struct idempotency *k, int status, const json_t *doc, const char *location);

/* The string member `name` of a REPLAY's first answer into out (len
 * bytes; "" when it has none). */
void idempotency_answer_field(const struct idempotency *k, const char *name, char *out, size_t len);

/* Mark c's reply as a replay (the header Idempotent-Replayed: true). */
void idempotency_mark(struct http_call *c);

/* Reply to c with a REPLAY's first answer, marked.  Frees c. */
void idempotency_replay(struct http_call *c, const struct idempotency *k);

void idempotency_free(struct idempotency *k);

#endif
