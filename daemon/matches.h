/*
 * matches.h - matching inside the daemon (res_matches.c): batch solves run
 * on the solver pool (jobs.h) off the event loop, and the registry glue that fills
 * a matching document's specialists and existing pairs from the store.
 * For candidates the loop also keeps the registry parsed once (api's struct
 * match_registry), so that a request parses only its parent and policy;
 * it is dropped together with the snapshot.
 */
#ifndef PP_MATCHES_H
#define PP_MATCHES_H

#include <jansson.h>

#include "error.h"

struct server;
struct store;
struct matches;

/* State for the matching resource of srv; batches run on srv->jobs, in
 * its JOBQ_MATCH queue (bounded by the queue-max option). */
struct matches *matches_new(struct server *srv);

/* Batches submitted and not yet answered (shutdown waits for them). */
int matches_pending(struct matches *ms);

/* Shutdown: send the candidates replies waiting for their audit rows.
 * Waiting batches are answered 503 when jobs_stop() drops them; running
 * ones still reply. */
void matches_shutdown(struct matches *ms);

/* Free; call after jobs_free(), which has answered every batch. */
void matches_free(struct matches *ms);

/* Fill doc (a batch or candidates request object) from the store: when
 * "specialists" is absent or null, every stored specialist (by id); when
 * "existing" is absent or null, the stored assignments whose specialist is
 * in doc's specialists and whose parent is not in doc's "parents".  A batch
 * parent that already has a stored assignment is recorded in *clash
 * (invalid input at parents[i].id) for the caller to report once the
 * document itself has validated.  Returns 0, or -1 with err set. */
int matches_fill_from_store(struct store *st, json_t *doc, struct pp_error *clash,
			    struct pp_error *err);

/* matches_fill_from_store() over the snapshot of the registry that ms keeps
 * (read from st on first use); loop thread only.  doc borrows the
 * snapshot's arrays and must not change them. */
int matches_fill_cached(struct matches *ms, struct store *st, json_t *doc, struct pp_error *clash,
			struct pp_error *err);

/* Drop the kept snapshot and the registry parsed from it; every handler
 * that writes specialists or assignments calls this (loop thread only). */
void matches_registry_changed(struct matches *ms);

/* Give object *doc the id `id` under `key`: absent or null -> set (first),
 * equal -> kept, different -> invalid input at `where`.key.  *doc may be
 * replaced (the reference is taken over).  Returns 0, or -1 with err set. */
int matches_doc_id(json_t **doc, const char *key, const char *id, const char *where,
		   struct pp_error *err);

/* The candidates reply for request doc (already filled): parse, rank and
 * encode.  NULL with err set (invalid input, out of memory). */
json_t *matches_candidates_doc(const json_t *doc, struct pp_error *err);

#endif
