/*
 * auth.c - bearer tokens: creation, hashing, checking, and the role rule.
 *
 * All cryptography is libsodium's: randombytes_buf for the secret,
 * sodium_bin2base64 to print it, crypto_generichash (BLAKE2b-256) to hash it
 * and sodium_memcmp to compare hashes in constant time.  Tokens are read from
 * the database on every check, so `peerpland token add/revoke` take effect
 * at once in a running daemon.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const auth_role_names[] = {"scheduler", "casesystem", "viewer", "admin"};

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

enum auth_role auth_role_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, auth_role_names[i]) == 0)
			return (enum auth_role)(1 << i);
	return 0;
}

const char *auth_role_name(enum auth_role role)
{
	for (int i = 0; i < 4; i++)
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

int auth_token_add(struct store *st, const char *name, const char *role,
		   char token[AUTH_TOKEN_LEN + 1], struct pp_error *err)
{
	unsigned char secret[32], hash[STORE_HASH_LEN];
	size_t n = strlen(name);

	if (n == 0 || n > AUTH_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
						       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						       "0123456789._:-@") != n)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "name",
				    "token name must be 1..64 characters of [A-Za-z0-9._:-@]");
	if (auth_role_parse(role) == 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "role",
				    "role must be scheduler, casesystem, viewer or admin");
	randombytes_buf(secret, sizeof secret);
	memcpy(token, "pp_", 3);
	sodium_bin2base64(token + 3, AUTH_TOKEN_LEN + 1 - 3, secret, sizeof secret,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof secret);
	auth_hash(token, hash);
	return store_token_add(st, name, role, hash, err);
}

struct auth_search {
	unsigned char hash[STORE_HASH_LEN];
	struct auth_principal *who;
	bool found;
};

/* Compare every row (no early exit) so timing says nothing about the match. */
static int auth_match(const struct store_token *t, void *arg)
{
	struct auth_search *s = arg;

	if (sodium_memcmp(t->hash, s->hash, STORE_HASH_LEN) == 0 && !s->found) {
		s->found = true;
		snprintf(s->who->name, sizeof s->who->name, "%s", t->name);
		s->who->role = auth_role_parse(t->role);
	}
	return 0;
}

int auth_check(struct store *st, const char *header, struct auth_principal *who,
	       struct pp_error *err)
{
	struct auth_search s = {.who = who};
	const char *tok;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return pp_error_set(err, PP_ERR_UNAUTHORIZED, "",
				    "an 'Authorization: Bearer <token>' header is required");
	tok = header + 7;
	while (*tok == ' ')
		tok++;
	auth_hash(tok, s.hash);
	if (store_token_each(st, auth_match, &s, err) < 0)
		return -1;
	if (!s.found || who->role == 0)
		return pp_error_set(err, PP_ERR_UNAUTHORIZED, "", "the token is not valid");
	return 0;
}
