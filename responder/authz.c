#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authz_int.h"
#include "basic.h"
#include "bearer.h"
#include "log.h"
#include "metrics.h"
#include "path.h"
#include "policy.h"

void
authz_deny(struct decision *d, int status, enum authz_reason reason)
{
    d->status = status;
    d->reason = reason;
}

/*
 * Malformed credentials: 400 where the status reaches the client, 401 with
 * the challenge for nginx, which turns anything but 2xx/401/403 into 500.
 */
static void
authz_malformed(struct decision *d)
{
    authz_deny(d, d->role == ROLE_RESPONDER ? 401 : 400, REASON_MALFORMED);
}

void
authz_claim(struct decision *d, struct bytes user)
{
    d->user_len = user.n < sizeof d->user - 1 ? user.n : sizeof d->user - 1;
    memcpy(d->user, user.p, d->user_len);
    d->user[d->user_len] = '\0';
}

/* Append a group name to d->groups ("a,b"); whole names only. */
static void
authz_add_group(void *ctx, const char *name, size_t n)
{
    struct decision *d = ctx;
    size_t need = n + (d->groups_len > 0);

    if (d->groups_len + need >= sizeof d->groups) {
        log_msg(LOGL_WARN,
                "user's groups exceed %d bytes: REMOTE_GROUPS is cut short",
                AUTHZ_GROUPS_MAX);
        return;
    }
    if (d->groups_len > 0)
        d->groups[d->groups_len++] = ',';
    memcpy(d->groups + d->groups_len, name, n);
    d->groups_len += n;
    d->groups[d->groups_len] = '\0';
}

/*
 * The one place a decision becomes 200: the user is authenticated (and in
 * d->user) and every rule passed.
 */
static void
authz_allow(struct decision *d, const struct snap_profile *p,
            struct bytes listed)
{
    d->status = 200;
    d->reason = REASON_OK;
    d->bearer_error = NULL;
    d->bearer_description = NULL;
    d->groups_len = 0;
    d->groups[0] = '\0';
    htgroup_each_group(p->groups, d->user, d->user_len, authz_add_group, d);
    for (size_t i = 0, end; i < listed.n; i = end + 1) {
        const char *comma = memchr(listed.p + i, ',', listed.n - i);

        end = comma ? (size_t)(comma - listed.p) : listed.n;
        if (end > i)
            authz_add_group(d, listed.p + i, end - i);
    }
}

/* Every [path] rule covering the request must pass (all when unclear). */
static bool
authz_paths_allow(const struct snapshot *snap, const struct request *r,
                  struct bytes user, const struct rule_groups *groups)
{
    char norm[PATH_NORM_MAX + 1];
    size_t n = 0;
    bool clear;

    if (snap->npaths == 0)
        return true;
    clear =
        r->has_request_uri && path_normalize(r->request_uri.p, r->request_uri.n,
                                             norm, sizeof norm, &n) == PATH_OK;
    for (size_t i = 0; i < snap->npaths; i++) {
        const struct snap_path *sp = &snap->paths[i];

        if (clear && !path_under(norm, n, sp->prefix, sp->len))
            continue;
        if (!rule_allows_in(&sp->require, user, groups))
            return false;
    }
    return true;
}

void
authz_policy(const struct authz_ctx *ctx, const struct authz_scope *sc,
             const struct request *r, struct bytes listed, struct decision *d)
{
    const struct snap_profile *p = sc->profile;
    struct bytes user = {d->user, d->user_len};
    struct rule_groups g = {p->groups, listed};

    if (rule_allows_in(&p->require, user, &g) &&
        (!sc->has_extra || rule_allows_in(&sc->extra, user, &g)) &&
        authz_paths_allow(ctx->snap, r, user, &g)) {
        authz_allow(d, p, listed);
        return;
    }
    authz_deny(d, 403, REASON_FORBIDDEN);
    /* RFC 6750 3.1: a token that is good but not enough. */
    if (d->scheme == AUTH_SCHEME_BEARER) {
        d->bearer_error = "insufficient_scope";
        d->bearer_description = "not allowed here";
    }
}

