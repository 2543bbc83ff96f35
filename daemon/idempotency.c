/*
 * idempotency.c - Idempotency-Key on the POSTs that create (plans,
 * assignments), after the IETF draft "The Idempotency-Key HTTP Header
 * Field".
 *
 * A key is the caller's: records are by (token name, key), so two callers
 * never see each other's answers and a rotated token keeps its keys.  The
 * first request with a key runs as usual; when it succeeds, its answer
 * (status, body, Location) is stored with a BLAKE2b hash of its route and
 * body, in the transaction of the plan or assignment it acknowledges
 * (store_idem.c), so a crash keeps both or neither.  A later request with
 * the key, within a day: the same route and body bytes get that answer
 * again, marked Idempotent-Replayed, and nothing is created; another route
 * or body is 409 conflict (the draft's 422 is this API's `infeasible`).
 * A request that failed stored nothing and changed nothing, so its retry
 * simply runs again.  The loop thread checks and stores in one callback,
 * so no second request with the key can come between the two.
 */
#include "idempotency.h"

#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_read.h"

/* The hash that tells one request from another: the route's name, a NUL,
 * the body's bytes. */
static void idempotency_hash(const char *route, const char *body, size_t len,
			     unsigned char out[STORE_HASH_LEN])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, STORE_HASH_LEN);
	crypto_generichash_update(&h, (const unsigned char *)route, strlen(route) + 1);
	crypto_generichash_update(&h, (const unsigned char *)body, len);
	crypto_generichash_final(&h, out, STORE_HASH_LEN);
}

/* The one Idempotency-Key header of c into key; 0 when there is none, 1,
 * or -1 with err set. */
static int idempotency_header(struct http_call *c, char key[IDEMPOTENCY_KEY_MAX + 1],
			      struct pp_error *err)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(c->req);
	const struct evkeyval *kv;
	const char *v = NULL;
	size_t n;

	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Idempotency-Key") != 0)
			continue;
		if (v != NULL)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, "Idempotency-Key",
					    "Idempotency-Key: give one key, not two");
		v = kv->value;
	}
	if (v == NULL)
		return 0;
	n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			n = 0;
	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "Idempotency-Key",
				    "Idempotency-Key: not 1 to %d visible ASCII characters",
				    IDEMPOTENCY_KEY_MAX);
	memcpy(key, v, n + 1);
	return 1;
}

/* What store_idem_get found for the key of k. */
struct idempotency_found {
	struct idempotency *k;
	bool other;    /* the key's first request had another route or body */
	char when[32]; /* ... sent then */
	bool oom;
};

/* store_idem_get's hook: keep the record's answer when it answered this
 * very request (the same route and hash). */
static void idempotency_found(const struct store_idem *r, void *arg)
{
	struct idempotency_found *f = arg;
	struct idempotency *k = f->k;

	if (strcmp(r->route, k->rec.route) != 0 ||
	    sodium_memcmp(r->hash, k->rec.hash, STORE_HASH_LEN) != 0) {
		f->other = true;
		snprintf(f->when, sizeof f->when, "%s", r->created ? r->created : "?");
		return;
	}
	k->rec.status = r->status;
	k->rec.body = k->body = strdup(r->body);
	k->rec.location = k->location = r->location ? strdup(r->location) : NULL;
	f->oom = k->body == NULL || (r->location != NULL && k->location == NULL);
}

int idempotency_check(struct http_call *c, struct idempotency *k, struct pp_error *err)
{
	struct idempotency_found f = {.k = k};
	size_t len;
	const char *body = http_body(c, &len);
	int rc;

	memset(k, 0, sizeof *k);
	rc = idempotency_header(c, k->key, err);
	if (rc <= 0)
		return rc;
	k->rec.who = c->who.name;
	k->rec.key = k->key;
	k->rec.route = routes[c->route].name;
	idempotency_hash(k->rec.route, body ? body : "", body ? len : 0, k->rec.hash);
	rc = store_idem_get(c->srv->store, k->rec.who, k->key, idempotency_found, &f, err);
	if (rc < 0)
		return -1;
	if (f.oom)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	if (f.other)
		return pp_error_set(err, PP_ERR_CONFLICT, "Idempotency-Key",
				    "Idempotency-Key: this key came at %s with another request "
				    "(another body or route); a new request needs a new key",
				    f.when);
	k->state = rc == 0 ? IDEMPOTENCY_NEW : IDEMPOTENCY_REPLAY;
	return 0;
}

int idempotency_answer(struct idempotency *k, int status, const json_t *doc, const char *location)
{
	free(k->body);
	free(k->location);
	k->body = jr_dumps(doc, 0);
	k->location = location ? strdup(location) : NULL;
	k->rec.status = status;
	k->rec.body = k->body;
	k->rec.location = k->location;
	return k->body == NULL || (location != NULL && k->location == NULL) ? -1 : 0;
}

void idempotency_answer_field(const struct idempotency *k, const char *name, char *out, size_t len)
{
	json_t *doc = k->body ? json_loads(k->body, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(doc, name));

	snprintf(out, len, "%s", v ? v : "");
	json_decref(doc);
}

void idempotency_mark(struct http_call *c)
{
	evhttp_add_header(evhttp_request_get_output_headers(c->req), "Idempotent-Replayed", "true");
}

void idempotency_replay(struct http_call *c, const struct idempotency *k)
{
	idempotency_mark(c);
	if (k->location != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location",
				  k->location);
	http_reply_bytes(c, k->rec.status, "application/json", k->body, strlen(k->body));
}

void idempotency_free(struct idempotency *k)
{
	free(k->body);
	free(k->location);
	k->body = k->location = NULL;
}
