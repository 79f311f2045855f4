/*
 * hostile: a corpus of tokens jwt.c must refuse, built in process from a
 * set of keys made at run time (the "world"). Each case is signed the way
 * an attacker would, with the right key wherever one rule alone should
 * stop it, and says the result it must get from jwt_decode, jwks_find
 * and jwt_verify in turn. check_jwt runs every case; with JWT_SEED_DIR
 * set it also writes them out as seeds for tests/fuzz/corpus/jwt.
 *
 * Header-only (static inline) so check_jwt needs no extra sources.
 */
#ifndef FCGI_AUTHD_TESTS_HOSTILE_H
#define FCGI_AUTHD_TESTS_HOSTILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearer.h"
#include "jose.h"
#include "jwt.h"

/* The policy and clock every case is judged with. */
#define HOSTILE_NOW    1700000000LL
#define HOSTILE_LEEWAY 60
#define HOSTILE_ISS    "https://issuer.example"
#define HOSTILE_AUD    "api://authd"

#define C_ISS "\"iss\":\"" HOSTILE_ISS "\""
#define C_AUD "\"aud\":\"" HOSTILE_AUD "\""
#define C_SUB "\"sub\":\"alice\""
#define C_EXP "\"exp\":1700003600"
#define C_NBF "\"nbf\":1699999000"
#define C_REST                                                                 \
    ",\"iat\":1699999000,\"jti\":\"j-1\",\"groups\":[\"admins\",\"dev\"]"
/* A payload that passes every claim check. */
#define GOOD_CLAIMS "{" C_ISS "," C_AUD "," C_SUB "," C_EXP "," C_NBF C_REST "}"
/* The same with one member replaced (the others stay valid). */
#define CLAIMS_NO_EXP(x) "{" C_ISS "," C_AUD "," C_SUB "," C_NBF x "}"
#define CLAIMS_NO_NBF(x) "{" C_ISS "," C_AUD "," C_SUB "," C_EXP x "}"
#define CLAIMS_NO_ISS(x) "{" C_AUD "," C_SUB "," C_EXP "," C_NBF x "}"
#define CLAIMS_NO_AUD(x) "{" C_ISS "," C_SUB "," C_EXP "," C_NBF x "}"
#define CLAIMS_NO_SUB(x) "{" C_ISS "," C_AUD "," C_EXP "," C_NBF x "}"
#define CLAIMS_PLUS(x)                                                         \
    "{" C_ISS "," C_AUD "," C_SUB "," C_EXP "," C_NBF "," x "}"

#define H_RS256 "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}"

/* ---------------------------------------------------------- world -- */

/*
 * The keys of every test, and the JWK Set jwt.c loads ("world set"):
 *   rsa1      RSA-2048, use sig          rsa2   RSA-2048, alg RS256
 *   rsa-short RSA-1024 (skipped)         enc    rsa1's key, use enc (skipped)
 *   ec256     P-256, alg ES256, key_ops  ec384  P-384   ec521  P-521
 *   ed        Ed25519, alg EdDSA         hs     64-byte oct  hs32  32-byte
 *   dup       twice: ec256's key and evil_ec's (neither used)
 * evil_* are the attacker's and are not in the set (but for one "dup").
 * rsa1_pem and rsa1_der are rsa1's public key as bytes, for HMAC
 * confusion attacks.
 */
struct jose_world {
    EVP_PKEY *rsa1, *rsa2, *rsa_short, *ec256, *ec384, *ec521, *ed;
    EVP_PKEY *evil_rsa, *evil_ec, *evil_ed;
    unsigned char hs[64], hs32[32], evil_hs[64];
    unsigned char *rsa1_pem, *rsa1_der;
    size_t rsa1_pem_len, rsa1_der_len;
    char evil_rsa_jwk[JOSE_JWK_MAX], evil_ec_jwk[JOSE_JWK_MAX];
    char evil_ed_jwk[JOSE_JWK_MAX], rsa1_jwk[JOSE_JWK_MAX];
    char evil_hs_jwk[JOSE_JWK_MAX];
    char jwks[8 * JOSE_JWK_MAX];
    size_t jwks_len;
};

/* Append the JSON text s (and a ',' unless last) to w->jwks. */
static inline void
jose_world_add(struct jose_world *w, const char *s, bool last)
{
    int n = snprintf(w->jwks + w->jwks_len, sizeof w->jwks - w->jwks_len,
                     "%s%s", s, last ? "]}" : ",");

    JOSE_CHECK(n > 0 && (size_t)n < sizeof w->jwks - w->jwks_len);
    w->jwks_len += (size_t)n;
}

static inline void
jose_world_pub_bytes(struct jose_world *w)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int dn;

    JOSE_CHECK(b != NULL && PEM_write_bio_PUBKEY(b, w->rsa1) == 1);
    n = BIO_get_mem_data(b, &p);
    JOSE_CHECK(n > 0);
    w->rsa1_pem = malloc((size_t)n);
    JOSE_CHECK(w->rsa1_pem != NULL);
    memcpy(w->rsa1_pem, p, (size_t)n);
    w->rsa1_pem_len = (size_t)n;
    BIO_free(b);
    w->rsa1_der = NULL;
    dn = i2d_PUBKEY(w->rsa1, &w->rsa1_der);
    JOSE_CHECK(dn > 0);
    w->rsa1_der_len = (size_t)dn;
}

static inline void
jose_world_keys(struct jose_world *w)
{
    w->rsa1 = jose_gen_rsa(2048);
    w->rsa2 = jose_gen_rsa(2048);
    w->rsa_short = jose_gen_rsa(1024);
    w->ec256 = jose_gen_ec("P-256");
    w->ec384 = jose_gen_ec("P-384");
    w->ec521 = jose_gen_ec("P-521");
    w->ed = jose_gen_ed25519();
    w->evil_rsa = jose_gen_rsa(2048);
    w->evil_ec = jose_gen_ec("P-256");
    w->evil_ed = jose_gen_ed25519();
    JOSE_CHECK(RAND_bytes(w->hs, sizeof w->hs) == 1);
    JOSE_CHECK(RAND_bytes(w->hs32, sizeof w->hs32) == 1);
    JOSE_CHECK(RAND_bytes(w->evil_hs, sizeof w->evil_hs) == 1);
    jose_world_pub_bytes(w);
    jose_jwk(w->evil_rsa, "", w->evil_rsa_jwk, sizeof w->evil_rsa_jwk);
    jose_jwk(w->evil_ec, "", w->evil_ec_jwk, sizeof w->evil_ec_jwk);
    jose_jwk(w->evil_ed, "", w->evil_ed_jwk, sizeof w->evil_ed_jwk);
    jose_jwk(w->rsa1, "", w->rsa1_jwk, sizeof w->rsa1_jwk);
    jose_jwk_oct(w->evil_hs, sizeof w->evil_hs, "", w->evil_hs_jwk,
                 sizeof w->evil_hs_jwk);
}