void
authz_bad_token(struct decision *d, enum authz_reason reason, const char *why,
                const char *description)
{
    authz_deny(d, 401, reason);
    d->why = why;
    d->bearer_error = "invalid_token";
    d->bearer_description = description;
}

/*
 * Too many hashes queued: 503 where the status reaches the client (with
 * Retry-After), 500 for nginx, which knows no other.
 */
static void
authz_busy(struct decision *d)
{
    d->retry_after = 1;
    authz_deny(d, d->role == ROLE_RESPONDER ? 500 : 503, REASON_BUSY);
}

/*
 * Hash for the dummy check of an unknown or dead entry, within a hashing
 * slot. Fills d with the given reason, or 500/503.
 */
static void
authz_dummy(const struct authz_ctx *ctx, struct verify_ctx *vctx,
            struct bytes pw, enum authz_reason reason, struct decision *d)
{
    enum verify_result vr;

    if (ctx->gate != NULL && gate_enter(ctx->gate, NULL) == GATE_BUSY) {
        authz_busy(d);
        return;
    }
    vr = verify_dummy(vctx, pw.p, pw.n);
    if (ctx->gate != NULL)
        gate_leave(ctx->gate, NULL, false);
    if (vr == VERIFY_ERROR)
        authz_deny(d, 500, REASON_INTERNAL);
    else
        authz_deny(d, 401, reason);
}

/*
 * Verify pw against e: from the cache, by joining an identical
 * verification in flight, or by hashing in a slot (and remembering a
 * success). Fills d, through authz_policy on success.
 */
static void
authz_verify(const struct authz_ctx *ctx, const struct authz_scope *sc,
             const struct request *r, struct verify_ctx *vctx,
             const struct htpasswd_entry *e, struct bytes pw,
             struct decision *d)
{
    const struct snap_profile *p = sc->profile;
    bool keyed = cache_enabled(ctx->cache);
    struct cache_key key;
    enum verify_result vr;
    enum gate_result gr = GATE_RUN;
    struct timespec t0, t1;

