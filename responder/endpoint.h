/*
 * endpoint: requests that ask for a page instead of a decision
 * (AUTH_ENDPOINT, a parameter only the server admin sets):
 *
 *   metrics  the counters in Prometheus' text format;
 *   health   200 "ok" while a profile is loaded, else 503;
 *   denial   the explanation page of the status nginx is answering
 *            (AUTH_STATUS, from nginx's $status) in the format the
 *            client's Accept header asks for: nginx shows its own 401/403
 *            page after auth_request, and error_page sends it here.
 *
 * metrics and health answer 200, so they are served only where a 200
 * cannot be taken for "allow": a plain RESPONDER request for its own
 * location. denial never answers 2xx (401, 403, or 500 for anything
 * else), so wherever it is misplaced, even as an auth_request, it denies.
 */
#ifndef FCGI_AUTHD_ENDPOINT_H
#define FCGI_AUTHD_ENDPOINT_H

#include <stdbool.h>

#include "authz.h"
#include "request.h"
#include "response.h"

/*
 * When r names an AUTH_ENDPOINT, write its page to out and return true;
 * otherwise write nothing and return false (decide as usual).
 */
bool endpoint_answer(const struct authz_ctx *ctx, const struct request *r,
                     const struct sink *out);

#endif
