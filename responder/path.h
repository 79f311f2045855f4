/*
 * path: request paths normalised for matching path rules, deny-biased:
 * whatever trick a client uses to write a protected path, the normalised
 * form still falls under the rule's prefix.
 */
#ifndef FCGI_AUTHD_PATH_H
#define FCGI_AUTHD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Longest normalised path kept; a longer one is PATH_UNCLEAR. */
#define PATH_NORM_MAX 4096

enum path_result {
    PATH_OK,      /* *out holds the normalised path */
    PATH_UNCLEAR, /* cannot be normalised: every path rule applies */
};

/*
 * Normalise the raw request target uri[0..n) (REQUEST_URI: the client's
 * bytes) into out (capacity cap >= PATH_NORM_MAX + 1, NUL-terminated):
 *  - an absolute-form target "scheme://authority/path" keeps only /path;
 *  - cut at the first '?' (once, on the raw text); a '#' before it is
 *    PATH_UNCLEAR (no request target has a fragment; backends differ);
 *  - a raw path longer than 4 * PATH_NORM_MAX is PATH_UNCLEAR;
 *  - percent-decoding repeated until nothing decodes any more (so %252e is
 *    '.'), at most 8 rounds (more: PATH_UNCLEAR); a '%' not followed by two
 *    hex digits, a decoded NUL or any control byte is PATH_UNCLEAR;
 *  - '\' counts as '/';
 *  - ";params" are removed from every segment ("/admin;x/" -> "/admin/",
 *    "/..;/" -> "/../");
 *  - repeated '/' collapse to one;
 *  - "." segments are dropped; a ".." that removes a segment is resolved
 *    (RFC 3986 5.2.4) only when the raw path has no '%', '\', ';' or "//"
 *    (servers disagree on what "/admin/..;/x" names), otherwise the path
 *    is PATH_UNCLEAR; ".." at the root stays at the root;
 *  - over-long UTF-8 forms of ASCII bytes (%c0%ae) are PATH_UNCLEAR;
 *  - ASCII letters are lowered (rules match case-insensitively);
 *  - the result starts with '/'; a target that does not (after the
 *    absolute-form step), or is empty, is PATH_UNCLEAR.
 * A trailing '/' is kept. *outlen is set on PATH_OK.
 */
enum path_result path_normalize(const char *uri, size_t n, char *out,
                                size_t cap, size_t *outlen);

/*
 * Whether the normalised path[0..n) falls under the normalised rule prefix
 * pfx[0..pn): path starts with pfx (a plain prefix: "/admin" also covers
 * "/administrator", deny-biased), or pfx ends in '/' and path equals pfx
 * without it ("/admin/" covers "/admin").
 */
bool path_under(const char *path, size_t n, const char *pfx, size_t pn);

#endif
