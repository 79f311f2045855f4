/*
 * jwt: JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515), checked
 * against a JWK Set (RFC 7517), following RFC 8725. jansson parses the
 * JSON; OpenSSL 3 does every signature. No other JOSE feature: a JWE, a
 * JSON serialisation, an unsecured JWT ("none") are all refused.
 *
 * The check is split so that the cache can sit between its halves:
 *   jwt_decode   parse the three segments, the header and the claims, and
 *                judge the claims (iss, aud, exp, nbf, crit, user claim);
 *   jwks_find    the key for the header: by kid; its kty, alg, use and
 *                key_ops must fit the header's alg;
 *   jwt_verify   the signature with that key (the expensive part).
 * A cache key is made from the token and jwk_id(key), so a key that is
 * rotated out or replaced under the same kid never hits an old entry.
 */
#ifndef FCGI_AUTHD_JWT_H
#define FCGI_AUTHD_JWT_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "util.h"

#define JWT_KID_MAX    128
#define JWT_JTI_MAX    128
#define JWT_USER_MAX   255
#define JWT_GROUPS_MAX 1024
#define JWT_SIG_MAX    1024 /* RSA-8192 */

enum jwt_result {
    JWT_OK,
    JWT_MALFORMED,     /* not three base64url segments of JSON objects */
    JWT_ALG,           /* alg none, unknown, or refused by the key */
    JWT_CRIT,          /* a crit extension we do not know */
    JWT_NO_KEY,        /* no key has this kid (or none fits, no kid) */
    JWT_BAD_SIGNATURE, /* the signature does not verify */
    JWT_EXPIRED,       /* exp + leeway <= now, or no exp */
    JWT_NOT_YET,       /* nbf - leeway > now */
    JWT_ISSUER,        /* iss missing or not jwt_issuer */
    JWT_AUDIENCE,      /* aud missing or without jwt_audience */
    JWT_NO_USER,       /* the user claim is missing, empty, not a string,
                        * too long or has control bytes */
    JWT_INTERNAL,      /* out of memory, OpenSSL failure: fail closed */
};

/* What the admin requires of every token (jwt_* keys). */
struct jwt_policy {
    const char *issuer;       /* required, exact */
    const char *audience;     /* required: aud is it, or an array with it */
    long long leeway;         /* seconds, for exp and nbf */
    const char *user_claim;   /* default "sub" */
    const char *groups_claim; /* default "groups"; array of strings, or a
                               * space-separated string (as OAuth scope) */
};

/* One decoded token. Fill with jwt_decode, release with jwt_clear. */
struct jwt {
    char alg[16];
    char kid[JWT_KID_MAX + 1]; /* "" when the header has none */
    char jti[JWT_JTI_MAX + 1]; /* "" when none; cut to fit (for the log) */
    char user[JWT_USER_MAX + 1];
    size_t user_len;
    char groups[JWT_GROUPS_MAX]; /* "a,b"; names with ',' or control
                                  * bytes are dropped */
    size_t groups_len;
    long long exp; /* UTC seconds */
    struct bytes signing_input; /* header.payload, a view into the token */
    unsigned char sig[JWT_SIG_MAX];
    size_t sig_len;
};

/*
 * Decode t[0..n) and judge its claims at now (UTC seconds). JWT_OK: *out
 * is filled, signature not yet checked. On any other result *out holds
 * what was read so far (kid, jti) for the log. Input of any bytes and
 * length never crashes; at most BEARER_TOKEN_MAX bytes are read.
 */
enum jwt_result jwt_decode(const char *t, size_t n, const struct jwt_policy *p,
                           long long now, struct jwt *out);

/* Wipe *j. */
void jwt_clear(struct jwt *j);

/* A short description for error_description and the log ("expired"). */
const char *jwt_result_text(enum jwt_result r);
/* A token for the log's why= field ("expired", "bad_signature"). */
const char *jwt_result_name(enum jwt_result r);

struct jwks;
struct jwk;

/*
 * Parse a JWK Set: {"keys":[...]}. Each key needs kty (RSA, EC with
 * P-256/P-384/P-521, OKP with Ed25519, oct) and its parameters; kid,
 * alg, use ("sig" only) and key_ops ("verify") are honoured when present.
 * Private parts (d, p, q, ...) are ignored and a warning says so; an oct
 * key is the one place a secret sits in the file. RSA keys under 2048
 * bits, keys that do not parse and keys with use "enc" are skipped with a
 * diagnostic; the rest load. Each key is turned into an OpenSSL key once,
 * here. NULL: not JSON, no "keys" array, or out of memory (diag says).
 */
struct jwks *jwks_parse(const char *name, const char *data, size_t len,
                        diag_fn *diag, void *diag_ctx);

/* Read path (bounded, at most 1 MiB) and parse it. */
struct jwks *jwks_load(const char *path, diag_fn *diag, void *diag_ctx);

size_t jwks_count(const struct jwks *s);

/*
 * The key for j: the one whose kid is j->kid (a kid the set has twice
 * is never used); with no kid in the header, the only key of the set
 * that fits, if exactly one does. The key must fit j->alg: kty RSA for
 * RS*, PS*; EC with the curve of ES256 (P-256), ES384 (P-384), ES512
 * (P-521); OKP Ed25519 for EdDSA; oct for HS* (at least as many bytes
 * as the hash). A key alg, when set, must equal j->alg. NULL: no key.
 * *why says JWT_NO_KEY or JWT_ALG.
 */
const struct jwk *jwks_find(const struct jwks *s, const struct jwt *j,
                            enum jwt_result *why);

/* 32 bytes naming this key's material (SHA-256 over kty and params),
 * for cache keys. */
const unsigned char *jwk_id(const struct jwk *k);

/* Check j's signature with k: JWT_OK, JWT_BAD_SIGNATURE or JWT_INTERNAL.
 * Thread-safe: a set is shared by every worker. */
enum jwt_result jwt_verify(const struct jwk *k, const struct jwt *j);

/* NULL is a no-op; wipes oct keys. */
void jwks_free(struct jwks *s);

#endif
