/*
 * jose: the signing side of JOSE, for the tests, the fuzz target and the
 * bench only (the daemon never signs): base64url, keys made with OpenSSL,
 * their JWKs, and compact tokens signed with every algorithm jwt.c
 * verifies, plus a few ways of signing it must refuse. Header-only
 * (static inline, like tests/fuzz/fuzz.h) so that check_jwt, fuzz_jwt
 * and bench/jwt_bench need no extra sources.
 *
 * Failures are the test's own (a key that cannot be made, a buffer too
 * small): they abort with a message.
 */
#ifndef FCGI_AUTHD_TESTS_JOSE_H
#define FCGI_AUTHD_TESTS_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Room for any token or JWK the tests build (tokens go past 4096). */
#define JOSE_TOKEN_MAX 16384
#define JOSE_JWK_MAX   4096
#define JOSE_SIG_MAX   2048

__attribute__((noreturn)) static inline void
jose_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: jose: %s\n", file, line, what);
    abort();
}

#define JOSE_CHECK(c)                                                          \
    do {                                                                       \
        if (!(c))                                                              \
            jose_fail(__FILE__, __LINE__, #c);                                 \
    } while (0)

/* ------------------------------------------------------ base64url -- */

/* in[0..n) as unpadded base64url into out, NUL-terminated; its length. */
static inline size_t
jose_b64url(const void *in, size_t n, char *out, size_t cap)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = in;
    size_t o = 0, i;

    JOSE_CHECK((n + 2) / 3 * 4 + 1 <= cap);
    for (i = 0; i + 3 <= n; i += 3) {
        unsigned long v =
            (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];

        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        out[o++] = a[p[i] >> 2];
        out[o++] = a[(p[i] & 3) << 4];
    } else if (n - i == 2) {
        out[o++] = a[p[i] >> 2];
        out[o++] = a[(p[i] & 3) << 4 | p[i + 1] >> 4];
        out[o++] = a[(p[i + 1] & 15) << 2];
    }
    out[o] = '\0';
    return o;
}

/* ----------------------------------------------------------- keys -- */

static inline EVP_PKEY *
jose_gen_rsa(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);

    JOSE_CHECK(k != NULL);
    return k;
}

/* crv: "P-256", "P-384" or "P-521". */
static inline EVP_PKEY *
jose_gen_ec(const char *crv)
{
    EVP_PKEY *k = EVP_EC_gen(crv);

    JOSE_CHECK(k != NULL);
    return k;
}

static inline EVP_PKEY *
jose_gen_ed25519(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    JOSE_CHECK(k != NULL);
    return k;
}

/* The width of a coordinate of k's curve (32, 48, 66) and its JWK name. */
static inline size_t
jose_ec_width(EVP_PKEY *k, const char **crv)
{
    switch (EVP_PKEY_get_bits(k)) {
    case 256:
        *crv = "P-256";
        return 32;
    case 384:
        *crv = "P-384";
        return 48;
    case 521:
        *crv = "P-521";
        return 66;
    }
    jose_fail(__FILE__, __LINE__, "not a JOSE curve");
}

/* A BIGNUM as base64url: exactly w bytes (w 0: its minimal length). */
static inline void
jose_bn_b64(const BIGNUM *bn, size_t w, char *out, size_t cap)
{
    unsigned char buf[1100];
    int n;

    if (w == 0)
        n = BN_bn2bin(bn, buf);
    else
        n = BN_bn2binpad(bn, buf, (int)w);
    JOSE_CHECK(n > 0 && (size_t)n <= sizeof buf);
    jose_b64url(buf, (size_t)n, out, cap);
}

/* `"m":1` becomes `,"m":1` in a JSON object; "" stays "". */
static inline const char *
jose_sep(const char *members)
{
    return members != NULL && members[0] != '\0' ? "," : "";
}

