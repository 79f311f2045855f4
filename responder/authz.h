/*
 * authz: turns one request into one decision. No I/O. The order of the
 * checks lives here and only here.
 */
#ifndef FCGI_AUTHD_AUTHZ_H
#define FCGI_AUTHD_AUTHZ_H

#include <stddef.h>

#include "cache.h"
#include "gate.h"
#include "htpasswd.h"
#include "request.h"
#include "snapshot.h"
#include "proxy.h"
#include "reason.h"
#include "throttle.h"
#include "verify.h"

/* How a denial's body is written, from the client's Accept. */
enum response_format {
    FORMAT_HTML,
    FORMAT_JSON,
    FORMAT_TEXT,
};

/* Longest user: a user file's, a token's name, a JWT's claim. */
#define AUTHZ_USER_MAX 255

/* Room for Variable-REMOTE_GROUPS ("g1,g2,..."). */
#define AUTHZ_GROUPS_MAX 1024

/* What authz needs from the configuration, fixed while serving. */
struct authz_ctx {
    /* The snapshot of this one request (store_acquire), never one kept
     * across requests: a reload frees the old one when its last user is
     * done. */
    const struct snapshot *snap;
    struct cache *cache;           /* NULL: no cache */
    struct gate *gate;             /* NULL: hash without limit */
    struct throttle *throttle;     /* NULL: no regulation */
    const struct proxies *proxies; /* NULL: REMOTE_ADDR is the client */
};

struct decision {
    int status; /* 200, 400, 401, 403 or 500 */
    enum authz_reason reason;
    enum request_role role;
    const char *realm;             /* for the 401 challenge */
    char user[AUTHZ_USER_MAX + 1]; /* verified user on 200; else the claim */
    size_t user_len;
    bool user_known;     /* the claim names an entry of the user file */
    const char *profile; /* name of the profile used, or NULL */
    /*
     * Apache's check_authn hands a denial body to ap_custom_response(),
     * which takes text not starting with '"' for a URL to redirect to (a
     * 500 here): denials to Apache go without a body.
     */
    bool no_body;
    bool cached;                 /* the password was verified from the cache */
    unsigned retry_after;        /* seconds, for 429 and 503 */
    enum response_format format; /* of a denial's body */
    char groups[AUTHZ_GROUPS_MAX]; /* on 200: the user's groups, "a,b" */
    size_t groups_len;
    struct bytes client;      /* REMOTE_ADDR, for the log */
    bool client_known;        /* false behind a proxy whose X-Forwarded-For is
                               * unusable: then no address regulation */
    struct bytes uri;         /* REQUEST_URI, for the log */
    const char *why;          /* REASON_UNUSABLE: the entry's reason
                               * (htpasswd_unusable_name), a token's failure
                               * (jwt_result_name), for the log */
    enum authz_scheme scheme; /* of the credential judged */
    enum authz_source source; /* the identity source that judged it */
    bool offer_basic;         /* the profile's challenges on a 401 */
    bool offer_bearer;
    /* Bearer (RFC 6750 3.1): "invalid_token" or "insufficient_scope" on
     * a 401 or 403 about a token, with a short description; NULL: none. */
    const char *bearer_error;
    const char *bearer_description;
    /* Which token, never the token: "token=NAME", "kid=K jti=J". */
    char token_id[2 * 128 + 16];
};

/*
 * Decide on r. Always fills *d; d->status is 200 only when a password was
 * verified against the user file (or, in Apache's authz mode, Apache
 * vouched for REMOTE_USER) and every rule that applies passed (reason
 * REASON_OK). The profile is AUTH_PROFILE's (an unknown one is 500) or the
 * default; AUTH_REALM replaces its realm, AUTH_REQUIRE adds a rule that
 * must pass too, as must every [path] rule whose prefix covers the
 * normalised REQUEST_URI (all of them when it cannot be normalised).
 * Authenticated but refused by a rule: 403. Status choice follows the role:
 * malformed credentials are 400 for authorizers and CGI, 401 for
 * responders (nginx turns any status but 2xx/401/403 into 500).
 */
void authz_decide(const struct authz_ctx *ctx, const struct request *r,
                  struct verify_ctx *vctx, struct decision *d);

/*
 * Log one line for d: the client first, then status and reason, the user
 * (quoted, escaped) only when it names an entry of the user file, so a
 * password typed into the user field never reaches the log.
 */
void authz_log(const struct decision *d);

#endif
