#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "conf.h"
#include "file.h"
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

/* What a person is told, per status: title and what to do. */
static const struct {
    int status;
    const char *title;
    const char *detail;
} response_texts[] = {
    {400, "Bad request",
     "The sign-in details your browser sent could not be read. Close the "
     "browser window and sign in again."},
    {401, "Sign-in required",
     "This page needs a user name and password. If you gave them, they "
     "were not accepted: check them and try again, or ask the site's "
     "administrator."},
    {403, "Not allowed here",
     "You are signed in, but your account may not open this page. Ask the "
     "site's administrator if you need it."},
    {429, "Too many failed sign-ins",
     "Sign-in is paused for a while after too many failed attempts. Wait "
     "a few minutes before trying again."},
    {500, "Sign-in is not working",
     "The sign-in service had a problem. Please try again later, or tell "
     "the site's administrator."},
    {503, "Too busy to check",
     "Too many sign-ins are being checked right now. Please try again in a "
     "moment."},
};

/* Pages the admin put in pages_dir, per status and format (owned). */
static struct {
    int status;
    enum response_format format;
    char *body;
    size_t len;
} response_pages[32];
static size_t response_npages;

static const char *const response_exts[] = {
    [FORMAT_HTML] = "html", [FORMAT_JSON] = "json", [FORMAT_TEXT] = "txt"};
static const char *const response_types[] = {
    [FORMAT_HTML] = "text/html; charset=utf-8",
    [FORMAT_JSON] = "application/problem+json",
    [FORMAT_TEXT] = "text/plain; charset=utf-8"};

int
response_load_pages(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a folder", dir);
        return -1;
    }
    for (size_t i = 0; i < sizeof response_texts / sizeof response_texts[0];
         i++) {
        for (int f = FORMAT_HTML; f <= FORMAT_TEXT; f++) {
            char path[4096], ferr[256];
            size_t len = 0;
            char *body;

            snprintf(path, sizeof path, "%s/%d.%s", dir,
                     response_texts[i].status, response_exts[f]);
            if (access(path, F_OK) != 0)
                continue;
            body = file_read(path, 64 * 1024, &len, NULL, ferr, sizeof ferr);
            if (body == NULL) {
                snprintf(err, errlen, "%s: %s", path, ferr);
                return -1;
            }
            if (response_npages ==
                sizeof response_pages / sizeof response_pages[0]) {
                free(body);
                continue;
            }
            response_pages[response_npages].status = response_texts[i].status;
            response_pages[response_npages].format = (enum response_format)f;
            response_pages[response_npages].body = body;
            response_pages[response_npages].len = len;
            response_npages++;
        }
    }
    return 0;
}

enum response_format
response_pick_format(struct bytes accept)
{
    double html = -1, json = -1, text = -1, any = -1;
    size_t i = 0;

    /* RFC 9110 12.5.1: "type/sub;q=0.5, ..."; an absent header is HTML. */
    if (accept.n == 0)
        return FORMAT_HTML;
    while (i < accept.n) {
        size_t start = i, end, semi;
        double q = 1;
        struct bytes t;

        while (i < accept.n && accept.p[i] != ',')
            i++;
        end = i++;
        while (start < end &&
               (accept.p[start] == ' ' || accept.p[start] == '\t'))
            start++;
        for (semi = start; semi < end && accept.p[semi] != ';'; semi++)
            ;
        t = (struct bytes){accept.p + start, semi - start};
        while (t.n > 0 && (t.p[t.n - 1] == ' ' || t.p[t.n - 1] == '\t'))
            t.n--;
        for (size_t k = semi; k + 2 < end; k++) {
            if ((accept.p[k] == 'q' || accept.p[k] == 'Q') &&
                accept.p[k + 1] == '=') {
                char num[8] = "";
                size_t m = 0;

                for (size_t j = k + 2;
                     j < end && m < sizeof num - 1 &&
                     ((accept.p[j] >= '0' && accept.p[j] <= '9') ||
                      accept.p[j] == '.');
                     j++)
                    num[m++] = accept.p[j];
                q = strtod(num, NULL);
                break;
            }
        }
        if (util_bytes_ieq(t, "text/html") && q > html)
            html = q;
        else if ((util_bytes_ieq(t, "application/json") ||
                  util_bytes_ieq(t, "application/problem+json")) &&
                 q > json)
            json = q;
        else if (util_bytes_ieq(t, "text/plain") && q > text)
            text = q;
        else if ((util_bytes_ieq(t, "*/*") || util_bytes_ieq(t, "text/*")) &&
                 q > any)
            any = q;
    }
    if (json > 0 && json > html && json >= text)
        return FORMAT_JSON;
    if (html > 0 || (any > 0 && text <= 0))
        return FORMAT_HTML;
    if (text > 0)
        return FORMAT_TEXT;
    return FORMAT_HTML;
}

