/*
 * check_jwt: JWS decoding, the claims, JWK Sets and every signature
 * algorithm, with keys made by OpenSSL at run time and tokens signed here
 * (tests/jwt/jose.h), and the hostile corpus of tests/jwt/hostile.h.
 *
 * JWT_SEED_DIR=dir check_jwt also writes the corpus, good tokens and JWK
 * Sets there as fuzz seeds (tests/fuzz/corpus/jwt).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../jwt/hostile.h"
#include "jwt.h"
#include "testutil.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The world's keys and set, made once in main (children inherit them). */
static struct jose_world W;
static struct jwks *SET;
static struct testutil_capture SET_DIAG;

static const struct jwt_policy POLICY = {
    .issuer = HOSTILE_ISS,
    .audience = HOSTILE_AUD,
    .leeway = HOSTILE_LEEWAY,
};

/* header.payload signed with the world key key as alg, into tok. */
static size_t
make(const char *header, const char *payload, const char *key, const char *alg,
     char *tok)
{
    struct jose_key k = jose_world_key(&W, key);

    return jose_token(header, payload, alg, &k, tok, JOSE_TOKEN_MAX);
}

/* What the daemon does: decode, find, verify; the first refusal. */
static enum jwt_result
judge_with(const struct jwks *s, const struct jwt_policy *p, const char *tok,
           size_t n, struct jwt *j)
{
    enum jwt_result r = jwt_decode(tok, n, p, HOSTILE_NOW, j);
    const struct jwk *k;

    if (r != JWT_OK)
        return r;
    k = jwks_find(s, j, &r);
    if (k == NULL) {
        ck_assert_int_ne(r, JWT_OK);
        return r;
    }
    ck_assert_ptr_nonnull(jwk_id(k));
    return jwt_verify(k, j);
}

static enum jwt_result
judge(const char *tok, size_t n, struct jwt *j)
{
    return judge_with(SET, &POLICY, tok, n, j);
}

/* The result for GOOD_CLAIMS-style payload p signed by rsa1 (RS256). */
static enum jwt_result
judge_claims(const struct jwt_policy *pol, const char *p, struct jwt *j)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n = make(H_RS256, p, RSA1, tok);

    return judge_with(SET, pol, tok, n, j);
}

static struct jwks *
parse_set(const char *json, struct testutil_capture *c)
{
    memset(c, 0, sizeof *c);
    return jwks_parse("set.json", json, strlen(json), testutil_capture_diag, c);
}

/* Whether some captured message contains s. */
static bool
said(const struct testutil_capture *c, const char *s)
{
    for (size_t i = 0; i < c->n && i < TESTUTIL_CAP_MAX; i++)
        if (strstr(c->d[i].msg, s) != NULL)
            return true;
    return false;
}

/* ---------------------------------------------------- algorithms -- */

static const struct {
    const char *alg, *kid, *key;
} algs[] = {
    {"RS256", "rsa1", "rsa1"},   {"RS384", "rsa1", "rsa1"},
    {"RS512", "rsa1", "rsa1"},   {"PS256", "rsa1", "rsa1"},
    {"PS384", "rsa1", "rsa1"},   {"PS512", "rsa1", "rsa1"},
    {"RS256", "rsa2", "rsa2"},   {"ES256", "ec256", "ec256"},
    {"ES384", "ec384", "ec384"}, {"ES512", "ec521", "ec521"},
    {"EdDSA", "ed", "ed"},       {"HS256", "hs", "hs"},
    {"HS384", "hs", "hs"},       {"HS512", "hs", "hs"},
    {"HS256", "hs32", "hs32"},
};

static size_t
alg_token(int i, const char *payload, char *tok)
{
    char h[128];

    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             algs[i].alg, algs[i].kid);
    return make(h, payload, algs[i].key, algs[i].alg, tok);
}

START_TEST(jwt_each_alg_verifies)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n = alg_token(_i, GOOD_CLAIMS, tok);
    struct jwt j;

    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    ck_assert_str_eq(j.alg, algs[_i].alg);
    ck_assert_str_eq(j.kid, algs[_i].kid);
    ck_assert_str_eq(j.user, "alice");
    ck_assert_uint_eq(j.user_len, 5);
    ck_assert_str_eq(j.groups, "admins,dev");
    ck_assert_uint_eq(j.groups_len, 10);
    ck_assert_str_eq(j.jti, "j-1");
    ck_assert_int_eq(j.exp, 1700003600);
    /* The signing input is header.payload, a view into the token. */
    ck_assert_ptr_eq(j.signing_input.p, tok);
    ck_assert_uint_eq(j.signing_input.n, (size_t)(strrchr(tok, '.') - tok));
    jwt_clear(&j);
}
END_TEST

START_TEST(jwt_each_alg_tampered)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n = alg_token(_i, GOOD_CLAIMS, tok);
    struct jose_key k = jose_world_key(&W, algs[_i].key);
    struct jwt j;
    char h[128];

    /* Another payload under the old signature. */
    n = hostile_swap(tok, n, sizeof tok, 1, CLAIMS_NO_SUB(",\"sub\":\"root\""));
    ck_assert_int_eq(judge(tok, n, &j), JWT_BAD_SIGNATURE);
    /* Another header (one member more) under the old signature. */
    n = alg_token(_i, GOOD_CLAIMS, tok);
    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"jwt\"}",
             algs[_i].alg, algs[_i].kid);
    n = hostile_swap(tok, n, sizeof tok, 0, h);
    ck_assert_int_eq(judge(tok, n, &j), JWT_BAD_SIGNATURE);
    /* One bit of the signature, first and last byte. */
    for (int at = 0; at < 2; at++) {
        unsigned char sig[JOSE_SIG_MAX];
        size_t sl;

        n = jose_token(h, GOOD_CLAIMS, algs[_i].alg, &k, tok, sizeof tok);
        sl = hostile_get_sig(tok, n, sig);
        sig[at == 0 ? 0 : sl - 1] ^= 0x01;
        n = hostile_put_sig(tok, n, sizeof tok, sig, sl);
        ck_assert_int_eq(judge(tok, n, &j), JWT_BAD_SIGNATURE);
    }
    /* The same token untouched still verifies (the edits were the cause). */
    n = jose_token(h, GOOD_CLAIMS, algs[_i].alg, &k, tok, sizeof tok);
    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    jwt_clear(&j);
}
END_TEST

