/*
 * check_endpoint: the pages AUTH_ENDPOINT asks for (metrics, health,
 * denial), where each may be served, and that denial never answers 2xx.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "endpoint.h"
#include "request.h"
#include "snapshot.h"
#include "testutil.h"

/* ------------------------------------------------------ the request -- */

#define ENV_MAX 8

/* Writable copies of a NULL-terminated parameter list, for request_parse. */
struct env {
    char text[ENV_MAX][128];
    char *v[ENV_MAX + 1];
};

static char *const *
env_of(struct env *e, const char *const *list)
{
    size_t n;

    for (n = 0; list[n] != NULL; n++) {
        ck_assert_uint_lt(n, ENV_MAX);
        ck_assert_int_lt(snprintf(e->text[n], sizeof e->text[n], "%s", list[n]),
                         (int)sizeof e->text[n]);
        e->v[n] = e->text[n];
    }
    e->v[n] = NULL;
    return e->v;
}

/* What one endpoint_answer call did. */
struct answer {
    bool taken; /* endpoint_answer's result */
    struct testutil_membuf m;
    int status; /* of the "Status:" line; 0 when nothing was written */
    const char *body;
    char log[2048]; /* what it logged */
};

/*
 * endpoint_answer for the parameters list with ctx (NULL: no snapshot
 * and no counters), the sink failing from write fail_at on (0: never).
 */
static void
ask(struct answer *a, const struct authz_ctx *ctx, const char *const *list,
    unsigned fail_at)
{
    static const struct authz_ctx none;
    struct env e;
    struct request r;
    struct sink out = {testutil_membuf_write, &a->m};
    const char *sep;

    memset(a, 0, sizeof *a);
    a->m.fail_at = fail_at;
    request_parse(&r, env_of(&e, list));
    testutil_stderr_capture();
    a->taken = endpoint_answer(ctx != NULL ? ctx : &none, &r, &out);
    snprintf(a->log, sizeof a->log, "%s", testutil_stderr_release());
    if (strncmp(a->m.buf, "Status: ", 8) == 0)
        a->status = atoi(a->m.buf + 8);
    sep = strstr(a->m.buf, "\r\n\r\n");
    a->body = sep != NULL ? sep + 4 : "";
}

/* The answer has the header line hdr ("Name: value"). */
static bool
has_header(const struct answer *a, const char *hdr)
{
    char line[256];

    snprintf(line, sizeof line, "\r\n%s\r\n", hdr);
    return strstr(a->m.buf, line) != NULL;
}

static const struct snapshot loaded = {.nprofiles = 1};

/* ----------------------------------------------------------- no page -- */

/* Without AUTH_ENDPOINT nothing is written: the request is decided. */
START_TEST(endpoint_none_decides)
{
    static const char *const list[] = {
        "FCGI_ROLE=RESPONDER", "REQUEST_URI=/metrics", "DOCUMENT_URI=/metrics",
        "HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0", NULL};
    struct answer a;

    ask(&a, NULL, list, 0);
    ck_assert(!a.taken);
    ck_assert_uint_eq(a.m.len, 0);
    ck_assert_str_eq(a.log, "");
}
END_TEST

/* ------------------------------------------------------------ health -- */

static const struct {
    const struct snapshot *snap;
    int status;
    const char *body;
} health_cases[] = {
    {&loaded, 200, "ok\n"},
    {NULL, 503, "down\n"},
    {&(const struct snapshot){.nprofiles = 0}, 503, "down\n"},
};

START_TEST(endpoint_health_table)
{
    static const char *const list[] = {
        "FCGI_ROLE=RESPONDER", "AUTH_ENDPOINT=health", "REQUEST_URI=/health",
        "DOCUMENT_URI=/health", NULL};
    struct authz_ctx ctx = {.snap = health_cases[_i].snap};
    struct answer a;

    ask(&a, &ctx, list, 0);
    ck_assert(a.taken);
    ck_assert_int_eq(a.status, health_cases[_i].status);
    ck_assert_str_eq(a.body, health_cases[_i].body);
    ck_assert(has_header(&a, "Content-Type: text/plain"));
    ck_assert(has_header(&a, "Cache-Control: no-store"));
}
END_TEST

