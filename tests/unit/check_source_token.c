/*
 * check_source_token: Bearer API tokens through the whole decision, from
 * the request parameters to the response's status and challenge, with a
 * real token file, group file and user file.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "conf.h"
#include "response.h"
#include "snapshot.h"
#include "token.h"
#include "verify.h"
#include "testutil.h"

static struct conf conf;
static struct snapshot *snap;
static struct verify_ctx *vctx;
static struct authz_ctx actx;
static char good[TOKEN_LEN + 1], old[TOKEN_LEN + 1], other[TOKEN_LEN + 1];

/* "NAME:sha256:HEX:CREATED[:EXPIRES]" for token t into line. */
static void
token_line(char *line, size_t cap, const char *name, const char *t,
           const char *expires)
{
    unsigned char dg[TOKEN_DIGEST_LEN];
    char hex[2 * TOKEN_DIGEST_LEN + 1];

    token_digest(t, strlen(t), dg);
    for (size_t i = 0; i < sizeof dg; i++)
        snprintf(hex + 2 * i, 3, "%02x", dg[i]);
    snprintf(line, cap, "%s:sha256:%s:2026-01-01%s%s\n", name, hex,
             expires ? ":" : "", expires ? expires : "");
}

static void
setup(void)
{
    char text[4096], l1[256], l2[256], tokens[256], groups[256], users[256];

    testutil_tmpdir("check_source_token");
    ck_assert_int_eq(token_generate(good), 0);
    ck_assert_int_eq(token_generate(old), 0);
    ck_assert_int_eq(token_generate(other), 0);
    token_line(l1, sizeof l1, "ci-bot", good, NULL);
    token_line(l2, sizeof l2, "old-bot", old, "2001-01-01");
    snprintf(text, sizeof text, "# tokens\n%s%s", l1, l2);
    /* testutil_write_file's answer lasts until its next call. */
    snprintf(tokens, sizeof tokens, "%s", testutil_write_file("tokens", text));
    snprintf(groups, sizeof groups, "%s",
             testutil_write_file("groups", "deploy: ci-bot\nadmins: root\n"));
    /* alice:alice, as htpasswd -s makes it */
    snprintf(users, sizeof users, "%s",
             testutil_write_file("users",
                                 "alice:{SHA}UisnajVr3zkBPfq+os1D4UHsyeg=\n"));
    snprintf(text, sizeof text,
             "token_file = %s\n"
             "group_file = %s\n"
             "realm = API\n"
             "[profile both]\n"
             "user_file = %s\n"
             "[profile deploy]\n"
             "require = group deploy\n"
             "[profile admins]\n"
             "require = group admins\n",
             tokens, groups, users);
    conf_init(&conf);
    ck_assert_int_eq(conf_parse(&conf, "test.conf", text, strlen(text),
                                testutil_quiet_diag, NULL),
                     0);
    snap = snapshot_load(&conf, testutil_quiet_diag, NULL);
    ck_assert_ptr_nonnull(snap);
    ck_assert_int_eq(verify_dummy_init(), 0);
    vctx = verify_ctx_new();
    actx = (struct authz_ctx){snap, cache_new(100, 300), NULL, NULL, NULL};
}

static void
teardown(void)
{
    verify_ctx_free(vctx);
    cache_free(actx.cache);
    snapshot_free(snap);
    conf_free(&conf);
    testutil_cleanup();
}

/* Decide on role, Authorization "Bearer tok" (NULL: none), a profile. */
static void
decide(struct decision *d, const char *role, const char *scheme,
       const char *tok, const char *profile)
{
    testutil_decide(&actx, vctx, d, role, scheme, tok, profile);
}

#define render testutil_render

START_TEST(token_grants_its_name)
{
    struct decision d;

    decide(&d, "RESPONDER", "Bearer", good, NULL);
    ck_assert_msg(d.status == 200, "%d %s %s", d.status, reason_name(d.reason),
                  d.why ? d.why : "-");
    ck_assert_str_eq(d.user, "ci-bot");
    ck_assert_int_eq(d.scheme, AUTH_SCHEME_BEARER);
    ck_assert_int_eq(d.source, AUTH_SOURCE_TOKEN);
    ck_assert_str_eq(d.token_id, "token=ci-bot");
    ck_assert_ptr_nonnull(strstr(render(&d), "Variable-REMOTE_USER: ci-bot"));
    ck_assert_ptr_nonnull(strstr(render(&d), "Variable-AUTH_TYPE: Bearer"));
    /* RFC 6750 2.1 via RFC 9110: the scheme is case-insensitive. */
    decide(&d, "AUTHORIZER", "bEaReR", good, NULL);
    ck_assert_int_eq(d.status, 200);
}
END_TEST

