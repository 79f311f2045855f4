/*
 * Unit tests for responder/response.c: decisions rendered as CGI response
 * text through a memory sink.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "response.h"
#include "testutil.h"

/* ------------------------------------------------ the parsed response -- */

#define HDR_MAX 32

struct parsed {
    char *hdr[HDR_MAX]; /* header lines without their line end */
    size_t nhdr;
    const char *body;
    size_t body_len;
    bool crlf; /* every header line ended in CRLF */
};

/* Split m into header lines and body; fails the test when malformed. */
static void
parse_response(struct testutil_membuf *m, struct parsed *p)
{
    char *s = m->buf, *end = m->buf + m->len;

    memset(p, 0, sizeof *p);
    p->crlf = true;
    ck_assert_msg(memchr(m->buf, '\0', m->len) == NULL, "NUL in output");
    for (;;) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n;

        ck_assert_msg(nl != NULL, "headers not ended by a blank line: %s",
                      m->buf);
        n = (size_t)(nl - s);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        else
            p->crlf = false;
        if (n == 0) {
            p->body = nl + 1;
            p->body_len = (size_t)(end - (nl + 1));
            return;
        }
        ck_assert_uint_lt(p->nhdr, HDR_MAX);
        p->hdr[p->nhdr] = strndup(s, n);
        ck_assert_ptr_nonnull(p->hdr[p->nhdr]);
        ck_assert_msg(strchr(p->hdr[p->nhdr], '\r') == NULL,
                      "bare CR in a header line");
        p->nhdr++;
        s = nl + 1;
    }
}

static void
parsed_free(struct parsed *p)
{
    for (size_t i = 0; i < p->nhdr; i++)
        free(p->hdr[i]);
}

/* Lines whose name (before ':') is name, case-insensitively. */
static size_t
hdr_count(const struct parsed *p, const char *name, const char **first)
{
    size_t k = strlen(name), count = 0;

    for (size_t i = 0; i < p->nhdr; i++) {
        if (strncasecmp(p->hdr[i], name, k) == 0 && p->hdr[i][k] == ':') {
            if (count++ == 0 && first != NULL)
                *first = p->hdr[i];
        }
    }
    return count;
}

static size_t
hdr_prefix_count(const struct parsed *p, const char *prefix)
{
    size_t k = strlen(prefix), count = 0;

    for (size_t i = 0; i < p->nhdr; i++)
        count += strncasecmp(p->hdr[i], prefix, k) == 0;
    return count;
}

static void
decision_init(struct decision *d, int status, enum authz_reason reason,
              const char *user)
{
    memset(d, 0, sizeof *d);
    d->status = status;
    d->reason = reason;
    d->role = ROLE_AUTHORIZER;
    d->realm = "Restricted";
    if (user != NULL) {
        snprintf(d->user, sizeof d->user, "%s", user);
        d->user_len = strlen(d->user);
    }
}

static void
render(const struct decision *d, struct testutil_membuf *m, struct parsed *p)
{
    struct sink out = {testutil_membuf_write, m};

    memset(m, 0, sizeof *m);
    ck_assert_int_eq(response_write(d, &out), 0);
    ck_assert_uint_ge(m->calls, 1);
    parse_response(m, p);
}

/* What every answer shares: Status first, no-store, CRLF lines. */
static void
assert_common(const struct parsed *p, const char *status_line)
{
    const char *cc = NULL;

    ck_assert_uint_ge(p->nhdr, 1);
    ck_assert_str_eq(p->hdr[0], status_line);
    ck_assert_uint_eq(hdr_count(p, "Status", NULL), 1);
    ck_assert_uint_eq(hdr_count(p, "Cache-Control", &cc), 1);
    ck_assert_str_eq(cc, "Cache-Control: no-store");
    ck_assert(p->crlf);
}

static void
assert_denial(const struct parsed *p, const char *status_line)
{
    assert_common(p, status_line);
    ck_assert_uint_eq(hdr_prefix_count(p, "Variable-"), 0);
    ck_assert_uint_gt(p->body_len, 0);
}

/* ---------------------------------------------------------------- 200 -- */

START_TEST(response_allow)
{
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;
    const char *h = NULL;

    decision_init(&d, 200, REASON_OK, "alice");
    render(&d, &m, &p);
    ck_assert(strncmp(m.buf, "Status: 200 OK\r\n", 16) == 0);
    assert_common(&p, "Status: 200 OK");
    ck_assert_uint_eq(hdr_count(&p, "Variable-REMOTE_USER", &h), 1);
    ck_assert_str_eq(h, "Variable-REMOTE_USER: alice");
    ck_assert_uint_eq(hdr_count(&p, "Variable-AUTH_TYPE", &h), 1);
    ck_assert_str_eq(h, "Variable-AUTH_TYPE: Basic");
    ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", NULL), 0);
    ck_assert_uint_eq(p.body_len, 0);
    parsed_free(&p);
}
END_TEST

