/*
 * check_authz: the decision pipeline from request parameters to status,
 * with a real htpasswd table and real hashes.
 */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "htpasswd.h"
#include "request.h"
#include "verify.h"

static struct htpasswd *users;
static struct verify_ctx *vctx;
static struct authz_ctx actx;

/* Hash pw with a fresh salt of the given prefix (crypt_gensalt_ra). */
static char *
make_hash(const char *prefix, unsigned long cost, const char *pw)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    char *salt = crypt_gensalt_ra(prefix, cost, NULL, 0);
    char *h, *out;

    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_nonnull(salt);
    h = crypt_rn(pw, salt, cd, sizeof *cd);
    ck_assert_ptr_nonnull(h);
    out = strdup(h);
    free(salt);
    free(cd);
    return out;
}

static void
quiet_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
           const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)file;
    (void)line;
    (void)msg;
}

static void
setup(void)
{
    char *y = make_hash("$y$", 0, "alice-secret");
    char *b = make_hash("$2b$", 4, "bob-secret");
    char *s = make_hash("$6$", 1000, "carol-secret");
    char *l = make_hash("$y$", 0, "heidi-secret");
    char text[4096];
    int n;

    n = snprintf(text, sizeof text,
                 "# test users\n"
                 "alice:%s\n"
                 "bob:%s\n"
                 "carol:%s:a comment\n"
                 "heidi:!%s\n"
                 "broken:$6$truncated$\n",
                 y, b, s, l);
    ck_assert_int_lt(n, (int)sizeof text);
    users =
        htpasswd_parse("test", text, (size_t)n,
                       &(struct htpasswd_opts){false, false}, quiet_diag, NULL);
    ck_assert_ptr_nonnull(users);
    ck_assert_int_eq(verify_dummy_init(), 0);
    vctx = verify_ctx_new();
    ck_assert_ptr_nonnull(vctx);
    actx = (struct authz_ctx){users, "Test \"Realm\""};
    free(y);
    free(b);
    free(s);
    free(l);
}

static void
teardown(void)
{
    verify_ctx_free(vctx);
    htpasswd_free(users);
}

/* "Basic base64(user:pw)" with an explicit length (pw may hold NUL). */
static void
basic_header(char *dst, size_t cap, const char *cred, size_t n)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = (size_t)snprintf(dst, cap, "HTTP_AUTHORIZATION=Basic ");
    const unsigned char *p = (const unsigned char *)cred;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        ck_assert_uint_lt(o + 4, cap);
        dst[o++] = al[(v >> 18) & 63];
        dst[o++] = al[(v >> 12) & 63];
        dst[o++] = i + 1 < n ? al[(v >> 6) & 63] : '=';
        dst[o++] = i + 2 < n ? al[v & 63] : '=';
    }
    dst[o] = '\0';
}

struct decide_case {
    const char *name;
    const char *params[6]; /* NULL-terminated; "BASIC:user:pw" expands */
    int status;
    enum authz_reason reason;
    const char *user; /* expected d.user on 200 */
};