/* No kid: the one key that fits the alg, if exactly one does. */
static const struct {
    const char *alg, *key;
    enum jwt_result want;
} nokid[] = {
    {"ES256", "ec256", JWT_OK}, /* the two "dup" keys never count */
    {"ES384", "ec384", JWT_OK}, {"ES512", "ec521", JWT_OK},
    {"EdDSA", "ed", JWT_OK},    {"HS512", "hs", JWT_OK}, /* hs32 too short */
    {"HS384", "hs", JWT_OK},    {"RS256", "rsa1", JWT_NO_KEY},
    {"PS256", "rsa1", JWT_OK}, /* rsa2 is RS256 only */
    {"RS384", "rsa1", JWT_OK},  {"HS256", "hs", JWT_NO_KEY},
};

START_TEST(jwt_no_kid_single_fit)
{
    char tok[JOSE_TOKEN_MAX], h[64];
    struct jwt j;
    size_t n;

    snprintf(h, sizeof h, "{\"alg\":\"%s\"}", nokid[_i].alg);
    n = make(h, GOOD_CLAIMS, nokid[_i].key, nokid[_i].alg, tok);
    ck_assert_int_eq(judge(tok, n, &j), nokid[_i].want);
    ck_assert_str_eq(j.kid, "");
}
END_TEST

/* ------------------------------------------------------- hostile -- */

START_TEST(jwt_hostile_corpus)
{
    const struct hostile *h = &hostile_cases[_i];
    char tok[JOSE_TOKEN_MAX];
    size_t n = hostile_build(&W, h, tok, sizeof tok);
    struct jwt j;
    enum jwt_result r = judge(tok, n, &j);

    ck_assert_int_ne(h->expect, JWT_OK);
    ck_assert_msg(r == h->expect, "%s: %s, wanted %s", h->name,
                  jwt_result_name(r), jwt_result_name(h->expect));
    /* Refused by jwt_decode: none of the token's claims is left. */
    if (jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j) != JWT_OK) {
        ck_assert_uint_eq(j.user_len, 0);
        ck_assert_str_eq(j.user, "");
        ck_assert_uint_eq(j.groups_len, 0);
        ck_assert_ptr_null(j.signing_input.p);
    }
    jwt_clear(&j);
}
END_TEST

START_TEST(jwt_hostile_corpus_size)
{
    ck_assert_uint_ge(HOSTILE_COUNT, 80);
    for (size_t i = 0; i < HOSTILE_COUNT; i++)
        for (size_t k = 0; k < i; k++)
            ck_assert_str_ne(hostile_cases[i].name, hostile_cases[k].name);
}
END_TEST

/* --------------------------------------------------- alg attacks -- */

START_TEST(jwt_alg_none_every_spelling)
{
    static const char *const none[] = {"none", "None", "NONE",
                                       "nOnE", "nONE", "NoNe"};
    char tok[JOSE_TOKEN_MAX], h[64];
    struct jwt j;
    size_t n;

    for (int i = 0; i < NELEM(none); i++) {
        snprintf(h, sizeof h, "{\"alg\":\"%s\"}", none[i]);
        n = jose_token(h, GOOD_CLAIMS, NULL, NULL, tok, sizeof tok);
        ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_ALG);
        ck_assert_str_eq(j.alg, "");
        /* With a real signature appended, and a kid, still none. */
        snprintf(h, sizeof h, "{\"alg\":\"%s\",\"kid\":\"rsa1\"}", none[i]);
        n = make(h, GOOD_CLAIMS, RSA1, tok);
        ck_assert_int_eq(judge(tok, n, &j), JWT_ALG);
        ck_assert_str_eq(j.kid, "rsa1");
    }
}
END_TEST

/* HS256 with rsa1's public key bytes as the secret (CVE-2015-9235). */
START_TEST(jwt_hmac_with_rsa_public_key)
{
    static const char *const secret[] = {"rsa1_pem", "rsa1_der"};
    char tok[JOSE_TOKEN_MAX];
    struct jwt j;
    size_t n;

    for (int i = 0; i < NELEM(secret); i++) {
        n = make(H("HS256", "rsa1"), GOOD_CLAIMS, secret[i], "HS256", tok);
        ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_OK);
        ck_assert_ptr_null(jwks_find(SET, &j, NULL));
        ck_assert_int_eq(judge(tok, n, &j), JWT_ALG);
        /* A set holding only that RSA key: no kid finds nothing either. */
        n = make("{\"alg\":\"HS256\"}", GOOD_CLAIMS, secret[i], "HS256", tok);
        ck_assert_int_eq(judge(tok, n, &j), JWT_NO_KEY);
    }
}
END_TEST

/* ES*: R || S of exactly twice the curve's width, neither zero. */
static const struct {
    const char *alg, *kid;
    size_t w;
} es[] = {
    {"ES256", "ec256", 32},
    {"ES384", "ec384", 48},
    {"ES512", "ec521", 66},
};

START_TEST(jwt_ecdsa_lengths_and_zero)
{
    char tok[JOSE_TOKEN_MAX], h[64];
    unsigned char sig[JOSE_SIG_MAX];
    size_t n, sl, w = es[_i].w;
    struct jwt j;

    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"kid\":\"%s\"}", es[_i].alg,
             es[_i].kid);
    n = make(h, GOOD_CLAIMS, es[_i].kid, es[_i].alg, tok);
    sl = hostile_get_sig(tok, n, sig);
    ck_assert_uint_eq(sl, 2 * w);
    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    for (size_t len = 2 * w - 2; len <= 2 * w + 2; len++) {
        unsigned char z[JOSE_SIG_MAX] = {0};

        memcpy(z, sig, sl);
        n = hostile_put_sig(tok, n, sizeof tok, z, len);
        ck_assert_int_eq(judge(tok, n, &j),
                         len == 2 * w ? JWT_OK : JWT_BAD_SIGNATURE);
        memset(z, 0, sizeof z); /* CVE-2022-21449: r = s = 0 */
        n = hostile_put_sig(tok, n, sizeof tok, z, len);
        ck_assert_int_eq(judge(tok, n, &j), JWT_BAD_SIGNATURE);
    }
}
END_TEST

/* ----------------------------------------------------- the header -- */