/* The user name is written as it is: UTF-8, spaces, the longest one. */
START_TEST(response_allow_user_bytes)
{
    static const char *const users[] = {"jos\xc3\xa9", "a b", "x", "ALICE"};
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;
    const char *h = NULL;
    char want[HTPASSWD_USER_MAX + 32];

    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        decision_init(&d, 200, REASON_OK, users[i]);
        render(&d, &m, &p);
        assert_common(&p, "Status: 200 OK");
        snprintf(want, sizeof want, "Variable-REMOTE_USER: %s", users[i]);
        ck_assert_uint_eq(hdr_count(&p, "Variable-REMOTE_USER", &h), 1);
        ck_assert_str_eq(h, want);
        parsed_free(&p);
    }

    decision_init(&d, 200, REASON_OK, NULL);
    memset(d.user, 'u', HTPASSWD_USER_MAX);
    d.user[HTPASSWD_USER_MAX] = '\0';
    d.user_len = HTPASSWD_USER_MAX;
    render(&d, &m, &p);
    assert_common(&p, "Status: 200 OK");
    ck_assert_uint_eq(hdr_count(&p, "Variable-REMOTE_USER", &h), 1);
    ck_assert_uint_eq(strlen(h),
                      strlen("Variable-REMOTE_USER: ") + HTPASSWD_USER_MAX);
    parsed_free(&p);
}
END_TEST

/* ----------------------------------------------------- fails closed -- */

static const struct {
    int status;
    enum authz_reason reason;
    const char *user;
    long user_len; /* -1: strlen(user) */
} closed_cases[] = {
    /* 200 without everything that makes a 200. */
    {200, REASON_BAD_PASSWORD, "alice", -1},
    {200, REASON_UNKNOWN_USER, "alice", -1},
    {200, REASON_NO_CREDENTIALS, "alice", -1},
    {200, REASON_INTERNAL, "alice", -1},
    {200, REASON_MISCONFIGURED, "alice", -1},
    {200, REASON_OK, "", 0},      /* no user */
    {200, REASON_OK, "alice", 0}, /* user_len 0 */
    {200, REASON_OK, "alice", 3}, /* user_len shorter than the name */
    {200, REASON_OK, "alice", 6}, /* longer */
    {200, REASON_OK, "", 5},
    /* Statuses that are not ours to send. */
    {204, REASON_OK, "alice", -1},
    {201, REASON_OK, "alice", -1},
    {302, REASON_OK, "alice", -1},
    {304, REASON_OK, "alice", -1},
    {0, REASON_OK, "alice", -1},
    {-1, REASON_OK, "alice", -1},
    {404, REASON_UNKNOWN_USER, "alice", -1},
    {402, REASON_BAD_PASSWORD, "alice", -1},
    {999, REASON_OK, "alice", -1},
    {500, REASON_INTERNAL, "alice", -1},
    {500, REASON_OK, "alice", -1},
};

START_TEST(response_fails_closed)
{
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;

    decision_init(&d, closed_cases[_i].status, closed_cases[_i].reason,
                  closed_cases[_i].user);
    if (closed_cases[_i].user_len >= 0)
        d.user_len = (size_t)closed_cases[_i].user_len;
    render(&d, &m, &p);
    ck_assert_msg(strcmp(p.hdr[0], "Status: 500 Internal Server Error") == 0,
                  "case %d (status %d): first line '%s'", _i,
                  closed_cases[_i].status, p.hdr[0]);
    assert_denial(&p, "Status: 500 Internal Server Error");
    ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", NULL), 0);
    ck_assert_ptr_null(strstr(m.buf, "200"));
    parsed_free(&p);
}
END_TEST

/* --------------------------------------------------------- denials -- */

static const struct {
    int status;
    enum authz_reason reason;
    const char *status_line;
} deny_cases[] = {
    {400, REASON_MALFORMED, "Status: 400 Bad Request"},
    {403, REASON_OK, "Status: 403 Forbidden"},
    {403, REASON_MISCONFIGURED, "Status: 403 Forbidden"},
    {500, REASON_INTERNAL, "Status: 500 Internal Server Error"},
    {500, REASON_MISCONFIGURED, "Status: 500 Internal Server Error"},
};

