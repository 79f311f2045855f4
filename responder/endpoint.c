#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

/* AUTH_STATUS when it is 401 or 403; 0 when missing or anything else. */
static int
endpoint_denial_status(const struct request *r)
{
    struct bytes v = r->auth_status;

    if (!r->has_auth_status || v.n != 3)
        return 0;
    if (memcmp(v.p, "401", 3) == 0)
        return 401;
    if (memcmp(v.p, "403", 3) == 0)
        return 403;
    return 0;
}

/*
 * AUTH_ENDPOINT=denial: the page only, never a decision and never 2xx.
 * The client's credentials are not looked at. nginx keeps the status it
 * is answering (error_page without "=") and the WWW-Authenticate header
 * auth_request copied, so neither the challenge nor the realm is ours to
 * send here.
 */
static void
endpoint_denial(const struct request *r, const struct sink *out)
{
    int status = endpoint_denial_status(r);

    if (status == 0) {
        log_msg(LOGL_ERROR, "AUTH_ENDPOINT denial: AUTH_STATUS must be 401 "
                            "or 403 (fastcgi_param AUTH_STATUS $status;)");
        status = 500;
    }
    if (response_denial_page(status, response_pick_format(r->accept), out) < 0)
        log_msg(LOGL_DEBUG, "could not write the answer: peer gone");
}

/* A plain RESPONDER request whose DOCUMENT_URI is REQUEST_URI's path. */
static bool
endpoint_own_location(const struct request *r)
{
    struct bytes path = r->request_uri;
    const char *q;

    if (path.p != NULL && (q = memchr(path.p, '?', path.n)) != NULL)
        path.n = (size_t)(q - path.p);
    return r->role == ROLE_RESPONDER && r->has_document_uri &&
           r->has_request_uri && path.n == r->document_uri.n &&
           memcmp(path.p, r->document_uri.p, path.n) == 0;
}

static void
endpoint_metrics(const struct authz_ctx *ctx, const struct sink *out)
{
    char *buf = malloc(64 * 1024);
    size_t n = buf != NULL ? metrics_render(buf, 64 * 1024, ctx->cache,
                                            ctx->gate, ctx->throttle)
                           : 0;

    if (n == 0)
        response_page(500, "text/plain", "metrics failed\n", 15, out);
    else
        response_page(200, "text/plain; version=0.0.4; charset=utf-8", buf, n,
                      out);
    free(buf);
}

bool
endpoint_answer(const struct authz_ctx *ctx, const struct request *r,
                const struct sink *out)
{
    struct bytes ep = r->auth_endpoint;

    if (!r->has_auth_endpoint)
        return false;
    /*
     * denial first: its path check differs. In nginx's named error
     * location DOCUMENT_URI is the decoded, normalised $uri, which need
     * not equal REQUEST_URI's path (/%70age), and the page must still
     * show; the role check alone keeps lighttpd and Apache out.
     */
    if (util_bytes_ieq(ep, "denial") && r->role == ROLE_RESPONDER) {
        endpoint_denial(r, out);
        return true;
    }
    if (!endpoint_own_location(r)) {
        log_msg(LOGL_ERROR,
                "AUTH_ENDPOINT in a request that is not a plain RESPONDER "
                "request for its own location (an auth_request or "
                "authorizer location?): refused");
        response_page(500, "text/plain", "misrouted\n", 10, out);
        return true;
    }
    if (util_bytes_ieq(ep, "health")) {
        bool up = ctx->snap != NULL && ctx->snap->nprofiles > 0;

        response_page(up ? 200 : 503, "text/plain", up ? "ok\n" : "down\n",
                      up ? 3 : 5, out);
        return true;
    }
    if (util_bytes_ieq(ep, "metrics")) {
        endpoint_metrics(ctx, out);
        return true;
    }
    log_msg(LOGL_ERROR, "AUTH_ENDPOINT: expected metrics, health or denial");
    response_page(500, "text/plain", "unknown endpoint\n", 17, out);
    return true;
}