/* The body for status in format: the admin's page, else ours. */
static size_t
response_body(int status, enum response_format format, char *buf, size_t cap,
              const char **page)
{
    const char *title = "Error", *detail = "";
    int n;

    *page = NULL;
    for (size_t i = 0; i < response_npages; i++) {
        if (response_pages[i].status == status &&
            response_pages[i].format == format) {
            *page = response_pages[i].body;
            return response_pages[i].len;
        }
    }
    for (size_t i = 0; i < sizeof response_texts / sizeof response_texts[0];
         i++) {
        if (response_texts[i].status == status) {
            title = response_texts[i].title;
            detail = response_texts[i].detail;
        }
    }
    switch (format) {
    case FORMAT_JSON:
        /* RFC 9457; our texts hold no '"' or '\\' to escape. */
        n = snprintf(buf, cap,
                     "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,"
                     "\"detail\":\"%s\"}\n",
                     title, status, detail);
        break;
    case FORMAT_TEXT:
        n = snprintf(buf, cap, "%s\n\n%s\n", title, detail);
        break;
    case FORMAT_HTML:
    default:
        n = snprintf(buf, cap,
                     "<!doctype html>\n<html lang=\"en\"><head><meta "
                     "charset=\"utf-8\"><title>%d %s</title>"
                     "<meta name=\"viewport\" content=\"width=device-width\">"
                     "</head>\n<body style=\"font-family:sans-serif;max-width:"
                     "36em;margin:4em auto;padding:0 1em\">\n<h1>%s</h1>\n"
                     "<p>%s</p>\n</body></html>\n",
                     status, title, title, detail);
        break;
    }
    return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
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
    return snprintf(
        buf, cap,
        "Status: 200 OK\r\n"
        "Variable-REMOTE_USER: %s\r\n"
        "Variable-AUTH_TYPE: %s\r\n"
        "%s"
        "Cache-Control: no-store\r\n"
        "\r\n",
        d->user, d->scheme == AUTH_SCHEME_BEARER ? "Bearer" : "Basic", groups);
}

/*
 * The header of a denial in buf; *body and *blen the page after it (NULL, 0:
 * none). Returns the header length or -1.
 */
/*
 * The WWW-Authenticate header of d (status 401, or a Bearer 400/403) into
 * dst: every scheme the profile offers, in one header (RFC 9110 11.6.1:
 * challenges joined by commas), since nginx's auth_request passes on only
 * one. Bearer carries d's error (RFC 6750 3). 0, or -1 when it cannot.
 */
