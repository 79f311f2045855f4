#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "response.h"

/* Room for the realm quoted: every byte may need a backslash. */
#define RESPONSE_REALM_QUOTED (2 * CONF_REALM_MAX + 3)

int
response_quote(const char *realm, char *dst, size_t cap)
{
    size_t o = 0;

    if (cap < 3)
        return -1;
    dst[o++] = '"';
    for (const char *p = realm; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return -1;
        /* RFC 9110 5.6.4: quoted-pair for DQUOTE and backslash. */
        if (*p == '"' || *p == '\\') {
            if (o + 1 >= cap)
                return -1;
            dst[o++] = '\\';
        }
        if (o + 1 >= cap)
            return -1;
        dst[o++] = *p;
    }
    if (o + 2 > cap)
        return -1;
    dst[o++] = '"';
    dst[o] = '\0';
    return (int)o;
}

static const char *
response_reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

static const char *
response_body(int status)
{
    switch (status) {
    case 400:
        return "Bad request: the credentials sent (the Authorization "
               "header) could not be read as Basic credentials.\n";
    case 401:
        return "Authentication required: this page needs a user name and "
               "password. If you gave them, they were not accepted.\n";
    case 403:
        return "Forbidden: you are signed in, but not allowed here.\n";
    case 429:
        return "Too many failed sign-ins: please wait before trying "
               "again.\n";
    case 503:
        return "Too many sign-ins are being checked right now. Please try "
               "again in a moment.\n";
    default:
        return "The authentication service failed. Please try again later, "
               "or tell the site's administrator.\n";
    }
}

/* The one path that answers 200, guarded by everything that makes one. */
static int
response_allow(const struct decision *d, char *buf, size_t cap)
{
    char groups[AUTHZ_GROUPS_MAX + 32] = "";

    if (d->groups_len > 0 && d->groups_len == strlen(d->groups) &&
        !util_has_ctl(d->groups, d->groups_len))
        snprintf(groups, sizeof groups, "Variable-REMOTE_GROUPS: %s\r\n",
                 d->groups);
    return snprintf(buf, cap,
                    "Status: 200 OK\r\n"
                    "Variable-REMOTE_USER: %s\r\n"
                    "Variable-AUTH_TYPE: Basic\r\n"
                    "%s"
                    "Cache-Control: no-store\r\n"
                    "\r\n",
                    d->user, groups);
}

static int
response_deny(const struct decision *d, int status, char *buf, size_t cap)
{
    char realm[RESPONSE_REALM_QUOTED];
    char challenge[sizeof realm + 64] = "";

    if (status == 503 || status == 429)
        snprintf(challenge, sizeof challenge, "Retry-After: %u\r\n",
                 d->retry_after ? d->retry_after : 1);
    if (status == 401) {
        if (response_quote(d->realm ? d->realm : "Restricted", realm,
                           sizeof realm) < 0)
            return -1;
        snprintf(challenge, sizeof challenge,
                 "WWW-Authenticate: Basic realm=%s, charset=\"UTF-8\"\r\n",
                 realm);
    }
    return snprintf(buf, cap,
                    "Status: %d %s\r\n"
                    "%s"
                    "Cache-Control: no-store\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "\r\n"
                    "%s",
                    status, response_reason_phrase(status), challenge,
                    d->no_body ? "" : response_body(status));
}

int
response_write(const struct decision *d, const struct sink *out)
{
    char buf[2048 + AUTHZ_GROUPS_MAX];
    int n;

    /*
     * The user and realm were checked where they were parsed; a control
     * byte here would still split a header, so it is checked again.
     */
    if (d->status == 200 && d->reason == REASON_OK && d->user_len > 0 &&
        strlen(d->user) == d->user_len && !util_has_ctl(d->user, d->user_len))
        n = response_allow(d, buf, sizeof buf);
    else if (d->status == 400 || d->status == 401 || d->status == 403 ||
             d->status == 429 || d->status == 503)
        n = response_deny(d, d->status, buf, sizeof buf);
    else
        n = -1;
    /* Anything else, or a rendering failure, fails closed. */
    if (n < 0 || (size_t)n >= sizeof buf)
        n = response_deny(d, 500, buf, sizeof buf);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return out->write(out->ctx, buf, (size_t)n);
}
