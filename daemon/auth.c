/*
 * auth.c - bearer tokens: creation, hashing, checking, and the role rule.
 *
 * All cryptography is libsodium's: randombytes_buf for the secret,
 * sodium_bin2base64 to print it, crypto_generichash (BLAKE2b-256) to hash it
 * and sodium_memcmp to compare hashes in constant time.  Tokens are read from
 * the database for every check, or, through a struct auth_cache, once per
 * pass of the daemon's event loop (the daemon forgets the rows at the end of
 * each pass), so `peerpland token add/revoke` from another process take
 * effect at once in a running daemon: from the next loop pass on.  An
 * expired token is refused with a message that says so (the holder knows
 * it is theirs); its expiry is compared as text, since expiries and
 * store_now() share one UTC format.
 */
#include "auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const auth_role_names[AUTH_NROLES] = {"scheduler", "casesystem", "viewer",
							 "admin", "metrics"};

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

enum auth_role auth_role_parse(const char *name)
{
	for (int i = 0; i < AUTH_NROLES; i++)
		if (strcmp(name, auth_role_names[i]) == 0)
			return (enum auth_role)(1 << i);
	return 0;
}

const char *auth_role_name(enum auth_role role)
{
	for (int i = 0; i < AUTH_NROLES; i++)
		if (role == (enum auth_role)(1 << i))
			return auth_role_names[i];
	return "none";
}

bool auth_allows(enum auth_role role, unsigned mask)
{
	return mask == 0 || role == ROLE_ADMIN || (role & mask) != 0;
}

static void auth_hash(const char *token, unsigned char out[STORE_HASH_LEN])
{
	crypto_generichash(out, STORE_HASH_LEN, (const unsigned char *)token, strlen(token), NULL,
			   0);
}

int auth_expiry(const char *life, char out[32], struct pp_error *err)
{
	char *end;
	long n;
	time_t t;
	struct tm tm;

	errno = 0;
	n = strtol(life, &end, 10);
	if (errno != 0 || end == life || n <= 0 ||
	    (strcmp(end, "d") != 0 && strcmp(end, "h") != 0) ||
	    n > (*end == 'd' ? 36500L : 876000L))
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "expires",
				    "expires: '%s' is not a lifetime such as 90d or 12h (days or "
				    "hours, at most 100 years)",
				    life);
	t = time(NULL) + (time_t)n * (*end == 'd' ? 86400 : 3600);
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return 0;
}

/* A new token: its text in token, its hash in hash. */
static void auth_secret(char token[AUTH_TOKEN_LEN + 1], unsigned char hash[STORE_HASH_LEN])
{
	unsigned char secret[32];

	randombytes_buf(secret, sizeof secret);
	memcpy(token, "pp_", 3);
	sodium_bin2base64(token + 3, AUTH_TOKEN_LEN + 1 - 3, secret, sizeof secret,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof secret);
	auth_hash(token, hash);
}

int auth_token_add(struct store *st, const char *name, const char *role, const char *expires,
		   char token[AUTH_TOKEN_LEN + 1], struct pp_error *err)
{
	unsigned char hash[STORE_HASH_LEN];
	size_t n = strlen(name);

	if (n == 0 || n > AUTH_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._:-@") != n)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "name",
				    "token name must be 1..64 characters of [A-Za-z0-9._:-@]");
	if (auth_role_parse(role) == 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "role",
				    "role must be scheduler, casesystem, viewer, admin or metrics");
	auth_secret(token, hash);
	return store_token_add(st, name, role, expires, hash, err);
}

int auth_token_rotate(struct store *st, const char *name, const char *expires,
		      char token[AUTH_TOKEN_LEN + 1], char kept[32], struct pp_error *err)
{
	unsigned char hash[STORE_HASH_LEN];

	auth_secret(token, hash);
	return store_token_rotate(st, name, expires, hash, kept, err);
}