START_TEST(jwt_typ_b64_accepted)
{
    static const char *const hdr[] = {
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"jwt\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"at+jwt\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"AT+JWT\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"application/at+jwt\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"application/jwt\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"b64\":true}",
        "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"zip\":\"x\",\"cty\":\"y\"}",
        " {\"kid\":\"rsa1\" , \"alg\":\"RS256\"}\n",
        "{\"alg\":\"RS256\",\"kid\":\"r\\u0073a1\"}",
        ("{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"jku\":\"https://x.example/\","
         "\"x5u\":\"https://x.example/\",\"x5c\":[],\"jwk\":{}}"),
    };
    char tok[JOSE_TOKEN_MAX];
    struct jwt j;
    size_t n;

    for (int i = 0; i < NELEM(hdr); i++) {
        n = make(hdr[i], GOOD_CLAIMS, RSA1, tok);
        ck_assert_msg(judge(tok, n, &j) == JWT_OK, "%s", hdr[i]);
    }
}
END_TEST

START_TEST(jwt_kid_cut_for_the_log)
{
    char tok[JOSE_TOKEN_MAX], h[512], kid[300];
    struct jwt j;
    size_t n;

    memset(kid, 'k', 200);
    kid[200] = '\0';
    snprintf(h, sizeof h, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
    n = make(h, GOOD_CLAIMS, RSA1, tok);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_NO_KEY);
    ck_assert_uint_eq(strlen(j.kid), JWT_KID_MAX);
    /* 128 bytes exactly is a kid (no key has it). */
    kid[JWT_KID_MAX] = '\0';
    snprintf(h, sizeof h, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
    n = make(h, GOOD_CLAIMS, RSA1, tok);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_OK);
    ck_assert_int_eq(judge(tok, n, &j), JWT_NO_KEY);
}
END_TEST

/* ----------------------------------------------------- the claims -- */

static const struct {
    const char *payload;
    enum jwt_result want;
} times[] = {
    /* now 1700000000, leeway 60 */
    {CLAIMS_NO_EXP(",\"exp\":1699999941"), JWT_OK},
    {CLAIMS_NO_EXP(",\"exp\":1699999940"), JWT_EXPIRED},
    {CLAIMS_NO_EXP(",\"exp\":1699999941.0"), JWT_OK},
    {CLAIMS_NO_EXP(",\"exp\":1699999940.5"), JWT_EXPIRED},
    {CLAIMS_NO_EXP(",\"exp\":1.7e9"), JWT_OK},
    {CLAIMS_NO_EXP(",\"exp\":9223372036854775807"), JWT_OK},
    {CLAIMS_NO_EXP(",\"exp\":1e300"), JWT_OK},
    {CLAIMS_NO_EXP(""), JWT_EXPIRED},
    {CLAIMS_NO_EXP(",\"exp\":\"never\""), JWT_EXPIRED},
    {CLAIMS_NO_NBF(",\"nbf\":1700000060"), JWT_OK},
    {CLAIMS_NO_NBF(",\"nbf\":1700000061"), JWT_NOT_YET},
    {CLAIMS_NO_NBF(",\"nbf\":1700000059.5"), JWT_OK},
    {CLAIMS_NO_NBF(",\"nbf\":1700000060.5"), JWT_NOT_YET},
    {CLAIMS_NO_NBF(",\"nbf\":-9223372036854775808"), JWT_OK},
    {CLAIMS_NO_NBF(",\"nbf\":-1e300"), JWT_OK},
    {CLAIMS_NO_NBF(""), JWT_OK},
    {CLAIMS_NO_NBF(",\"nbf\":false"), JWT_NOT_YET},
    {CLAIMS_PLUS("\"iat\":\"whenever\""), JWT_OK}, /* iat is not read */
    {CLAIMS_PLUS("\"iat\":1e999"), JWT_MALFORMED}, /* but JSON is */
};

START_TEST(jwt_times)
{
    struct jwt j;

    ck_assert_msg(judge_claims(&POLICY, times[_i].payload, &j) ==
                      times[_i].want,
                  "%s", times[_i].payload);
}
END_TEST

START_TEST(jwt_leeway)
{
    struct jwt_policy p = POLICY;
    struct jwt j;

    p.leeway = 0;
    ck_assert_int_eq(judge_claims(&p, CLAIMS_NO_EXP(",\"exp\":1700000001"), &j),
                     JWT_OK);
    ck_assert_int_eq(judge_claims(&p, CLAIMS_NO_EXP(",\"exp\":1700000000"), &j),
                     JWT_EXPIRED);
    ck_assert_int_eq(judge_claims(&p, CLAIMS_NO_NBF(",\"nbf\":1700000001"), &j),
                     JWT_NOT_YET);
    p.leeway = -3600; /* counts as 0 */
    ck_assert_int_eq(judge_claims(&p, CLAIMS_NO_EXP(",\"exp\":1700000001"), &j),
                     JWT_OK);
    p.leeway = LLONG_MAX; /* no overflow either way */
    ck_assert_int_eq(judge_claims(&p, CLAIMS_NO_EXP(",\"exp\":0"), &j), JWT_OK);
    ck_assert_int_eq(
        judge_claims(&p, CLAIMS_NO_NBF(",\"nbf\":9223372036854775807"), &j),
        JWT_OK);
}
END_TEST

static const struct {
    const char *payload;
    enum jwt_result want;
} audiences[] = {
    {CLAIMS_NO_AUD(",\"aud\":\"" HOSTILE_AUD "\""), JWT_OK},
    {CLAIMS_NO_AUD(",\"aud\":[\"" HOSTILE_AUD "\"]"), JWT_OK},
    {CLAIMS_NO_AUD(",\"aud\":[\"x\",\"" HOSTILE_AUD "\",\"y\"]"), JWT_OK},
    {CLAIMS_NO_AUD(",\"aud\":[\"x\",\"y\"]"), JWT_AUDIENCE},
    {CLAIMS_NO_AUD(",\"aud\":[]"), JWT_AUDIENCE},
    {CLAIMS_NO_AUD(""), JWT_AUDIENCE},
    {CLAIMS_NO_AUD(",\"aud\":7"), JWT_AUDIENCE},
    {CLAIMS_NO_AUD(",\"aud\":[\"" HOSTILE_AUD "\",null]"), JWT_AUDIENCE},
    {CLAIMS_NO_AUD(",\"aud\":\"" HOSTILE_AUD " \""), JWT_AUDIENCE},
    {CLAIMS_NO_ISS(",\"iss\":\"" HOSTILE_ISS "\""), JWT_OK},
    {CLAIMS_NO_ISS(""), JWT_ISSUER},
    {CLAIMS_NO_ISS(",\"iss\":\"https://issuer.example.evil\""), JWT_ISSUER},
    {CLAIMS_NO_ISS(",\"iss\":7"), JWT_ISSUER},
};