static inline void
jose_world_init(struct jose_world *w)
{
    char j[JOSE_JWK_MAX];

    memset(w, 0, sizeof *w);
    jose_world_keys(w);
    w->jwks_len = (size_t)snprintf(w->jwks, sizeof w->jwks, "{\"keys\":[");
    jose_jwk(w->rsa1, "\"kid\":\"rsa1\",\"use\":\"sig\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->rsa2, "\"kid\":\"rsa2\",\"alg\":\"RS256\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->rsa_short, "\"kid\":\"rsa-short\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->ec256,
             "\"kid\":\"ec256\",\"alg\":\"ES256\",\"key_ops\":[\"verify\"]", j,
             sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->ec384, "\"kid\":\"ec384\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->ec521, "\"kid\":\"ec521\",\"use\":\"sig\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->ed, "\"kid\":\"ed\",\"alg\":\"EdDSA\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk_oct(w->hs, sizeof w->hs, "\"kid\":\"hs\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk_oct(w->hs32, sizeof w->hs32, "\"kid\":\"hs32\",\"use\":\"sig\"", j,
                 sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->rsa1, "\"kid\":\"enc\",\"use\":\"enc\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->ec256, "\"kid\":\"dup\"", j, sizeof j);
    jose_world_add(w, j, false);
    jose_jwk(w->evil_ec, "\"kid\":\"dup\"", j, sizeof j);
    jose_world_add(w, j, true);
}

static inline void
jose_world_free(struct jose_world *w)
{
    EVP_PKEY *k[] = {w->rsa1,  w->rsa2, w->rsa_short, w->ec256,   w->ec384,
                     w->ec521, w->ed,   w->evil_rsa,  w->evil_ec, w->evil_ed};

    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        EVP_PKEY_free(k[i]);
    free(w->rsa1_pem);
    OPENSSL_free(w->rsa1_der);
    OPENSSL_cleanse(w, sizeof *w);
}

