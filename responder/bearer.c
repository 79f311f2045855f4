#include "config.h"

#include <string.h>

#include "bearer.h"
#include "request.h"

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static bool
bearer_b64token(struct bytes t)
{
    size_t i = 0;

    for (; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
              c == '~' || c == '+' || c == '/'))
            break;
    }
    if (i == 0)
        return false;
    for (; i < t.n; i++)
        if (t.p[i] != '=')
            return false;
    return true;
}

enum bearer_result
bearer_from_request(const struct request *r, struct bytes *token)
{
    *token = BYTES_NULL;
    /* Apache's authn step hands us only what it parsed as Basic. */
    if (r->authorization_count == 0)
        return BEARER_OTHER;
    if (r->authorization_count > 1)
        return BEARER_MALFORMED;
    switch (request_scheme(r->authorization, "Bearer", token)) {
    case SCHEME_OTHER:
        return BEARER_OTHER;
    case SCHEME_MALFORMED:
        return BEARER_MALFORMED;
    case SCHEME_OK:
        break;
    }
    if (token->n > BEARER_TOKEN_MAX || !bearer_b64token(*token)) {
        *token = BYTES_NULL;
        return BEARER_MALFORMED;
    }
    return BEARER_OK;
}
