/*
 * bearer: the HTTP Bearer scheme (RFC 6750 2.1) from an Authorization
 * value: the token, as a view into the request.
 */
#ifndef FCGI_AUTHD_BEARER_H
#define FCGI_AUTHD_BEARER_H

#include <stddef.h>

#include "util.h"

/* Longest token accepted (a JWT with a few claims fits in well under). */
#define BEARER_TOKEN_MAX 4096

enum bearer_result {
    BEARER_OK,        /* token set */
    BEARER_OTHER,     /* no Authorization, or another scheme */
    BEARER_MALFORMED, /* Bearer, but not a b64token of at most the max */
};

struct request;

/*
 * The Bearer claim of r: HTTP_AUTHORIZATION, once (twice is
 * BEARER_MALFORMED), scheme compared case-insensitively, one or more
 * spaces, a b64token (1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"="), optional trailing spaces. *token points into r.
 */
enum bearer_result bearer_from_request(const struct request *r,
                                       struct bytes *token);

#endif