/* The signing key called name ("rsa1", "hs", "evil_ed", "rsa1_pem"...). */
static inline struct jose_key
jose_world_key(const struct jose_world *w, const char *name)
{
    const struct {
        const char *name;
        EVP_PKEY *pkey;
        const unsigned char *secret;
        size_t len;
    } t[] = {
        {"rsa1", w->rsa1, NULL, 0},
        {"rsa2", w->rsa2, NULL, 0},
        {"rsa_short", w->rsa_short, NULL, 0},
        {"ec256", w->ec256, NULL, 0},
        {"ec384", w->ec384, NULL, 0},
        {"ec521", w->ec521, NULL, 0},
        {"ed", w->ed, NULL, 0},
        {"evil_rsa", w->evil_rsa, NULL, 0},
        {"evil_ec", w->evil_ec, NULL, 0},
        {"evil_ed", w->evil_ed, NULL, 0},
        {"hs", NULL, w->hs, sizeof w->hs},
        {"hs32", NULL, w->hs32, sizeof w->hs32},
        {"evil_hs", NULL, w->evil_hs, sizeof w->evil_hs},
        {"empty", NULL, (const unsigned char *)"", 0},
        {"rsa1_pem", NULL, w->rsa1_pem, w->rsa1_pem_len},
        {"rsa1_der", NULL, w->rsa1_der, w->rsa1_der_len},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return (struct jose_key){t[i].pkey, t[i].secret, t[i].len};
    jose_fail(__FILE__, __LINE__, name);
}

/* ---------------------------------------------------------- cases -- */

enum hostile_edit {
    E_NONE,
    E_RAW,          /* the token is arg, as it is */
    E_HEADER_PAD,   /* arg ("=", "==") after the header segment */
    E_SIG_APPEND,   /* arg after the signature segment */
    E_PAYLOAD_CHAR, /* the payload segment's 4th character becomes arg[0] */
    E_SIG_CHAR,     /* the signature's 4th character becomes arg[0] */
    E_NONCANON_H,   /* the header's last character keeps stray bits */
    E_NONCANON_S,   /* the signature's last character keeps stray bits */
    E_APPEND,       /* arg after the token */
    E_PREPEND,      /* arg before the token */
    E_NUL,          /* a NUL byte inside the payload segment */
    E_DROP_SIG,     /* header.payload (two segments) */
    E_ONLY_HEADER,  /* one segment */
    E_SWAP_HEADER,  /* signed, then the header replaced by arg */
    E_SWAP_PAYLOAD, /* signed, then the payload replaced by arg */
    E_SIG_ZERO,     /* the signature: atoi(arg) zero bytes */
    E_SIG_R0,       /* ES: R made zero, S kept */
    E_SIG_S0,       /* ES: S made zero, R kept */
    E_SIG_ORDER,    /* ES256: R = S = n, the group order */
    E_SIG_TRUNC,    /* the signature one byte short */
    E_SIG_EXTEND,   /* the signature one byte long */
    E_SIG_FLIP,     /* one bit of the signature flipped */
    E_SIG_HALF,     /* the first half of the signature only */
    E_SIG_BIG,      /* a signature of JWT_SIG_MAX + 1 bytes */
    E_OVERSIZE,     /* a claim padded until the token is 4097 bytes */
    E_DEEP,         /* a claim nested 3000 arrays deep */
};

struct hostile {
    const char *name;    /* also the seed's file name */
    const char *header;  /* JSON text; NULL: H_RS256. @EVIL_RSA@ and such
                          * stand for the world's JWKs */
    const char *payload; /* JSON text; NULL: GOOD_CLAIMS */
    const char *key;     /* who signs (jose_world_key); NULL: no one */
    const char *alg;     /* as what (jose_sign); NULL: "RS256" */
    enum hostile_edit edit;
    const char *arg;
    enum jwt_result expect;
};

#define H(alg, kid) "{\"alg\":\"" alg "\",\"kid\":\"" kid "\"}"
#define RSA1        "rsa1", "RS256"

static const struct hostile hostile_cases[] = {
    /* -- structure: three strict base64url segments of JSON objects -- */
    {"raw_empty", NULL, NULL, NULL, NULL, E_RAW, "", JWT_MALFORMED},
    {"raw_dot", NULL, NULL, NULL, NULL, E_RAW, ".", JWT_MALFORMED},
    {"raw_dots2", NULL, NULL, NULL, NULL, E_RAW, "..", JWT_MALFORMED},
    {"raw_dots3", NULL, NULL, NULL, NULL, E_RAW, "...", JWT_MALFORMED},
    {"raw_abc", NULL, NULL, NULL, NULL, E_RAW, "a.b.c", JWT_MALFORMED},
    {"raw_empty_objects", NULL, NULL, NULL, NULL, E_RAW, "e30.e30.AAAA",
     JWT_MALFORMED},
    {"raw_unsecured", NULL, NULL, NULL, NULL, E_RAW, "eyJhbGciOiJub25lIn0.e30.",
     JWT_ALG},
    {"one_segment", NULL, NULL, RSA1, E_ONLY_HEADER, NULL, JWT_MALFORMED},
    {"two_segments", NULL, NULL, RSA1, E_DROP_SIG, NULL, JWT_MALFORMED},
    {"four_segments", NULL, NULL, RSA1, E_APPEND, ".AAAA", JWT_MALFORMED},
    {"trailing_dot", NULL, NULL, RSA1, E_APPEND, ".", JWT_MALFORMED},
    {"jwe_five_segments", "{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}", NULL,
     RSA1, E_APPEND, ".AAAA.AAAA", JWT_MALFORMED},
    {"empty_header", NULL, NULL, NULL, NULL, E_RAW, ".eyJzdWIiOiJhIn0.AAAA",
     JWT_MALFORMED},
    {"empty_payload", NULL, NULL, NULL, NULL, E_RAW,
     "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYTEifQ..AAAA", JWT_MALFORMED},
    {"empty_signature", NULL, NULL, NULL, NULL, E_NONE, NULL, JWT_MALFORMED},
    {"header_padding1", NULL, NULL, RSA1, E_HEADER_PAD, "=", JWT_MALFORMED},
    {"header_padding2", NULL, NULL, RSA1, E_HEADER_PAD, "==", JWT_MALFORMED},
    {"sig_padding", NULL, NULL, RSA1, E_SIG_APPEND, "=", JWT_MALFORMED},
    {"payload_plus", NULL, NULL, RSA1, E_PAYLOAD_CHAR, "+", JWT_MALFORMED},
    {"payload_slash", NULL, NULL, RSA1, E_PAYLOAD_CHAR, "/", JWT_MALFORMED},
    {"payload_space", NULL, NULL, RSA1, E_PAYLOAD_CHAR, " ", JWT_MALFORMED},
    {"payload_percent", NULL, NULL, RSA1, E_PAYLOAD_CHAR, "%", JWT_MALFORMED},
    {"payload_nul", NULL, NULL, RSA1, E_NUL, NULL, JWT_MALFORMED},
    {"sig_plus", NULL, NULL, RSA1, E_SIG_CHAR, "+", JWT_MALFORMED},
    {"sig_tilde", NULL, NULL, RSA1, E_SIG_CHAR, "~", JWT_MALFORMED},
    {"header_noncanonical", NULL, NULL, RSA1, E_NONCANON_H, NULL,
     JWT_MALFORMED},
    {"sig_noncanonical", NULL, NULL, RSA1, E_NONCANON_S, NULL, JWT_MALFORMED},
    {"sig_len_mod4_1", NULL, NULL, RSA1, E_SIG_APPEND, "AAA", JWT_MALFORMED},
    {"leading_space", NULL, NULL, RSA1, E_PREPEND, " ", JWT_MALFORMED},
    {"trailing_newline", NULL, NULL, RSA1, E_APPEND, "\n", JWT_MALFORMED},
    {"bearer_prefix", NULL, NULL, RSA1, E_PREPEND, "Bearer ", JWT_MALFORMED},
    {"oversize_4097", "{\"alg\":\"HS256\",\"kid\":\"hs\"}", NULL, "hs", "HS256",
     E_OVERSIZE, NULL, JWT_MALFORMED},
    {"sig_too_long", NULL, NULL, RSA1, E_SIG_BIG, NULL, JWT_MALFORMED},
    {"header_not_json", "hello", NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_array", "[\"RS256\"]", NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_string", "\"RS256\"", NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_number", "256", NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_null", "null", NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_dup_alg", "{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"rsa1\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_dup_kid", "{\"alg\":\"RS256\",\"kid\":\"x\",\"kid\":\"rsa1\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_trailing_garbage", "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}x", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_two_objects", "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}{}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_bom", "\xef\xbb\xbf{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_comment", "{/**/\"alg\":\"RS256\",\"kid\":\"rsa1\"}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_single_quotes", "{'alg':'RS256','kid':'rsa1'}", NULL, RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"header_trailing_comma", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_bad_utf8", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x\":\"\xff\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"header_overlong_utf8",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x\":\"\xc0\xaf\"}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_surrogate_utf8",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x\":\"\xed\xa0\x80\"}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_lone_surrogate",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x\":\"\\ud800\"}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_alg_missing", "{\"kid\":\"rsa1\"}", NULL, RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"header_alg_number", "{\"alg\":256,\"kid\":\"rsa1\"}", NULL, RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"header_alg_array", "{\"alg\":[\"RS256\"],\"kid\":\"rsa1\"}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"header_alg_null", "{\"alg\":null,\"kid\":\"rsa1\"}", NULL, RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"payload_array", NULL, "[" C_ISS "]", RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"payload_string", NULL, "\"alice\"", RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"payload_null", NULL, "null", RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"payload_nested_jwt",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"cty\":\"JWT\"}",
     "eyJhbGciOiJub25lIn0.e30.", RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"payload_dup_sub", NULL, CLAIMS_PLUS("\"sub\":\"root\""), RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"payload_dup_nested", NULL, CLAIMS_PLUS("\"x\":{\"a\":1,\"a\":2}"), RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"payload_trailing_garbage", NULL, GOOD_CLAIMS "  x", RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"payload_bad_utf8", NULL, CLAIMS_NO_SUB(",\"sub\":\"al\xe9ice\""), RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"payload_nul_escape", NULL, CLAIMS_NO_SUB(",\"sub\":\"alice\\u0000x\""),
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"payload_nan", NULL, CLAIMS_NO_EXP(",\"exp\":NaN"), RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"payload_infinity", NULL, CLAIMS_NO_EXP(",\"exp\":Infinity"), RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"payload_exp_overflow_real", NULL, CLAIMS_NO_EXP(",\"exp\":1e400"), RSA1,
     E_NONE, NULL, JWT_MALFORMED},
    {"payload_exp_overflow_int", NULL,
     CLAIMS_NO_EXP(",\"exp\":99999999999999999999"), RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"payload_deep_nesting", NULL, NULL, RSA1, E_DEEP, NULL, JWT_MALFORMED},

    /* -- alg: an allow-list, case-sensitive; never none -- */
    {"alg_none", "{\"alg\":\"none\"}", NULL, NULL, NULL, E_NONE, NULL, JWT_ALG},
    {"alg_None", "{\"alg\":\"None\"}", NULL, NULL, NULL, E_NONE, NULL, JWT_ALG},
    {"alg_NONE", "{\"alg\":\"NONE\"}", NULL, NULL, NULL, E_NONE, NULL, JWT_ALG},
    {"alg_nOnE", "{\"alg\":\"nOnE\"}", NULL, NULL, NULL, E_NONE, NULL, JWT_ALG},
    {"alg_none_signed", H("none", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_None_signed", H("None", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_none_space", H("none ", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_empty", H("", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_lowercase", H("rs256", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_trailing_space", H("RS256 ", "rsa1"), NULL, RSA1, E_NONE, NULL,
     JWT_ALG},
    {"alg_escaped_nul", "{\"alg\":\"RS256\\u0000\",\"kid\":\"rsa1\"}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"alg_RS1", H("RS1", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_HS1", H("HS1", "hs"), NULL, "hs", "HS256", E_NONE, NULL, JWT_ALG},
    {"alg_ES256K", H("ES256K", "ec256"), NULL, "ec256", "ES256", E_NONE, NULL,
     JWT_ALG},
    {"alg_Ed25519", H("Ed25519", "ed"), NULL, "ed", "EdDSA", E_NONE, NULL,
     JWT_ALG},
    {"alg_RSA_OAEP", H("RSA-OAEP", "rsa1"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"alg_dir", H("dir", "hs"), NULL, "hs", "HS256", E_NONE, NULL, JWT_ALG},
    {"hs256_rsa_pem_kid", H("HS256", "rsa1"), NULL, "rsa1_pem", "HS256", E_NONE,
     NULL, JWT_ALG},
    {"hs256_rsa_der_kid", H("HS256", "rsa1"), NULL, "rsa1_der", "HS256", E_NONE,
     NULL, JWT_ALG},
    {"hs256_rsa_pem_nokid", "{\"alg\":\"HS256\"}", NULL, "rsa1_pem", "HS256",
     E_NONE, NULL, JWT_NO_KEY},
    {"hs384_rsa_der_nokid", "{\"alg\":\"HS384\"}", NULL, "rsa1_der", "HS384",
     E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"hs256_ec_kid", H("HS256", "ec256"), NULL, "hs", "HS256", E_NONE, NULL,
     JWT_ALG},
    {"es256_rsa_kid", H("ES256", "rsa1"), NULL, "ec256", "ES256", E_NONE, NULL,
     JWT_ALG},
    {"rs256_ec_kid", H("RS256", "ec256"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"es384_p256_kid", H("ES384", "ec256"), NULL, "ec256", "ES384", E_NONE,
     NULL, JWT_ALG},
    {"es256_p384_kid", H("ES256", "ec384"), NULL, "ec384", "ES256", E_NONE,
     NULL, JWT_ALG},
    {"eddsa_ec_kid", H("EdDSA", "ec256"), NULL, "ed", "EdDSA", E_NONE, NULL,
     JWT_ALG},
    {"rs256_ed_kid", H("RS256", "ed"), NULL, RSA1, E_NONE, NULL, JWT_ALG},
    {"ps256_rs256_only_key", H("PS256", "rsa2"), NULL, "rsa2", "PS256", E_NONE,
     NULL, JWT_ALG},
    {"rs384_rs256_only_key", H("RS384", "rsa2"), NULL, "rsa2", "RS384", E_NONE,
     NULL, JWT_ALG},
    {"hs512_short_oct", H("HS512", "hs32"), NULL, "hs32", "HS512", E_NONE, NULL,
     JWT_ALG},
    {"hs384_short_oct", H("HS384", "hs32"), NULL, "hs32", "HS384", E_NONE, NULL,
     JWT_ALG},
    {"hs256_ed_kid", H("HS256", "ed"), NULL, "hs", "HS256", E_NONE, NULL,
     JWT_ALG},

    /* -- crit, b64, typ -- */
    {"crit_exp", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[\"exp\"]}",
     NULL, RSA1, E_NONE, NULL, JWT_CRIT},
    {"crit_unknown",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[\"x\"],"
     "\"x\":1}",
     NULL, RSA1, E_NONE, NULL, JWT_CRIT},
    {"crit_b64",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"b64\":false,"
     "\"crit\":[\"b64\"]}",
     NULL, RSA1, E_NONE, NULL, JWT_CRIT},
    {"b64_false", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"b64\":false}", NULL,
     RSA1, E_NONE, NULL, JWT_CRIT},
    {"b64_string", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"b64\":\"false\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"crit_empty", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[]}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"crit_string", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":\"exp\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"crit_number", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[1]}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"typ_jws", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWS\"}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"typ_dpop", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"dpop+jwt\"}",
     NULL, RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"typ_secevent",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"secevent+jwt\"}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"typ_empty", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"\"}", NULL,
     RSA1, E_NONE, NULL, JWT_MALFORMED},
    {"typ_number", "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":1}", NULL, RSA1,
     E_NONE, NULL, JWT_MALFORMED},

    /* -- kid: picks one key of the set, and only that -- */
    {"kid_unknown", H("RS256", "rsa9"), NULL, RSA1, E_NONE, NULL, JWT_NO_KEY},
    {"kid_path", H("RS256", "../../etc/passwd"), NULL, RSA1, E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_sql", H("RS256", "x' OR '1'='1"), NULL, RSA1, E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_url", H("RS256", "https://evil.example/key"), NULL, RSA1, E_NONE,
     NULL, JWT_NO_KEY},
    {"kid_empty", H("RS256", ""), NULL, RSA1, E_NONE, NULL, JWT_NO_KEY},
    {"kid_ctl", H("RS256", "rsa1\\u0001"), NULL, RSA1, E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_newline", H("RS256", "rsa1\\n"), NULL, RSA1, E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_nul", H("RS256", "rsa1\\u0000"), NULL, RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"kid_long",
     H("RS256",
       "rsa1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
     NULL, RSA1, E_NONE, NULL, JWT_NO_KEY},
    {"kid_number", "{\"alg\":\"RS256\",\"kid\":1}", NULL, RSA1, E_NONE, NULL,
     JWT_MALFORMED},
    {"kid_array", "{\"alg\":\"RS256\",\"kid\":[\"rsa1\"]}", NULL, RSA1, E_NONE,
     NULL, JWT_MALFORMED},
    {"kid_case", H("RS256", "RSA1"), NULL, RSA1, E_NONE, NULL, JWT_NO_KEY},
    {"kid_missing_two_fit", "{\"alg\":\"RS256\"}", NULL, RSA1, E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_missing_two_hs", "{\"alg\":\"HS256\"}", NULL, "hs", "HS256", E_NONE,
     NULL, JWT_NO_KEY},
    {"kid_dup_real", H("ES256", "dup"), NULL, "ec256", "ES256", E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_dup_evil", H("ES256", "dup"), NULL, "evil_ec", "ES256", E_NONE, NULL,
     JWT_NO_KEY},
    {"kid_of_enc_key", H("RS256", "enc"), NULL, RSA1, E_NONE, NULL, JWT_NO_KEY},
    {"kid_of_short_key", H("RS256", "rsa-short"), NULL, "rsa_short", "RS256",
     E_NONE, NULL, JWT_NO_KEY},

    /* -- keys carried by the token: never trusted (RFC 8725 3.10) -- */
    {"jwk_evil_nokid", "{\"alg\":\"RS256\",\"jwk\":@EVIL_RSA@}", NULL,
     "evil_rsa", "RS256", E_NONE, NULL, JWT_NO_KEY},
    {"jwk_evil_kid_evil",
     "{\"alg\":\"RS256\",\"kid\":\"evil\",\"jwk\":"
     "@EVIL_RSA@}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_NO_KEY},
    {"jwk_evil_kid_rsa1",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"jwk\":"
     "@EVIL_RSA@}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jwk_real_signed_evil",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"jwk\":"
     "@RSA1@}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jwk_evil_ed_nokid", "{\"alg\":\"EdDSA\",\"jwk\":@EVIL_ED@}", NULL,
     "evil_ed", "EdDSA", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jwk_evil_ec_kid",
     "{\"alg\":\"ES256\",\"kid\":\"ec256\",\"jwk\":"
     "@EVIL_EC@}",
     NULL, "evil_ec", "ES256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jwk_evil_oct_nokid", "{\"alg\":\"HS512\",\"jwk\":@EVIL_HS@}", NULL,
     "evil_hs", "HS512", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jwk_evil_oct_kid",
     "{\"alg\":\"HS256\",\"kid\":\"evil\",\"jwk\":"
     "@EVIL_HS@}",
     NULL, "evil_hs", "HS256", E_NONE, NULL, JWT_NO_KEY},
    {"jku_evil",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"jku\":"
     "\"https://evil.example/jwks.json\"}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"jku_evil_nokid",
     "{\"alg\":\"RS256\",\"jku\":"
     "\"https://evil.example/jwks.json\"}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_NO_KEY},
    {"x5u_evil",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x5u\":"
     "\"https://evil.example/cert.pem\"}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"x5c_evil",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x5c\":"
     "[\"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"]}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},
    {"x5t_evil",
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"x5t\":\"AAAA\","
     "\"x5t#S256\":\"AAAA\"}",
     NULL, "evil_rsa", "RS256", E_NONE, NULL, JWT_BAD_SIGNATURE},

    /* -- signatures -- */
    {"rs256_evil_key", NULL, NULL, "evil_rsa", "RS256", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"rs256_other_rsa_key", NULL, NULL, "rsa2", "RS256", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"rs256_zero", NULL, NULL, RSA1, E_SIG_ZERO, "256", JWT_BAD_SIGNATURE},
    {"rs256_truncated", NULL, NULL, RSA1, E_SIG_TRUNC, NULL, JWT_BAD_SIGNATURE},
    {"rs256_extended", NULL, NULL, RSA1, E_SIG_EXTEND, NULL, JWT_BAD_SIGNATURE},
    {"rs256_flipped", NULL, NULL, RSA1, E_SIG_FLIP, NULL, JWT_BAD_SIGNATURE},
    {"rs256_one_byte", NULL, NULL, RSA1, E_SIG_ZERO, "1", JWT_BAD_SIGNATURE},
    {"rs256_signed_pss", NULL, NULL, "rsa1", "PS256", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"ps256_signed_pkcs1", H("PS256", "rsa1"), NULL, RSA1, E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"ps256_salt0", H("PS256", "rsa1"), NULL, "rsa1", "PS256-S0", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"ps384_signed_sha256", H("PS384", "rsa1"), NULL, "rsa1", "PS256", E_NONE,
     NULL, JWT_BAD_SIGNATURE},
    {"rs512_signed_rs256", H("RS512", "rsa1"), NULL, RSA1, E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"es256_zero_cve_2022_21449", H("ES256", "ec256"), NULL, "ec256", "ES256",
     E_SIG_ZERO, "64", JWT_BAD_SIGNATURE},
    {"es384_zero", H("ES384", "ec384"), NULL, "ec384", "ES384", E_SIG_ZERO,
     "96", JWT_BAD_SIGNATURE},
    {"es512_zero", H("ES512", "ec521"), NULL, "ec521", "ES512", E_SIG_ZERO,
     "132", JWT_BAD_SIGNATURE},
    {"es256_r_zero", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_R0,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_s_zero", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_S0,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_rs_order", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_ORDER,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_der", H("ES256", "ec256"), NULL, "ec256", "ES256-DER", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"es256_63_bytes", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_TRUNC,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_65_bytes", H("ES256", "ec256"), NULL, "ec256", "ES256",
     E_SIG_EXTEND, NULL, JWT_BAD_SIGNATURE},
    {"es512_130_bytes", H("ES512", "ec521"), NULL, "ec521", "ES512", E_SIG_ZERO,
     "130", JWT_BAD_SIGNATURE},
    {"es256_flipped", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_FLIP,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_evil_key", H("ES256", "ec256"), NULL, "evil_ec", "ES256", E_NONE,
     NULL, JWT_BAD_SIGNATURE},
    {"es256_half", H("ES256", "ec256"), NULL, "ec256", "ES256", E_SIG_HALF,
     NULL, JWT_BAD_SIGNATURE},
    {"eddsa_zero", H("EdDSA", "ed"), NULL, "ed", "EdDSA", E_SIG_ZERO, "64",
     JWT_BAD_SIGNATURE},
    {"eddsa_63_bytes", H("EdDSA", "ed"), NULL, "ed", "EdDSA", E_SIG_TRUNC, NULL,
     JWT_BAD_SIGNATURE},
    {"eddsa_flipped", H("EdDSA", "ed"), NULL, "ed", "EdDSA", E_SIG_FLIP, NULL,
     JWT_BAD_SIGNATURE},
    {"eddsa_evil_key", H("EdDSA", "ed"), NULL, "evil_ed", "EdDSA", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"hs256_evil_secret", H("HS256", "hs"), NULL, "evil_hs", "HS256", E_NONE,
     NULL, JWT_BAD_SIGNATURE},
    {"hs256_empty_secret", H("HS256", "hs"), NULL, "empty", "HS256", E_NONE,
     NULL, JWT_BAD_SIGNATURE},
    {"hs256_truncated_tag", H("HS256", "hs"), NULL, "hs", "HS256", E_SIG_HALF,
     NULL, JWT_BAD_SIGNATURE},
    {"hs256_extended", H("HS256", "hs"), NULL, "hs", "HS256", E_SIG_EXTEND,
     NULL, JWT_BAD_SIGNATURE},
    {"hs512_extended", H("HS512", "hs"), NULL, "hs", "HS512", E_SIG_EXTEND,
     NULL, JWT_BAD_SIGNATURE},
    {"hs256_zero", H("HS256", "hs"), NULL, "hs", "HS256", E_SIG_ZERO, "32",
     JWT_BAD_SIGNATURE},
    {"hs256_other_secret", H("HS256", "hs"), NULL, "hs32", "HS256", E_NONE,
     NULL, JWT_BAD_SIGNATURE},
    {"hs256_hs512_tag", H("HS256", "hs"), NULL, "hs", "HS512", E_NONE, NULL,
     JWT_BAD_SIGNATURE},
    {"tamper_payload_sub", NULL, NULL, RSA1, E_SWAP_PAYLOAD,
     CLAIMS_NO_SUB(",\"sub\":\"root\""), JWT_BAD_SIGNATURE},
    {"tamper_payload_exp", NULL, NULL, RSA1, E_SWAP_PAYLOAD,
     CLAIMS_NO_EXP(",\"exp\":1800000000"), JWT_BAD_SIGNATURE},
    {"tamper_header_alg", NULL, NULL, RSA1, E_SWAP_HEADER, H("RS384", "rsa1"),
     JWT_BAD_SIGNATURE},
    {"tamper_header_kid", NULL, NULL, RSA1, E_SWAP_HEADER, H("RS256", "rsa2"),
     JWT_BAD_SIGNATURE},
    {"tamper_header_member", NULL, NULL, RSA1, E_SWAP_HEADER,
     "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\",\"x\":1}",
     JWT_BAD_SIGNATURE},
    {"tamper_hs_payload", H("HS256", "hs"), NULL, "hs", "HS256", E_SWAP_PAYLOAD,
     CLAIMS_NO_SUB(",\"sub\":\"root\""), JWT_BAD_SIGNATURE},

    /* -- time -- */
    {"exp_missing", NULL, CLAIMS_NO_EXP(""), RSA1, E_NONE, NULL, JWT_EXPIRED},
    {"exp_string", NULL, CLAIMS_NO_EXP(",\"exp\":\"1700003600\""), RSA1, E_NONE,
     NULL, JWT_EXPIRED},
    {"exp_null", NULL, CLAIMS_NO_EXP(",\"exp\":null"), RSA1, E_NONE, NULL,
     JWT_EXPIRED},
    {"exp_true", NULL, CLAIMS_NO_EXP(",\"exp\":true"), RSA1, E_NONE, NULL,
     JWT_EXPIRED},
    {"exp_array", NULL, CLAIMS_NO_EXP(",\"exp\":[1700003600]"), RSA1, E_NONE,
     NULL, JWT_EXPIRED},
    {"exp_past", NULL, CLAIMS_NO_EXP(",\"exp\":1699990000"), RSA1, E_NONE, NULL,
     JWT_EXPIRED},
    {"exp_at_leeway", NULL, CLAIMS_NO_EXP(",\"exp\":1699999940"), RSA1, E_NONE,
     NULL, JWT_EXPIRED},
    {"exp_real_at_leeway", NULL, CLAIMS_NO_EXP(",\"exp\":1699999940.9"), RSA1,
     E_NONE, NULL, JWT_EXPIRED},
    {"exp_zero", NULL, CLAIMS_NO_EXP(",\"exp\":0"), RSA1, E_NONE, NULL,
     JWT_EXPIRED},
    {"exp_negative", NULL, CLAIMS_NO_EXP(",\"exp\":-1"), RSA1, E_NONE, NULL,
     JWT_EXPIRED},
    {"exp_min_int", NULL, CLAIMS_NO_EXP(",\"exp\":-9223372036854775808"), RSA1,
     E_NONE, NULL, JWT_EXPIRED},
    {"exp_huge_negative_real", NULL, CLAIMS_NO_EXP(",\"exp\":-1e300"), RSA1,
     E_NONE, NULL, JWT_EXPIRED},
    {"nbf_future", NULL, CLAIMS_NO_NBF(",\"nbf\":1700000061"), RSA1, E_NONE,
     NULL, JWT_NOT_YET},
    {"nbf_real_future", NULL, CLAIMS_NO_NBF(",\"nbf\":1700000060.1"), RSA1,
     E_NONE, NULL, JWT_NOT_YET},
    {"nbf_string", NULL, CLAIMS_NO_NBF(",\"nbf\":\"0\""), RSA1, E_NONE, NULL,
     JWT_NOT_YET},
    {"nbf_null", NULL, CLAIMS_NO_NBF(",\"nbf\":null"), RSA1, E_NONE, NULL,
     JWT_NOT_YET},
    {"nbf_max_int", NULL, CLAIMS_NO_NBF(",\"nbf\":9223372036854775807"), RSA1,
     E_NONE, NULL, JWT_NOT_YET},
    {"nbf_huge_real", NULL, CLAIMS_NO_NBF(",\"nbf\":1e300"), RSA1, E_NONE, NULL,
     JWT_NOT_YET},

    /* -- issuer and audience -- */
    {"iss_missing", NULL, CLAIMS_NO_ISS(""), RSA1, E_NONE, NULL, JWT_ISSUER},
    {"iss_other", NULL, CLAIMS_NO_ISS(",\"iss\":\"https://evil.example\""),
     RSA1, E_NONE, NULL, JWT_ISSUER},
    {"iss_trailing_slash", NULL, CLAIMS_NO_ISS(",\"iss\":\"" HOSTILE_ISS "/\""),
     RSA1, E_NONE, NULL, JWT_ISSUER},
    {"iss_prefix", NULL, CLAIMS_NO_ISS(",\"iss\":\"https://issuer.exampl\""),
     RSA1, E_NONE, NULL, JWT_ISSUER},
    {"iss_case", NULL, CLAIMS_NO_ISS(",\"iss\":\"https://ISSUER.example\""),
     RSA1, E_NONE, NULL, JWT_ISSUER},
    {"iss_array", NULL, CLAIMS_NO_ISS(",\"iss\":[\"" HOSTILE_ISS "\"]"), RSA1,
     E_NONE, NULL, JWT_ISSUER},
    {"iss_null", NULL, CLAIMS_NO_ISS(",\"iss\":null"), RSA1, E_NONE, NULL,
     JWT_ISSUER},
    {"iss_empty", NULL, CLAIMS_NO_ISS(",\"iss\":\"\""), RSA1, E_NONE, NULL,
     JWT_ISSUER},
    {"aud_missing", NULL, CLAIMS_NO_AUD(""), RSA1, E_NONE, NULL, JWT_AUDIENCE},
    {"aud_other", NULL, CLAIMS_NO_AUD(",\"aud\":\"api://other\""), RSA1, E_NONE,
     NULL, JWT_AUDIENCE},
    {"aud_case", NULL, CLAIMS_NO_AUD(",\"aud\":\"API://authd\""), RSA1, E_NONE,
     NULL, JWT_AUDIENCE},
    {"aud_array_without", NULL,
     CLAIMS_NO_AUD(",\"aud\":[\"api://other\",\"api://authd2\"]"), RSA1, E_NONE,
     NULL, JWT_AUDIENCE},
    {"aud_array_empty", NULL, CLAIMS_NO_AUD(",\"aud\":[]"), RSA1, E_NONE, NULL,
     JWT_AUDIENCE},
    {"aud_array_number", NULL,
     CLAIMS_NO_AUD(",\"aud\":[1,\"" HOSTILE_AUD "\"]"), RSA1, E_NONE, NULL,
     JWT_AUDIENCE},
    {"aud_nested_array", NULL,
     CLAIMS_NO_AUD(",\"aud\":[[\"" HOSTILE_AUD "\"]]"), RSA1, E_NONE, NULL,
     JWT_AUDIENCE},
    {"aud_number", NULL, CLAIMS_NO_AUD(",\"aud\":1"), RSA1, E_NONE, NULL,
     JWT_AUDIENCE},
    {"aud_object", NULL, CLAIMS_NO_AUD(",\"aud\":{\"" HOSTILE_AUD "\":true}"),
     RSA1, E_NONE, NULL, JWT_AUDIENCE},
    {"aud_space_list", NULL,
     CLAIMS_NO_AUD(",\"aud\":\"api://other " HOSTILE_AUD "\""), RSA1, E_NONE,
     NULL, JWT_AUDIENCE},

    /* -- the user -- */
    {"sub_missing", NULL, CLAIMS_NO_SUB(""), RSA1, E_NONE, NULL, JWT_NO_USER},
    {"sub_empty", NULL, CLAIMS_NO_SUB(",\"sub\":\"\""), RSA1, E_NONE, NULL,
     JWT_NO_USER},
    {"sub_number", NULL, CLAIMS_NO_SUB(",\"sub\":42"), RSA1, E_NONE, NULL,
     JWT_NO_USER},
    {"sub_null", NULL, CLAIMS_NO_SUB(",\"sub\":null"), RSA1, E_NONE, NULL,
     JWT_NO_USER},
    {"sub_array", NULL, CLAIMS_NO_SUB(",\"sub\":[\"alice\"]"), RSA1, E_NONE,
     NULL, JWT_NO_USER},
    {"sub_newline", NULL, CLAIMS_NO_SUB(",\"sub\":\"alice\\nadmin\""), RSA1,
     E_NONE, NULL, JWT_NO_USER},
    {"sub_cr", NULL, CLAIMS_NO_SUB(",\"sub\":\"alice\\r\""), RSA1, E_NONE, NULL,
     JWT_NO_USER},
    {"sub_tab", NULL, CLAIMS_NO_SUB(",\"sub\":\"al\\tice\""), RSA1, E_NONE,
     NULL, JWT_NO_USER},
    {"sub_del", NULL, CLAIMS_NO_SUB(",\"sub\":\"alice\\u007f\""), RSA1, E_NONE,
     NULL, JWT_NO_USER},
    {"sub_escape", NULL, CLAIMS_NO_SUB(",\"sub\":\"\\u001b[31malice\""), RSA1,
     E_NONE, NULL, JWT_NO_USER},
    {"sub_256_bytes", NULL,
     CLAIMS_NO_SUB(
         ",\"sub\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""),
     RSA1, E_NONE, NULL, JWT_NO_USER},
};

#define HOSTILE_COUNT (sizeof hostile_cases / sizeof hostile_cases[0])

/* ---------------------------------------------------------- build -- */

/* s with @EVIL_RSA@, @EVIL_EC@, @EVIL_ED@, @EVIL_HS@, @RSA1@ replaced. */
static inline void
hostile_subst(const struct jose_world *w, const char *s, char *out, size_t cap)
{
    const struct {
        const char *tag;
        const char *jwk;
    } t[] = {{"@EVIL_RSA@", w->evil_rsa_jwk},
             {"@EVIL_EC@", w->evil_ec_jwk},
             {"@EVIL_ED@", w->evil_ed_jwk},
             {"@EVIL_HS@", w->evil_hs_jwk},
             {"@RSA1@", w->rsa1_jwk}};
    size_t o = 0;

    while (*s != '\0') {
        size_t i, n = 1;
        const char *put = s;

        for (i = 0; i < sizeof t / sizeof t[0]; i++)
            if (strncmp(s, t[i].tag, strlen(t[i].tag)) == 0)
                break;
        if (i < sizeof t / sizeof t[0]) {
            put = t[i].jwk;
            n = strlen(put);
            s += strlen(t[i].tag);
        } else {
            s++;
        }
        JOSE_CHECK(o + n < cap);
        memcpy(out + o, put, n);
        o += n;
    }
    out[o] = '\0';
}

/* Where the segments of tok[0..n) are: the two dots (n when missing). */
static inline void
hostile_dots(const char *tok, size_t n, size_t *d1, size_t *d2)
{
    const char *a = memchr(tok, '.', n);
    const char *b =
        a != NULL ? memchr(a + 1, '.', n - (size_t)(a - tok) - 1) : NULL;

    *d1 = a != NULL ? (size_t)(a - tok) : n;
    *d2 = b != NULL ? (size_t)(b - tok) : n;
}

/* Insert s[0..sn) at tok[at], the token of *n bytes growing. */
static inline void
hostile_insert(char *tok, size_t *n, size_t cap, size_t at, const char *s,
               size_t sn)
{
    JOSE_CHECK(*n + sn < cap && at <= *n);
    memmove(tok + at + sn, tok + at, *n - at);
    memcpy(tok + at, s, sn);
    *n += sn;
    tok[*n] = '\0';
}

/* The decoded signature of tok (its length). */
static inline size_t
hostile_get_sig(const char *tok, size_t n, unsigned char *sig)
{
    size_t d1, d2, k = 0;
    unsigned acc = 0, bits = 0;
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789-_";

    hostile_dots(tok, n, &d1, &d2);
    for (size_t i = d2 + 1; i < n; i++) {
        const char *p = memchr(a, tok[i], 64);

        JOSE_CHECK(p != NULL);
        acc = acc << 6 | (unsigned)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sig[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return k;
}

/* tok with its signature replaced by sig (the new length). */
static inline size_t
hostile_put_sig(char *tok, size_t n, size_t cap, const unsigned char *sig,
                size_t siglen)
{
    size_t d1, d2;

    hostile_dots(tok, n, &d1, &d2);
    JOSE_CHECK(d2 < n);
    return d2 + 1 + jose_b64url(sig, siglen, tok + d2 + 1, cap - d2 - 1);
}

/* ES256: R and S both the order n of P-256. */
static const unsigned char hostile_p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* The signature edits. */
static inline size_t
hostile_edit_sig(const struct hostile *h, char *tok, size_t n, size_t cap)
{
    unsigned char sig[JOSE_SIG_MAX];
    size_t len = hostile_get_sig(tok, n, sig);

    switch (h->edit) {
    case E_SIG_ZERO:
        len = (size_t)atoi(h->arg);
        memset(sig, 0, len);
        break;
    case E_SIG_R0:
        memset(sig, 0, len / 2);
        break;
    case E_SIG_S0:
        memset(sig + len / 2, 0, len / 2);
        break;
    case E_SIG_ORDER:
        memcpy(sig, hostile_p256_n, 32);
        memcpy(sig + 32, hostile_p256_n, 32);
        len = 64;
        break;
    case E_SIG_TRUNC:
        len--;
        break;
    case E_SIG_EXTEND:
        sig[len++] = 0;
        break;
    case E_SIG_FLIP:
        sig[len / 3] ^= 0x10;
        break;
    case E_SIG_HALF:
        len /= 2;
        break;
    default: /* E_SIG_BIG */
        len = JWT_SIG_MAX + 1;
        memset(sig, 0x5a, len);
        break;
    }
    return hostile_put_sig(tok, n, cap, sig, len);
}

/* Replace segment seg (0: header, 1: payload) of tok with b64url(json). */
static inline size_t
hostile_swap(char *tok, size_t n, size_t cap, int seg, const char *json)
{
    char b[JOSE_TOKEN_MAX], rest[JOSE_TOKEN_MAX];
    size_t d1, d2, bl = jose_b64url(json, strlen(json), b, sizeof b);
    size_t from, to;

    hostile_dots(tok, n, &d1, &d2);
    from = seg == 0 ? 0 : d1 + 1;
    to = seg == 0 ? d1 : d2;
    memcpy(rest, tok + to, n - to);
    JOSE_CHECK(from + bl + n - to < cap);
    memcpy(tok + from, b, bl);
    memcpy(tok + from + bl, rest, n - to);
    n = from + bl + n - to;
    tok[n] = '\0';
    return n;
}

/* Make the last character of the segment [from, to) keep stray bits. */
static inline void
hostile_noncanon(char *tok, size_t from, size_t to)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *p = memchr(a, tok[to - 1], 64);

    JOSE_CHECK((to - from) % 4 != 0 && p != NULL);
    tok[to - 1] = a[(p - a) | 1];
}

/* The text edits, on a built token of n bytes. */
static inline size_t
hostile_edit_text(const struct hostile *h, char *tok, size_t n, size_t cap)
{
    size_t d1, d2, al = h->arg != NULL ? strlen(h->arg) : 0;

    hostile_dots(tok, n, &d1, &d2);
    switch (h->edit) {
    case E_HEADER_PAD:
        hostile_insert(tok, &n, cap, d1, h->arg, al);
        break;
    case E_SIG_APPEND:
    case E_APPEND:
        hostile_insert(tok, &n, cap, n, h->arg, al);
        break;
    case E_PREPEND:
        hostile_insert(tok, &n, cap, 0, h->arg, al);
        break;
    case E_PAYLOAD_CHAR:
        tok[d1 + 4] = h->arg[0];
        break;
    case E_SIG_CHAR:
        tok[d2 + 4] = h->arg[0];
        break;
    case E_NUL:
        tok[d1 + 4] = '\0';
        break;
    case E_NONCANON_H:
        hostile_noncanon(tok, 0, d1);
        break;
    case E_NONCANON_S:
        hostile_noncanon(tok, d2 + 1, n);
        break;
    case E_DROP_SIG:
        n = d2;
        break;
    case E_ONLY_HEADER:
        n = d1;
        break;
    case E_SWAP_HEADER:
        return hostile_swap(tok, n, cap, 0, h->arg);
    case E_SWAP_PAYLOAD:
        return hostile_swap(tok, n, cap, 1, h->arg);
    default:
        return hostile_edit_sig(h, tok, n, cap);
    }
    tok[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* GOOD_CLAIMS with ,"pad":"aaa..." of len bytes. */
static inline void
hostile_padded(char *out, size_t cap, size_t len)
{
    size_t g = strlen(GOOD_CLAIMS) - 1;

    JOSE_CHECK(g + len + 12 < cap);
    memcpy(out, GOOD_CLAIMS, g);
    memcpy(out + g, ",\"pad\":\"", 8);
    memset(out + g + 8, 'a', len);
    memcpy(out + g + 8 + len, "\"}", 3);
}

/* GOOD_CLAIMS with ,"x":[[[...]]] nested depth times. */
static inline void
hostile_deep(char *out, size_t cap, size_t depth)
{
    size_t g = strlen(GOOD_CLAIMS) - 1;

    JOSE_CHECK(g + 2 * depth + 8 < cap);
    memcpy(out, GOOD_CLAIMS, g);
    memcpy(out + g, ",\"x\":", 5);
    memset(out + g + 5, '[', depth);
    memset(out + g + 5 + depth, ']', depth);
    memcpy(out + g + 5 + 2 * depth, "}", 2);
}

/*
 * A token of exactly target bytes: header (spaces added after it as
 * needed, which JSON allows) and GOOD_CLAIMS with a pad claim, signed as
 * alg with k.
 */
static inline size_t
hostile_sized(const char *header, const char *alg, const struct jose_key *k,
              size_t target, char *out, size_t cap)
{
    char h[256], p[JOSE_TOKEN_MAX];

    for (size_t pad = 0; pad < target; pad++)
        for (size_t sp = 0; sp < 3; sp++) {
            size_t n, hl = strlen(header);

            JOSE_CHECK(hl + sp < sizeof h);
            memcpy(h, header, hl);
            memset(h + hl, ' ', sp);
            h[hl + sp] = '\0';
            hostile_padded(p, sizeof p, pad);
            n = jose_signing_input(h, strlen(h), p, strlen(p), out, cap);
            if (n + 1 + 43 < target)
                continue; /* HS256's tag is 43 characters: too short */
            n = jose_token(h, p, alg, k, out, cap);
            if (n == target)
                return n;
        }
    jose_fail(__FILE__, __LINE__, "no token of that size");
}

/* Build case h into tok (capacity cap); returns its length. */
static inline size_t
hostile_build(const struct jose_world *w, const struct hostile *h, char *tok,
              size_t cap)
{
    char header[JOSE_TOKEN_MAX], payload[JOSE_TOKEN_MAX];
    const char *alg = h->alg != NULL ? h->alg : "RS256";
    struct jose_key k = {0};
    size_t n;

    if (h->edit == E_RAW) {
        n = strlen(h->arg);
        JOSE_CHECK(n < cap);
        memcpy(tok, h->arg, n + 1);
        return n;
    }
    if (h->key != NULL)
        k = jose_world_key(w, h->key);
    hostile_subst(w, h->header != NULL ? h->header : H_RS256, header,
                  sizeof header);
    /* Stray bits need a header whose length is not a multiple of 3. */
    while (h->edit == E_NONCANON_H && strlen(header) % 3 == 0)
        strcat(header, " ");
    if (h->edit == E_OVERSIZE)
        return hostile_sized(header, alg, &k, BEARER_TOKEN_MAX + 1, tok, cap);
    if (h->edit == E_DEEP)
        hostile_deep(payload, sizeof payload, 3000);
    else
        snprintf(payload, sizeof payload, "%s",
                 h->payload != NULL ? h->payload : GOOD_CLAIMS);
    n = jose_token(header, payload, h->key != NULL ? alg : NULL, &k, tok, cap);
    if (h->edit == E_NONE || h->edit == E_DEEP)
        return n;
    return hostile_edit_text(h, tok, n, cap);
}

#endif