START_TEST(jwt_issuer_audience)
{
    struct jwt j;

    ck_assert_msg(judge_claims(&POLICY, audiences[_i].payload, &j) ==
                      audiences[_i].want,
                  "%s", audiences[_i].payload);
}
END_TEST

START_TEST(jwt_policy_required)
{
    struct jwt_policy p = POLICY;
    char tok[JOSE_TOKEN_MAX];
    size_t n = make(H_RS256, GOOD_CLAIMS, RSA1, tok);
    struct jwt j;

    ck_assert_int_eq(jwt_decode(tok, n, NULL, HOSTILE_NOW, &j), JWT_INTERNAL);
    p.issuer = NULL;
    ck_assert_int_eq(jwt_decode(tok, n, &p, HOSTILE_NOW, &j), JWT_INTERNAL);
    p.issuer = "";
    ck_assert_int_eq(jwt_decode(tok, n, &p, HOSTILE_NOW, &j), JWT_INTERNAL);
    p = POLICY;
    p.audience = NULL;
    ck_assert_int_eq(jwt_decode(tok, n, &p, HOSTILE_NOW, &j), JWT_INTERNAL);
    ck_assert_int_eq(jwt_decode(NULL, 0, &POLICY, HOSTILE_NOW, &j),
                     JWT_MALFORMED);
}
END_TEST

START_TEST(jwt_user_claim)
{
    struct jwt_policy p = POLICY;
    char payload[1024], name[300];
    struct jwt j;

    /* 255 bytes is the most; UTF-8 is fine. */
    memset(name, 'u', JWT_USER_MAX);
    name[JWT_USER_MAX] = '\0';
    snprintf(payload, sizeof payload, CLAIMS_NO_SUB(",\"sub\":\"%s\""), name);
    ck_assert_int_eq(judge_claims(&POLICY, payload, &j), JWT_OK);
    ck_assert_uint_eq(j.user_len, JWT_USER_MAX);
    ck_assert_uint_eq(strlen(j.user), JWT_USER_MAX);
    ck_assert_int_eq(
        judge_claims(&POLICY, CLAIMS_NO_SUB(",\"sub\":\"J\\u00f6rg\""), &j),
        JWT_OK);
    ck_assert_str_eq(j.user, "J\xc3\xb6rg");
    /* Another claim for the user; sub is then not needed. */
    p.user_claim = "email";
    ck_assert_int_eq(
        judge_claims(&p, CLAIMS_NO_SUB(",\"email\":\"a@example.org\""), &j),
        JWT_OK);
    ck_assert_str_eq(j.user, "a@example.org");
    ck_assert_int_eq(judge_claims(&p, GOOD_CLAIMS, &j), JWT_NO_USER);
    p.user_claim = ""; /* the default */
    ck_assert_int_eq(judge_claims(&p, GOOD_CLAIMS, &j), JWT_OK);
    ck_assert_str_eq(j.user, "alice");
}
END_TEST

static const struct {
    const char *claim; /* the groups member, JSON */
    const char *want;
} groups[] = {
    {"\"groups\":[\"a\",\"b\"]", "a,b"},
    {"\"groups\":\"a b  c \"", "a,b,c"},
    {"\"groups\":\" a\"", "a"},
    {"\"groups\":[\"a,b\",\"c\",\"\",\"d\\u0001\",\"e\\tf\",7,null,\"g\"]",
     "c,g"},
    {"\"groups\":\"a,b c\"", "c"},
    {"\"groups\":[]", ""},
    {"\"groups\":\"\"", ""},
    {"\"groups\":7", ""},
    {"\"groups\":{\"a\":1}", ""},
    {"\"groups\":[[\"a\"]]", ""},
    {"\"other\":[\"a\"]", ""},
    {"\"groups\":[\"J\\u00f6rg\",\"sp ace\"]", "J\xc3\xb6rg,sp ace"},
};

START_TEST(jwt_groups_claim)
{
    char payload[512];
    struct jwt j;

    snprintf(payload, sizeof payload, CLAIMS_PLUS("%s"), groups[_i].claim);
    ck_assert_int_eq(judge_claims(&POLICY, payload, &j), JWT_OK);
    ck_assert_str_eq(j.groups, groups[_i].want);
    ck_assert_uint_eq(j.groups_len, strlen(groups[_i].want));
}
END_TEST

/* Many groups: whole names only, within JWT_GROUPS_MAX with the NUL. */
START_TEST(jwt_groups_cut)
{
    char payload[JOSE_TOKEN_MAX / 4], *p = payload;
    struct jwt_policy pol = POLICY;
    struct jwt j;
    size_t n;

    pol.groups_claim = "roles";
    p += sprintf(p, "{" C_ISS "," C_AUD "," C_SUB "," C_EXP ",\"roles\":[");
    for (int i = 0; i < 130; i++)
        p += sprintf(p, "%s\"grp%05d\"", i ? "," : "", i);
    strcpy(p, "]}");
    ck_assert_int_eq(judge_claims(&pol, payload, &j), JWT_OK);
    n = j.groups_len;
    ck_assert_uint_eq(n, strlen(j.groups));
    ck_assert_uint_lt(n, JWT_GROUPS_MAX);
    /* 8 bytes and a comma each: 113 names (1016 bytes) fit, not 114. */
    ck_assert_uint_eq(n, 113 * 9 - 1);
    ck_assert_int_eq(strncmp(j.groups + n - 8, "grp00112", 8), 0);
    /* The default claim is then not read. */
    pol.groups_claim = NULL;
    ck_assert_int_eq(judge_claims(&pol, payload, &j), JWT_OK);
    ck_assert_str_eq(j.groups, "");
}
END_TEST

/* ------------------------------------------------------ the token -- */

START_TEST(jwt_size_limit)
{
    struct jose_key k = jose_world_key(&W, "hs");
    char tok[JOSE_TOKEN_MAX];
    struct jwt j;
    size_t n;

    n = hostile_sized(H("HS256", "hs"), "HS256", &k, BEARER_TOKEN_MAX, tok,
                      sizeof tok);
    ck_assert_uint_eq(n, BEARER_TOKEN_MAX);
    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    n = hostile_sized(H("HS256", "hs"), "HS256", &k, BEARER_TOKEN_MAX + 1, tok,
                      sizeof tok);
    ck_assert_int_eq(judge(tok, n, &j), JWT_MALFORMED);
    /* Only n bytes are read: a good token inside a longer buffer. */
    n = make(H_RS256, GOOD_CLAIMS, RSA1, tok);
    memcpy(tok + n, "!!!", 4);
    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    ck_assert_int_eq(judge(tok, n + 3, &j), JWT_MALFORMED);
}
END_TEST