/* An EC JWK from raw coordinates (so a test can move the point). */
static inline size_t
jose_jwk_ec_xy(const char *crv, const unsigned char *x, const unsigned char *y,
               size_t w, const char *members, char *out, size_t cap)
{
    char bx[128], by[128];
    int n;

    jose_b64url(x, w, bx, sizeof bx);
    jose_b64url(y, w, by, sizeof by);
    n = snprintf(out, cap,
                 "{\"kty\":\"EC\",\"crv\":\"%s\"%s%s,\"x\":\"%s\","
                 "\"y\":\"%s\"}",
                 crv, jose_sep(members), members ? members : "", bx, by);
    JOSE_CHECK(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/* The public coordinates of an EC key, each w bytes. */
static inline void
jose_ec_xy(EVP_PKEY *k, unsigned char *x, unsigned char *y, size_t w)
{
    BIGNUM *bx = NULL, *by = NULL;

    JOSE_CHECK(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &bx));
    JOSE_CHECK(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &by));
    JOSE_CHECK(BN_bn2binpad(bx, x, (int)w) == (int)w);
    JOSE_CHECK(BN_bn2binpad(by, y, (int)w) == (int)w);
    BN_free(bx);
    BN_free(by);
}

static inline size_t
jose_jwk_rsa(EVP_PKEY *k, const char *members, char *out, size_t cap)
{
    BIGNUM *n = NULL, *e = NULL;
    char bn[1400], be[64];
    int len;

    JOSE_CHECK(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n));
    JOSE_CHECK(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e));
    jose_bn_b64(n, 0, bn, sizeof bn);
    jose_bn_b64(e, 0, be, sizeof be);
    BN_free(n);
    BN_free(e);
    len = snprintf(out, cap, "{\"kty\":\"RSA\"%s%s,\"n\":\"%s\",\"e\":\"%s\"}",
                   jose_sep(members), members ? members : "", bn, be);
    JOSE_CHECK(len > 0 && (size_t)len < cap);
    return (size_t)len;
}

/*
 * The public JWK of k (RSA, EC or Ed25519) into out: kty (and crv), then
 * members (extra JSON members such as "\"kid\":\"a\"", or ""), then the
 * public parameters. Returns the length.
 */
static inline size_t
jose_jwk(EVP_PKEY *k, const char *members, char *out, size_t cap)
{
    unsigned char x[66], y[66], raw[32];
    size_t w, rawlen = sizeof raw;
    const char *crv;
    char bx[64];
    int n;

    if (EVP_PKEY_is_a(k, "RSA"))
        return jose_jwk_rsa(k, members, out, cap);
    if (EVP_PKEY_is_a(k, "EC")) {
        w = jose_ec_width(k, &crv);
        jose_ec_xy(k, x, y, w);
        return jose_jwk_ec_xy(crv, x, y, w, members, out, cap);
    }
    JOSE_CHECK(EVP_PKEY_is_a(k, "ED25519"));
    JOSE_CHECK(EVP_PKEY_get_raw_public_key(k, raw, &rawlen) == 1);
    jose_b64url(raw, rawlen, bx, sizeof bx);
    n = snprintf(out, cap,
                 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"%s%s,\"x\":\"%s\"}",
                 jose_sep(members), members ? members : "", bx);
    JOSE_CHECK(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

static inline size_t
jose_jwk_oct(const unsigned char *secret, size_t len, const char *members,
             char *out, size_t cap)
{
    char bk[1400];
    int n;

    jose_b64url(secret, len, bk, sizeof bk);
    n = snprintf(out, cap, "{\"kty\":\"oct\"%s%s,\"k\":\"%s\"}",
                 jose_sep(members), members ? members : "", bk);
    JOSE_CHECK(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/* -------------------------------------------------------- signing -- */

/* What signs: a key pair, or an HMAC secret. */
struct jose_key {
    EVP_PKEY *pkey;
    const unsigned char *secret;
    size_t secret_len;
};

static inline const EVP_MD *
jose_md(const char *alg)
{
    if (strstr(alg, "384") != NULL)
        return EVP_sha384();
    if (strstr(alg, "512") != NULL)
        return EVP_sha512();
    return EVP_sha256();
}

/* ECDSA's DER signature as JOSE's R || S, each w bytes. */
static inline size_t
jose_der_to_raw(const unsigned char *der, size_t n, size_t w,
                unsigned char *out, size_t cap)
{
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)n);

    JOSE_CHECK(s != NULL && 2 * w <= cap);
    JOSE_CHECK(BN_bn2binpad(ECDSA_SIG_get0_r(s), out, (int)w) == (int)w);
    JOSE_CHECK(BN_bn2binpad(ECDSA_SIG_get0_s(s), out + w, (int)w) == (int)w);
    ECDSA_SIG_free(s);
    return 2 * w;
}

/* RSA, ECDSA (as DER) and EdDSA signatures through EVP_DigestSign. */
static inline size_t
jose_sign_pkey(const char *alg, EVP_PKEY *k, const void *in, size_t n,
               unsigned char *sig, size_t cap)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    bool ed = strcmp(alg, "EdDSA") == 0;
    const EVP_MD *md = ed ? NULL : jose_md(alg);
    size_t len = cap;

    JOSE_CHECK(mc != NULL);
    JOSE_CHECK(EVP_DigestSignInit(mc, &pc, md, NULL, k) == 1);
    if (alg[0] == 'P') {
        /* "PS256-S0": a salt of 0 bytes, which RFC 7518 3.5 forbids. */
        int salt = strstr(alg, "-S0") ? 0 : RSA_PSS_SALTLEN_DIGEST;

        JOSE_CHECK(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0);
        JOSE_CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) > 0);
        JOSE_CHECK(EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) > 0);
    }
    JOSE_CHECK(EVP_DigestSign(mc, sig, &len, in, n) == 1);
    EVP_MD_CTX_free(mc);
    return len;
}

