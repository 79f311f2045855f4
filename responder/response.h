/*
 * response: renders a decision as CGI/FastCGI response text.
 */
#ifndef FCGI_AUTHD_RESPONSE_H
#define FCGI_AUTHD_RESPONSE_H

#include <stddef.h>

#include "authz.h"

/* Where the response goes: a FastCGI stream, stdout, a test buffer. */
struct sink {
    int (*write)(void *ctx, const char *p, size_t n); /* 0 or -1 */
    void *ctx;
};

/*
 * Write the whole answer for d: "Status:" first, then the headers
 * (Variable-REMOTE_USER and Variable-AUTH_TYPE on 200 only;
 * WWW-Authenticate with the escaped realm on 401; Cache-Control: no-store
 * always), a blank line, and a short text body on denials.
 * Returns 0, or -1 when the sink failed.
 */
int response_write(const struct decision *d, const struct sink *out);

/*
 * The format of a denial's body from the client's Accept header (only ever
 * a choice of presentation): HTML by default, RFC 9457 problem+json when
 * JSON is preferred, plain text when only text/plain is acceptable.
 */
enum response_format response_pick_format(struct bytes accept);

/*
 * Replace the built-in denial bodies with the admin's files in dir:
 * STATUS.html, STATUS.json, STATUS.txt (STATUS: 400, 401, 403, 429, 500,
 * 503), each at most 64 KiB; missing files keep ours. At start-up, before
 * serving. Returns 0, or -1 with a message in err.
 */
int response_load_pages(const char *dir, char *err, size_t errlen);

/*
 * A plain page (metrics, health) in the RESPONDER role only: status,
 * Content-Type and body, no Variable-* headers. Returns 0 or -1.
 */
int response_page(int status, const char *content_type, const char *body,
                  size_t len, const struct sink *out);

/*
 * Quote realm as an RFC 9110 quoted-string ('"' and '\' escaped) into dst
 * (capacity cap). Returns the length written, or -1 if it does not fit.
 */
int response_quote(const char *realm, char *dst, size_t cap);

/*
 * The denial page alone, for a server that shows its own error page in
 * place of the authorizer's (nginx error_page -> AUTH_ENDPOINT=denial):
 * "Status:" (status: 400, 401, 403, 429, 500 or 503; anything else is
 * 500), Cache-Control, Content-Type and the body response_write() would
 * give status in format (the admin's page when there is one). No
 * WWW-Authenticate (nginx keeps the one auth_request copied), no
 * Variable-*, never a 2xx. Returns 0, or -1 when the sink failed.
 */
int response_denial_page(int status, enum response_format format,
                         const struct sink *out);

#endif