static const struct decide_case decide_cases[] = {
    {"no credentials, nginx",
     {"FCGI_ROLE=RESPONDER"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
    {"no credentials, lighttpd",
     {"FCGI_ROLE=AUTHORIZER"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
    {"yescrypt right",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:alice-secret"},
     200,
     REASON_OK,
     "alice"},
    {"bcrypt right",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:bob:bob-secret"},
     200,
     REASON_OK,
     "bob"},
    {"sha512 right, comment field",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:carol:carol-secret"},
     200,
     REASON_OK,
     "carol"},
    {"wrong password",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:alice-secreT"},
     401,
     REASON_BAD_PASSWORD,
     NULL},
    {"empty password",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:"},
     401,
     REASON_BAD_PASSWORD,
     NULL},
    {"unknown user",
     {"FCGI_ROLE=RESPONDER", "BASIC:mallory:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL},
    {"user case matters",
     {"FCGI_ROLE=RESPONDER", "BASIC:Alice:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL},
    {"locked",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:heidi:heidi-secret"},
     401,
     REASON_LOCKED,
     NULL},
    {"truncated hash never matches",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:broken:"},
     401,
     REASON_UNUSABLE,
     NULL},
    {"truncated hash, any password",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:broken:x"},
     401,
     REASON_UNUSABLE,
     NULL},
    {"other scheme",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTHORIZATION=Bearer abc"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
    {"malformed, nginx gets 401",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTHORIZATION=Basic !!!!"},
     401,
     REASON_MALFORMED,
     NULL},
    {"malformed, lighttpd gets 400",
     {"FCGI_ROLE=AUTHORIZER", "HTTP_AUTHORIZATION=Basic !!!!"},
     400,
     REASON_MALFORMED,
     NULL},
    {"malformed, CGI gets 400",
     {"HTTP_AUTHORIZATION=Basic YWxpY2U="},
     400,
     REASON_MALFORMED,
     NULL},
    {"duplicate headers",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:alice:alice-secret",
      "BASIC:alice:alice-secret"},
     400,
     REASON_MALFORMED,
     NULL},
    {"merged headers",
     {"FCGI_ROLE=AUTHORIZER", "HTTP_AUTHORIZATION=Basic YTpi, Basic YTpi"},
     400,
     REASON_MALFORMED,
     NULL},
    {"filter role refused",
     {"FCGI_ROLE=FILTER", "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL},
    {"unknown apache role",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=SOMETHING",
      "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL},
    {"apache authz mode not enabled",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER",
      "REMOTE_USER=alice"},
     500,
     REASON_MISCONFIGURED,
     NULL},
    {"apache authenticator",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice", "REMOTE_PASSWD=alice-secret"},
     200,
     REASON_OK,
     "alice"},
    {"apache authenticator, wrong",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice", "REMOTE_PASSWD=nope"},
     401,
     REASON_BAD_PASSWORD,
     NULL},
    {"apache authenticator, no password",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
    {"apache authenticator ignores the header",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=mallory", "REMOTE_PASSWD=x", "BASIC:alice:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL},
    {"REMOTE_USER from nginx stock params is no credential",
     {"FCGI_ROLE=RESPONDER", "REMOTE_USER=alice", "REMOTE_PASSWD=alice-secret"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
    {"REMOTE_USER does not rescue a wrong password",
     {"FCGI_ROLE=RESPONDER", "REMOTE_USER=alice", "BASIC:alice:wrong"},
     401,
     REASON_BAD_PASSWORD,
     NULL},
    {"client header spoofs are not params",
     {"FCGI_ROLE=RESPONDER", "HTTP_REMOTE_USER=alice",
      "HTTP_FCGI_APACHE_ROLE=AUTHENTICATOR", "HTTP_REMOTE_PASSWD=x"},
     401,
     REASON_NO_CREDENTIALS,
     NULL},
};

static void
run_case(const struct decide_case *c, struct decision *d)
{
    char bufs[6][1200];
    char *envp[7];
    size_t n = 0;
    struct request r;

    for (size_t i = 0; i < 6 && c->params[i] != NULL; i++) {
        if (strncmp(c->params[i], "BASIC:", 6) == 0) {
            const char *cred = c->params[i] + 6;

            basic_header(bufs[i], sizeof bufs[i], cred, strlen(cred));
        } else {
            snprintf(bufs[i], sizeof bufs[i], "%s", c->params[i]);
        }
        envp[n++] = bufs[i];
    }
    envp[n] = NULL;
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, d);
}

START_TEST(authz_decides_table)
{
    const struct decide_case *c = &decide_cases[_i];
    struct decision d;

    run_case(c, &d);
    ck_assert_msg(d.status == c->status, "%s: status %d, expected %d", c->name,
                  d.status, c->status);
    ck_assert_msg(d.reason == c->reason, "%s: reason %s, expected %s", c->name,
                  authz_reason_name(d.reason), authz_reason_name(c->reason));
    if (c->user != NULL) {
        ck_assert_str_eq(d.user, c->user);
        ck_assert_uint_eq(d.user_len, strlen(c->user));
    }
    if (d.status == 401)
        ck_assert_str_eq(d.realm, "Test \"Realm\"");
}
END_TEST

/* A password with a NUL never reaches crypt as a shorter C string. */
START_TEST(authz_nul_in_password_is_malformed)
{
    static const char cred[] = "alice:alice-secret\0tail";
    char hdr[200];
    char *envp[3] = {hdr, NULL, NULL};
    char role[] = "FCGI_ROLE=AUTHORIZER";
    struct request r;
    struct decision d;

    envp[1] = role;
    basic_header(hdr, sizeof hdr, cred, sizeof cred - 1);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_ne(d.status, 200);
    ck_assert_int_eq(d.reason, REASON_MALFORMED);
}
END_TEST

/* bcrypt reads 72 bytes: a longer password must not match on its prefix. */
START_TEST(authz_bcrypt_long_password_refused)
{
    char pw[100], cred[120], hdr[300], line[200];
    char role[] = "FCGI_ROLE=AUTHORIZER";
    char *envp[3] = {hdr, role, NULL};
    struct htpasswd *h;
    struct authz_ctx c2;
    struct request r;
    struct decision d;
    char *hash;

    memset(pw, 'p', 72);
    pw[72] = '\0';
    hash = make_hash("$2b$", 4, pw);
    snprintf(line, sizeof line, "long:%s\n", hash);
    h = htpasswd_parse("t", line, strlen(line),
                       &(struct htpasswd_opts){false, false}, quiet_diag, NULL);
    ck_assert_ptr_nonnull(h);
    c2 = (struct authz_ctx){h, "r"};

    snprintf(cred, sizeof cred, "long:%sXYZ", pw);
    basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&c2, &r, vctx, &d);
    ck_assert_int_eq(d.status, 401);

    snprintf(cred, sizeof cred, "long:%s", pw);
    basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&c2, &r, vctx, &d);
    ck_assert_int_eq(d.status, 200);
    htpasswd_free(h);
    free(hash);
}
END_TEST

START_TEST(authz_no_user_table_fails_closed)
{
    struct authz_ctx c2 = {NULL, "r"};
    char hdr[200];
    char role[] = "FCGI_ROLE=RESPONDER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    basic_header(hdr, sizeof hdr, "alice:alice-secret", 18);
    request_parse(&r, envp);
    authz_decide(&c2, &r, vctx, &d);
    ck_assert_int_eq(d.status, 500);
    ck_assert_int_eq(d.reason, REASON_INTERNAL);
}
END_TEST

START_TEST(authz_oversized_value_is_malformed)
{
    size_t n = REQUEST_VALUE_MAX + 100;
    char *hdr = malloc(n + 32);
    char role[] = "FCGI_ROLE=AUTHORIZER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    ck_assert_ptr_nonnull(hdr);
    strcpy(hdr, "HTTP_AUTHORIZATION=Basic ");
    memset(hdr + strlen(hdr), 'A', n);
    hdr[n + 25] = '\0';
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 400);
    free(hdr);
}
END_TEST

START_TEST(authz_long_user_is_unknown)
{
    char cred[400], hdr[700];
    char role[] = "FCGI_ROLE=RESPONDER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    memset(cred, 'u', 300);
    strcpy(cred + 300, ":pw");
    basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_UNKNOWN_USER);
    ck_assert_uint_eq(d.user_len, HTPASSWD_USER_MAX);
}
END_TEST

START_TEST(authz_reason_names_distinct)
{
    for (int i = REASON_OK; i <= REASON_INTERNAL; i++)
        for (int j = i + 1; j <= REASON_INTERNAL; j++)
            ck_assert_str_ne(authz_reason_name((enum authz_reason)i),
                             authz_reason_name((enum authz_reason)j));
}
END_TEST

static Suite *
authz_suite(void)
{
    Suite *s = suite_create("authz");
    TCase *tc = tcase_create("decide");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, authz_decides_table, 0,
                        (int)(sizeof decide_cases / sizeof decide_cases[0]));
    tcase_add_test(tc, authz_nul_in_password_is_malformed);
    tcase_add_test(tc, authz_bcrypt_long_password_refused);
    tcase_add_test(tc, authz_no_user_table_fails_closed);
    tcase_add_test(tc, authz_oversized_value_is_malformed);
    tcase_add_test(tc, authz_long_user_is_unknown);
    tcase_add_test(tc, authz_reason_names_distinct);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(authz_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
