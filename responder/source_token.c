/*
 * source_token: API tokens from the profile's token_file (token.h).
 *
 * No cache: a check is one SHA-256 and a table lookup, cheaper than the
 * cache's own HMAC key. No hashing slot either, for the same reason.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authz_int.h"
#include "token.h"

static bool
token_claims(const struct snap_profile *p, struct bytes t)
{
    return p->tokens != NULL && t.n >= TOKEN_PREFIX_LEN &&
           memcmp(t.p, TOKEN_PREFIX, TOKEN_PREFIX_LEN) == 0;
}

static void
token_verify(const struct authz_ctx *ctx, const struct authz_scope *sc,
             const struct request *r, struct bytes t, struct decision *d)
{
    const struct token_entry *e;

    /* A typo or a made-up token is refused before any lookup. */
    if (!token_well_formed(t.p, t.n)) {
        authz_bad_token(d, REASON_BAD_TOKEN, "checksum",
                        "malformed token (bad checksum or length)");
        return;
    }
    e = tokfile_lookup(sc->profile->tokens, t.p, t.n);
    if (e == NULL) {
        authz_bad_token(d, REASON_BAD_TOKEN, "unknown", "unknown token");
        return;
    }
    /* Names are the admin's, checked at load: no quoting needed. */
    snprintf(d->token_id, sizeof d->token_id, "token=%.*s", (int)e->name_len,
             e->name);
    if (token_entry_expired(e, (long long)time(NULL))) {
        authz_bad_token(d, REASON_EXPIRED, "expired", "token expired");
        return;
    }
    authz_claim(d, (struct bytes){e->name, e->name_len});
    d->user_known = true;
    authz_policy(ctx, sc, r, BYTES_NULL, d);
}

const struct authz_bearer_source source_token = {
    "token",
    AUTH_SOURCE_TOKEN,
    token_claims,
    token_verify,
};