START_TEST(response_deny_no_challenge)
{
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;

    /* The claimed user is set, as authz leaves it on a denial. */
    decision_init(&d, deny_cases[_i].status, deny_cases[_i].reason, "mallory");
    render(&d, &m, &p);
    assert_denial(&p, deny_cases[_i].status_line);
    ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", NULL), 0);
    /* A claim is no identity: it appears nowhere in the answer. */
    ck_assert_ptr_null(strstr(m.buf, "mallory"));
    parsed_free(&p);
}
END_TEST

static const struct {
    const char *realm;
    const char *challenge;
} realm_cases[] = {
    {"Restricted",
     "WWW-Authenticate: Basic realm=\"Restricted\", charset=\"UTF-8\""},
    {"My Realm",
     "WWW-Authenticate: Basic realm=\"My Realm\", charset=\"UTF-8\""},
    {"say \"hi\"",
     "WWW-Authenticate: Basic realm=\"say \\\"hi\\\"\", charset=\"UTF-8\""},
    {"back\\slash",
     "WWW-Authenticate: Basic realm=\"back\\\\slash\", charset=\"UTF-8\""},
    {"\"", "WWW-Authenticate: Basic realm=\"\\\"\", charset=\"UTF-8\""},
    {"\\\"\\",
     "WWW-Authenticate: Basic realm=\"\\\\\\\"\\\\\", charset=\"UTF-8\""},
    {"x\", Basic realm=\"evil",
     "WWW-Authenticate: Basic realm=\"x\\\", Basic realm=\\\"evil\", "
     "charset=\"UTF-8\""},
    {"caf\xc3\xa9 %s %n",
     "WWW-Authenticate: Basic realm=\"caf\xc3\xa9 %s %n\", charset=\"UTF-8\""},
};

START_TEST(response_unauthorized)
{
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;
    const char *h = NULL;

    decision_init(&d, 401, REASON_BAD_PASSWORD, "mallory");
    d.realm = realm_cases[_i].realm;
    render(&d, &m, &p);
    ck_assert(strncmp(m.buf, "Status: 401 Unauthorized\r\n", 26) == 0);
    assert_denial(&p, "Status: 401 Unauthorized");
    ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", &h), 1);
    ck_assert_str_eq(h, realm_cases[_i].challenge);
    ck_assert_ptr_null(strstr(m.buf, "mallory"));
    parsed_free(&p);
}
END_TEST

/* Every reason a 401 can have gets the challenge (RFC 9110 15.5.2). */
START_TEST(response_unauthorized_reasons)
{
    static const enum authz_reason reasons[] = {
        REASON_NO_CREDENTIALS,
        REASON_MALFORMED,
        REASON_UNKNOWN_USER,
        REASON_BAD_PASSWORD,
        REASON_LOCKED,
        REASON_UNUSABLE,
        REASON_OK,
    };
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;

    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        decision_init(&d, 401, reasons[i], NULL);
        d.role = ROLE_RESPONDER;
        render(&d, &m, &p);
        assert_denial(&p, "Status: 401 Unauthorized");
        ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", NULL), 1);
        parsed_free(&p);
    }
}
END_TEST

/* The longest realm the config accepts, every byte escaped, still fits. */
START_TEST(response_unauthorized_longest_realm)
{
    char realm[CONF_REALM_MAX + 1];
    char want[2 * CONF_REALM_MAX + 64];
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;
    const char *h = NULL;
    size_t o;

    memset(realm, '"', CONF_REALM_MAX);
    realm[CONF_REALM_MAX] = '\0';
    o = (size_t)snprintf(want, sizeof want, "WWW-Authenticate: Basic realm=\"");
    for (size_t i = 0; i < CONF_REALM_MAX; i++) {
        want[o++] = '\\';
        want[o++] = '"';
    }
    snprintf(want + o, sizeof want - o, "\", charset=\"UTF-8\"");

    decision_init(&d, 401, REASON_NO_CREDENTIALS, NULL);
    d.realm = realm;
    render(&d, &m, &p);
    assert_denial(&p, "Status: 401 Unauthorized");
    ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", &h), 1);
    ck_assert_str_eq(h, want);
    parsed_free(&p);
}
END_TEST

/* A realm too long to render never yields a 401 without its challenge. */
START_TEST(response_unauthorized_oversized_realm)
{
    static char realm[4096];
    struct decision d;
    struct testutil_membuf m;
    struct parsed p;

    memset(realm, 'r', sizeof realm - 1);
    decision_init(&d, 401, REASON_NO_CREDENTIALS, NULL);
    d.realm = realm;
    render(&d, &m, &p);
    if (strcmp(p.hdr[0], "Status: 401 Unauthorized") == 0)
        ck_assert_uint_eq(hdr_count(&p, "WWW-Authenticate", NULL), 1);
    else
        assert_denial(&p, "Status: 500 Internal Server Error");
    ck_assert_uint_eq(hdr_prefix_count(&p, "Variable-"), 0);
    parsed_free(&p);
}
END_TEST

