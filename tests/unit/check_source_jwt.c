/*
 * check_source_jwt: JWTs through the whole decision, with a real JWK Set
 * file: a token seen again is answered from what it said (memo.h),
 * with its groups, under the rules of the request, and still expires on
 * time; a reload with another key under the same kid refuses it; with the
 * cache off nothing is remembered.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "cache.h"
#include "conf.h"
#include "snapshot.h"
#include "verify.h"
#include "../jwt/jose.h"
#include "testutil.h"

#define ISS "https://idp.test"
#define AUD "api"

static struct conf conf;
static struct snapshot *snap;
static struct verify_ctx *vctx;
static struct authz_ctx actx;
static EVP_PKEY *key, *other;
static char jwks[256];

/* The JWK Set file with k under kid "k1". */
static void
write_jwks(EVP_PKEY *k)
{
    char jwk[JOSE_JWK_MAX], text[JOSE_JWK_MAX + 32];

    jose_jwk(k, "\"kid\":\"k1\"", jwk, sizeof jwk);
    snprintf(text, sizeof text, "{\"keys\":[%s]}", jwk);
    snprintf(jwks, sizeof jwks, "%s", testutil_write_file("jwks.json", text));
}

static void
load(unsigned ttl)
{
    char text[1024];

    snprintf(text, sizeof text,
             "jwks_file = %s\njwt_issuer = " ISS "\njwt_audience = " AUD "\n"
             "jwt_leeway = 0\n[profile staff]\nrequire = group staff\n",
             jwks);
    conf_init(&conf);
    ck_assert_int_eq(conf_parse(&conf, "test.conf", text, strlen(text),
                                testutil_quiet_diag, NULL),
                     0);
    snap = snapshot_load(&conf, testutil_quiet_diag, NULL);
    ck_assert_ptr_nonnull(snap);
    actx = (struct authz_ctx){snap, cache_new(ttl ? 100 : 0, ttl), NULL, NULL,
                              NULL};
}

static void
setup(void)
{
    testutil_tmpdir("check_source_jwt");
    key = jose_gen_ed25519();
    other = jose_gen_ed25519();
    write_jwks(key);
    ck_assert_int_eq(verify_dummy_init(), 0);
    vctx = verify_ctx_new();
    load(300);
}

static void
teardown(void)
{
    verify_ctx_free(vctx);
    cache_free(actx.cache);
    snapshot_free(snap);
    conf_free(&conf);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    testutil_cleanup();
}

/* A token for sub with groups (JSON array text), valid until exp. */
static const char *
mint(EVP_PKEY *k, const char *sub, const char *groups, long long exp)
{
    static char tok[JOSE_TOKEN_MAX];
    struct jose_key jk = {k, NULL, 0};
    char payload[512];

    snprintf(payload, sizeof payload,
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"%s\","
             "\"exp\":%lld,\"jti\":\"j-%s\",\"groups\":%s}",
             sub, exp, sub, groups);
    jose_token("{\"alg\":\"EdDSA\",\"kid\":\"k1\"}", payload, "EdDSA", &jk, tok,
               sizeof tok);
    return tok;
}

static void
decide(struct decision *d, const char *tok, const char *profile)
{
    testutil_decide(&actx, vctx, d, "RESPONDER", "Bearer", tok, profile);
}

START_TEST(jwt_memo_again_with_groups)
{
    char tok[JOSE_TOKEN_MAX];
    struct decision d;

    snprintf(tok, sizeof tok, "%s",
             mint(key, "alice", "[\"staff\",\"dev\"]", time(NULL) + 600));
    decide(&d, tok, "staff");
    ck_assert_int_eq(d.status, 200);
    ck_assert(!d.cached);
    ck_assert_int_eq(d.source, AUTH_SOURCE_JWT);
    decide(&d, tok, "staff");
    ck_assert_int_eq(d.status, 200);
    ck_assert(d.cached);
    ck_assert_int_eq(d.source, AUTH_SOURCE_JWT);
    ck_assert_str_eq(d.user, "alice");
    ck_assert_str_eq(d.groups, "staff,dev");
    ck_assert_str_eq(d.token_id, "kid=\"k1\" jti=\"j-alice\"");
    ck_assert_ptr_nonnull(
        strstr(testutil_render(&d), "Variable-REMOTE_USER: alice"));
    /* Remembered per profile, and judged by the rules of each request. */
    snprintf(tok, sizeof tok, "%s",
             mint(key, "bob", "[\"dev\"]", time(NULL) + 600));
    decide(&d, tok, "staff");
    ck_assert_int_eq(d.status, 403);
    decide(&d, tok, "staff");
    ck_assert(d.cached);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(d.bearer_error, "insufficient_scope");
    decide(&d, tok, NULL);
    ck_assert(!d.cached);
    ck_assert_int_eq(d.status, 200);
}
END_TEST

/* Seen or not, a token ends at its exp (jwt_leeway 0 here). */
START_TEST(jwt_memo_expires_on_time)
{
    char tok[JOSE_TOKEN_MAX];
    long long exp = (long long)time(NULL) + 2;
    struct decision d;
    int polls = 0;

    snprintf(tok, sizeof tok, "%s", mint(key, "carol", "[]", exp));
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 200);
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 200);
    ck_assert(d.cached);
    while ((long long)time(NULL) <= exp && polls++ < 100) {
        struct timespec ts = {0, 50000000};

        nanosleep(&ts, NULL);
    }
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_EXPIRED);
}
END_TEST

/* Another key under the same kid after a reload: the token is refused. */
START_TEST(jwt_memo_not_after_a_key_change)
{
    char tok[JOSE_TOKEN_MAX];
    struct decision d;

    snprintf(tok, sizeof tok, "%s", mint(key, "dave", "[]", time(NULL) + 600));
    decide(&d, tok, NULL);
    decide(&d, tok, NULL);
    ck_assert(d.cached);
    write_jwks(other);
    cache_free(actx.cache);
    snapshot_free(snap);
    conf_free(&conf);
    load(300);
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert(!d.cached);
    ck_assert_str_eq(d.why, "bad_signature");
}
END_TEST

START_TEST(jwt_memo_not_with_the_cache_off)
{
    char tok[JOSE_TOKEN_MAX];
    struct decision d;

    cache_free(actx.cache);
    snapshot_free(snap);
    conf_free(&conf);
    load(0);
    snprintf(tok, sizeof tok, "%s", mint(key, "erin", "[]", time(NULL) + 600));
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 200);
    decide(&d, tok, NULL);
    ck_assert_int_eq(d.status, 200);
    ck_assert(!d.cached);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("source_jwt");
    TCase *tc = tcase_create("seen");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, jwt_memo_again_with_groups);
    tcase_add_test(tc, jwt_memo_expires_on_time);
    tcase_add_test(tc, jwt_memo_not_after_a_key_change);
    tcase_add_test(tc, jwt_memo_not_with_the_cache_off);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
