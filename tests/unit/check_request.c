/*
 * Unit tests for responder/request.c: FastCGI params -> struct request.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define ENV_MAX 16

/* A writable, NULL-terminated copy of a list of "NAME=VALUE" strings. */
struct env {
    char *v[ENV_MAX + 1];
};

static void
env_make(struct env *e, const char *const *list)
{
    size_t n = 0;

    for (; list[n] != NULL; n++) {
        ck_assert_uint_lt(n, ENV_MAX);
        e->v[n] = strdup(list[n]);
        ck_assert_ptr_nonnull(e->v[n]);
    }
    e->v[n] = NULL;
}

static void
env_free(struct env *e)
{
    for (size_t i = 0; e->v[i] != NULL; i++)
        free(e->v[i]);
}

/* "NAME=" followed by n copies of c, malloc'd. */
static char *
long_param(const char *name, size_t n, char c)
{
    size_t k = strlen(name);
    char *s = malloc(k + 1 + n + 1);

    ck_assert_ptr_nonnull(s);
    memcpy(s, name, k);
    s[k] = '=';
    memset(s + k + 1, c, n);
    s[k + 1 + n] = '\0';
    return s;
}

static void
assert_view(struct bytes v, const char *want)
{
    if (want == NULL) {
        ck_assert_ptr_null(v.p);
        ck_assert_uint_eq(v.n, 0);
        return;
    }
    ck_assert_ptr_nonnull(v.p);
    ck_assert_uint_eq(v.n, strlen(want));
    ck_assert_mem_eq(v.p, want, v.n);
}

static void
assert_defaults(const struct request *r)
{
    ck_assert_int_eq(r->role, ROLE_CGI);
    ck_assert_int_eq(r->apache, APACHE_NONE);
    assert_view(r->authorization, NULL);
    ck_assert_uint_eq(r->authorization_count, 0);
    assert_view(r->remote_user, NULL);
    assert_view(r->remote_passwd, NULL);
    ck_assert(!r->has_remote_user);
    ck_assert(!r->has_remote_passwd);
    assert_view(r->remote_addr, NULL);
    assert_view(r->request_uri, NULL);
    ck_assert(!r->invalid);
}

/* ----------------------------------------------------------------- roles -- */

static const struct {
    const char *env[4];
    enum request_role role;
} role_cases[] = {
    {{"FCGI_ROLE=RESPONDER", NULL}, ROLE_RESPONDER},
    {{"FCGI_ROLE=AUTHORIZER", NULL}, ROLE_AUTHORIZER},
    {{"FCGI_ROLE=FILTER", NULL}, ROLE_OTHER},
    {{"FCGI_ROLE=", NULL}, ROLE_OTHER},
    {{"FCGI_ROLE=RESPONDERX", NULL}, ROLE_OTHER},
    {{"FCGI_ROLE=AUTHORIZE", NULL}, ROLE_OTHER},
    {{"FCGI_ROLE=RESPONDER ", NULL}, ROLE_OTHER},
    {{"GATEWAY_INTERFACE=CGI/1.1", NULL}, ROLE_CGI}, /* absent: CGI */
    {{NULL}, ROLE_CGI},
    /* The first occurrence counts. */
    {{"FCGI_ROLE=AUTHORIZER", "FCGI_ROLE=RESPONDER", NULL}, ROLE_AUTHORIZER},
    {{"FCGI_ROLE=FILTER", "FCGI_ROLE=AUTHORIZER", NULL}, ROLE_OTHER},
    /* Near misses of the name are other params. */
    {{"FCGI_ROLEX=AUTHORIZER", NULL}, ROLE_CGI},
    {{"FCGI_ROL=AUTHORIZER", NULL}, ROLE_CGI},
    {{"XFCGI_ROLE=AUTHORIZER", NULL}, ROLE_CGI},
    {{"FCGI_ROLE", "FCGI_ROLE=RESPONDER", NULL}, ROLE_RESPONDER},
};

START_TEST(request_role_table)
{
    struct env e;
    struct request r;

    env_make(&e, role_cases[_i].env);
    request_parse(&r, e.v);
    ck_assert_msg(r.role == role_cases[_i].role, "case %d: role %s", _i,
                  request_role_name(r.role));
    ck_assert_int_eq(r.apache, APACHE_NONE);
    ck_assert(!r.invalid);
    env_free(&e);
}
END_TEST

