#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "basic.h"
#include "log.h"

static const char *const authz_reason_names[] = {
    [REASON_OK] = "ok",
    [REASON_NO_CREDENTIALS] = "no_credentials",
    [REASON_MALFORMED] = "malformed",
    [REASON_UNKNOWN_USER] = "unknown_user",
    [REASON_BAD_PASSWORD] = "bad_password",
    [REASON_LOCKED] = "locked",
    [REASON_UNUSABLE] = "unusable_entry",
    [REASON_MISCONFIGURED] = "misconfigured",
    [REASON_INTERNAL] = "internal",
};

const char *
authz_reason_name(enum authz_reason reason)
{
    if ((size_t)reason >= sizeof authz_reason_names / sizeof(char *))
        return "internal";
    return authz_reason_names[reason];
}

static void
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

/* Keep the claimed user for the log; it is no identity until verified. */
static void
authz_claim(struct decision *d, struct bytes user)
{
    d->user_len = user.n < sizeof d->user - 1 ? user.n : sizeof d->user - 1;
    memcpy(d->user, user.p, d->user_len);
    d->user[d->user_len] = '\0';
}

/* Apache parsed Basic itself: REMOTE_USER/REMOTE_PASSWD, same rules. */
static enum basic_result
authz_apache_cred(const struct request *r, struct basic_cred *cred)
{
    struct bytes u = r->remote_user, p = r->remote_passwd;

    if (!r->has_remote_user || !r->has_remote_passwd)
        return BASIC_OTHER;
    if (u.n == 0 || memchr(u.p, ':', u.n) != NULL || util_has_ctl(u.p, u.n) ||
        util_has_ctl(p.p, p.n) || u.n + p.n > sizeof cred->buf)
        return BASIC_MALFORMED;
    memcpy(cred->buf, u.p, u.n);
    memcpy(cred->buf + u.n, p.p, p.n);
    cred->user = (struct bytes){cred->buf, u.n};
    cred->password = (struct bytes){cred->buf + u.n, p.n};
    return BASIC_OK;
}

/* Where the credentials come from depends on who sent the request. */
static enum basic_result
authz_credentials(const struct request *r, struct basic_cred *cred)
{
    if (r->apache == APACHE_AUTHENTICATOR)
        return authz_apache_cred(r, cred);
    /*
     * REMOTE_USER without FCGI_APACHE_ROLE is never a credential: nginx's
     * stock fastcgi_params fills it from the unverified header.
     */
    if (r->authorization_count == 0)
        return BASIC_OTHER;
    if (r->authorization_count > 1)
        return BASIC_MALFORMED;
    return basic_parse(r->authorization.p, r->authorization.n, cred);
}

/* Look the user up and check the password; fills d. */
static void
authz_check(const struct authz_ctx *ctx, struct verify_ctx *vctx,
            const struct basic_cred *cred, struct decision *d)
{
    const struct htpasswd_entry *e = NULL;
    struct bytes pw = cred->password;
    enum verify_result vr;

    if (cred->user.n <= HTPASSWD_USER_MAX)
        e = htpasswd_lookup(ctx->users, cred->user.p, cred->user.n);
    d->user_known = e != NULL;
    if (e == NULL || !e->usable) {
        /* Unknown users and dead entries cost as much as a real check. */
        vr = verify_dummy(vctx, pw.p, pw.n);
        if (vr == VERIFY_ERROR)
            authz_deny(d, 500, REASON_INTERNAL);
        else if (e == NULL)
            authz_deny(d, 401, REASON_UNKNOWN_USER);
        else
            authz_deny(d, 401,
                       e->kind == HASH_LOCKED ? REASON_LOCKED
                                              : REASON_UNUSABLE);
        return;
    }
    vr = verify_password(vctx, e->kind, e->hash, pw.p, pw.n);
    switch (vr) {
    case VERIFY_OK:
        /* The only place a decision becomes 200. */
        d->status = 200;
        d->reason = REASON_OK;
        return;
    case VERIFY_MISMATCH:
        authz_deny(d, 401, REASON_BAD_PASSWORD);
        return;
    case VERIFY_UNSUPPORTED:
        authz_deny(d, 401, REASON_UNUSABLE);
        return;
    case VERIFY_ERROR:
        break;
    }
    authz_deny(d, 500, REASON_INTERNAL);
}

void
authz_decide(const struct authz_ctx *ctx, const struct request *r,
             struct verify_ctx *vctx, struct decision *d)
{
    struct basic_cred cred;

    memset(d, 0, sizeof *d);
    d->status = 500;
    d->reason = REASON_INTERNAL;
    d->role = r->role;
    d->realm = ctx->realm;
    d->client = r->remote_addr;
    d->uri = r->request_uri;

    if (r->role == ROLE_OTHER || r->apache == APACHE_UNKNOWN) {
        authz_deny(d, 500, REASON_MISCONFIGURED);
        return;
    }
    if (r->apache == APACHE_AUTHORIZER) {
        /* XXX: Apache's authz mode needs rules; until then, fail closed. */
        authz_deny(d, 500, REASON_MISCONFIGURED);
        return;
    }
    if (r->invalid) {
        authz_malformed(d);
        return;
    }
    switch (authz_credentials(r, &cred)) {
    case BASIC_OTHER:
        authz_deny(d, 401, REASON_NO_CREDENTIALS);
        break;
    case BASIC_MALFORMED:
        authz_malformed(d);
        break;
    case BASIC_OK:
        authz_claim(d, cred.user);
        if (ctx->users == NULL)
            authz_deny(d, 500, REASON_INTERNAL);
        else
            authz_check(ctx, vctx, &cred, d);
        break;
    }
    basic_cred_wipe(&cred);
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
                 " status=%d reason=%s role=%s user=", d->status,
                 authz_reason_name(d->reason), request_role_name(d->role));
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
    log_msg(d->status == 500 ? LOGL_ERROR : LOGL_INFO, "decision %s", line);
}