/* A refusal keeps only what the log may show. */
START_TEST(jwt_refusal_keeps_log_fields)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n =
        make(H_RS256, CLAIMS_NO_EXP(",\"exp\":1,\"jti\":\"id-9\""), RSA1, tok);
    struct jwt j;

    memset(&j, 0x55, sizeof j);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_EXPIRED);
    ck_assert_str_eq(j.kid, "rsa1");
    ck_assert_str_eq(j.alg, "RS256");
    ck_assert_str_eq(j.jti, "id-9");
    ck_assert_str_eq(j.user, "");
    ck_assert_str_eq(j.groups, "");
    ck_assert_uint_eq(j.sig_len, 0);
    ck_assert_ptr_null(j.signing_input.p);
    ck_assert_int_eq(jwt_verify(jwks_find(SET, &j, NULL), &j), JWT_INTERNAL);
}
END_TEST

START_TEST(jwt_jti_cut)
{
    char payload[1024], jti[300];
    struct jwt j;

    memset(jti, 'j', 299);
    jti[299] = '\0';
    snprintf(payload, sizeof payload, CLAIMS_PLUS("\"jti\":\"%s\""), jti);
    ck_assert_int_eq(judge_claims(&POLICY, payload, &j), JWT_OK);
    ck_assert_uint_eq(strlen(j.jti), JWT_JTI_MAX);
    ck_assert_int_eq(j.jti[0], 'j');
}
END_TEST

START_TEST(jwt_clear_wipes)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n = make(H_RS256, GOOD_CLAIMS, RSA1, tok);
    unsigned char zero[sizeof(struct jwt)] = {0};
    struct jwt j;

    ck_assert_int_eq(judge(tok, n, &j), JWT_OK);
    jwt_clear(&j);
    ck_assert_mem_eq(&j, zero, sizeof j);
    jwt_clear(NULL);
}
END_TEST

START_TEST(jwt_verify_misuse)
{
    char tok[JOSE_TOKEN_MAX];
    size_t n = make(H("ES256", "ec256"), GOOD_CLAIMS, "ec256", "ES256", tok);
    struct jwt j, other;
    const struct jwk *ec, *rsa;

    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j), JWT_OK);
    ec = jwks_find(SET, &j, NULL);
    ck_assert_ptr_nonnull(ec);
    n = make(H_RS256, GOOD_CLAIMS, RSA1, tok);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &other), JWT_OK);
    rsa = jwks_find(SET, &other, NULL);
    ck_assert_ptr_nonnull(rsa);
    /* A key that does not fit the token's alg is the caller's mistake. */
    ck_assert_int_eq(jwt_verify(rsa, &j), JWT_INTERNAL);
    ck_assert_int_eq(jwt_verify(ec, &other), JWT_INTERNAL);
    ck_assert_int_eq(jwt_verify(NULL, &j), JWT_INTERNAL);
    ck_assert_int_eq(jwt_verify(ec, NULL), JWT_INTERNAL);
    ck_assert_ptr_null(jwks_find(NULL, &j, NULL));
    ck_assert_ptr_null(jwks_find(SET, NULL, NULL));
    ck_assert_ptr_null(jwk_id(NULL));
}
END_TEST

static const struct {
    enum jwt_result r;
    const char *text, *name;
} results[] = {
    {JWT_OK, "ok", "ok"},
    {JWT_MALFORMED, "malformed token", "malformed"},
    {JWT_ALG, "algorithm not allowed", "alg"},
    {JWT_CRIT, "unknown critical header", "crit"},
    {JWT_NO_KEY, "no key for this token", "no_key"},
    {JWT_BAD_SIGNATURE, "bad signature", "bad_signature"},
    {JWT_EXPIRED, "token expired", "expired"},
    {JWT_NOT_YET, "token not yet valid", "not_yet_valid"},
    {JWT_ISSUER, "wrong issuer", "issuer"},
    {JWT_AUDIENCE, "wrong audience", "audience"},
    {JWT_NO_USER, "no user in token", "no_user"},
    {JWT_INTERNAL, "internal error", "internal"},
};

START_TEST(jwt_result_texts)
{
    const char *t = jwt_result_text(results[_i].r);

    ck_assert_str_eq(t, results[_i].text);
    ck_assert_str_eq(jwt_result_name(results[_i].r), results[_i].name);
    /* Usable inside a quoted error_description (RFC 6750 3). */
    ck_assert_ptr_null(strpbrk(t, "\"\\"));
    ck_assert_str_eq(jwt_result_text((enum jwt_result)99), "internal error");
    ck_assert_str_eq(jwt_result_name((enum jwt_result) - 1), "internal");
}
END_TEST

/* --------------------------------------------------------- threads -- */

struct worker {
    char tok[4][JOSE_TOKEN_MAX];
    size_t n[4];
    int ok;
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;

    for (int round = 0; round < 25; round++)
        for (int t = 0; t < 4; t++) {
            struct jwt j;

            if (judge(w->tok[t], w->n[t], &j) == JWT_OK)
                w->ok++;
        }
    return NULL;
}

/* One set, four threads verifying at once (run it under TSan too). */
START_TEST(jwt_set_shared_by_threads)
{
    static struct worker ws[4];
    pthread_t th[4];

    for (int i = 0; i < 4; i++) {
        ws[i].n[0] = make(H_RS256, GOOD_CLAIMS, RSA1, ws[i].tok[0]);
        ws[i].n[1] = make(H("ES256", "ec256"), GOOD_CLAIMS, "ec256", "ES256",
                          ws[i].tok[1]);
        ws[i].n[2] =
            make(H("EdDSA", "ed"), GOOD_CLAIMS, "ed", "EdDSA", ws[i].tok[2]);
        ws[i].n[3] =
            make(H("HS256", "hs"), GOOD_CLAIMS, "hs", "HS256", ws[i].tok[3]);
        ws[i].ok = 0;
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_run, &ws[i]), 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(ws[i].ok, 100);
    }
}
END_TEST

/* ------------------------------------------------------- JWK Sets -- */

