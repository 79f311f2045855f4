#include "config.h"

#include <string.h>

#include "b64.h"
#include "basic.h"
#include "request.h"

enum basic_result
basic_parse(const char *hdr, size_t n, struct basic_cred *cred)
{
    struct bytes tok;
    size_t dlen;
    const char *colon;

    cred->user = BYTES_NULL;
    cred->password = BYTES_NULL;

    switch (request_scheme((struct bytes){hdr, n}, "Basic", &tok)) {
    case SCHEME_OTHER:
        return BASIC_OTHER;
    case SCHEME_MALFORMED:
        goto malformed;
    case SCHEME_OK:
        break;
    }
    if (tok.n > BASIC_TOKEN_MAX)
        goto malformed;

    if (b64_decode(tok.p, tok.n, (unsigned char *)cred->buf, sizeof cred->buf,
                   &dlen) < 0)
        goto malformed;
    /* RFC 7617 2: the user-id cannot contain ':'; split at the first one. */
    colon = memchr(cred->buf, ':', dlen);
    if (colon == NULL || colon == cred->buf)
        goto malformed;
    /* RFC 7617 2: no control characters in user-id or password. */
    if (util_has_ctl(cred->buf, dlen))
        goto malformed;
    cred->user = (struct bytes){cred->buf, (size_t)(colon - cred->buf)};
    cred->password =
        (struct bytes){colon + 1, dlen - (size_t)(colon - cred->buf) - 1};
    return BASIC_OK;

malformed:
    basic_cred_wipe(cred);
    return BASIC_MALFORMED;
}

void
basic_cred_wipe(struct basic_cred *cred)
{
    util_wipe(cred->buf, sizeof cred->buf);
    cred->user = BYTES_NULL;
    cred->password = BYTES_NULL;
}

/* Apache parsed Basic itself: REMOTE_USER/REMOTE_PASSWD, same rules. */
static enum basic_result
basic_apache(const struct request *r, struct basic_cred *cred)
{
    struct bytes u = r->remote_user, p = r->remote_passwd;

    if (!r->has_remote_passwd)
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

enum basic_result
basic_from_request(const struct request *r, struct basic_cred *cred)
{
    /*
     * Apache's AuthBasicProvider parsed Basic itself; its check_authn
     * (AuthnzFcgiCheckAuthnProvider, any AuthType) passes no REMOTE_PASSWD
     * but the header, which we then parse like everyone else's.
     */
    if (r->apache == APACHE_AUTHENTICATOR && r->has_remote_passwd)
        return basic_apache(r, cred);
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