START_TEST(token_refusals_say_invalid_token)
{
    struct decision d;
    char typo[TOKEN_LEN + 1];

    decide(&d, "RESPONDER", "Bearer", other, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_BAD_TOKEN);
    ck_assert_str_eq(d.why, "unknown");
    ck_assert_ptr_nonnull(strstr(render(&d), "WWW-Authenticate: Bearer "
                                             "realm=\"API\", "
                                             "error=\"invalid_token\""));
    memcpy(typo, good, sizeof typo);
    typo[10] = typo[10] == 'a' ? 'b' : 'a';
    decide(&d, "RESPONDER", "Bearer", typo, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_str_eq(d.why, "checksum");
    decide(&d, "RESPONDER", "Bearer", old, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_EXPIRED);
    ck_assert_ptr_nonnull(strstr(render(&d), "token expired"));
    /* Neither a token of ours nor a JWT (no jwks_file). */
    decide(&d, "RESPONDER", "Bearer", "abc.def.ghi", NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_str_eq(d.why, "unknown_kind");
}
END_TEST

START_TEST(token_rules_and_scope)
{
    struct decision d;
    const char *out;

    decide(&d, "RESPONDER", "Bearer", good, "deploy");
    ck_assert_int_eq(d.status, 200);
    ck_assert_str_eq(d.groups, "deploy");
    decide(&d, "RESPONDER", "Bearer", good, "admins");
    ck_assert_int_eq(d.status, 403);
    out = render(&d);
    ck_assert_ptr_nonnull(strstr(out, "Status: 403"));
    ck_assert_ptr_nonnull(strstr(out, "error=\"insufficient_scope\""));
}
END_TEST

START_TEST(token_challenges)
{
    struct decision d;
    const char *out;

    /* No credentials, Bearer only: one challenge, no error (RFC 6750 3). */
    decide(&d, "RESPONDER", NULL, NULL, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_NO_CREDENTIALS);
    out = render(&d);
    ck_assert_ptr_nonnull(
        strstr(out, "WWW-Authenticate: Bearer realm=\"API\"\r\n"));
    ck_assert_ptr_null(strstr(out, "Basic"));
    /* Basic to a Bearer-only profile is no credential of ours. */
    decide(&d, "RESPONDER", "Basic", "YWxpY2U6YWxpY2U=", NULL);
    ck_assert_int_eq(d.reason, REASON_NO_CREDENTIALS);
    ck_assert_int_eq(d.source, AUTH_SOURCE_NONE);
    /* Both offered: both challenges, in one header. */
    decide(&d, "AUTHORIZER", NULL, NULL, "both");
    ck_assert_ptr_nonnull(strstr(render(&d), "WWW-Authenticate: Basic "
                                             "realm=\"API\", "
                                             "charset=\"UTF-8\", Bearer "
                                             "realm=\"API\"\r\n"));
    decide(&d, "AUTHORIZER", "Basic", "YWxpY2U6YWxpY2U=", "both");
    ck_assert_int_eq(d.status, 200);
    ck_assert_int_eq(d.scheme, AUTH_SCHEME_BASIC);
    ck_assert_int_eq(d.source, AUTH_SOURCE_USER_FILE);
    decide(&d, "AUTHORIZER", "Bearer", good, "both");
    ck_assert_int_eq(d.status, 200);
    ck_assert_int_eq(d.scheme, AUTH_SCHEME_BEARER);
}
END_TEST

START_TEST(token_malformed)
{
    struct decision d;

    decide(&d, "AUTHORIZER", "Bearer", "a b", NULL);
    ck_assert_int_eq(d.status, 400);
    ck_assert_int_eq(d.reason, REASON_MALFORMED);
    ck_assert_ptr_nonnull(strstr(render(&d), "error=\"invalid_request\""));
    /* nginx turns a 400 into a 500: it gets the 401. */
    decide(&d, "RESPONDER", "Bearer", "a b", NULL);
    ck_assert_int_eq(d.status, 401);
}
END_TEST

static Suite *
source_token_suite(void)
{
    Suite *s = suite_create("source_token");
    TCase *tc = tcase_create("decide");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, token_grants_its_name);
    tcase_add_test(tc, token_refusals_say_invalid_token);
    tcase_add_test(tc, token_rules_and_scope);
    tcase_add_test(tc, token_challenges);
    tcase_add_test(tc, token_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(source_token_suite());
}