START_TEST(jwks_world_set)
{
    int e;

    ck_assert_ptr_nonnull(SET);
    /* rsa1 rsa2 ec256 ec384 ec521 ed hs hs32; not rsa-short, enc, dup. */
    ck_assert_uint_eq(jwks_count(SET), 8);
    ck_assert_uint_eq(SET_DIAG.errors, 0);
    ck_assert(said(&SET_DIAG, "key 2 (kid \"rsa-short\") skipped: RSA key of "
                              "1024 bits"));
    ck_assert(said(&SET_DIAG, "key 9 (kid \"enc\") skipped: use \"enc\""));
    ck_assert(said(&SET_DIAG, "key 11 has the kid of key 10: neither is used"));
    e = testutil_capture_find(&SET_DIAG, LOGL_INFO);
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(SET_DIAG.d[e].file, "world.json");
    ck_assert_uint_eq(jwks_count(NULL), 0);
    jwks_free(NULL);
}
END_TEST

/* One key that must be skipped, and what the warning says. */
static const struct {
    const char *key;
    const char *why;
} skipped[] = {
    {"\"x\"", "not a JSON object"},
    {"{}", "no kty"},
    {"{\"kty\":\"XYZ\"}", "kty \"XYZ\" not supported"},
    {"{\"kty\":\"rsa\"}", "kty \"rsa\" not supported"},
    {"{\"kty\":7}", "kty (not a string)"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"use\":\"enc\"}", "use \"enc\""},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"use\":\"SIG\"}", "use \"SIG\""},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"key_ops\":[\"sign\"]}", "key_ops"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"key_ops\":\"verify\"}", "key_ops"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"alg\":\"HS512\"}", "does not fit"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"alg\":\"RS256\"}", "does not fit"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"alg\":\"none\"}", "alg \"none\""},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"alg\":\"A128KW\"}", "alg \"A128KW\""},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"kid\":7}", "kid is not a string"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"kid\":\"\"}", "kid is not a string"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@\",\"kid\":\"a\\nb\"}",
     "kid is not a string"},
    {"{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
     "oct key of 16 bytes"},
    {"{\"kty\":\"oct\",\"k\":\"\"}", "\"k\" is empty or not base64url"},
    {"{\"kty\":\"oct\",\"k\":\"@K32@=\"}", "\"k\" is empty or not base64url"},
    {"{\"kty\":\"oct\"}", "no \"k\" string"},
    {"@RSA_SHORT@", "RSA key of 1024 bits"},
    {"@RSA_E2@", "not a valid RSA public key"},
    {"@RSA_NO_N@", "no \"n\" string"},
    {"@RSA_N_STD@", "\"n\" is empty or not base64url"},
    {"@RSA_ES256@", "does not fit"},
    {"@EC_OFF_CURVE@", "not a point of P-256"},
    {"@EC_X31@", "\"x\" is 31 bytes, not 32"},
    {"@EC_P384_AS_P256@", "\"x\" longer than 32 bytes"},
    {"@EC_P384_ES256@", "does not fit"},
    {"{\"kty\":\"EC\",\"crv\":\"P-192\"}", "crv \"P-192\" not supported"},
    {"{\"kty\":\"EC\",\"crv\":\"secp256k1\"}", "crv \"secp256k1\""},
    {"{\"kty\":\"EC\"}", "no \"crv\" string"},
    {"{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"AAAA\"}", "crv \"Ed448\""},
    {"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}", "crv \"X25519\""},
    {"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}",
     "\"x\" is 3 bytes, not 32"},
    {"@ED_ES256@", "does not fit"},
};

/* s with @NAME@ replaced by keys made from the world's. */
static void
skipped_key(const char *s, char *out, size_t cap)
{
    unsigned char x[66], y[66], k32[32];
    char b[JOSE_JWK_MAX], *p;

    memset(k32, 0x42, sizeof k32);
    jose_ec_xy(W.ec256, x, y, 32);
    if (strcmp(s, "@RSA_SHORT@") == 0)
        jose_jwk(W.rsa_short, "", out, cap);
    else if (strcmp(s, "@RSA_E2@") == 0) {
        jose_jwk(W.rsa1, "", out, cap);
        p = strstr(out, "\"e\":\"");
        strcpy(p, "\"e\":\"Ag\"}");
    } else if (strcmp(s, "@RSA_NO_N@") == 0)
        snprintf(out, cap, "{\"kty\":\"RSA\",\"e\":\"AQAB\"}");
    else if (strcmp(s, "@RSA_N_STD@") == 0)
        snprintf(out, cap, "{\"kty\":\"RSA\",\"n\":\"ab+/\",\"e\":\"AQAB\"}");
    else if (strcmp(s, "@RSA_ES256@") == 0)
        jose_jwk(W.rsa1, "\"alg\":\"ES256\"", out, cap);
    else if (strcmp(s, "@EC_OFF_CURVE@") == 0) {
        y[31] ^= 1;
        jose_jwk_ec_xy("P-256", x, y, 32, "", out, cap);
    } else if (strcmp(s, "@EC_X31@") == 0)
        jose_jwk_ec_xy("P-256", x + 1, y + 1, 31, "", out, cap);
    else if (strcmp(s, "@EC_P384_AS_P256@") == 0) {
        jose_jwk(W.ec384, "", b, sizeof b);
        p = strstr(b, "P-384");
        memcpy(p, "P-256", 5);
        snprintf(out, cap, "%s", b);
    } else if (strcmp(s, "@EC_P384_ES256@") == 0)
        jose_jwk(W.ec384, "\"alg\":\"ES256\"", out, cap);
    else if (strcmp(s, "@ED_ES256@") == 0)
        jose_jwk(W.ed, "\"alg\":\"ES256\"", out, cap);
    else {
        char kb[64];

        jose_b64url(k32, sizeof k32, kb, sizeof kb);
        snprintf(out, cap, "%s", s);
        p = strstr(out, "@K32@");
        if (p != NULL) {
            memmove(p + strlen(kb), p + 5, strlen(p + 5) + 1);
            memcpy(p, kb, strlen(kb));
        }
    }
}

START_TEST(jwks_key_skipped)
{
    char key[JOSE_JWK_MAX], set[JOSE_JWK_MAX + 64];
    struct testutil_capture c;
    struct jwks *s;

    skipped_key(skipped[_i].key, key, sizeof key);
    snprintf(set, sizeof set, "{\"keys\":[%s]}", key);
    s = parse_set(set, &c);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(jwks_count(s), 0);
    ck_assert_uint_eq(c.errors, 0);
    ck_assert_msg(said(&c, "key 0") && said(&c, skipped[_i].why), "%s: %s",
                  skipped[_i].key, c.n ? c.d[0].msg : "(nothing said)");
    ck_assert(said(&c, "no usable key"));
    jwks_free(s);
}
END_TEST

