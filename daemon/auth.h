/*
 * auth.h - bearer tokens and roles.
 *
 * A token is "pp_" followed by 43 base64url characters (32 random bytes);
 * only its BLAKE2b hash (libsodium crypto_generichash) is stored.  Checking a
 * token hashes it and compares against every stored hash with sodium_memcmp,
 * so the time taken does not depend on how much of a hash matched.  A token
 * may expire (token add --expires); rotating it gives it a new secret and
 * keeps its name, role and expiry.
 */
#ifndef PP_AUTH_H
#define PP_AUTH_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

enum auth_role {
	ROLE_SCHEDULER = 1 << 0,
	ROLE_CASESYSTEM = 1 << 1,
	ROLE_VIEWER = 1 << 2,
	ROLE_ADMIN = 1 << 3,
	ROLE_METRICS = 1 << 4, /* GET /metrics and nothing else */
};

#define AUTH_NROLES 5

#define AUTH_NAME_MAX  64
#define AUTH_TOKEN_LEN 46 /* "pp_" + 43 */

struct auth_principal {
	char name[AUTH_NAME_MAX + 1];
	enum auth_role role;
};

/* Initialise libsodium; -1 if it cannot be used. */
int auth_init(void);

/* The role bit of a role name, or 0 when the name is not a role. */
enum auth_role auth_role_parse(const char *name);
const char *auth_role_name(enum auth_role role);

/* May a principal of role act on a route that admits the roles in mask?
 * Admin may everything; mask 0 means no token is needed. */
bool auth_allows(enum auth_role role, unsigned mask);

/* The expiry of a token that lives `life` from now ("90d", "12h": a
 * positive number of days or hours, at most 100 years), as a store_now()
 * time in out.  0, or -1 with INVALID_INPUT at "expires". */
int auth_expiry(const char *life, char out[32], struct pp_error *err);

/* Create a token NAME with ROLE, expiring at expires (a store_now() time;
 * NULL: never): stores its hash and writes the token text (AUTH_TOKEN_LEN
 * + 1 bytes) to token.  CONFLICT if the name exists. */
int auth_token_add(struct store *st, const char *name, const char *role, const char *expires,
		   char token[AUTH_TOKEN_LEN + 1], struct pp_error *err);

/* Give token NAME a new secret, written to token as by auth_token_add; the
 * old one stops working.  Its role stays, and its expiry unless expires
 * is not NULL; kept receives the expiry it now has ("" for never).
 * NOT_FOUND. */
int auth_token_rotate(struct store *st, const char *name, const char *expires,
		      char token[AUTH_TOKEN_LEN + 1], char kept[32], struct pp_error *err);

/* Check an Authorization header value ("Bearer <token>", may be NULL);
 * fills *who and returns 0, or -1 with UNAUTHORIZED (or INTERNAL) -- for
 * an expired token, a message that says so and when. */
int auth_check(struct store *st, const char *header, struct auth_principal *who,
	       struct pp_error *err);

/* The stored tokens, read by the first check after auth_cache_forget and
 * used by the checks after it, until the next auth_cache_forget. */
struct auth_cache;
struct auth_cache *auth_cache_new(void);
void auth_cache_forget(struct auth_cache *ac);
void auth_cache_free(struct auth_cache *ac);

/* auth_check against the rows of ac (read from st first if forgotten). */
int auth_check_cached(struct store *st, struct auth_cache *ac, const char *header,
		      struct auth_principal *who, struct pp_error *err);

#endif