/* ----------------------------------------------------------- metrics -- */

START_TEST(endpoint_metrics_page)
{
    static const char *const list[] = {
        "FCGI_ROLE=RESPONDER", "AUTH_ENDPOINT=metrics",
        "REQUEST_URI=/fcgi-authd/metrics", "DOCUMENT_URI=/fcgi-authd/metrics",
        NULL};
    struct answer a;

    ask(&a, NULL, list, 0);
    ck_assert(a.taken);
    ck_assert_int_eq(a.status, 200);
    ck_assert(has_header(
        &a, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    ck_assert(has_header(&a, "Cache-Control: no-store"));
    ck_assert_ptr_nonnull(strstr(
        a.body, "fcgi_authd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(a.body, "# TYPE fcgi_authd_decisions_total"));
}
END_TEST

/* ---------------------------------------------------- where they serve -- */

/*
 * metrics and health answer 200, so only in a plain RESPONDER request for
 * its own location: DOCUMENT_URI equal to REQUEST_URI's path.
 */
static const struct {
    const char *role, *request_uri, *document_uri;
    bool served;
} location_cases[] = {
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m", "DOCUMENT_URI=/m", true},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m?a=/b", "DOCUMENT_URI=/m", true},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m?", "DOCUMENT_URI=/m", true},
    /* An auth_request subrequest: DOCUMENT_URI is the auth location. */
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/app/x", "DOCUMENT_URI=/.fcgi-authd",
     false},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m/", "DOCUMENT_URI=/m", false},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m", "DOCUMENT_URI=/m/", false},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/mx", "DOCUMENT_URI=/m", false},
    {"FCGI_ROLE=RESPONDER", "REQUEST_URI=/m", "X_NONE=1", false},
    {"FCGI_ROLE=RESPONDER", "X_NONE=1", "DOCUMENT_URI=/m", false},
    {"FCGI_ROLE=RESPONDER", "X_NONE=1", "X_NONE=2", false},
    {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/m", "DOCUMENT_URI=/m", false},
    {"FCGI_ROLE=FILTER", "REQUEST_URI=/m", "DOCUMENT_URI=/m", false},
    {"X_NO_ROLE=CGI", "REQUEST_URI=/m", "DOCUMENT_URI=/m", false},
};
#define NLOCATIONS ((int)(sizeof location_cases / sizeof location_cases[0]))

/* _i walks every case twice: for metrics, then for health. */
START_TEST(endpoint_own_location_table)
{
    int k = _i % NLOCATIONS;
    const char *ep =
        _i < NLOCATIONS ? "AUTH_ENDPOINT=metrics" : "AUTH_ENDPOINT=health";
    const char *list[] = {location_cases[k].role, ep,
                          location_cases[k].request_uri,
                          location_cases[k].document_uri, NULL};
    struct authz_ctx ctx = {.snap = &loaded};
    struct answer a;

    ask(&a, &ctx, list, 0);
    ck_assert(a.taken);
    if (location_cases[k].served) {
        ck_assert_msg(a.status == 200, "%s %s %s %s: %d", list[0], ep, list[2],
                      list[3], a.status);
        ck_assert_str_eq(a.log, "");
    } else {
        ck_assert_msg(a.status == 500, "%s %s %s %s: %d", list[0], ep, list[2],
                      list[3], a.status);
        ck_assert_str_eq(a.body, "misrouted\n");
        ck_assert_ptr_nonnull(strstr(a.log, "error: AUTH_ENDPOINT in a request "
                                            "that is not a plain RESPONDER"));
    }
}
END_TEST

/* The name is case-insensitive; anything else is a 500 that says why. */
static const struct {
    const char *param;
    int status;
} name_cases[] = {
    {"AUTH_ENDPOINT=Health", 200},  {"AUTH_ENDPOINT=METRICS", 200},
    {"AUTH_ENDPOINT=healthz", 500}, {"AUTH_ENDPOINT=metric", 500},
    {"AUTH_ENDPOINT=", 500},        {"AUTH_ENDPOINT=health ", 500},
};

START_TEST(endpoint_name_table)
{
    const char *list[] = {"FCGI_ROLE=RESPONDER", name_cases[_i].param,
                          "REQUEST_URI=/e", "DOCUMENT_URI=/e", NULL};
    struct authz_ctx ctx = {.snap = &loaded};
    struct answer a;

    ask(&a, &ctx, list, 0);
    ck_assert(a.taken);
    ck_assert_msg(a.status == name_cases[_i].status, "%s: %d",
                  name_cases[_i].param, a.status);
    if (name_cases[_i].status == 500) {
        ck_assert_str_eq(a.body, "unknown endpoint\n");
        ck_assert_ptr_nonnull(
            strstr(a.log, "error: AUTH_ENDPOINT: expected metrics, health or "
                          "denial"));
    }
}
END_TEST

/* ------------------------------------------------------------ denial -- */

/* Only 401 and 403 are shown as such; anything else is a 500, never 2xx. */
static const struct {
    const char *param;
    int status;
} denial_cases[] = {
    {"AUTH_STATUS=401", 401},  {"AUTH_STATUS=403", 403},
    {"X_NONE=1", 500},         {"AUTH_STATUS=", 500},
    {"AUTH_STATUS=200", 500},  {"AUTH_STATUS=204", 500},
    {"AUTH_STATUS=500", 500},  {"AUTH_STATUS=429", 500},
    {"AUTH_STATUS=40", 500},   {"AUTH_STATUS=4010", 500},
    {"AUTH_STATUS=401 ", 500}, {"AUTH_STATUS=+401", 500},
};

START_TEST(endpoint_denial_status_table)
{
    const char *list[] = {"FCGI_ROLE=RESPONDER",  "AUTH_ENDPOINT=denial",
                          denial_cases[_i].param, "REQUEST_URI=/page",
                          "DOCUMENT_URI=/page",   NULL};
    struct answer a;

    ask(&a, NULL, list, 0);
    ck_assert(a.taken);
    ck_assert_msg(a.status == denial_cases[_i].status, "%s: %d",
                  denial_cases[_i].param, a.status);
    if (denial_cases[_i].status == 500)
        ck_assert_ptr_nonnull(
            strstr(a.log, "error: AUTH_ENDPOINT denial: AUTH_STATUS must be "
                          "401 or 403"));
    else
        ck_assert_str_eq(a.log, "");
    /* nginx keeps the challenge auth_request copied: never ours here. */
    ck_assert_ptr_null(strstr(a.m.buf, "WWW-Authenticate"));
    ck_assert_ptr_null(strstr(a.m.buf, "Variable-"));
}
END_TEST

/* The page's format follows the client's Accept header. */
static const struct {
    const char *accept;
    const char *type;
    const char *text;
} format_cases[] = {
    {"X_NONE=1", "text/html; charset=utf-8", "<h1>Sign-in required</h1>"},
    {"HTTP_ACCEPT=text/html", "text/html; charset=utf-8",
     "<h1>Sign-in required</h1>"},
    {"HTTP_ACCEPT=application/json", "application/problem+json",
     "\"status\":401"},
    {"HTTP_ACCEPT=text/plain", "text/plain; charset=utf-8", "Sign-in required"},
};

START_TEST(endpoint_denial_format_table)
{
    const char *list[] = {"FCGI_ROLE=RESPONDER", "AUTH_ENDPOINT=denial",
                          "AUTH_STATUS=401", format_cases[_i].accept, NULL};
    char type[128];
    struct answer a;

    ask(&a, NULL, list, 0);
    ck_assert_int_eq(a.status, 401);
    snprintf(type, sizeof type, "Content-Type: %s", format_cases[_i].type);
    ck_assert_msg(has_header(&a, type), "%s: %s", format_cases[_i].accept,
                  a.m.buf);
    ck_assert_msg(strstr(a.body, format_cases[_i].text) != NULL, "%s: %s",
                  format_cases[_i].accept, a.body);
}
END_TEST

/*
 * In nginx's named error location DOCUMENT_URI is the decoded $uri, which
 * need not match REQUEST_URI: the page shows anyway. Outside the
 * RESPONDER role it is misrouted like the others.
 */
static const struct {
    const char *role, *document_uri;
    int status;
} denial_where_cases[] = {
    {"FCGI_ROLE=RESPONDER", "DOCUMENT_URI=/page", 403},
    {"FCGI_ROLE=RESPONDER", "DOCUMENT_URI=/elsewhere", 403},
    {"FCGI_ROLE=RESPONDER", "X_NONE=1", 403},
    {"FCGI_ROLE=AUTHORIZER", "DOCUMENT_URI=/%70age", 500},
    {"X_NO_ROLE=CGI", "DOCUMENT_URI=/%70age", 500},
};

START_TEST(endpoint_denial_where_table)
{
    const char *list[] = {denial_where_cases[_i].role,
                          "AUTH_ENDPOINT=denial",
                          "AUTH_STATUS=403",
                          "REQUEST_URI=/%70age",
                          denial_where_cases[_i].document_uri,
                          NULL};
    struct answer a;

    ask(&a, NULL, list, 0);
    ck_assert(a.taken);
    ck_assert_msg(a.status == denial_where_cases[_i].status, "%s %s: %d",
                  list[0], list[4], a.status);
    if (a.status == 500)
        ck_assert_str_eq(a.body, "misrouted\n");
    else
        ck_assert_ptr_nonnull(strstr(a.body, "Not allowed here"));
}
END_TEST

/* ----------------------------------------------------- the peer gone -- */

/* A sink that fails at once: the page is still taken, nothing breaks. */
static const char *const gone_endpoints[] = {
    "AUTH_ENDPOINT=metrics", "AUTH_ENDPOINT=health", "AUTH_ENDPOINT=denial",
    "AUTH_ENDPOINT=nosuch"};

START_TEST(endpoint_peer_gone_table)
{
    const char *list[] = {"FCGI_ROLE=RESPONDER", gone_endpoints[_i],
                          "AUTH_STATUS=401",     "REQUEST_URI=/e",
                          "DOCUMENT_URI=/e",     NULL};
    struct authz_ctx ctx = {.snap = &loaded};
    struct answer a;

    ask(&a, &ctx, list, 1);
    ck_assert(a.taken);
    ck_assert_uint_eq(a.m.len, 0);
    ck_assert_uint_ge(a.m.calls, 1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
endpoint_suite(void)
{
    Suite *s = suite_create("endpoint");
    TCase *tc = tcase_create("endpoint");

    tcase_add_test(tc, endpoint_none_decides);
    tcase_add_loop_test(tc, endpoint_health_table, 0, N(health_cases));
    tcase_add_test(tc, endpoint_metrics_page);
    tcase_add_loop_test(tc, endpoint_own_location_table, 0, 2 * NLOCATIONS);
    tcase_add_loop_test(tc, endpoint_name_table, 0, N(name_cases));
    tcase_add_loop_test(tc, endpoint_denial_status_table, 0, N(denial_cases));
    tcase_add_loop_test(tc, endpoint_denial_format_table, 0, N(format_cases));
    tcase_add_loop_test(tc, endpoint_denial_where_table, 0,
                        N(denial_where_cases));
    tcase_add_loop_test(tc, endpoint_peer_gone_table, 0, N(gone_endpoints));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(endpoint_suite());
}