/*
 * Sign in[0..n) as alg with k into sig; returns the length. alg is a JWS
 * alg, or one of the test's wrong ways: "PS256-S0" (PSS with no salt),
 * "ES256-DER" (ECDSA left in DER, as RFC 7518 3.4 says not to).
 */
static inline size_t
jose_sign(const char *alg, const struct jose_key *k, const void *in, size_t n,
          unsigned char *sig, size_t cap)
{
    unsigned char der[256];
    unsigned taglen = 0;
    const char *crv;
    size_t len;

    if (alg[0] == 'H') {
        JOSE_CHECK(cap >= EVP_MAX_MD_SIZE);
        JOSE_CHECK(HMAC(jose_md(alg), k->secret, (int)k->secret_len, in, n, sig,
                        &taglen) != NULL);
        return taglen;
    }
    JOSE_CHECK(k->pkey != NULL);
    if (alg[0] != 'E' || strcmp(alg, "EdDSA") == 0)
        return jose_sign_pkey(alg, k->pkey, in, n, sig, cap);
    len = jose_sign_pkey(alg, k->pkey, in, n, der, sizeof der);
    if (strstr(alg, "-DER") != NULL) {
        JOSE_CHECK(len <= cap);
        memcpy(sig, der, len);
        return len;
    }
    return jose_der_to_raw(der, len, jose_ec_width(k->pkey, &crv), sig, cap);
}

/* ---------------------------------------------------------- tokens -- */

/* b64url(header) "." b64url(payload) into out; its length. */
static inline size_t
jose_signing_input(const char *header, size_t hlen, const char *payload,
                   size_t plen, char *out, size_t cap)
{
    size_t n = jose_b64url(header, hlen, out, cap);

    JOSE_CHECK(n + 2 < cap);
    out[n++] = '.';
    return n + jose_b64url(payload, plen, out + n, cap - n);
}

/* signing input "." b64url(sig): the token, NUL-terminated; its length. */
static inline size_t
jose_token_sig(const char *header, const char *payload,
               const unsigned char *sig, size_t siglen, char *out, size_t cap)
{
    size_t n = jose_signing_input(header, strlen(header), payload,
                                  strlen(payload), out, cap);

    JOSE_CHECK(n + 2 < cap);
    out[n++] = '.';
    return n + jose_b64url(sig, siglen, out + n, cap - n);
}

