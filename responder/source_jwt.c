/*
 * source_jwt: JWTs signed by a key of the profile's JWK Sets (jwt.h): its
 * jwks_file, then the set in hand for its jwks_url (jwks_fetch.h).
 *
 * A token seen lately is judged from what it said then (memo.h): it
 * is kept for at most min(cache_ttl, exp - now), and only while the key
 * that verified it is still in the set, so it still expires on time and a
 * rotated key never vouches for it again. A token too big for that table
 * is decoded every time; only its signature check is remembered, under a
 * key that names the signing key's material.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "authz_int.h"
#include "jwt.h"
#include "memo.h"
#include "log.h"

/* Tokens remembered with their claims (memo.h): about 3 MiB. */
#define JWT_MEMO_SLOTS 4096

static struct memo *jwt_memo;
static pthread_once_t jwt_memo_once = PTHREAD_ONCE_INIT;

static void
jwt_memo_init(void)
{
    jwt_memo = memo_new(JWT_MEMO_SLOTS); /* NULL: none, slower */
}

static bool
jwt_claims(const struct snap_profile *p, struct bytes t)
{
    return (p->jwks != NULL || p->jwks_remote != NULL) &&
           memchr(t.p, '.', t.n) != NULL;
}

/* "kid=K jti=J" for the log, quoted: both are the token's bytes. */
static void
jwt_id(struct decision *d, const char *kid, const char *jti)
{
    size_t len = 0;

    memcpy(d->token_id, "kid=", 5);
    len = 4;
    log_append_quoted(d->token_id, sizeof d->token_id, &len,
                      (struct bytes){kid, strlen(kid)}, 64);
    if (jti[0] != '\0' && len + 5 < sizeof d->token_id) {
        memcpy(d->token_id + len, " jti=", 6);
        len += 5;
        log_append_quoted(d->token_id, sizeof d->token_id, &len,
                          (struct bytes){jti, strlen(jti)}, 64);
    }
}

/* Whether a set of p still holds the key that verified e. */
static bool
jwt_key_held(const struct snap_profile *p, const struct memo_entry *e)
{
    const struct jwks *fetched;
    bool held;

    if (jwks_holds(p->jwks, e->kid, e->key_id))
        return true;
    if (p->jwks_remote == NULL)
        return false;
    fetched = jwks_remote_acquire(p->jwks_remote);
    held = jwks_holds(fetched, e->kid, e->key_id);
    jwks_remote_release(p->jwks_remote, fetched);
    return held;
}

/*
 * A token verified lately, judged from what it said then: its key must
 * still be in the set, and the entry ends at exp. True when d is filled.
 */
static bool
jwt_memo_again(const struct authz_ctx *ctx, const struct authz_scope *sc,
               const struct request *r, const struct cache_key *ck,
               struct decision *d)
{
    struct memo_entry e;

    if (jwt_memo == NULL ||
        !memo_get(jwt_memo, ck, ctx->snap->generation, cache_now(), &e))
        return false;
    if (!jwt_key_held(sc->profile, &e)) {
        util_wipe(&e, sizeof e);
        return false;
    }
    d->cached = true;
    cache_count_hit(ctx->cache);
    jwt_id(d, e.kid, e.jti);
    authz_claim(d, (struct bytes){e.user, e.user_len});
    d->user_known = true;
    authz_policy(ctx, sc, r, (struct bytes){e.groups, e.groups_len}, d);
    util_wipe(&e, sizeof e);
    return true;
}

/* Remember j, verified by key, when what it says fits an entry. */
static void
jwt_memo_keep(const struct authz_ctx *ctx, const struct cache_key *ck,
              const struct jwt *j, const struct jwk *key, long long now)
{
    struct memo_entry e;
    uint64_t life, ttl = cache_ttl(ctx->cache);

    if (jwt_memo == NULL || j->exp <= now || j->user_len > sizeof e.user ||
        j->groups_len > sizeof e.groups)
        return;
    memset(&e, 0, sizeof e);
    life = (uint64_t)(j->exp - now);
    e.generation = ctx->snap->generation;
    e.until = cache_now() + (life < ttl ? life : ttl);
    memcpy(e.key_id, jwk_id(key), sizeof e.key_id);
    memcpy(e.kid, j->kid, strnlen(j->kid, sizeof e.kid - 1));
    memcpy(e.jti, j->jti, strnlen(j->jti, sizeof e.jti - 1));
    memcpy(e.user, j->user, j->user_len);
    e.user_len = j->user_len;
    memcpy(e.groups, j->groups, j->groups_len);
    e.groups_len = j->groups_len;
    memo_put(jwt_memo, ck, &e);
    util_wipe(&e, sizeof e);
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
    const struct jwk *key = NULL;
    bool keyed = cache_enabled(ctx->cache);
    struct cache_key ck;
    enum jwt_result jr;
    struct jwt j;

    if (keyed) {
        /* "jwt+:" is no Basic user (no ':' in those) nor jwt_signed's. */
        cache_key(ctx->cache, &ck, (struct bytes){p->name, strlen(p->name)},
                  (struct bytes){"jwt+:", 5}, t, BYTES_NULL);
        pthread_once(&jwt_memo_once, jwt_memo_init);
        if (jwt_memo_again(ctx, sc, r, &ck, d)) {
            util_wipe(&ck, sizeof ck);
            return;
        }
    }
    jr = jwt_decode(t.p, t.n, &p->jwt, now, &j);
    jwt_id(d, j.kid, j.jti);
    if (jr == JWT_OK && (key = jwt_key(p, &j, &fetched, &jr)) != NULL)
        jr = jwt_signed(ctx, sc, key, t, &j, now, d);
    if (jr == JWT_OK && keyed)
        jwt_memo_keep(ctx, &ck, &j, key, now);
    if (fetched != NULL)
        jwks_remote_release(p->jwks_remote, fetched);
    util_wipe(&ck, sizeof ck);
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
    AUTH_SOURCE_JWT,
    jwt_claims,
    jwt_source_verify,
};