START_TEST(jwks_not_a_set)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":\"x\"}",
        "{\"keys\":[],\"keys\":[]}",
        "{\"keys\":[]}x",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"a\",\"k\":\"b\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\\u0000\"}]}",
        "\xef\xbb\xbf{\"keys\":[]}",
    };
    struct testutil_capture c;

    for (int i = 0; i < NELEM(bad); i++) {
        ck_assert_msg(parse_set(bad[i], &c) == NULL, "%s", bad[i]);
        ck_assert_uint_ge(c.errors, 1);
        ck_assert_str_eq(c.d[0].file, "set.json");
    }
    ck_assert_ptr_null(jwks_parse("set.json", NULL, 0, NULL, NULL));
}
END_TEST

/* No diagnostic shows an oct secret, even around a JSON error. */
START_TEST(jwks_secret_never_shown)
{
    static const char *const sets[] = {
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":c2VjcmV0c2VjcmV0}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0\" \"x\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0",
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0\",\"kid\":7}]}",
        ("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0\",\"alg\":"
         "\"HS9\"}]}"),
    };
    struct testutil_capture c;

    for (int i = 0; i < NELEM(sets); i++) {
        jwks_free(parse_set(sets[i], &c));
        ck_assert_uint_ge(c.n, 1);
        for (size_t m = 0; m < c.n; m++) {
            ck_assert_ptr_null(strstr(c.d[m].msg, "c2VjcmV0"));
            ck_assert_ptr_null(strstr(c.d[m].msg, "secret"));
        }
    }
}
END_TEST

START_TEST(jwks_private_parts_warned)
{
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi"};
    char key[JOSE_JWK_MAX], set[JOSE_JWK_MAX + 64], m[32];
    struct testutil_capture c;
    struct jwks *s;

    for (int i = 0; i < NELEM(priv); i++) {
        snprintf(m, sizeof m, "\"kid\":\"r\",\"%s\":\"AQAB\"", priv[i]);
        jose_jwk(W.rsa1, m, key, sizeof key);
        snprintf(set, sizeof set, "{\"keys\":[%s]}", key);
        s = parse_set(set, &c);
        ck_assert_uint_eq(jwks_count(s), 1);
        ck_assert(said(&c, "key 0 (kid \"r\") has private parts; only the "
                           "public key is used"));
        jwks_free(s);
    }
    jose_jwk(W.ec256, "\"d\":\"AQAB\"", key, sizeof key);
    snprintf(set, sizeof set, "{\"keys\":[%s]}", key);
    s = parse_set(set, &c);
    ck_assert_uint_eq(jwks_count(s), 1);
    ck_assert(said(&c, "key 0 has private parts"));
    jwks_free(s);
    /* An oct key's k is its secret, not a private part. */
    s = parse_set("{\"keys\":[{\"kty\":\"oct\",\"d\":\"x\",\"k\":\""
                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}",
                  &c);
    ck_assert_uint_eq(jwks_count(s), 1);
    ck_assert_uint_eq(c.n, 0);
    jwks_free(s);
}
END_TEST

/* The id names the material: not the kid, alg or use. */
START_TEST(jwks_key_ids)
{
    char a[JOSE_JWK_MAX], b[JOSE_JWK_MAX], set[3 * JOSE_JWK_MAX];
    struct testutil_capture c;
    struct jwks *s1, *s2;
    struct jwt j1, j2, j3;
    const unsigned char *i1, *i2, *i3;
    char tok[JOSE_TOKEN_MAX];
    size_t n;

    jose_jwk(W.rsa1, "\"kid\":\"one\"", a, sizeof a);
    jose_jwk(W.rsa2, "\"kid\":\"two\"", b, sizeof b);
    snprintf(set, sizeof set, "{\"keys\":[%s,%s]}", a, b);
    s1 = parse_set(set, &c);
    jose_jwk(W.rsa1, "\"kid\":\"two\",\"use\":\"sig\",\"alg\":\"RS256\"", a,
             sizeof a);
    snprintf(set, sizeof set, "{\"keys\":[%s]}", a);
    s2 = parse_set(set, &c);
    ck_assert_ptr_nonnull(s1);
    ck_assert_ptr_nonnull(s2);
    n = make(H("RS256", "one"), GOOD_CLAIMS, RSA1, tok);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j1), JWT_OK);
    n = make(H("RS256", "two"), GOOD_CLAIMS, RSA1, tok);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j2), JWT_OK);
    ck_assert_int_eq(jwt_decode(tok, n, &POLICY, HOSTILE_NOW, &j3), JWT_OK);
    i1 = jwk_id(jwks_find(s1, &j1, NULL));
    i2 = jwk_id(jwks_find(s1, &j2, NULL)); /* rsa2 */
    i3 = jwk_id(jwks_find(s2, &j3, NULL)); /* rsa1 again, kid "two" */
    ck_assert_ptr_nonnull(i1);
    ck_assert_ptr_nonnull(i2);
    ck_assert_ptr_nonnull(i3);
    ck_assert_mem_eq(i1, i3, 32);
    ck_assert_int_ne(memcmp(i1, i2, 32), 0);
    jwks_free(s1);
    jwks_free(s2);
}
END_TEST

START_TEST(jwks_many_keys)
{
    static char set[300 * 96 + 32];
    struct testutil_capture c;
    struct jwks *s;
    size_t n = (size_t)sprintf(set, "{\"keys\":[");

    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(set + n,
                             "%s{\"kty\":\"oct\",\"kid\":\"k%d\","
                             "\"k\":\"%042dA\"}",
                             i ? "," : "", i, i);
    strcpy(set + n, "]}");
    s = parse_set(set, &c);
    ck_assert_uint_eq(jwks_count(s), 256);
    ck_assert(said(&c, "300 keys: only the first 256 are read"));
    jwks_free(s);
}
END_TEST

