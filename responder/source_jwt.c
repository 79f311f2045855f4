/*
 * source_jwt: JWTs signed by a key of the profile's JWK Sets (jwt.h): its
 * jwks_file, then the set in hand for its jwks_url (jwks_fetch.h).
 *
 * The claims are judged on every request (a cached token still expires
 * on time); only the signature check is remembered, for at most
 * min(cache_ttl, exp - now), under a key that names the signing key's
 * material, so a rotated key never vouches for a token again.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "authz_int.h"
#include "jwt.h"
#include "log.h"

static bool
jwt_claims(const struct snap_profile *p, struct bytes t)
{
    return (p->jwks != NULL || p->jwks_remote != NULL) &&
           memchr(t.p, '.', t.n) != NULL;
}

/* "kid=K jti=J" for the log, quoted: both are the token's bytes. */
static void
jwt_id(struct decision *d, const struct jwt *j)
{
    size_t len = 0;

    memcpy(d->token_id, "kid=", 5);
    len = 4;
    log_append_quoted(d->token_id, sizeof d->token_id, &len,
                      (struct bytes){j->kid, strlen(j->kid)}, 64);
    if (j->jti[0] != '\0' && len + 5 < sizeof d->token_id) {
        memcpy(d->token_id + len, " jti=", 6);
        len += 5;
        log_append_quoted(d->token_id, sizeof d->token_id, &len,
                          (struct bytes){j->jti, strlen(j->jti)}, 64);
    }
}

static void
jwt_refused(struct decision *d, enum jwt_result jr)
{
    if (jr == JWT_INTERNAL) {
        authz_deny(d, 500, REASON_INTERNAL);
        return;
    }
    authz_bad_token(d, jr == JWT_EXPIRED ? REASON_EXPIRED : REASON_BAD_TOKEN,
                    jwt_result_name(jr), jwt_result_text(jr));
}

/* The signature, from the cache or checked (and then remembered). */
static enum jwt_result
jwt_signed(const struct authz_ctx *ctx, const struct authz_scope *sc,
           const struct jwk *key, struct bytes t, const struct jwt *j,
           long long now, struct decision *d)
{
    const char *pn = sc->profile->name;
    bool keyed = cache_enabled(ctx->cache);
    struct cache_key ck;
    enum jwt_result jr;

    if (keyed) {
        /* "jwt:" cannot be a Basic user: a user name has no ':'. */
        cache_key(ctx->cache, &ck, (struct bytes){pn, strlen(pn)},
                  (struct bytes){"jwt:", 4}, t,
                  (struct bytes){(const char *)jwk_id(key), 32});
        if (cache_lookup(ctx->cache, &ck, ctx->snap->generation, cache_now())) {
            d->cached = true;
            util_wipe(&ck, sizeof ck);
            return JWT_OK;
        }
    }
    jr = jwt_verify(key, j);
    if (jr == JWT_OK && keyed && j->exp > now)
        cache_insert_for(ctx->cache, &ck, ctx->snap->generation, cache_now(),
                         (uint64_t)(j->exp - now));
    util_wipe(&ck, sizeof ck);
    return jr;
}

/*
 * The key for j: from the file, else from the fetched set (*fetched holds
 * it until the caller releases it). A kid neither has asks for a fetch;
 * with no set fetched yet the answer is ours to fail: JWT_INTERNAL.
 */
static const struct jwk *
jwt_key(const struct snap_profile *p, const struct jwt *j,
        const struct jwks **fetched, enum jwt_result *why)
{
    const struct jwk *key = NULL;

    *why = JWT_NO_KEY;
    if (p->jwks != NULL && (key = jwks_find(p->jwks, j, why)) != NULL)
        return key;
    if (p->jwks_remote == NULL || *why != JWT_NO_KEY)
        return NULL;
    if ((*fetched = jwks_remote_acquire(p->jwks_remote)) == NULL)
        *why = JWT_INTERNAL;
    else
        key = jwks_find(*fetched, j, why);
    if (key == NULL && *why != JWT_ALG)
        jwks_remote_want(p->jwks_remote); /* never waits */
    return key;
}

static void
jwt_source_verify(const struct authz_ctx *ctx, const struct authz_scope *sc,
                  const struct request *r, struct bytes t, struct decision *d)
{
    const struct snap_profile *p = sc->profile;
    long long now = (long long)time(NULL);
    const struct jwks *fetched = NULL;
    const struct jwk *key;
    enum jwt_result jr;
    struct jwt j;

    jr = jwt_decode(t.p, t.n, &p->jwt, now, &j);
    jwt_id(d, &j);
    if (jr == JWT_OK && (key = jwt_key(p, &j, &fetched, &jr)) != NULL)
        jr = jwt_signed(ctx, sc, key, t, &j, now, d);
    if (fetched != NULL)
        jwks_remote_release(p->jwks_remote, fetched);
    if (jr != JWT_OK) {
        jwt_refused(d, jr);
        jwt_clear(&j);
        return;
    }
    authz_claim(d, (struct bytes){j.user, j.user_len});
    d->user_known = true;
    authz_policy(ctx, sc, r, (struct bytes){j.groups, j.groups_len}, d);
    jwt_clear(&j);
}

const struct authz_bearer_source source_jwt = {
    "jwt",
    jwt_claims,
    jwt_source_verify,
};