static const struct {
    const char *env[4];
    enum apache_role apache;
} apache_cases[] = {
    {{"FCGI_ROLE=AUTHORIZER", NULL}, APACHE_NONE},
    {{"FCGI_APACHE_ROLE=AUTHENTICATOR", NULL}, APACHE_AUTHENTICATOR},
    {{"FCGI_APACHE_ROLE=AUTHORIZER", NULL}, APACHE_AUTHORIZER},
    {{"FCGI_APACHE_ROLE=ACCESS_CHECKER", NULL}, APACHE_UNKNOWN},
    {{"FCGI_APACHE_ROLE=", NULL}, APACHE_UNKNOWN},
    {{"FCGI_APACHE_ROLE=AUTHENTICATORS", NULL}, APACHE_UNKNOWN},
    {{"FCGI_APACHE_ROLE=RESPONDER", NULL}, APACHE_UNKNOWN},
    {{"FCGI_APACHE_ROLE=AUTHENTICATOR", "FCGI_APACHE_ROLE=AUTHORIZER", NULL},
     APACHE_AUTHENTICATOR},
    {{"FCGI_APACHE_ROLE_X=AUTHENTICATOR", NULL}, APACHE_NONE},
    {{"FCGI_APACHE_ROLE", NULL}, APACHE_NONE},
};

START_TEST(request_apache_role_table)
{
    struct env e;
    struct request r;

    env_make(&e, apache_cases[_i].env);
    request_parse(&r, e.v);
    ck_assert_msg(r.apache == apache_cases[_i].apache, "case %d: apache %d", _i,
                  (int)r.apache);
    ck_assert(!r.invalid);
    env_free(&e);
}
END_TEST

/* The role and the Apache role are independent. */
START_TEST(request_apache_with_role)
{
    static const char *const list[] = {"FCGI_APACHE_ROLE=AUTHENTICATOR",
                                       "FCGI_ROLE=AUTHORIZER", NULL};
    struct env e;
    struct request r;

    env_make(&e, list);
    request_parse(&r, e.v);
    ck_assert_int_eq(r.role, ROLE_AUTHORIZER);
    ck_assert_int_eq(r.apache, APACHE_AUTHENTICATOR);
    env_free(&e);
}
END_TEST

START_TEST(request_role_names)
{
    ck_assert_str_eq(request_role_name(ROLE_CGI), "CGI");
    ck_assert_str_eq(request_role_name(ROLE_RESPONDER), "RESPONDER");
    ck_assert_str_eq(request_role_name(ROLE_AUTHORIZER), "AUTHORIZER");
    ck_assert_str_eq(request_role_name(ROLE_OTHER), "OTHER");
}
END_TEST

/* ------------------------------------------------------- authorization -- */

static const struct {
    const char *env[5];
    const char *authorization;
    unsigned count;
} auth_cases[] = {
    {{NULL}, NULL, 0},
    {{"HTTP_AUTHORIZATION=Basic YTpi", NULL}, "Basic YTpi", 1},
    {{"HTTP_AUTHORIZATION=", NULL}, "", 1},
    /* '=' in the value belongs to the value. */
    {{"HTTP_AUTHORIZATION=Basic YTo=", NULL}, "Basic YTo=", 1},
    {{"HTTP_AUTHORIZATION=Basic Zmlyc3Q6YQ==",
      "HTTP_AUTHORIZATION=Basic c2Vjb25kOmI=", NULL},
     "Basic Zmlyc3Q6YQ==",
     2},
    {{"HTTP_AUTHORIZATION=first", "REMOTE_ADDR=::1",
      "HTTP_AUTHORIZATION=second", "HTTP_AUTHORIZATION=third", NULL},
     "first",
     3},
    /* No '=': not a param; prefixes and suffixes: other params. */
    {{"HTTP_AUTHORIZATION", NULL}, NULL, 0},
    {{"HTTP_AUTHORIZATION_X=Basic YTpi", NULL}, NULL, 0},
    {{"HTTP_AUTHORIZATIONX=Basic YTpi", NULL}, NULL, 0},
    {{"HTTP_AUTHORIZATIO=Basic YTpi", NULL}, NULL, 0},
    {{"X_HTTP_AUTHORIZATION=Basic YTpi", NULL}, NULL, 0},
    {{"HTTP_PROXY_AUTHORIZATION=Basic YTpi", NULL}, NULL, 0},
    {{"HTTP_AUTHORIZATION_X=x", "HTTP_AUTHORIZATION=y", NULL}, "y", 1},
};

