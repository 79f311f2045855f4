/*
 * source_ldap: Basic credentials checked against the profile's LDAP
 * directory (directory.h), for users the user file does not have.
 *
 * A user verified lately is answered from what the directory said then
 * (memo.h: the HMAC of profile, name and password finds the groups),
 * for cache_ttl: repeat requests cost no round trip, and those users keep
 * working while the directory is down. Users with more groups than an
 * entry holds are asked for every time.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "authz_int.h"
#include "directory.h"
#include "memo.h"
#include "metrics.h"

#define LDAP_MEMO_SLOTS 4096

static struct memo *ldap_memo;
static pthread_once_t ldap_memo_once = PTHREAD_ONCE_INIT;

static void
ldap_memo_init(void)
{
    ldap_memo = memo_new(LDAP_MEMO_SLOTS); /* NULL: none, slower */
}

/* A sign-in verified lately: d filled from what the directory said. */
static bool
ldap_memo_again(const struct authz_ctx *ctx, const struct authz_scope *sc,
                const struct request *r, const struct cache_key *ck,
                struct decision *d)
{
    struct memo_entry e;

    if (ldap_memo == NULL ||
        !memo_get(ldap_memo, ck, ctx->snap->generation, cache_now(), &e))
        return false;
    d->cached = true;
    d->user_known = true;
    cache_count_hit(ctx->cache);
    authz_policy(ctx, sc, r, (struct bytes){e.groups, e.groups_len}, d);
    util_wipe(&e, sizeof e);
    return true;
}

static void
ldap_memo_keep(const struct authz_ctx *ctx, const struct cache_key *ck,
               struct bytes user, const char *groups)
{
    struct memo_entry e;
    size_t glen = strlen(groups);

    if (ldap_memo == NULL || user.n > sizeof e.user || glen > sizeof e.groups)
        return;
    memset(&e, 0, sizeof e);
    e.generation = ctx->snap->generation;
    e.until = cache_now() + cache_ttl(ctx->cache);
    memcpy(e.user, user.p, user.n);
    e.user_len = user.n;
    memcpy(e.groups, groups, glen);
    e.groups_len = glen;
    memo_put(ldap_memo, ck, &e);
    util_wipe(&e, sizeof e);
}

void
authz_directory(const struct authz_ctx *ctx, const struct authz_scope *sc,
                const struct request *r, const struct basic_cred *cred,
                struct decision *d)
{
    const struct snap_profile *p = sc->profile;
    bool keyed = cache_enabled(ctx->cache), ambiguous = false;
    char groups[DIRECTORY_GROUPS_MAX];
    struct cache_key ck;
    enum directory_result dr;
    struct timespec t0, t1;

    if (keyed) {
        /* "ldap:" names no htpasswd hash: never a user file's entry. */
        cache_key(ctx->cache, &ck, (struct bytes){p->name, strlen(p->name)},
                  cred->user, cred->password, (struct bytes){"ldap:", 5});
        pthread_once(&ldap_memo_once, ldap_memo_init);
        if (ldap_memo_again(ctx, sc, r, &ck, d)) {
            util_wipe(&ck, sizeof ck);
            return;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dr =
        directory_check(p->dir, cred->user, cred->password, groups, &ambiguous);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_ldap_check((int)dr, (double)(t1.tv_sec - t0.tv_sec) +
                                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    switch (dr) {
    case DIR_OK:
        d->user_known = true;
        if (keyed)
            ldap_memo_keep(ctx, &ck, cred->user, groups);
        authz_policy(ctx, sc, r, (struct bytes){groups, strlen(groups)}, d);
        break;
    case DIR_NO_USER:
        d->why = ambiguous ? "ambiguous" : NULL;
        authz_deny(d, 401, REASON_UNKNOWN_USER);
        break;
    case DIR_BAD_PASSWORD:
        d->user_known = true;
        authz_deny(d, 401, REASON_BAD_PASSWORD);
        break;
    case DIR_EMPTY_PASSWORD:
        d->why = directory_result_name(dr);
        authz_deny(d, 401, REASON_BAD_PASSWORD);
        break;
    case DIR_BUSY:
        d->retry_after = 1;
        d->why = directory_result_name(dr);
        authz_deny(d, d->role == ROLE_RESPONDER ? 500 : 503, REASON_BUSY);
        break;
    case DIR_DOWN:
        d->why = directory_result_name(dr);
        authz_deny(d, 500, REASON_INTERNAL);
        break;
    }
    util_wipe(groups, sizeof groups);
    util_wipe(&ck, sizeof ck);
}
