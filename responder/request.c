#include "config.h"

#include <string.h>

#include "request.h"

/* A parameter we look at: where its view goes, and its presence flag. */
struct request_field {
    const char *name;
    size_t offset;     /* of the struct bytes in struct request */
    size_t has_offset; /* of the bool in struct request, or 0: none */
};

#define FIELD(name, member, has)                                               \
    {                                                                          \
        name, offsetof(struct request, member), offsetof(struct request, has)  \
    }
static const struct request_field request_fields[] = {
    FIELD("REMOTE_USER", remote_user, has_remote_user),
    FIELD("REMOTE_PASSWD", remote_passwd, has_remote_passwd),
    {"REMOTE_ADDR", offsetof(struct request, remote_addr), 0},
    FIELD("REQUEST_URI", request_uri, has_request_uri),
    FIELD("AUTH_PROFILE", auth_profile, has_auth_profile),
    FIELD("AUTH_REALM", auth_realm, has_auth_realm),
    FIELD("AUTH_REQUIRE", auth_require, has_auth_require),
    FIELD("AUTH_ENDPOINT", auth_endpoint, has_auth_endpoint),
    FIELD("AUTH_STATUS", auth_status, has_auth_status),
    FIELD("DOCUMENT_URI", document_uri, has_document_uri),
};
#undef FIELD
#define REQUEST_NFIELDS (sizeof request_fields / sizeof request_fields[0])

static bool
request_name_is(const char *kv, size_t namelen, const char *name)
{
    return strlen(name) == namelen && memcmp(kv, name, namelen) == 0;
}

static void
request_role(struct request *r, struct bytes v)
{
    if (util_bytes_ieq(v, "RESPONDER"))
        r->role = ROLE_RESPONDER;
    else if (util_bytes_ieq(v, "AUTHORIZER"))
        r->role = ROLE_AUTHORIZER;
    else
        r->role = ROLE_OTHER;
}

static void
request_apache_role(struct request *r, struct bytes v)
{
    if (util_bytes_ieq(v, "AUTHENTICATOR"))
        r->apache = APACHE_AUTHENTICATOR;
    else if (util_bytes_ieq(v, "AUTHORIZER"))
        r->apache = APACHE_AUTHORIZER;
    else
        r->apache = APACHE_UNKNOWN;
}

/* Store v if kv names a field not seen yet; false if we do not use it. */
static bool
request_field(struct request *r, bool *seen, const char *kv, size_t namelen,
              struct bytes v)
{
    for (size_t i = 0; i < REQUEST_NFIELDS; i++) {
        struct bytes *dst;

        if (!request_name_is(kv, namelen, request_fields[i].name))
            continue;
        if (seen[i])
            return false; /* a repeat: the first one counts */
        seen[i] = true;
        dst = (struct bytes *)((char *)r + request_fields[i].offset);
        *dst = v;
        if (request_fields[i].has_offset != 0)
            *(bool *)((char *)r + request_fields[i].has_offset) = true;
        return true;
    }
    return false;
}

/*
 * X-Forwarded-For is read from the right: the entries a trusted proxy
 * appended are last, in the last occurrence when a proxy adds a header line
 * of its own (RFC 9110 5.3: occurrences are one list, in order). So the
 * last occurrence counts, and of a long one its last REQUEST_VALUE_MAX
 * bytes from an entry boundary: a client padding the header can neither
 * hide the proxy's entry nor switch the address regulation off.
 */
static struct bytes
request_xff_tail(const char *v)
{
    struct bytes b = {v, strlen(v)};
    const char *comma;

    if (b.n <= REQUEST_VALUE_MAX)
        return b;
    b.p += b.n - REQUEST_VALUE_MAX;
    b.n = REQUEST_VALUE_MAX;
    comma = memchr(b.p, ',', b.n);
    if (comma == NULL)
        return BYTES_NULL;
    b.n -= (size_t)(comma + 1 - b.p);
    b.p = comma + 1;
    return b;
}

void
request_parse(struct request *r, char *const *envp)
{
    bool seen_role = false, seen_apache = false;
    bool seen[REQUEST_NFIELDS] = {false};

    memset(r, 0, sizeof *r);
    r->role = ROLE_CGI;
    r->apache = APACHE_NONE;
    for (; envp != NULL && *envp != NULL; envp++) {
        const char *kv = *envp;
        const char *eq = strchr(kv, '=');
        size_t namelen;
        struct bytes v;

        if (eq == NULL)
            continue;
        namelen = (size_t)(eq - kv);
        v.p = eq + 1;
        v.n = strnlen(v.p, REQUEST_VALUE_MAX + 1);

        if (request_name_is(kv, namelen, "HTTP_AUTHORIZATION")) {
            /* Servers that see the header twice may send it twice. */
            if (r->authorization_count++ == 0)
                r->authorization = v;
        } else if (request_name_is(kv, namelen, "HTTP_ACCEPT")) {
            if (r->accept.p == NULL && v.n <= REQUEST_VALUE_MAX)
                r->accept = v;
            continue;
        } else if (request_name_is(kv, namelen, "HTTP_X_FORWARDED_FOR")) {
            r->x_forwarded_for_count++;
            r->x_forwarded_for = request_xff_tail(v.p);
            continue; /* only ever a hint: its size invalidates nothing */
        } else if (request_name_is(kv, namelen, "FCGI_ROLE")) {
            if (!seen_role)
                request_role(r, v);
            seen_role = true;
        } else if (request_name_is(kv, namelen, "FCGI_APACHE_ROLE")) {
            if (!seen_apache)
                request_apache_role(r, v);
            seen_apache = true;
        } else if (!request_field(r, seen, kv, namelen, v)) {
            continue;
        }
        /* Only a value we use can make the request invalid by its size. */
        if (v.n > REQUEST_VALUE_MAX)
            r->invalid = true;
    }
}

const char *
request_role_name(enum request_role role)
{
    switch (role) {
    case ROLE_CGI:
        return "CGI";
    case ROLE_RESPONDER:
        return "RESPONDER";
    case ROLE_AUTHORIZER:
        return "AUTHORIZER";
    case ROLE_OTHER:
        break;
    }
    return "OTHER";
}

enum request_scheme
request_scheme(struct bytes hdr, const char *scheme, struct bytes *cred)
{
    size_t slen = strlen(scheme), i, end;

    *cred = BYTES_NULL;
    /* RFC 9110 11.1: the scheme is case-insensitive; length first. */
    if (hdr.n < slen || !util_bytes_ieq((struct bytes){hdr.p, slen}, scheme))
        return SCHEME_OTHER;
    if (hdr.n == slen || hdr.p[slen] == '\t')
        return SCHEME_MALFORMED;
    if (hdr.p[slen] != ' ')
        return SCHEME_OTHER;
    for (i = slen; i < hdr.n && hdr.p[i] == ' '; i++)
        ;
    for (end = hdr.n; end > i && hdr.p[end - 1] == ' '; end--)
        ;
    if (end == i)
        return SCHEME_MALFORMED;
    *cred = (struct bytes){hdr.p + i, end - i};
    return SCHEME_OK;
}
