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
 *
 * jwt.c is the process's one user of jansson: it installs (before main)
 * jansson allocation functions that wipe every block they free, so the
 * copies jansson makes of claims and of oct secrets do not linger.
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
    char kid[JWT_KID_MAX + 1];   /* "" when the header has none */
    char jti[JWT_JTI_MAX + 1];   /* "" when none; cut to fit (for the log) */
    char user[JWT_USER_MAX + 1]; /* the user claim: a non-empty string of
                                  * at most JWT_USER_MAX bytes without
                                  * control bytes, NUL-terminated */
    size_t user_len;
    char groups[JWT_GROUPS_MAX]; /* "a,b"; names with ',' or control
                                  * bytes, or empty, are dropped; the list
                                  * ends before the first name that does
                                  * not fit (NUL included) */
    size_t groups_len;
    long long exp;              /* UTC seconds */
    struct bytes signing_input; /* header.payload, a view into the token */
    unsigned char sig[JWT_SIG_MAX];
    size_t sig_len;
};

/*
 * Decode t[0..n) and judge its claims at now (UTC seconds). JWT_OK: *out
 * is filled, signature not yet checked; out->signing_input points into t,
 * which must outlive *out until jwt_verify. On any other result *out holds
 * only what was read so far for the log (alg when allowed, kid, jti; cut
 * to fit). Input of any bytes and length never crashes; a token longer
 * than BEARER_TOKEN_MAX is JWT_MALFORMED unread.
 *
 * Checked in this order, the first failure wins:
 *   JWT_INTERNAL   p NULL, or its issuer or audience NULL or empty;
 *   JWT_MALFORMED  not exactly three segments (a JWE has five), header or
 *                  payload empty, not strict base64url (no '=', '+', '/',
 *                  a canonical last character), not one JSON object
 *                  (jansson: a member name twice, a \u0000, invalid
 *                  UTF-8, trailing bytes are refused), alg or kid not a
 *                  string;
 *   JWT_ALG        alg not one of RS256/384/512, PS256/384/512,
 *                  ES256/384/512, EdDSA, HS256/384/512 (case-sensitive:
 *                  "none" in any spelling is here);
 *   JWT_CRIT       crit present (a non-empty array of names, else
 *                  JWT_MALFORMED): we understand no extension; "b64":
 *                  false (RFC 7797) likewise ("b64" not a boolean:
 *                  JWT_MALFORMED);
 *   JWT_MALFORMED  typ present and not "JWT", "at+jwt", "application/jwt"
 *                  or "application/at+jwt" (any case; RFC 9068 2.1);
 *   JWT_NO_KEY     kid empty, longer than JWT_KID_MAX or with a control
 *                  byte (no key of a set can have it);
 *   JWT_MALFORMED  the signature empty (an unsecured JWT), not base64url
 *                  or longer than JWT_SIG_MAX; the payload as the header;
 *   JWT_EXPIRED    exp missing or not a number, or exp + leeway <= now
 *                  (a real is rounded down; no overflow);
 *   JWT_NOT_YET    nbf present and not a number, or nbf - leeway > now;
 *   JWT_ISSUER     iss not a string equal to p->issuer, byte for byte;
 *   JWT_AUDIENCE   aud neither a string equal to p->audience nor an array
 *                  of strings holding it;
 *   JWT_NO_USER    see struct jwt's user.
 * iat is not read; a negative leeway counts as 0. The groups claim never
 * refuses a token (not an array or string: no groups). Header members
 * jwk, jku, x5u, x5c and x5t are never read (RFC 8725 3.10).
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
 *
 * Details: the JSON is read as a token's (a member name twice refuses the
 * file). A key is skipped when its kid is not 1 to JWT_KID_MAX bytes
 * without control bytes, its alg is not one jwt_decode allows or does not
 * fit it, RSA n is outside 2048 to 8192 bits or fails OpenSSL's public
 * check, EC x or y is not exactly the curve's width or the point is not
 * on the curve, OKP crv is not Ed25519 or x not 32 bytes, an oct k is
 * under 32 or over 1024 bytes. Two keys with one kid both load and are
 * never used. Only the first 256 keys are read. Diagnostics are line 0,
 * name keys by their index in "keys" (from 0) and kid, never show an oct
 * secret, and are LOGL_ERROR only when the result is NULL: a skipped key
 * is LOGL_WARN (LOGL_INFO for use "enc"), so a set published for other
 * uses too still loads.
 */
struct jwks *jwks_parse(const char *name, const char *data, size_t len,
                        diag_fn *diag, void *diag_ctx);

/* Read path (bounded, at most 1 MiB) and parse it. */
struct jwks *jwks_load(const char *path, diag_fn *diag, void *diag_ctx);

/* Keys a token can use (a kid held twice counts for none); 0 for NULL. */
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
 * for cache keys. The same material gives the same id whatever its kid,
 * alg or use; an oct id is a hash of the secret, not the secret. NULL
 * for NULL. Valid until jwks_free. */
const unsigned char *jwk_id(const struct jwk *k);

/*
 * Whether s still holds the key a token was verified with: id is its
 * jwk_id, kid the token's kid ("": none), which must still name it (and
 * only it). For a remembered token, instead of finding the key again.
 */
bool jwks_holds(const struct jwks *s, const char *kid, const unsigned char *id);

/* Check j's signature with k: JWT_OK, JWT_BAD_SIGNATURE or JWT_INTERNAL
 * (also when j is not from a successful jwt_decode or k does not fit its
 * alg: a caller's mistake). ES*: R || S of the curve's width, neither
 * zero; PS*: salt as long as the hash; HS*: the whole tag, compared in
 * constant time. Thread-safe: a set is shared by every worker. */
enum jwt_result jwt_verify(const struct jwk *k, const struct jwt *j);

/* NULL is a no-op; wipes oct keys. */
void jwks_free(struct jwks *s);

#endif