static int
response_challenge(const struct decision *d, int status, char *dst, size_t cap)
{
    char realm[RESPONSE_REALM_QUOTED];
    bool basic = status == 401 && (d->offer_basic || !d->offer_bearer);
    bool bearer = d->offer_bearer && (status == 401 || d->bearer_error);
    char err[160] = "";
    int n;

    dst[0] = '\0';
    if (!basic && !bearer)
        return 0;
    if (response_quote(d->realm ? d->realm : "Restricted", realm,
                       sizeof realm) < 0)
        return -1;
    /* Our own constants: no quote or backslash in them. */
    if (d->bearer_error != NULL)
        snprintf(err, sizeof err, ", error=\"%s\", error_description=\"%s\"",
                 d->bearer_error,
                 d->bearer_description ? d->bearer_description : "");
    n = snprintf(dst, cap, "WWW-Authenticate: %s%s%s%s%s%s%s\r\n",
                 basic ? "Basic realm=" : "", basic ? realm : "",
                 basic ? ", charset=\"UTF-8\"" : "",
                 basic && bearer ? ", " : "", bearer ? "Bearer realm=" : "",
                 bearer ? realm : "", bearer ? err : "");
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int
response_deny(const struct decision *d, int status, char *buf, size_t cap,
              char *bodybuf, size_t bodycap, const char **body, size_t *blen)
{
    char challenge[2 * RESPONSE_REALM_QUOTED + 256] = "";
    enum response_format f = d->format;

    if (status == 503 || status == 429)
        snprintf(challenge, sizeof challenge, "Retry-After: %u\r\n",
                 d->retry_after ? d->retry_after : 1);
    else if (status != 500 &&
             response_challenge(d, status, challenge, sizeof challenge) < 0)
        return -1;
    *body = NULL;
    *blen = 0;
    if (!d->no_body) {
        *blen = response_body(status, f, bodybuf, bodycap, body);
        if (*body == NULL)
            *body = bodybuf;
    }
    return snprintf(
        buf, cap,
        "Status: %d %s\r\n"
        "%s"
        "Cache-Control: no-store\r\n"
        "%s%s%s"
        "\r\n",
        status, response_reason_phrase(status), challenge,
        d->no_body ? "" : "Content-Type: ", d->no_body ? "" : response_types[f],
        d->no_body ? "" : "\r\n");
}

int
response_write(const struct decision *d, const struct sink *out)
{
    char buf[2048 + AUTHZ_GROUPS_MAX], bodybuf[2048];
    const char *body = NULL;
    size_t blen = 0;
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
        n = response_deny(d, d->status, buf, sizeof buf, bodybuf,
                          sizeof bodybuf, &body, &blen);
    else
        n = -1;
    /* Anything else, or a rendering failure, fails closed. */
    if (n < 0 || (size_t)n >= sizeof buf)
        n = response_deny(d, 500, buf, sizeof buf, bodybuf, sizeof bodybuf,
                          &body, &blen);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    if (out->write(out->ctx, buf, (size_t)n) < 0)
        return -1;
    return blen > 0 ? out->write(out->ctx, body, blen) : 0;
}

int
response_page(int status, const char *content_type, const char *body,
              size_t len, const struct sink *out)
{
    char head[256];
    int n;

    /* Never a 2xx from here for an authorizer: callers check the role. */
    n = snprintf(head, sizeof head,
                 "Status: %d %s\r\nCache-Control: no-store\r\n"
                 "Content-Type: %s\r\n\r\n",
                 status, status == 200 ? "OK" : response_reason_phrase(status),
                 content_type);
    if (n < 0 || (size_t)n >= sizeof head ||
        out->write(out->ctx, head, (size_t)n) < 0)
        return -1;
    return len > 0 ? out->write(out->ctx, body, len) : 0;
}

int
response_denial_page(int status, enum response_format format,
                     const struct sink *out)
{
    char head[256], bodybuf[2048];
    const char *page;
    size_t blen;
    int n;

    if (status != 400 && status != 401 && status != 403 && status != 429 &&
        status != 503)
        status = 500;
    if (format != FORMAT_JSON && format != FORMAT_TEXT)
        format = FORMAT_HTML;
    blen = response_body(status, format, bodybuf, sizeof bodybuf, &page);
    if (page == NULL)
        page = bodybuf;
    n = snprintf(head, sizeof head,
                 "Status: %d %s\r\nCache-Control: no-store\r\n"
                 "Content-Type: %s\r\n\r\n",
                 status, response_reason_phrase(status),
                 response_types[format]);
    if (n < 0 || (size_t)n >= sizeof head ||
        out->write(out->ctx, head, (size_t)n) < 0)
        return -1;
    return blen > 0 ? out->write(out->ctx, page, blen) : 0;
}