START_TEST(request_authorization_table)
{
    struct env e;
    struct request r;

    env_make(&e, auth_cases[_i].env);
    request_parse(&r, e.v);
    assert_view(r.authorization, auth_cases[_i].authorization);
    ck_assert_uint_eq(r.authorization_count, auth_cases[_i].count);
    ck_assert(!r.invalid);
    env_free(&e);
}
END_TEST

/* Views point into envp, not into copies. */
START_TEST(request_views_point_into_envp)
{
    static const char *const list[] = {"HTTP_AUTHORIZATION=Basic YTpi",
                                       "REMOTE_ADDR=192.0.2.1",
                                       "REQUEST_URI=/private/x?y=1", NULL};
    struct env e;
    struct request r;

    env_make(&e, list);
    request_parse(&r, e.v);
    ck_assert_ptr_eq(r.authorization.p, e.v[0] + 19);
    ck_assert_ptr_eq(r.remote_addr.p, e.v[1] + 12);
    ck_assert_ptr_eq(r.request_uri.p, e.v[2] + 12);
    assert_view(r.remote_addr, "192.0.2.1");
    assert_view(r.request_uri, "/private/x?y=1");
    env_free(&e);
}
END_TEST

/* ----------------------------------------------------- Apache identity -- */

static const struct {
    const char *env[5];
    bool has_user, has_passwd;
    const char *user, *passwd;
} remote_cases[] = {
    {{NULL}, false, false, NULL, NULL},
    {{"REMOTE_USER=alice", NULL}, true, false, "alice", NULL},
    {{"REMOTE_PASSWD=s3cret", NULL}, false, true, NULL, "s3cret"},
    {{"REMOTE_USER=alice", "REMOTE_PASSWD=s3cret", NULL},
     true,
     true,
     "alice",
     "s3cret"},
    /* Present but empty is still present. */
    {{"REMOTE_USER=", "REMOTE_PASSWD=", NULL}, true, true, "", ""},
    /* First occurrence wins (nginx's fastcgi_params sets it first). */
    {{"REMOTE_USER=first", "REMOTE_USER=second", NULL},
     true,
     false,
     "first",
     NULL},
    {{"REMOTE_USER=", "REMOTE_USER=admin", NULL}, true, false, "", NULL},
    {{"REMOTE_PASSWD=one", "REMOTE_PASSWD=two", NULL},
     false,
     true,
     NULL,
     "one"},
    /* No '=' or another name: not present. */
    {{"REMOTE_USER", "REMOTE_PASSWD", NULL}, false, false, NULL, NULL},
    {{"REMOTE_USERX=alice", "REMOTE_PASSWORD=pw", NULL},
     false,
     false,
     NULL,
     NULL},
    {{"REMOTE_USE=alice", "XREMOTE_USER=alice", NULL},
     false,
     false,
     NULL,
     NULL},
    {{"REMOTE_USER", "REMOTE_USER=bob", NULL}, true, false, "bob", NULL},
};

START_TEST(request_remote_table)
{
    struct env e;
    struct request r;

    env_make(&e, remote_cases[_i].env);
    request_parse(&r, e.v);
    ck_assert_msg(r.has_remote_user == remote_cases[_i].has_user,
                  "case %d: has_remote_user", _i);
    ck_assert_msg(r.has_remote_passwd == remote_cases[_i].has_passwd,
                  "case %d: has_remote_passwd", _i);
    if (remote_cases[_i].has_user)
        assert_view(r.remote_user, remote_cases[_i].user);
    if (remote_cases[_i].has_passwd)
        assert_view(r.remote_passwd, remote_cases[_i].passwd);
    ck_assert(!r.invalid);
    env_free(&e);
}
END_TEST

/* ---------------------------------------------------------------- sizes -- */

static const struct {
    const char *name;
    size_t len;
    bool invalid;
} size_cases[] = {
    {"HTTP_AUTHORIZATION", REQUEST_VALUE_MAX, false},
    {"HTTP_AUTHORIZATION", REQUEST_VALUE_MAX + 1, true},
    {"HTTP_AUTHORIZATION", 100000, true},
    {"REMOTE_ADDR", REQUEST_VALUE_MAX, false},
    {"REMOTE_ADDR", REQUEST_VALUE_MAX + 1, true},
    {"REQUEST_URI", REQUEST_VALUE_MAX + 1, true},
    {"REMOTE_USER", REQUEST_VALUE_MAX + 1, true},
    {"REMOTE_PASSWD", REQUEST_VALUE_MAX + 1, true},
    {"FCGI_ROLE", REQUEST_VALUE_MAX + 1, true},
    {"FCGI_APACHE_ROLE", REQUEST_VALUE_MAX + 1, true},
    /* Params we do not use may be as long as the server allows. */
    {"HTTP_COOKIE", REQUEST_VALUE_MAX + 1, false},
    {"HTTP_COOKIE", 100000, false},
    {"QUERY_STRING", 100000, false},
    {"HTTP_AUTHORIZATION_X", 100000, false},
};

