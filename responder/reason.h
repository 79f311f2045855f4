/*
 * reason: why a decision came out as it did. A leaf: the pipeline (authz),
 * the counters (metrics), the log and the response all name reasons, and
 * none of them needs the others for it.
 */
#ifndef FCGI_AUTHD_REASON_H
#define FCGI_AUTHD_REASON_H

enum authz_reason {
    REASON_OK,
    REASON_NO_CREDENTIALS, /* no Authorization, or another scheme */
    REASON_MALFORMED,      /* Basic but not decodable / duplicated */
    REASON_UNKNOWN_USER,
    REASON_BAD_PASSWORD,
    REASON_LOCKED,        /* the entry is a locked account */
    REASON_EXPIRED,       /* the entry's expires= has passed */
    REASON_FORBIDDEN,     /* authenticated, but the rules say no: 403 */
    REASON_UNUSABLE,      /* the stored entry can never match */
    REASON_MISCONFIGURED, /* a role or mode the server should not send */
    REASON_BUSY,          /* too many hashes queued: 503 (500 for nginx) */
    REASON_THROTTLED,     /* too many failures: 429 (401 for nginx) */
    REASON_INTERNAL,      /* our failure: fail closed */
    REASON_BAD_TOKEN,     /* a Bearer token that does not verify */
    REASON_COUNT          /* not a reason: the number of them */
};

/*
 * "ok", "no_credentials", "malformed", ...: the token logs and metrics
 * print. Anything out of range is "internal".
 */
const char *reason_name(enum authz_reason reason);

/* The credential scheme a decision was about. */
enum authz_scheme {
    AUTH_SCHEME_NONE, /* no credential of a scheme the profile offers */
    AUTH_SCHEME_BASIC,
    AUTH_SCHEME_BEARER,
    AUTH_SCHEME_COUNT /* not a scheme: the number of them */
};

/* "none", "basic", "bearer". */
const char *scheme_name(enum authz_scheme scheme);

/* The identity source that judged a credential. */
enum authz_source {
    AUTH_SOURCE_NONE,      /* none: no credential, malformed, regulated */
    AUTH_SOURCE_USER_FILE, /* user_file (htpasswd) */
    AUTH_SOURCE_LDAP,      /* ldap_url */
    AUTH_SOURCE_TOKEN,     /* token_file */
    AUTH_SOURCE_JWT,       /* jwks_file, jwks_url */
    AUTH_SOURCE_COUNT      /* not a source: the number of them */
};

/* "none", "user_file", "ldap", "token_file", "jwt". */
const char *source_name(enum authz_source source);

/* Every status a decision or an endpoint answers with, ascending. */
#define REASON_STATUSES 7
extern const int reason_statuses[REASON_STATUSES];

#endif