START_TEST(jwks_load_file)
{
    struct testutil_capture c = {0};
    char path[256];
    struct jwks *s;
    char *big;

    testutil_tmpdir("check_jwt");
    snprintf(path, sizeof path, "%s",
             testutil_write_file_n("jwks.json", W.jwks, W.jwks_len));
    s = jwks_load(path, testutil_capture_diag, &c);
    ck_assert_uint_eq(jwks_count(s), 8);
    jwks_free(s);
    testutil_make_refusal(path, sizeof path, "missing", NULL, 0, 0);
    memset(&c, 0, sizeof c);
    ck_assert_ptr_null(jwks_load(path, testutil_capture_diag, &c));
    testutil_assert_load_error(&c, path, "cannot open", 0);
    testutil_make_refusal(path, sizeof path, "dir", NULL, 0, 0);
    ck_assert_ptr_null(jwks_load(path, NULL, NULL));
    big = malloc((1 << 20) + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', (1 << 20) + 1);
    memcpy(big, "{\"keys\":[]}", 11);
    snprintf(path, sizeof path, "%s",
             testutil_write_file_n("big.json", big, (1 << 20) + 1));
    memset(&c, 0, sizeof c);
    ck_assert_ptr_null(jwks_load(path, testutil_capture_diag, &c));
    testutil_assert_load_error(&c, path, "larger than", 0);
    snprintf(path, sizeof path, "%s",
             testutil_write_file_n("max.json", big, 1 << 20));
    s = jwks_load(path, NULL, NULL);
    ck_assert_ptr_nonnull(s);
    jwks_free(s);
    free(big);
    testutil_cleanup();
}
END_TEST

/* ---------------------------------------------------------- seeds -- */

static void
seed(const char *dir, const char *name, const char *data, size_t n)
{
    char path[512];
    FILE *f;

    /* Before the runner starts: no ck_assert here. */
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    JOSE_CHECK(f != NULL && fwrite(data, 1, n, f) == n && fclose(f) == 0);
}

/* Tokens that verify under the fuzz target's fixed keys, and sets. */
static void
seeds_fixed(const char *dir)
{
    static const struct {
        const char *name, *header, *alg;
        int key; /* 0 ed, 1 ec, 2 hs */
    } t[] = {
        {"ok_fixed_eddsa", "{\"alg\":\"EdDSA\",\"kid\":\"fz-ed\"}", "EdDSA", 0},
        {"ok_fixed_es256", "{\"alg\":\"ES256\",\"kid\":\"fz-ec\"}", "ES256", 1},
        {"ok_fixed_hs256", "{\"alg\":\"HS256\",\"kid\":\"fz-hs\"}", "HS256", 2},
        {"ok_fixed_nokid", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\"}", "EdDSA",
         0},
    };
    struct jose_fixed f;
    char tok[JOSE_TOKEN_MAX];

    jose_fixed_init(&f);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct jose_key k = {t[i].key == 0 ? f.ed : f.ec, f.hs, sizeof f.hs};

        if (t[i].key == 2)
            k.pkey = NULL;
        seed(dir, t[i].name, tok,
             jose_token(t[i].header, GOOD_CLAIMS, t[i].alg, &k, tok,
                        sizeof tok));
    }
    seed(dir, "jwks_fixed", tok, jose_fixed_jwks(&f, tok, sizeof tok));
    jose_fixed_free(&f);
}

static void
write_seeds(const char *dir)
{
    char tok[JOSE_TOKEN_MAX], name[64];

    for (size_t i = 0; i < HOSTILE_COUNT; i++) {
        size_t n = hostile_build(&W, &hostile_cases[i], tok, sizeof tok);

        seed(dir, hostile_cases[i].name, tok, n);
    }
    for (int i = 0; i < NELEM(algs); i++) {
        snprintf(name, sizeof name, "ok_%s_%s", algs[i].alg, algs[i].kid);
        seed(dir, name, tok, alg_token(i, GOOD_CLAIMS, tok));
    }
    seed(dir, "jwks_world", W.jwks, W.jwks_len);
    seeds_fixed(dir);
    printf("check_jwt: %zu hostile cases and seeds written to %s\n",
           HOSTILE_COUNT, dir);
}

/* ----------------------------------------------------------- main -- */

static void
add_loop(TCase *tc, const TTest *t, int n)
{
    tcase_add_loop_test(tc, t, 0, n);
}

int
main(void)
{
    Suite *s = suite_create("jwt");
    TCase *tc = tcase_create("tokens"), *tk = tcase_create("sets");
    const char *seeds = getenv("JWT_SEED_DIR");
    int rc;

    jose_world_init(&W);
    SET = jwks_parse("world.json", W.jwks, W.jwks_len, testutil_capture_diag,
                     &SET_DIAG);
    if (seeds != NULL)
        write_seeds(seeds);
    /* valgrind and sanitizers make RSA slow; the tests are not timings. */
    tcase_set_timeout(tc, 120);
    tcase_set_timeout(tk, 120);
    add_loop(tc, jwt_each_alg_verifies, NELEM(algs));
    add_loop(tc, jwt_each_alg_tampered, NELEM(algs));
    add_loop(tc, jwt_no_kid_single_fit, NELEM(nokid));
    add_loop(tc, jwt_hostile_corpus, (int)HOSTILE_COUNT);
    tcase_add_test(tc, jwt_hostile_corpus_size);
    tcase_add_test(tc, jwt_alg_none_every_spelling);
    tcase_add_test(tc, jwt_hmac_with_rsa_public_key);
    add_loop(tc, jwt_ecdsa_lengths_and_zero, NELEM(es));
    tcase_add_test(tc, jwt_typ_b64_accepted);
    tcase_add_test(tc, jwt_kid_cut_for_the_log);
    add_loop(tc, jwt_times, NELEM(times));
    tcase_add_test(tc, jwt_leeway);
    add_loop(tc, jwt_issuer_audience, NELEM(audiences));
    tcase_add_test(tc, jwt_policy_required);
    tcase_add_test(tc, jwt_user_claim);
    add_loop(tc, jwt_groups_claim, NELEM(groups));
    tcase_add_test(tc, jwt_groups_cut);
    tcase_add_test(tc, jwt_size_limit);
    tcase_add_test(tc, jwt_refusal_keeps_log_fields);
    tcase_add_test(tc, jwt_jti_cut);
    tcase_add_test(tc, jwt_clear_wipes);
    tcase_add_test(tc, jwt_verify_misuse);
    add_loop(tc, jwt_result_texts, NELEM(results));
    tcase_add_test(tc, jwt_set_shared_by_threads);
    tcase_add_test(tk, jwks_world_set);
    add_loop(tk, jwks_key_skipped, NELEM(skipped));
    tcase_add_test(tk, jwks_not_a_set);
    tcase_add_test(tk, jwks_secret_never_shown);
    tcase_add_test(tk, jwks_private_parts_warned);
    tcase_add_test(tk, jwks_key_ids);
    tcase_add_test(tk, jwks_many_keys);
    tcase_add_test(tk, jwks_load_file);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tk);
    rc = testutil_run(s);
    jwks_free(SET);
    jose_world_free(&W);
    return rc;
}
