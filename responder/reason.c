#include "config.h"

#include <stddef.h>

#include "reason.h"

static const char *const reason_names[REASON_COUNT] = {
    [REASON_OK] = "ok",
    [REASON_NO_CREDENTIALS] = "no_credentials",
    [REASON_MALFORMED] = "malformed",
    [REASON_UNKNOWN_USER] = "unknown_user",
    [REASON_BAD_PASSWORD] = "bad_password",
    [REASON_LOCKED] = "locked",
    [REASON_EXPIRED] = "expired",
    [REASON_FORBIDDEN] = "forbidden",
    [REASON_UNUSABLE] = "unusable_entry",
    [REASON_MISCONFIGURED] = "misconfigured",
    [REASON_BUSY] = "busy",
    [REASON_THROTTLED] = "throttled",
    [REASON_INTERNAL] = "internal",
    [REASON_BAD_TOKEN] = "bad_token",
};

const char *
scheme_name(enum authz_scheme scheme)
{
    switch (scheme) {
    case AUTH_SCHEME_BASIC:
        return "basic";
    case AUTH_SCHEME_BEARER:
        return "bearer";
    default:
        return "none";
    }
}

const char *
source_name(enum authz_source source)
{
    switch (source) {
    case AUTH_SOURCE_USER_FILE:
        return "user_file";
    case AUTH_SOURCE_LDAP:
        return "ldap";
    case AUTH_SOURCE_TOKEN:
        return "token_file";
    case AUTH_SOURCE_JWT:
        return "jwt";
    default:
        return "none";
    }
}

const int reason_statuses[REASON_STATUSES] = {200, 400, 401, 403,
                                              429, 500, 503};

const char *
reason_name(enum authz_reason reason)
{
    if ((unsigned)reason >= REASON_COUNT || reason_names[reason] == NULL)
        return "internal";
    return reason_names[reason];
}