START_TEST(request_value_size_table)
{
    char *kv = long_param(size_cases[_i].name, size_cases[_i].len, 'a');
    char *envp[] = {kv, NULL};
    struct request r;

    request_parse(&r, envp);
    ck_assert_msg(r.invalid == size_cases[_i].invalid, "%s of %zu bytes: %s",
                  size_cases[_i].name, size_cases[_i].len,
                  r.invalid ? "invalid" : "valid");
    free(kv);
}
END_TEST

/* A long unused param between used ones changes nothing else. */
START_TEST(request_long_unused_ignored)
{
    char *cookie = long_param("HTTP_COOKIE", 3 * REQUEST_VALUE_MAX, 'c');
    char auth[] = "HTTP_AUTHORIZATION=Basic YTpi";
    char role[] = "FCGI_ROLE=RESPONDER";
    char *envp[] = {role, cookie, auth, NULL};
    struct request r;

    request_parse(&r, envp);
    ck_assert(!r.invalid);
    ck_assert_int_eq(r.role, ROLE_RESPONDER);
    assert_view(r.authorization, "Basic YTpi");
    free(cookie);
}
END_TEST

/* ---------------------------------------------------------------- shape -- */

START_TEST(request_null_envp)
{
    struct request r;

    memset(&r, 0xa5, sizeof r);
    request_parse(&r, NULL);
    assert_defaults(&r);
}
END_TEST

START_TEST(request_empty_envp)
{
    char *envp[] = {NULL};
    struct request r;

    memset(&r, 0xa5, sizeof r);
    request_parse(&r, envp);
    assert_defaults(&r);
}
END_TEST

/* Entries without '=' and with an empty name are skipped, not fatal. */
START_TEST(request_entries_without_eq)
{
    static const char *const list[] = {"",
                                       "=",
                                       "=AUTHORIZER",
                                       "NOEQUALS",
                                       "FCGI_ROLE",
                                       "HTTP_AUTHORIZATION",
                                       "REMOTE_ADDR=127.0.0.1",
                                       NULL};
    struct env e;
    struct request r;

    env_make(&e, list);
    request_parse(&r, e.v);
    ck_assert_int_eq(r.role, ROLE_CGI);
    ck_assert_uint_eq(r.authorization_count, 0);
    assert_view(r.remote_addr, "127.0.0.1");
    ck_assert(!r.invalid);
    env_free(&e);
}
END_TEST

/* A request is parsed from scratch: nothing left from the last one. */
START_TEST(request_reused_struct)
{
    static const char *const first[] = {
        "FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
        "HTTP_AUTHORIZATION=a", "HTTP_AUTHORIZATION=b",
        "REMOTE_USER=u",        NULL};
    static const char *const second[] = {"REQUEST_URI=/", NULL};
    struct env e1, e2;
    struct request r;

    env_make(&e1, first);
    env_make(&e2, second);
    request_parse(&r, e1.v);
    ck_assert_uint_eq(r.authorization_count, 2);
    request_parse(&r, e2.v);
    ck_assert_int_eq(r.role, ROLE_CGI);
    ck_assert_int_eq(r.apache, APACHE_NONE);
    ck_assert_uint_eq(r.authorization_count, 0);
    ck_assert(!r.has_remote_user);
    assert_view(r.request_uri, "/");
    env_free(&e1);
    env_free(&e2);
}
END_TEST

/* --------------------------------------------------------------- spoofs -- */

/*
 * Client headers arrive only as HTTP_* params: a client sending
 * "FCGI-Role: ..." or "Remote-User: ..." must change nothing.
 */
static const char *const spoofs[] = {
    "HTTP_FCGI_ROLE=AUTHORIZER",
    "HTTP_FCGI_APACHE_ROLE=AUTHENTICATOR",
    "HTTP_REMOTE_USER=admin",
    "HTTP_REMOTE_PASSWD=admin",
    "HTTP_REMOTE_ADDR=127.0.0.1",
    "HTTP_REQUEST_URI=/public",
    "HTTP_HTTP_AUTHORIZATION=Basic YWRtaW46YWRtaW4=",
    "HTTP_X_HTTP_AUTHORIZATION=Basic YWRtaW46YWRtaW4=",
};