/*
 * The compact JWS of the JSON texts header and payload, signed as alg
 * with k (alg NULL: an empty signature). Returns the length.
 */
static inline size_t
jose_token(const char *header, const char *payload, const char *alg,
           const struct jose_key *k, char *out, size_t cap)
{
    unsigned char sig[JOSE_SIG_MAX] = {0};
    size_t n = jose_signing_input(header, strlen(header), payload,
                                  strlen(payload), out, cap);
    size_t siglen = 0;

    if (alg != NULL)
        siglen = jose_sign(alg, k, out, n, sig, sizeof sig);
    JOSE_CHECK(n + 2 < cap);
    out[n++] = '.';
    return n + jose_b64url(sig, siglen, out + n, cap - n);
}

/* ---------------------------------------------------- fixed keys -- */

/*
 * Keys that are the same in every run (made from fixed private values),
 * for the fuzz target and its seeds: tokens signed with them verify in
 * the fuzzer, so mutations reach the claims of a good token. Test keys
 * only: anyone can read them here.
 */
struct jose_fixed {
    EVP_PKEY *ed;         /* Ed25519, kid "fz-ed" */
    EVP_PKEY *ec;         /* P-256, kid "fz-ec" */
    unsigned char hs[32]; /* kid "fz-hs" */
};

static inline EVP_PKEY *
jose_fixed_ec(const unsigned char d[32])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *q = g != NULL ? EC_POINT_new(g) : NULL;
    BIGNUM *bd = BN_bin2bn(d, 32, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    unsigned char pub[65];

    JOSE_CHECK(q != NULL && bd != NULL && bld != NULL && ctx != NULL);
    JOSE_CHECK(EC_POINT_mul(g, q, bd, NULL, NULL, NULL) == 1);
    JOSE_CHECK(EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub,
                                  sizeof pub, NULL) == sizeof pub);
    JOSE_CHECK(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                               "prime256v1", 0));
    JOSE_CHECK(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd));
    JOSE_CHECK(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                pub, sizeof pub));
    params = OSSL_PARAM_BLD_to_param(bld);
    JOSE_CHECK(params != NULL && EVP_PKEY_fromdata_init(ctx) == 1);
    JOSE_CHECK(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) == 1);
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bd);
    EC_POINT_free(q);
    EC_GROUP_free(g);
    return k;
}

static inline void
jose_fixed_init(struct jose_fixed *f)
{
    unsigned char seed[32], d[32];

    for (unsigned i = 0; i < 32; i++) {
        seed[i] = (unsigned char)(0x40 + i);
        d[i] = (unsigned char)(0x11 * (i % 15 + 1));
        f->hs[i] = (unsigned char)(0xa0 ^ i);
    }
    f->ed =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    JOSE_CHECK(f->ed != NULL);
    f->ec = jose_fixed_ec(d);
}

/* The fixed keys' JWK Set; its length. */
static inline size_t
jose_fixed_jwks(const struct jose_fixed *f, char *out, size_t cap)
{
    char ed[JOSE_JWK_MAX], ec[JOSE_JWK_MAX], hs[JOSE_JWK_MAX];
    int n;

    jose_jwk(f->ed, "\"kid\":\"fz-ed\"", ed, sizeof ed);
    jose_jwk(f->ec, "\"kid\":\"fz-ec\",\"alg\":\"ES256\"", ec, sizeof ec);
    jose_jwk_oct(f->hs, sizeof f->hs, "\"kid\":\"fz-hs\"", hs, sizeof hs);
    n = snprintf(out, cap, "{\"keys\":[%s,%s,%s]}", ed, ec, hs);
    JOSE_CHECK(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

static inline void
jose_fixed_free(struct jose_fixed *f)
{
    EVP_PKEY_free(f->ed);
    EVP_PKEY_free(f->ec);
    OPENSSL_cleanse(f->hs, sizeof f->hs);
}

#endif