    if (keyed) {
        cache_key(ctx->cache, &key, (struct bytes){p->name, strlen(p->name)},
                  (struct bytes){e->user, e->user_len}, pw,
                  (struct bytes){e->hash, e->hash_len});
        if (cache_lookup(ctx->cache, &key, ctx->snap->generation,
                         cache_now())) {
            d->cached = true;
            authz_policy(ctx, sc, r, BYTES_NULL, d);
            goto done;
        }
    }
    if (ctx->gate != NULL)
        gr = gate_enter(ctx->gate, keyed ? &key : NULL);
    switch (gr) {
    case GATE_BUSY:
        authz_busy(d);
        goto done;
    case GATE_JOINED_OK:
        authz_policy(ctx, sc, r, BYTES_NULL, d);
        goto done;
    case GATE_JOINED_FAIL:
        authz_deny(d, 401, REASON_BAD_PASSWORD);
        goto done;
    case GATE_RUN:
        break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    vr = verify_password(vctx, e->kind, e->hash, pw.p, pw.n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_hash_time((double)(t1.tv_sec - t0.tv_sec) +
                      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (vr == VERIFY_OK && keyed)
        cache_insert(ctx->cache, &key, ctx->snap->generation, cache_now());
    if (ctx->gate != NULL)
        gate_leave(ctx->gate, keyed ? &key : NULL, vr == VERIFY_OK);
    switch (vr) {
    case VERIFY_OK:
        authz_policy(ctx, sc, r, BYTES_NULL, d);
        break;
    case VERIFY_MISMATCH:
        authz_deny(d, 401, REASON_BAD_PASSWORD);
        break;
    case VERIFY_UNSUPPORTED:
        authz_deny(d, 401, REASON_UNUSABLE);
        break;
    case VERIFY_ERROR:
        authz_deny(d, 500, REASON_INTERNAL);
        break;
    }
done:
    util_wipe(&key, sizeof key);
}

/* The address regulation counts: none when the client is unknown. */
static struct bytes
authz_regulated(const struct decision *d)
{
    return d->client_known ? d->client : BYTES_NULL;
}

/*
 * Too many failures from this address or for this account: refused
 * without hashing. 429 with Retry-After where the status reaches the
 * client; 401 with the challenge for nginx, which knows no other.
 */
static void
authz_throttled(struct decision *d, unsigned retry)
{
    d->retry_after = retry == 0 ? 1 : retry;
    authz_deny(d, d->role == ROLE_RESPONDER ? 401 : 429, REASON_THROTTLED);
}

/* Count the outcome of a checked password for the regulation. */
static void
authz_count(const struct authz_ctx *ctx, const struct authz_scope *sc,
            const struct basic_cred *cred, struct decision *d)
{
    struct bytes profile = {sc->profile->name, strlen(sc->profile->name)};

    if (d->status == 200 || d->status == 403)
        throttle_success(ctx->throttle, profile, cred->user, !d->cached);
    else if (d->status == 401)
        throttle_fail(ctx->throttle, authz_regulated(d), profile, cred->user,
                      cache_now());
}

/* Look the user up and check the password; fills d. */
static void
authz_check(const struct authz_ctx *ctx, const struct authz_scope *sc,
            const struct request *r, struct verify_ctx *vctx,
            const struct basic_cred *cred, struct decision *d)
{
    const struct htpasswd *users = sc->profile->users;
    const struct htpasswd_entry *e = NULL;
    struct bytes pw = cred->password;
    unsigned retry = 0;

    if (throttle_check(
            ctx->throttle, authz_regulated(d),
            (struct bytes){sc->profile->name, strlen(sc->profile->name)},
            cred->user, cache_now(), &retry) != THROTTLE_PASS) {
        authz_throttled(d, retry);
        return;
    }
    if (cred->user.n <= HTPASSWD_USER_MAX)
        e = htpasswd_lookup(users, cred->user.p, cred->user.n);
    d->user_known = e != NULL;
    /*
     * Unknown users and dead entries cost as much as a real check, and
     * never reach the cache: locked and expired users are never cached.
     */
    d->source = AUTH_SOURCE_USER_FILE;
    if (e == NULL && sc->profile->dir != NULL) {
        d->source = AUTH_SOURCE_LDAP;
        authz_directory(ctx, sc, r, cred, d);
    } else if (e == NULL)
        authz_dummy(ctx, vctx, pw, REASON_UNKNOWN_USER, d);
    else if (e->kind == HASH_LOCKED)
        authz_dummy(ctx, vctx, pw, REASON_LOCKED, d);
    else if (e->unusable != HTPASSWD_USABLE) {
        d->why = htpasswd_unusable_name(e->unusable);
        authz_dummy(ctx, vctx, pw, REASON_UNUSABLE, d);
    } else if (htpasswd_entry_expired(e, (long long)time(NULL)))
        authz_dummy(ctx, vctx, pw, REASON_EXPIRED, d);
    else
        authz_verify(ctx, sc, r, vctx, e, pw, d);
    authz_count(ctx, sc, cred, d);
}

/*
 * Profile, realm and extra rule from the admin's parameters. Returns false
 * (d filled with a 500) when they name what does not exist or do not parse:
 * a configuration error, never an allow.
 */
static bool
authz_scope(const struct authz_ctx *ctx, const struct request *r,
            struct authz_scope *sc, struct decision *d)
{
    const struct snapshot *snap = ctx->snap;
    char err[200];

    sc->profile = &snap->profiles[0];
    if (r->has_auth_profile) {
        sc->profile =
            snapshot_profile(snap, r->auth_profile.p, r->auth_profile.n);
        if (sc->profile == NULL) {
            log_msg(LOGL_ERROR, "AUTH_PROFILE names no [profile] section");
            goto misconfigured;
        }
    }
    d->profile = sc->profile->name;
    d->realm = sc->profile->realm;
    if (r->has_auth_realm) {
        if (r->auth_realm.n == 0 || r->auth_realm.n > CONF_REALM_MAX ||
            util_has_ctl(r->auth_realm.p, r->auth_realm.n)) {
            log_msg(LOGL_ERROR,
                    "AUTH_REALM: expected 1 to %d printable "
                    "bytes",
                    CONF_REALM_MAX);
            goto misconfigured;
        }
        /* The value is the rest of a NUL-terminated "NAME=VALUE". */
        d->realm = r->auth_realm.p;
    }
    sc->has_extra = r->has_auth_require;
    if (sc->has_extra && rule_parse(&sc->extra, r->auth_require.p,
                                    r->auth_require.n, err, sizeof err) < 0) {
        log_msg(LOGL_ERROR, "AUTH_REQUIRE: %s", err);
        goto misconfigured;
    }
    d->offer_basic = sc->profile->users != NULL || sc->profile->dir != NULL;
    d->offer_bearer = sc->profile->tokens != NULL ||
                      sc->profile->jwks != NULL ||
                      sc->profile->jwks_remote != NULL;
    if (!d->offer_basic && !d->offer_bearer) {
        log_msg(LOGL_ERROR,
                "profile '%s' has nothing to check credentials against (set "
                "user_file, token_file, jwks_file or jwks_url, or pass "
                "AUTH_PROFILE)",
                sc->profile->name);
        goto misconfigured;
    }
    return true;
misconfigured:
    authz_deny(d, 500, REASON_MISCONFIGURED);
    return false;
}

/*
 * Apache's authz step (FCGI_APACHE_ROLE=AUTHORIZER): Apache already
 * authenticated REMOTE_USER; answer the rules alone, when enabled.
 */
static void
authz_apache_authz(const struct authz_ctx *ctx, const struct authz_scope *sc,
                   const struct request *r, struct decision *d)
{
    const struct htpasswd_entry *e;
    struct bytes u = r->remote_user;

    if (!ctx->snap->apache_authz) {
        log_msg(LOGL_ERROR, "Apache asks in its authz step "
                            "(FCGI_APACHE_ROLE=AUTHORIZER): set apache_authz "
                            "= yes to answer it");
        authz_deny(d, 500, REASON_MISCONFIGURED);
        return;
    }
    if (!r->has_remote_user || u.n == 0 || u.n > HTPASSWD_USER_MAX ||
        util_has_ctl(u.p, u.n)) {
        authz_deny(d, 500, REASON_MISCONFIGURED);
        return;
    }
    authz_claim(d, u);
    d->user_known = true; /* Apache authenticated it */
    /*
     * Apache does not read a locked '!' prefix the same way, nor the
     * expires= field: an account our user file has ended stays ended.
     */
    e = htpasswd_lookup(sc->profile->users, u.p, u.n);
    if (e != NULL && e->unusable != HTPASSWD_USABLE) {
        /* Locked, or an entry we refuse everywhere else: deny-biased. */
        d->why = htpasswd_unusable_name(e->unusable);
        authz_deny(d, 403,
                   e->kind == HASH_LOCKED ? REASON_LOCKED : REASON_UNUSABLE);
        return;
    }
    if (e != NULL && htpasswd_entry_expired(e, (long long)time(NULL))) {
        authz_deny(d, 403, REASON_EXPIRED);
        return;
    }
    authz_policy(ctx, sc, r, BYTES_NULL, d);
}

/*
 * A credential that does not parse: 400 (401 for nginx), counted against
 * the address like a wrong password, and refused unseen once it is banned.
 */
static void
authz_unparsed(const struct authz_ctx *ctx, struct decision *d)
{
    unsigned retry = 0;

    if (throttle_check(ctx->throttle, authz_regulated(d), BYTES_NULL,
                       BYTES_NULL, cache_now(), &retry) != THROTTLE_PASS) {
        authz_throttled(d, retry);
        return;
    }
    authz_malformed(d);
    throttle_fail(ctx->throttle, authz_regulated(d), BYTES_NULL, BYTES_NULL,
                  cache_now());
}

/* The Basic claim of r, if the profile takes Basic; false: none. */
static bool
authz_basic(const struct authz_ctx *ctx, const struct authz_scope *sc,
            const struct request *r, struct verify_ctx *vctx,
            struct decision *d)
{
    struct basic_cred cred;
    enum basic_result br;

    if (!d->offer_basic)
        return false;
    br = basic_from_request(r, &cred);
    if (br != BASIC_OTHER)
        d->scheme = AUTH_SCHEME_BASIC;
    if (br == BASIC_MALFORMED)
        authz_unparsed(ctx, d);
    else if (br == BASIC_OK) {
        authz_claim(d, cred.user);
        authz_check(ctx, sc, r, vctx, &cred, d);
    }
    basic_cred_wipe(&cred);
    return br != BASIC_OTHER;
}

/* The Bearer sources, in the order they are asked whether a token is
 * theirs: the registration of a new one is a line here. */
static const struct authz_bearer_source *const authz_bearer_sources[] = {
    &source_token,
    &source_jwt,
};

/*
 * A Bearer token: regulated by address before any work, checked by the
 * source whose kind it is, its failure counted like a wrong password.
 */
static void
authz_bearer(const struct authz_ctx *ctx, const struct authz_scope *sc,
             const struct request *r, struct bytes token, struct decision *d)
{
    const struct authz_bearer_source *src = NULL;
    struct bytes profile = {sc->profile->name, strlen(sc->profile->name)};
    unsigned retry = 0;

    if (throttle_check(ctx->throttle, authz_regulated(d), profile, BYTES_NULL,
                       cache_now(), &retry) != THROTTLE_PASS) {
        authz_throttled(d, retry);
        return;
    }
    for (size_t i = 0;
         i < sizeof authz_bearer_sources / sizeof authz_bearer_sources[0]; i++)
        if (authz_bearer_sources[i]->claims(sc->profile, token)) {
            src = authz_bearer_sources[i];
            break;
        }
    if (src == NULL)
        authz_bad_token(d, REASON_BAD_TOKEN, "unknown_kind",
                        "not a token this server issues or accepts");
    else {
        d->source = src->source;
        src->verify(ctx, sc, r, token, d);
    }
    if (d->status == 401)
        throttle_fail(ctx->throttle, authz_regulated(d), profile, BYTES_NULL,
                      cache_now());
}

/* The credential of r in a scheme the profile offers, judged; fills d. */
static void
authz_credentials(const struct authz_ctx *ctx, const struct authz_scope *sc,
                  const struct request *r, struct verify_ctx *vctx,
                  struct decision *d)
{
    struct bytes token;

    if (authz_basic(ctx, sc, r, vctx, d))
        return;
    if (d->offer_bearer) {
        switch (bearer_from_request(r, &token)) {
        case BEARER_OK:
            d->scheme = AUTH_SCHEME_BEARER;
            authz_bearer(ctx, sc, r, token, d);
            return;
        case BEARER_MALFORMED:
            d->scheme = AUTH_SCHEME_BEARER;
            authz_unparsed(ctx, d);
            d->bearer_error = "invalid_request";
            d->bearer_description = "malformed Bearer credentials";
            return;
        case BEARER_OTHER:
            break;
        }
    }
    authz_deny(d, 401, REASON_NO_CREDENTIALS);
}

void
authz_decide(const struct authz_ctx *ctx, const struct request *r,
             struct verify_ctx *vctx, struct decision *d)
{
    struct authz_scope sc;

    memset(d, 0, sizeof *d);
    d->status = 500;
    d->reason = REASON_INTERNAL;
    d->role = r->role;
    d->no_body = r->apache != APACHE_NONE;
    /*
     * Behind trusted proxies, the client is who the nearest one saw; when
     * that cannot be told (no usable X-Forwarded-For),
     * the proxy is logged but not regulated by address: banning it would
     * lock out everyone behind it, at the asking of one client.
     */
    d->client = r->remote_addr;
    d->client_known = true;
    if (proxies_contains(ctx->proxies, r->remote_addr)) {
        d->client_known = false;
        if (r->x_forwarded_for_count > 0) {
            d->client = proxies_client(ctx->proxies, r->remote_addr,
                                       r->x_forwarded_for);
            d->client_known = d->client.p != r->remote_addr.p;
        }
    }
    d->uri = r->request_uri;

    if (r->role == ROLE_OTHER || r->apache == APACHE_UNKNOWN) {
        authz_deny(d, 500, REASON_MISCONFIGURED);
        return;
    }
    if (ctx->snap == NULL || ctx->snap->nprofiles == 0) {
        authz_deny(d, 500, REASON_INTERNAL);
        return;
    }
    d->realm = ctx->snap->profiles[0].realm;
    if (r->invalid) {
        authz_malformed(d);
        return;
    }
    if (!authz_scope(ctx, r, &sc, d))
        return;
    if (r->apache == APACHE_AUTHORIZER) {
        authz_apache_authz(ctx, &sc, r, d);
        return;
    }
    authz_credentials(ctx, &sc, r, vctx, d);
}

/* REMOTE_ADDR is set by the server; still, print it only if it looks so. */
static bool
authz_plain_addr(struct bytes a)
{
    if (a.n == 0 || a.n > 64)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        char c = a.p[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
            return false;
    }
    return true;
}

void
authz_log(const struct decision *d)
{
    char line[1024];
    size_t len = 0;
    int n;

    if (!log_enabled(d->status == 500 ? LOGL_ERROR : LOGL_INFO) ||
        !log_decision_allowed())
        return;

    /* The client address first: nothing the client typed comes before it. */
    if (authz_plain_addr(d->client)) {
        n = snprintf(line, sizeof line, "client=%.*s", (int)d->client.n,
                     d->client.p);
        len = n > 0 ? (size_t)n : 0;
    } else {
        memcpy(line, "client=", 7);
        len = 7;
        log_append_quoted(line, sizeof line, &len, d->client, 64);
    }
    n = snprintf(line + len, sizeof line - len,
                 " status=%d reason=%s role=%s profile=%s user=", d->status,
                 reason_name(d->reason), request_role_name(d->role),
                 d->profile ? d->profile : "-");
    if (n > 0 && (size_t)n < sizeof line - len)
        len += (size_t)n;
    if (d->user_known)
        log_append_quoted(line, sizeof line, &len,
                          (struct bytes){d->user, d->user_len}, 64);
    else if (len + 1 < sizeof line) {
        line[len++] = '-';
        line[len] = '\0';
    }
    if (len + 5 < sizeof line) {
        memcpy(line + len, " uri=", 5);
        len += 5;
        line[len] = '\0';
        log_append_quoted(line, sizeof line, &len, d->uri, 256);
    }
    /* Why an entry is unusable: the same token audit and the load print. */
    if (d->why != NULL) {
        n = snprintf(line + len, sizeof line - len, " why=%s", d->why);
        if (n > 0 && (size_t)n < sizeof line - len)
            len += (size_t)n;
    }
    /* The scheme, and which token (never the token itself). */
    n = snprintf(line + len, sizeof line - len, " scheme=%s%s%s",
                 scheme_name(d->scheme), d->token_id[0] ? " " : "",
                 d->token_id);
    if (n > 0 && (size_t)n < sizeof line - len)
        len += (size_t)n;
    log_msg(d->status == 500 ? LOGL_ERROR : LOGL_INFO, "decision %s", line);
}