/* ------------------------------------------------------------ the sink -- */

static const int sink_statuses[] = {200, 400, 401, 403, 500, 302};

START_TEST(response_sink_failure)
{
    struct decision d;
    struct testutil_membuf m;
    struct sink out = {testutil_membuf_write, &m};

    decision_init(&d, sink_statuses[_i], REASON_OK, "alice");
    memset(&m, 0, sizeof m);
    m.fail_at = 1;
    ck_assert_int_eq(response_write(&d, &out), -1);
    ck_assert_uint_ge(m.calls, 1);
}
END_TEST

/* A sink failing on a later call fails the whole answer too. */
START_TEST(response_sink_late_failure)
{
    struct decision d;
    struct testutil_membuf m;
    struct sink out = {testutil_membuf_write, &m};
    unsigned calls;

    decision_init(&d, 401, REASON_NO_CREDENTIALS, NULL);
    memset(&m, 0, sizeof m);
    ck_assert_int_eq(response_write(&d, &out), 0);
    calls = m.calls;
    for (unsigned k = 1; k <= calls; k++) {
        memset(&m, 0, sizeof m);
        m.fail_at = k;
        ck_assert_int_eq(response_write(&d, &out), -1);
    }
}
END_TEST

/* ------------------------------------------------------ response_quote -- */

static const struct {
    const char *realm;
    size_t cap;
    int rc;
    const char *out;
} quote_cases[] = {
    {"ab", 5, 4, "\"ab\""}, /* exactly fits with the NUL */
    {"ab", 4, -1, NULL},    /* no room for the NUL */
    {"ab", 3, -1, NULL},
    {"ab", 100, 4, "\"ab\""},
    {"", 3, 2, "\"\""},
    {"", 2, -1, NULL},
    {"", 0, -1, NULL},
    {"a\"b", 7, 6, "\"a\\\"b\""},
    {"a\"b", 6, -1, NULL},
    {"a\\b", 7, 6, "\"a\\\\b\""},
    {"a\\b", 6, -1, NULL},
    {"\"", 5, 4, "\"\\\"\""},
    {"\"", 4, -1, NULL},
    {"\"", 3, -1, NULL},
    {"\\\\", 7, 6, "\"\\\\\\\\\""},
    {"it's ok", 10, 9, "\"it's ok\""},
    {"caf\xc3\xa9", 8, 7, "\"caf\xc3\xa9\""},
};

START_TEST(response_quote_table)
{
    char dst[128];
    int rc;

    memset(dst, 'Z', sizeof dst);
    rc = response_quote(quote_cases[_i].realm, dst, quote_cases[_i].cap);
    ck_assert_msg(rc == quote_cases[_i].rc, "case %d: rc %d, expected %d", _i,
                  rc, quote_cases[_i].rc);
    if (rc >= 0) {
        ck_assert_str_eq(dst, quote_cases[_i].out);
        ck_assert_uint_eq((size_t)rc, strlen(quote_cases[_i].out));
    }
    /* Nothing is written past cap. */
    ck_assert_msg(dst[quote_cases[_i].cap] == 'Z', "case %d: wrote past cap",
                  _i);
}
END_TEST

static Suite *
response_suite(void)
{
    Suite *s = suite_create("response");
    TCase *tc;

    tc = tcase_create("allow");
    tcase_add_test(tc, response_allow);
    tcase_add_test(tc, response_allow_user_bytes);
    tcase_add_loop_test(tc, response_fails_closed, 0,
                        (int)(sizeof closed_cases / sizeof closed_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("deny");
    tcase_add_loop_test(tc, response_deny_no_challenge, 0,
                        (int)(sizeof deny_cases / sizeof deny_cases[0]));
    tcase_add_loop_test(tc, response_unauthorized, 0,
                        (int)(sizeof realm_cases / sizeof realm_cases[0]));
    tcase_add_test(tc, response_unauthorized_reasons);
    tcase_add_test(tc, response_unauthorized_longest_realm);
    tcase_add_test(tc, response_unauthorized_oversized_realm);
    suite_add_tcase(s, tc);

    tc = tcase_create("sink");
    tcase_add_loop_test(tc, response_sink_failure, 0,
                        (int)(sizeof sink_statuses / sizeof sink_statuses[0]));
    tcase_add_test(tc, response_sink_late_failure);
    suite_add_tcase(s, tc);

    tc = tcase_create("quote");
    tcase_add_loop_test(tc, response_quote_table, 0,
                        (int)(sizeof quote_cases / sizeof quote_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(response_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
