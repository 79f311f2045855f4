/*
 * authz_int: what authz.c shares with the identity sources it calls
 * (source_*.c). Not for any other module: they see authz.h.
 */
#ifndef FCGI_AUTHD_AUTHZ_INT_H
#define FCGI_AUTHD_AUTHZ_INT_H

#include "authz.h"
#include "basic.h"
#include "policy.h"

/* What one request is judged by, chosen from the snapshot and params. */
struct authz_scope {
    const struct snap_profile *profile;
    struct rule extra; /* AUTH_REQUIRE */
    bool has_extra;
};

/*
 * A source of Bearer tokens: whether a token is one of its kind (by its
 * shape alone, before any lookup), and its check. verify fills d: through
 * authz_policy on success, else a denial; it never writes 200 itself.
 */
struct authz_bearer_source {
    const char *name; /* for the log: "token", "jwt" */
    enum authz_source source;
    bool (*claims)(const struct snap_profile *p, struct bytes token);
    void (*verify)(const struct authz_ctx *ctx, const struct authz_scope *sc,
                   const struct request *r, struct bytes token,
                   struct decision *d);
};

extern const struct authz_bearer_source source_token;
extern const struct authz_bearer_source source_jwt;

void authz_deny(struct decision *d, int status, enum authz_reason reason);

/* Keep the claimed user for the log; it is no identity until verified. */
void authz_claim(struct decision *d, struct bytes user);

/*
 * The user in d is authenticated: apply every rule that covers the
 * request; 200 (through the one place that writes it) or 403. listed:
 * groups the credential itself carried ("a,b"), besides the group file.
 */
void authz_policy(const struct authz_ctx *ctx, const struct authz_scope *sc,
                  const struct request *r, struct bytes listed,
                  struct decision *d);

/*
 * Basic credentials of a user the user file does not have, against the
 * profile's LDAP directory (source_ldap.c). Fills d like the user file's
 * check: through authz_policy on success, else a denial.
 */
void authz_directory(const struct authz_ctx *ctx, const struct authz_scope *sc,
                     const struct request *r, const struct basic_cred *cred,
                     struct decision *d);

/* A Bearer token that does not verify: 401, invalid_token. */
void authz_bad_token(struct decision *d, enum authz_reason reason,
                     const char *why, const char *description);

#endif