/* One stored token as the check needs it. */
struct auth_row {
	unsigned char hash[STORE_HASH_LEN];
	char name[AUTH_NAME_MAX + 1];
	char expires[32]; /* a store_now() time, "" for never */
	enum auth_role role;
};

struct auth_cache {
	struct auth_row *rows;
	int n, cap;
	bool valid, oom;
};

struct auth_cache *auth_cache_new(void)
{
	return calloc(1, sizeof(struct auth_cache));
}

void auth_cache_forget(struct auth_cache *ac)
{
	if (ac->rows != NULL)
		sodium_memzero(ac->rows, (size_t)ac->cap * sizeof *ac->rows);
	ac->n = 0;
	ac->valid = false;
}

void auth_cache_free(struct auth_cache *ac)
{
	if (ac == NULL)
		return;
	auth_cache_forget(ac);
	free(ac->rows);
	free(ac);
}

/* store_token_each callback: append the token to the cache; 1 (stop) when
 * out of memory. */
static int auth_cache_add(const struct store_token *t, void *arg)
{
	struct auth_cache *ac = arg;
	struct auth_row *r;

	if (ac->n == ac->cap) {
		int cap = ac->cap ? 2 * ac->cap : 16;
		struct auth_row *rows = calloc((size_t)cap, sizeof *rows);

		if (rows == NULL) {
			ac->oom = true;
			return 1;
		}
		if (ac->rows != NULL) {
			memcpy(rows, ac->rows, (size_t)ac->n * sizeof *rows);
			sodium_memzero(ac->rows, (size_t)ac->cap * sizeof *rows);
			free(ac->rows);
		}
		ac->rows = rows;
		ac->cap = cap;
	}
	r = &ac->rows[ac->n++];
	memcpy(r->hash, t->hash, STORE_HASH_LEN);
	snprintf(r->name, sizeof r->name, "%s", t->name);
	snprintf(r->expires, sizeof r->expires, "%s", t->expires ? t->expires : "");
	r->role = auth_role_parse(t->role);
	return 0;
}

int auth_check_cached(struct store *st, struct auth_cache *ac, const char *header,
		      struct auth_principal *who, struct pp_error *err)
{
	unsigned char hash[STORE_HASH_LEN];
	const char *tok, *expires = "";
	char now[32];
	bool found = false;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return pp_error_set(err, PP_ERR_UNAUTHORIZED, "",
				    "an 'Authorization: Bearer <token>' header is required");
	tok = header + 7;
	while (*tok == ' ')
		tok++;
	auth_hash(tok, hash);
	if (!ac->valid) {
		ac->n = 0;
		ac->oom = false;
		if (store_token_each(st, auth_cache_add, ac, err) < 0)
			return -1;
		if (ac->oom) {
			auth_cache_forget(ac);
			return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		}
		ac->valid = true;
	}
	/* Compare every row (no early exit) so timing says nothing about the
	 * match. */
	for (int i = 0; i < ac->n; i++) {
		if (sodium_memcmp(ac->rows[i].hash, hash, STORE_HASH_LEN) == 0 && !found) {
			found = true;
			snprintf(who->name, sizeof who->name, "%s", ac->rows[i].name);
			who->role = ac->rows[i].role;
			expires = ac->rows[i].expires;
		}
	}
	if (!found || who->role == 0)
		return pp_error_set(err, PP_ERR_UNAUTHORIZED, "", "the token is not valid");
	store_now(now);
	if (expires[0] != '\0' && strcmp(now, expires) >= 0)
		return pp_error_set(err, PP_ERR_UNAUTHORIZED, "",
				    "the token expired at %s; an admin may rotate it (peerpland "
				    "token rotate NAME --expires ...) or add another",
				    expires);
	return 0;
}

int auth_check(struct store *st, const char *header, struct auth_principal *who,
	       struct pp_error *err)
{
	struct auth_cache ac = {0};
	int rc = auth_check_cached(st, &ac, header, who, err);

	auth_cache_forget(&ac);
	free(ac.rows);
	return rc;
}