/*
 * X-Forwarded-For: the last occurrence counts (a proxy that adds its own
 * header line puts it last), and of a padded one its tail from an entry
 * boundary, so a client can neither hide the proxy's entry nor make the
 * header unusable.
 */
START_TEST(request_xff_last_and_tail)
{
    static const char *const two[] = {"HTTP_X_FORWARDED_FOR=6.6.6.6",
                                      "HTTP_X_FORWARDED_FOR=9.9.9.9", NULL};
    char *big = malloc(REQUEST_VALUE_MAX + 64);
    char *envp[2] = {big, NULL};
    struct env e;
    struct request r;
    size_t n;

    env_make(&e, two);
    request_parse(&r, e.v);
    ck_assert_uint_eq(r.x_forwarded_for_count, 2);
    ck_assert_uint_eq(r.x_forwarded_for.n, 7);
    ck_assert(memcmp(r.x_forwarded_for.p, "9.9.9.9", 7) == 0);
    env_free(&e);

    ck_assert_ptr_nonnull(big);
    n = strlen(strcpy(big, "HTTP_X_FORWARDED_FOR="));
    for (; n < REQUEST_VALUE_MAX + 30; n++)
        big[n] = n % 10 == 0 ? ',' : '1';
    strcpy(big + n, ", 192.0.2.77");
    request_parse(&r, envp);
    ck_assert(!r.invalid);
    ck_assert_uint_le(r.x_forwarded_for.n, REQUEST_VALUE_MAX);
    ck_assert(r.x_forwarded_for.n > 12);
    ck_assert(memcmp(r.x_forwarded_for.p + r.x_forwarded_for.n - 12,
                     ", 192.0.2.77", 12) == 0);
    /* It starts just after a comma: no cut-off entry. */
    ck_assert(r.x_forwarded_for.p[-1] == ',');
    free(big);
}
END_TEST

START_TEST(request_client_spoofs_ignored)
{
    const char *list[] = {"FCGI_ROLE=RESPONDER", spoofs[_i],
                          "REMOTE_ADDR=192.0.2.7", "REQUEST_URI=/private",
                          NULL};
    const char *alone[] = {spoofs[_i], NULL};
    struct env e;
    struct request r;

    env_make(&e, list);
    request_parse(&r, e.v);
    ck_assert_int_eq(r.role, ROLE_RESPONDER);
    ck_assert_int_eq(r.apache, APACHE_NONE);
    assert_view(r.authorization, NULL);
    ck_assert_uint_eq(r.authorization_count, 0);
    ck_assert(!r.has_remote_user);
    ck_assert(!r.has_remote_passwd);
    assert_view(r.remote_addr, "192.0.2.7");
    assert_view(r.request_uri, "/private");
    ck_assert(!r.invalid);
    env_free(&e);

    /* Alone, or placed first, it is no default either. */
    env_make(&e, alone);
    request_parse(&r, e.v);
    assert_defaults(&r);
    env_free(&e);
}
END_TEST

static Suite *
request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc;

    tc = tcase_create("roles");
    tcase_add_loop_test(tc, request_role_table, 0,
                        (int)(sizeof role_cases / sizeof role_cases[0]));
    tcase_add_loop_test(tc, request_apache_role_table, 0,
                        (int)(sizeof apache_cases / sizeof apache_cases[0]));
    tcase_add_test(tc, request_apache_with_role);
    tcase_add_test(tc, request_role_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("credentials");
    tcase_add_loop_test(tc, request_authorization_table, 0,
                        (int)(sizeof auth_cases / sizeof auth_cases[0]));
    tcase_add_test(tc, request_views_point_into_envp);
    tcase_add_loop_test(tc, request_remote_table, 0,
                        (int)(sizeof remote_cases / sizeof remote_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_loop_test(tc, request_value_size_table, 0,
                        (int)(sizeof size_cases / sizeof size_cases[0]));
    tcase_add_test(tc, request_long_unused_ignored);
    suite_add_tcase(s, tc);

    tc = tcase_create("shape");
    tcase_add_test(tc, request_null_envp);
    tcase_add_test(tc, request_empty_envp);
    tcase_add_test(tc, request_entries_without_eq);
    tcase_add_test(tc, request_reused_struct);
    tcase_add_test(tc, request_xff_last_and_tail);
    tcase_add_loop_test(tc, request_client_spoofs_ignored, 0,
                        (int)(sizeof spoofs / sizeof spoofs[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(request_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
