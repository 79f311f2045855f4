/*
 * jwt: JWS compact tokens judged against a JWK Set (see jwt.h).
 *
 * jansson parses every JSON text strictly (duplicate names refused, no
 * NUL in a string, the whole buffer one value). OpenSSL does every
 * signature with keys built once in jwks_parse and only read afterwards,
 * so one set serves every worker thread. Token bytes are (pointer,
 * length) until jansson has checked them.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "bearer.h"
#include "diag.h"
#include "file.h"
#include "jwt.h"
#include "log.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Largest decoding of one segment of a token of BEARER_TOKEN_MAX bytes. */
#define JWT_SEG_MAX (BEARER_TOKEN_MAX / 4 * 3)

#define JWKS_FILE_MAX    (1u << 20)
#define JWKS_KEYS_MAX    256
#define JWK_RSA_MIN_BITS 2048
#define JWK_RSA_MAX_BITS 8192 /* its signature fills JWT_SIG_MAX */
#define JWK_OCT_MIN      32   /* RFC 7518 3.2: at least the hash (HS256) */
#define JWK_OCT_MAX      1024
#define JWK_ID_LEN       32

/* ------------------------------------------------------ jansson memory -- */

/*
 * jansson keeps copies of what it parses (the claims; an oct key's secret
 * in a JWK Set) and frees them without wiping. Its documented remedy is
 * an allocator that zeroes on free. json_set_alloc_funcs is global and
 * must come before any allocation, so it is installed before main. Each
 * block carries its size in front.
 */
#define JWT_ALLOC_HEAD sizeof(max_align_t)

static void *
jwt_json_malloc(size_t n)
{
    unsigned char *p;

    if (n > SIZE_MAX - JWT_ALLOC_HEAD)
        return NULL;
    p = malloc(n + JWT_ALLOC_HEAD);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof n);
    return p + JWT_ALLOC_HEAD;
}

static void
jwt_json_free(void *v)
{
    unsigned char *p;
    size_t n;

    if (v == NULL)
        return;
    p = (unsigned char *)v - JWT_ALLOC_HEAD;
    memcpy(&n, p, sizeof n);
    util_wipe(p, n + JWT_ALLOC_HEAD);
    free(p);
}

__attribute__((constructor)) static void
jwt_json_setup(void)
{
    json_set_alloc_funcs(jwt_json_malloc, jwt_json_free);
}

/* --------------------------------------------------------- algorithms -- */

enum jwt_family {
    FAM_RS, /* RSASSA-PKCS1-v1_5 */
    FAM_PS, /* RSASSA-PSS, MGF1 with the same hash, salt as long as it */
    FAM_ES, /* ECDSA, the curve fixed by the hash */
    FAM_ED, /* EdDSA: Ed25519 only */
    FAM_HS, /* HMAC */
};

struct jwt_alg {
    const char *name;
    enum jwt_family fam;
    unsigned hash; /* 0: SHA-256, 1: SHA-384, 2: SHA-512; ES: the curve */
};

/* RFC 7518 3.1 and RFC 8037 3.1; "none" is not here in any spelling. */
static const struct jwt_alg jwt_algs[] = {
    {"RS256", FAM_RS, 0}, {"RS384", FAM_RS, 1}, {"RS512", FAM_RS, 2},
    {"PS256", FAM_PS, 0}, {"PS384", FAM_PS, 1}, {"PS512", FAM_PS, 2},
    {"ES256", FAM_ES, 0}, {"ES384", FAM_ES, 1}, {"ES512", FAM_ES, 2},
    {"EdDSA", FAM_ED, 0}, {"HS256", FAM_HS, 0}, {"HS384", FAM_HS, 1},
    {"HS512", FAM_HS, 2},
};

static const size_t jwt_hash_len[] = {32, 48, 64};
static const char *const jwt_hash_name[] = {"SHA256", "SHA384", "SHA512"};

/* RFC 7518 6.2.1.1; width: bytes of a coordinate, and of R and S. */
static const struct jwk_curve {
    const char *crv;
    const char *group; /* OpenSSL's name */
    size_t width;
} jwk_curves[] = {
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
    {"P-521", "secp521r1", 66},
};

/* The alg spelled exactly p[0..n) (RFC 7515 4.1.1: case-sensitive). */
static const struct jwt_alg *
jwt_alg_find(const char *p, size_t n)
{
    for (size_t i = 0; i < NELEM(jwt_algs); i++)
        if (strlen(jwt_algs[i].name) == n &&
            memcmp(jwt_algs[i].name, p, n) == 0)
            return &jwt_algs[i];
    return NULL;
}

/* ---------------------------------------------------------- base64url -- */

static int
jwt_sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Strict base64url (RFC 4648 5, as RFC 7515 2 uses it): that alphabet
 * only, no padding or other byte, and the bits the last character leaves
 * over zero, so that one value has one spelling. Returns 0 and sets
 * *len, or -1 (out may hold a part: the caller wipes it).
 */
static int
jwt_b64url(const char *in, size_t n, unsigned char *out, size_t cap,
           size_t *len)
{
    unsigned acc = 0, bits = 0;
    size_t o = 0;

    if (n % 4 == 1 || n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1) > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = jwt_sextet((unsigned char)in[i]);

        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* RFC 4648 3.5: the pad bits must be zero (acc holds only them). */
    if (acc != 0)
        return -1;
    *len = o;
    return 0;
}

/* ---------------------------------------------------------- JSON bits -- */

/* v as a view when it is a string. */
static bool
jwt_jstr(const json_t *v, struct bytes *b)
{
    if (!json_is_string(v))
        return false;
    b->p = json_string_value(v);
    b->n = json_string_length(v);
    return true;
}

/* v is a string equal to the NUL-terminated want. */
static bool
jwt_jis(const json_t *v, const char *want)
{
    struct bytes b;
    size_t n = strlen(want);

    return jwt_jstr(v, &b) && b.n == n && memcmp(b.p, want, n) == 0;
}

/* b into dst (capacity cap > 0), cut to fit, NUL-terminated. */
static size_t
jwt_copy(char *dst, size_t cap, struct bytes b)
{
    size_t n = b.n < cap - 1 ? b.n : cap - 1;

    if (n > 0)
        memcpy(dst, b.p, n);
    dst[n] = '\0';
    return n;
}

/* A kid a key can have: 1 to JWT_KID_MAX bytes, no control byte. */
static bool
jwt_kid_ok(struct bytes k)
{
    return k.n > 0 && k.n <= JWT_KID_MAX && !util_has_ctl(k.p, k.n);
}

/*
 * Decode a segment and parse it as one JSON object. NULL when it is not
 * base64url, not JSON, has a name twice, or is not an object.
 */
static json_t *
jwt_json(struct bytes seg, unsigned char *buf, size_t cap)
{
    size_t len = 0;
    json_t *v;

    if (jwt_b64url(seg.p, seg.n, buf, cap, &len) < 0)
        return NULL;
    v = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* ------------------------------------------------------------- header -- */

/* "kid", kept (cut) for the log whatever it holds. */
static enum jwt_result
jwt_header_kid(const json_t *h, struct jwt *out)
{
    const json_t *v = json_object_get(h, "kid");
    struct bytes kid;

    if (v == NULL)
        return JWT_OK;
    if (!jwt_jstr(v, &kid))
        return JWT_MALFORMED;
    jwt_copy(out->kid, sizeof out->kid, kid);
    /* Longer, empty or with control bytes: no key of a set has it. */
    return jwt_kid_ok(kid) ? JWT_OK : JWT_NO_KEY;
}

/*
 * RFC 7515 4.1.11: "crit" names extensions the recipient must understand;
 * we understand none. It must be a non-empty array of names.
 */
static enum jwt_result
jwt_header_crit(const json_t *h)
{
    const json_t *c = json_object_get(h, "crit"), *v;
    size_t i;

    if (c == NULL)
        return JWT_OK;
    if (!json_is_array(c) || json_array_size(c) == 0)
        return JWT_MALFORMED;
    json_array_foreach(c, i, v)
    {
        if (!json_is_string(v))
            return JWT_MALFORMED;
    }
    return JWT_CRIT;
}

/* RFC 9068 2.1 and RFC 8725 3.11: typ, when present, says JWT. */
static bool
jwt_typ_ok(struct bytes t)
{
    static const char *const ok[] = {"JWT", "at+jwt", "application/jwt",
                                     "application/at+jwt"};

    for (size_t i = 0; i < NELEM(ok); i++)
        if (util_bytes_ieq(t, ok[i]))
            return true;
    return false;
}

static enum jwt_result
jwt_header(const json_t *h, struct jwt *out)
{
    enum jwt_result kid = jwt_header_kid(h, out), r;
    const json_t *v = json_object_get(h, "alg");
    const struct jwt_alg *a;
    struct bytes b;

    if (!jwt_jstr(v, &b))
        return JWT_MALFORMED;
    a = jwt_alg_find(b.p, b.n);
    if (a == NULL)
        return JWT_ALG;
    snprintf(out->alg, sizeof out->alg, "%s", a->name);
    r = jwt_header_crit(h);
    if (r != JWT_OK)
        return r;
    /* RFC 7797: "b64": false (an unencoded payload) is an extension. */
    v = json_object_get(h, "b64");
    if (v != NULL && !json_is_boolean(v))
        return JWT_MALFORMED;
    if (json_is_false(v))
        return JWT_CRIT;
    v = json_object_get(h, "typ");
    if (v != NULL && (!jwt_jstr(v, &b) || !jwt_typ_ok(b)))
        return JWT_MALFORMED;
    /* jwk, jku, x5u, x5c, x5t: never read (RFC 8725 3.10). */
    return kid;
}

/* ------------------------------------------------------------- claims -- */

static long long
jwt_sat_add(long long a, long long b)
{
    long long r;

    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? LLONG_MAX : LLONG_MIN;
    return r;
}

/*
 * A NumericDate (RFC 7519 2) as whole seconds: an integer as it is; a
 * finite real rounded toward the stricter side (exp down, nbf up) and
 * clamped to +-2^62. false for anything else.
 */
static bool
jwt_date(const json_t *v, bool up, long long *out)
{
    double d, lim = 4611686018427387904.0;
    long long i;

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_real(v) || !isfinite(json_real_value(v)))
        return false;
    d = json_real_value(v);
    if (d >= lim || d <= -lim) {
        *out = d > 0 ? (1LL << 62) : -(1LL << 62);
        return true;
    }
    i = (long long)d;
    if (up && (double)i < d)
        i++;
    if (!up && (double)i > d)
        i--;
    *out = i;
    return true;
}

/* RFC 7519 4.1.4 and 4.1.5; exp is required (RFC 8725 3.10 spirit). */
static enum jwt_result
jwt_times(const json_t *c, long long leeway, long long now, struct jwt *out)
{
    const json_t *v = json_object_get(c, "nbf");
    long long exp, nbf;

    if (leeway < 0)
        leeway = 0;
    if (!jwt_date(json_object_get(c, "exp"), false, &exp) ||
        jwt_sat_add(exp, leeway) <= now)
        return JWT_EXPIRED;
    out->exp = exp;
    if (v != NULL &&
        (!jwt_date(v, true, &nbf) || jwt_sat_add(nbf, -leeway) > now))
        return JWT_NOT_YET;
    return JWT_OK;
}

/* RFC 7519 4.1.3: aud is one string or an array of strings. */
static enum jwt_result
jwt_audience(const json_t *c, const char *want)
{
    const json_t *a = json_object_get(c, "aud"), *v;
    bool found = false;
    size_t i;

    if (json_is_string(a))
        return jwt_jis(a, want) ? JWT_OK : JWT_AUDIENCE;
    if (!json_is_array(a))
        return JWT_AUDIENCE;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return JWT_AUDIENCE;
        found = found || jwt_jis(v, want);
    }
    return found ? JWT_OK : JWT_AUDIENCE;
}

static enum jwt_result
jwt_user(const json_t *c, const char *claim, struct jwt *out)
{
    struct bytes u;

    if (!jwt_jstr(json_object_get(c, claim), &u) || u.n == 0 ||
        u.n > JWT_USER_MAX || util_has_ctl(u.p, u.n))
        return JWT_NO_USER;
    memcpy(out->user, u.p, u.n);
    out->user[u.n] = '\0';
    out->user_len = u.n;
    return JWT_OK;
}

/*
 * Append the group g to out->groups. An empty name, or one with ',' or a
 * control byte, is dropped (true); one that does not fit ends the list
 * (false), so the list holds whole names only.
 */
static bool
jwt_group_add(struct jwt *out, struct bytes g)
{
    size_t room = sizeof out->groups - 1 - out->groups_len;

    if (g.n == 0 || memchr(g.p, ',', g.n) != NULL || util_has_ctl(g.p, g.n))
        return true;
    if (g.n + (out->groups_len > 0) > room)
        return false;
    if (out->groups_len > 0)
        out->groups[out->groups_len++] = ',';
    memcpy(out->groups + out->groups_len, g.p, g.n);
    out->groups_len += g.n;
    out->groups[out->groups_len] = '\0';
    return true;
}

/* An array of strings, or one string of names separated by spaces. */
static void
jwt_groups(const json_t *c, const char *claim, struct jwt *out)
{
    const json_t *g = json_object_get(c, claim), *v;
    struct bytes s;
    size_t i;

    if (json_is_array(g)) {
        json_array_foreach(g, i, v)
        {
            if (jwt_jstr(v, &s) && !jwt_group_add(out, s))
                return;
        }
        return;
    }
    if (!jwt_jstr(g, &s))
        return;
    while (s.n > 0) {
        const char *sp = memchr(s.p, ' ', s.n);
        size_t w = sp != NULL ? (size_t)(sp - s.p) : s.n;

        if (!jwt_group_add(out, (struct bytes){s.p, w}))
            return;
        w += sp != NULL;
        s.p += w;
        s.n -= w;
    }
}

static const char *
jwt_or(const char *s, const char *def)
{
    return s != NULL && s[0] != '\0' ? s : def;
}

static enum jwt_result
jwt_claims(const json_t *c, const struct jwt_policy *p, long long now,
           struct jwt *out)
{
    enum jwt_result r = jwt_times(c, p->leeway, now, out);

    if (r != JWT_OK)
        return r;
    if (!jwt_jis(json_object_get(c, "iss"), p->issuer))
        return JWT_ISSUER;
    r = jwt_audience(c, p->audience);
    if (r != JWT_OK)
        return r;
    r = jwt_user(c, jwt_or(p->user_claim, "sub"), out);
    if (r != JWT_OK)
        return r;
    jwt_groups(c, jwt_or(p->groups_claim, "groups"), out);
    return JWT_OK;
}

/* -------------------------------------------------------------- token -- */

struct jwt_segs {
    struct bytes h, p, s;
};

/* Exactly three segments, the first two not empty (RFC 7515 7.1). */
static bool
jwt_split(const char *t, size_t n, struct jwt_segs *s)
{
    const char *end = t + n, *d1, *d2;

    d1 = memchr(t, '.', n);
    if (d1 == NULL)
        return false;
    d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
    if (d2 == NULL || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) != NULL)
        return false;
    s->h = (struct bytes){t, (size_t)(d1 - t)};
    s->p = (struct bytes){d1 + 1, (size_t)(d2 - d1 - 1)};
    s->s = (struct bytes){d2 + 1, (size_t)(end - d2 - 1)};
    return s->h.n > 0 && s->p.n > 0;
}

static bool
jwt_policy_ok(const struct jwt_policy *p)
{
    return p != NULL && p->issuer != NULL && p->issuer[0] != '\0' &&
           p->audience != NULL && p->audience[0] != '\0';
}

/* After a refusal: keep what the log may show (alg, kid, jti). */
static void
jwt_keep_log(struct jwt *j)
{
    util_wipe(j->user, sizeof j->user);
    util_wipe(j->groups, sizeof j->groups);
    util_wipe(j->sig, sizeof j->sig);
    j->user_len = j->groups_len = j->sig_len = 0;
    j->exp = 0;
    j->signing_input = BYTES_NULL;
}

/* The payload: jti for the log, then the claims. */
static enum jwt_result
jwt_payload(struct bytes seg, const struct jwt_policy *p, long long now,
            struct jwt *out)
{
    unsigned char buf[JWT_SEG_MAX];
    json_t *c = jwt_json(seg, buf, sizeof buf);
    enum jwt_result r = JWT_MALFORMED;
    struct bytes jti;

    if (c != NULL) {
        if (jwt_jstr(json_object_get(c, "jti"), &jti))
            jwt_copy(out->jti, sizeof out->jti, jti);
        r = jwt_claims(c, p, now, out);
        json_decref(c);
    }
    util_wipe(buf, sizeof buf);
    return r;
}

enum jwt_result
jwt_decode(const char *t, size_t n, const struct jwt_policy *p, long long now,
           struct jwt *out)
{
    unsigned char buf[JWT_SEG_MAX];
    struct jwt_segs s;
    enum jwt_result r = JWT_MALFORMED;
    json_t *h;

    memset(out, 0, sizeof *out);
    if (!jwt_policy_ok(p))
        return JWT_INTERNAL;
    if (t == NULL || n > BEARER_TOKEN_MAX || !jwt_split(t, n, &s))
        return JWT_MALFORMED;
    h = jwt_json(s.h, buf, sizeof buf);
    if (h != NULL) {
        r = jwt_header(h, out);
        json_decref(h);
    }
    util_wipe(buf, sizeof buf);
    /* An empty signature is an unsecured JWT (RFC 7519 6). */
    if (r == JWT_OK &&
        (s.s.n == 0 || jwt_b64url(s.s.p, s.s.n, out->sig, sizeof out->sig,
                                  &out->sig_len) < 0))
        r = JWT_MALFORMED;
    if (r == JWT_OK)
        r = jwt_payload(s.p, p, now, out);
    if (r == JWT_OK)
        out->signing_input = (struct bytes){t, (size_t)(s.s.p - 1 - t)};
    else
        jwt_keep_log(out);
    return r;
}

void
jwt_clear(struct jwt *j)
{
    if (j != NULL)
        util_wipe(j, sizeof *j);
}

static const char *const jwt_texts[] = {
    [JWT_OK] = "ok",
    [JWT_MALFORMED] = "malformed token",
    [JWT_ALG] = "algorithm not allowed",
    [JWT_CRIT] = "unknown critical header",
    [JWT_NO_KEY] = "no key for this token",
    [JWT_BAD_SIGNATURE] = "bad signature",
    [JWT_EXPIRED] = "token expired",
    [JWT_NOT_YET] = "token not yet valid",
    [JWT_ISSUER] = "wrong issuer",
    [JWT_AUDIENCE] = "wrong audience",
    [JWT_NO_USER] = "no user in token",
    [JWT_INTERNAL] = "internal error",
};

static const char *const jwt_names[] = {
    [JWT_OK] = "ok",           [JWT_MALFORMED] = "malformed",
    [JWT_ALG] = "alg",         [JWT_CRIT] = "crit",
    [JWT_NO_KEY] = "no_key",   [JWT_BAD_SIGNATURE] = "bad_signature",
    [JWT_EXPIRED] = "expired", [JWT_NOT_YET] = "not_yet_valid",
    [JWT_ISSUER] = "issuer",   [JWT_AUDIENCE] = "audience",
    [JWT_NO_USER] = "no_user", [JWT_INTERNAL] = "internal",
};

const char *
jwt_result_text(enum jwt_result r)
{
    return (size_t)r < NELEM(jwt_texts) ? jwt_texts[r] : "internal error";
}

const char *
jwt_result_name(enum jwt_result r)
{
    return (size_t)r < NELEM(jwt_names) ? jwt_names[r] : "internal";
}

/* --------------------------------------------------------------- keys -- */

enum jwk_kty { JWK_RSA, JWK_EC, JWK_OKP, JWK_OCT };

static const char *const jwk_kty_names[] = {"RSA", "EC", "OKP", "oct"};

struct jwk {
    enum jwk_kty kty;
    unsigned curve;            /* EC: index in jwk_curves */
    const struct jwt_alg *alg; /* the key's "alg"; NULL: any that fits */
    size_t index;              /* in the file's "keys" */
    bool has_kid;
    bool dup; /* another key has the kid: neither is ever used */
    char kid[JWT_KID_MAX + 1];
    size_t kid_len;
    EVP_PKEY *pkey;        /* RSA, EC, OKP */
    unsigned char *secret; /* oct; wiped when freed */
    size_t secret_len;
    unsigned char id[JWK_ID_LEN];
    const struct jwks *set;
};

struct jwks {
    struct jwk *keys;
    size_t n;
    size_t usable;
    EVP_MD *md[3]; /* fetched once: SHA-256, SHA-384, SHA-512 */
};

/* One key being read: where diagnostics go and how they name it. */
struct jwk_ctx {
    struct diag *d;
    size_t index;
    bool oom;
    char label[320]; /* key 3 (kid "..."), the kid quoted and cut */
};

static int jwk_skip(struct jwk_ctx *l, enum log_level sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Say why the key is skipped; returns -1. */
static int
jwk_skip(struct jwk_ctx *l, enum log_level sev, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    diag_report(l->d, sev, 0, "%s skipped: %s", l->label, why);
    return -1;
}

static void
jwk_label(struct jwk_ctx *l, const json_t *o)
{
    struct bytes kid;
    size_t len;

    len = (size_t)snprintf(l->label, sizeof l->label, "key %zu", l->index);
    if (!jwt_jstr(json_object_get(o, "kid"), &kid))
        return;
    snprintf(l->label + len, sizeof l->label - len, " (kid ");
    len += 6;
    log_append_quoted(l->label, sizeof l->label - 1, &len, kid, 64);
    snprintf(l->label + len, sizeof l->label - len, ")");
}

/*
 * The base64url member name of o, decoded into a new buffer of at most
 * max bytes (*out, *len). -1 once the reason is reported.
 */
static int
jwk_bytes(struct jwk_ctx *l, const json_t *o, const char *name, size_t max,
          unsigned char **out, size_t *len)
{
    struct bytes b;
    size_t cap;

    *out = NULL;
    if (!jwt_jstr(json_object_get(o, name), &b))
        return jwk_skip(l, LOGL_WARN, "no \"%s\" string", name);
    cap = b.n / 4 * 3 + 2;
    *out = malloc(cap);
    if (*out == NULL) {
        l->oom = true;
        return jwk_skip(l, LOGL_ERROR, "out of memory");
    }
    if (jwt_b64url(b.p, b.n, *out, cap, len) < 0 || *len == 0) {
        util_wipe(*out, cap);
        free(*out);
        *out = NULL;
        return jwk_skip(l, LOGL_WARN, "\"%s\" is empty or not base64url", name);
    }
    if (*len > max) {
        util_wipe(*out, cap);
        free(*out);
        *out = NULL;
        return jwk_skip(l, LOGL_WARN, "\"%s\" longer than %zu bytes", name,
                        max);
    }
    return 0;
}

static void
jwk_bytes_free(unsigned char *p, size_t n)
{
    util_wipe(p, n);
    free(p);
}

static int
jwk_frame(EVP_MD_CTX *c, const void *p, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};

    return EVP_DigestUpdate(c, len, sizeof len) && EVP_DigestUpdate(c, p, n);
}

struct jwk_field {
    const void *p;
    size_t n;
};

/* k->id: SHA-256 over a label, kty and the fields, each length-framed. */
static int
jwk_make_id(struct jwk *k, const struct jwk_field *f, size_t nf)
{
    static const char label[] = "fcgi-authd jwk id 1";
    const char *kty = jwk_kty_names[k->kty];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             jwk_frame(c, label, sizeof label - 1) &&
             jwk_frame(c, kty, strlen(kty));

    for (size_t i = 0; ok && i < nf; i++)
        ok = jwk_frame(c, f[i].p, f[i].n);
    ok = ok && EVP_DigestFinal_ex(c, k->id, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* OpenSSL's own checks of a public key (RSA: SP 800-56B; EC: on the
 * curve, not at infinity, of the right order). */
static bool
jwk_public_ok(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = c != NULL && EVP_PKEY_public_check(c) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

/* A public key of type from the parameters in bld, checked; or NULL. */
static EVP_PKEY *
jwk_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    if (pkey != NULL && !jwk_public_ok(pkey)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    ERR_clear_error();
    return pkey;
}

static EVP_PKEY *
jwk_rsa_pkey(const BIGNUM *n, const BIGNUM *e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;

    if (bld != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
        pkey = jwk_fromdata("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/* Leading zero bytes dropped: one modulus, one id. */
static struct jwk_field
jwk_unsigned(const unsigned char *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    return (struct jwk_field){p, n};
}

/* RFC 7518 6.3.1: n and e; 2048 to 8192 bits (RFC 7518 3.3). */
static int
jwk_rsa(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    unsigned char *n = NULL, *e = NULL;
    size_t nlen = 0, elen = 0;
    BIGNUM *bn = NULL, *be = NULL;
    int rc = -1, bits;

    if (jwk_bytes(l, o, "n", JWK_RSA_MAX_BITS / 8 + 8, &n, &nlen) < 0 ||
        jwk_bytes(l, o, "e", 16, &e, &elen) < 0)
        goto done;
    bn = BN_bin2bn(n, (int)nlen, NULL);
    be = BN_bin2bn(e, (int)elen, NULL);
    bits = bn != NULL ? BN_num_bits(bn) : 0;
    if (bn == NULL || be == NULL)
        jwk_skip(l, LOGL_WARN, "cannot read n or e");
    else if (bits < JWK_RSA_MIN_BITS || bits > JWK_RSA_MAX_BITS)
        jwk_skip(l, LOGL_WARN, "RSA key of %d bits (%d to %d allowed)", bits,
                 JWK_RSA_MIN_BITS, JWK_RSA_MAX_BITS);
    else if ((k->pkey = jwk_rsa_pkey(bn, be)) == NULL)
        jwk_skip(l, LOGL_WARN, "not a valid RSA public key");
    else
        rc = jwk_make_id(
            k,
            (struct jwk_field[]){jwk_unsigned(n, nlen), jwk_unsigned(e, elen)},
            2);
done:
    BN_free(bn);
    BN_free(be);
    jwk_bytes_free(n, nlen);
    jwk_bytes_free(e, elen);
    return rc;
}

/* The curve named by "crv", or -1 once reported. */
static int
jwk_crv(struct jwk_ctx *l, const json_t *o, const char *const *names, size_t n)
{
    const json_t *v = json_object_get(o, "crv");
    char shown[80];
    size_t len = 0;
    struct bytes c;

    if (!jwt_jstr(v, &c))
        return jwk_skip(l, LOGL_WARN, "no \"crv\" string");
    for (size_t i = 0; i < n; i++)
        if (c.n == strlen(names[i]) && memcmp(c.p, names[i], c.n) == 0)
            return (int)i;
    shown[0] = '\0';
    log_append_quoted(shown, sizeof shown, &len, c, 32);
    return jwk_skip(l, LOGL_WARN, "crv %s not supported", shown);
}

/* x or y of an EC or OKP key: exactly w bytes (RFC 7518 6.2.1.2). */
static int
jwk_coord(struct jwk_ctx *l, const json_t *o, const char *name, size_t w,
          unsigned char *out)
{
    unsigned char *b;
    size_t n = 0;

    if (jwk_bytes(l, o, name, w, &b, &n) < 0 || b == NULL)
        return -1;
    if (n != w) {
        jwk_bytes_free(b, n);
        return jwk_skip(l, LOGL_WARN, "\"%s\" is %zu bytes, not %zu", name, n,
                        w);
    }
    memcpy(out, b, w);
    jwk_bytes_free(b, n);
    return 0;
}

/* RFC 7518 6.2.1: crv, x, y; the point must be on the curve. */
static int
jwk_ec(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    static const char *const names[] = {"P-256", "P-384", "P-521"};
    unsigned char pt[1 + 2 * 66];
    OSSL_PARAM_BLD *bld;
    const struct jwk_curve *cv;
    int c = jwk_crv(l, o, names, NELEM(names));

    if (c < 0)
        return -1;
    k->curve = (unsigned)c;
    cv = &jwk_curves[c];
    pt[0] = 0x04; /* SEC 1 2.3.3: uncompressed */
    if (jwk_coord(l, o, "x", cv->width, pt + 1) < 0 ||
        jwk_coord(l, o, "y", cv->width, pt + 1 + cv->width) < 0)
        return -1;
    bld = OSSL_PARAM_BLD_new();
    if (bld != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        cv->group, 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                         1 + 2 * cv->width))
        k->pkey = jwk_fromdata("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (k->pkey == NULL)
        return jwk_skip(l, LOGL_WARN, "x, y is not a point of %s", cv->crv);
    return jwk_make_id(k,
                       (struct jwk_field[]){{cv->crv, strlen(cv->crv)},
                                            {pt + 1, 2 * cv->width}},
                       2);
}

/* RFC 8037 2: crv Ed25519 (Ed448 and X25519/X448 are not for us) and x. */
static int
jwk_okp(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    static const char *const names[] = {"Ed25519"};
    unsigned char x[32];

    if (jwk_crv(l, o, names, NELEM(names)) < 0 ||
        jwk_coord(l, o, "x", sizeof x, x) < 0)
        return -1;
    k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, sizeof x);
    ERR_clear_error();
    if (k->pkey == NULL)
        return jwk_skip(l, LOGL_WARN, "x is not an Ed25519 public key");
    return jwk_make_id(k, (struct jwk_field[]){{"Ed25519", 7}, {x, sizeof x}},
                       2);
}

/* RFC 7518 6.4: k, the secret. Messages give its length, never it. */
static int
jwk_oct(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    if (jwk_bytes(l, o, "k", JWK_OCT_MAX, &k->secret, &k->secret_len) < 0)
        return -1;
    if (k->secret_len < JWK_OCT_MIN)
        return jwk_skip(l, LOGL_WARN,
                        "oct key of %zu bytes (at least %d, RFC 7518 3.2)",
                        k->secret_len, JWK_OCT_MIN);
    return jwk_make_id(k, (struct jwk_field[]){{k->secret, k->secret_len}}, 1);
}

static int
jwk_kid(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    const json_t *v = json_object_get(o, "kid");
    struct bytes kid;

    if (v == NULL)
        return 0;
    if (!jwt_jstr(v, &kid) || !jwt_kid_ok(kid))
        return jwk_skip(l, LOGL_WARN,
                        "kid is not a string of 1 to %d bytes without "
                        "control characters",
                        JWT_KID_MAX);
    memcpy(k->kid, kid.p, kid.n);
    k->kid[kid.n] = '\0';
    k->kid_len = kid.n;
    k->has_kid = true;
    return 0;
}

/* A member's value for a message, quoted and short. */
static const char *
jwk_shown(const json_t *v, char *buf, size_t cap)
{
    struct bytes b;
    size_t len = 0;

    buf[0] = '\0';
    if (!jwt_jstr(v, &b))
        return "(not a string)";
    log_append_quoted(buf, cap, &len, b, 32);
    return buf;
}

static int
jwk_kty(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    const json_t *v = json_object_get(o, "kty");
    char shown[80];

    for (size_t i = 0; i < NELEM(jwk_kty_names); i++)
        if (jwt_jis(v, jwk_kty_names[i])) {
            k->kty = (enum jwk_kty)i;
            return 0;
        }
    if (v == NULL)
        return jwk_skip(l, LOGL_WARN, "no kty");
    return jwk_skip(l, LOGL_WARN, "kty %s not supported (RSA, EC, OKP, oct)",
                    jwk_shown(v, shown, sizeof shown));
}

/* RFC 7517 4.2 and 4.3: a key for signatures, and for verifying them. */
static int
jwk_purpose(struct jwk_ctx *l, const json_t *o)
{
    const json_t *use = json_object_get(o, "use");
    const json_t *ops = json_object_get(o, "key_ops"), *v;
    bool verify = false;
    char shown[80];
    size_t i;

    if (jwt_jis(use, "enc"))
        return jwk_skip(l, LOGL_INFO, "use \"enc\": for encryption");
    if (use != NULL && !jwt_jis(use, "sig"))
        return jwk_skip(l, LOGL_WARN, "use %s (only \"sig\")",
                        jwk_shown(use, shown, sizeof shown));
    if (ops == NULL)
        return 0;
    if (json_is_array(ops))
        json_array_foreach(ops, i, v)
        {
            verify = verify || jwt_jis(v, "verify");
        }
    if (!verify)
        return jwk_skip(l, LOGL_WARN, "key_ops without \"verify\"");
    return 0;
}

static int
jwk_alg(struct jwk_ctx *l, const json_t *o, const struct jwt_alg **alg)
{
    const json_t *v = json_object_get(o, "alg");
    char shown[80];
    struct bytes b;

    *alg = NULL;
    if (v == NULL)
        return 0;
    if (jwt_jstr(v, &b))
        *alg = jwt_alg_find(b.p, b.n);
    if (*alg == NULL)
        return jwk_skip(l, LOGL_WARN, "alg %s not supported",
                        jwk_shown(v, shown, sizeof shown));
    return 0;
}

/* Whether k may check a signature of alg a (jwks_find's rules). */
static bool
jwk_fits(const struct jwk *k, const struct jwt_alg *a)
{
    if (k->alg != NULL && k->alg != a)
        return false;
    switch (a->fam) {
    case FAM_RS:
    case FAM_PS:
        return k->kty == JWK_RSA;
    case FAM_ES:
        return k->kty == JWK_EC && k->curve == a->hash;
    case FAM_ED:
        return k->kty == JWK_OKP;
    case FAM_HS:
        return k->kty == JWK_OCT && k->secret_len >= jwt_hash_len[a->hash];
    }
    return false;
}

/* RFC 7517 9.2 and RFC 7518 6.3.2, 6.2.2, RFC 8037 2: private members. */
static void
jwk_private(struct jwk_ctx *l, const json_t *o)
{
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};

    for (size_t i = 0; i < NELEM(priv); i++)
        if (json_object_get(o, priv[i]) != NULL) {
            diag_report(l->d, LOGL_WARN, 0,
                        "%s has private parts; only the public key is used",
                        l->label);
            return;
        }
}

/* One element of "keys" into *k; -1 (reported) when it is skipped. */
static int
jwk_parse_one(struct jwk_ctx *l, const json_t *o, struct jwk *k)
{
    static int (*const material[])(struct jwk_ctx *, const json_t *,
                                   struct jwk *) = {
        [JWK_RSA] = jwk_rsa,
        [JWK_EC] = jwk_ec,
        [JWK_OKP] = jwk_okp,
        [JWK_OCT] = jwk_oct,
    };
    const struct jwt_alg *alg;

    if (!json_is_object(o))
        return jwk_skip(l, LOGL_WARN, "not a JSON object");
    if (jwk_kid(l, o, k) < 0 || jwk_kty(l, o, k) < 0 || jwk_purpose(l, o) < 0 ||
        jwk_alg(l, o, &alg) < 0)
        return -1;
    if (k->kty != JWK_OCT)
        jwk_private(l, o);
    if (material[k->kty](l, o, k) < 0)
        return -1;
    if (alg != NULL && !jwk_fits(k, alg))
        return jwk_skip(l, LOGL_WARN, "alg \"%s\" does not fit this key",
                        alg->name);
    k->alg = alg;
    return 0;
}

static void
jwk_clear(struct jwk *k)
{
    EVP_PKEY_free(k->pkey);
    if (k->secret != NULL)
        jwk_bytes_free(k->secret, k->secret_len);
    util_wipe(k, sizeof *k);
}

/* RFC 7515 4.1.4 wants a kid to pick one key: two keys with it, neither. */
static void
jwks_dups(struct jwks *s, struct diag *d)
{
    for (size_t j = 0; j < s->n; j++) {
        struct jwk *b = &s->keys[j];

        for (size_t i = 0; b->has_kid && i < j; i++) {
            struct jwk *a = &s->keys[i];

            if (!a->has_kid || a->kid_len != b->kid_len ||
                memcmp(a->kid, b->kid, a->kid_len) != 0)
                continue;
            if (!b->dup)
                diag_report(d, LOGL_WARN, 0,
                            "key %zu has the kid of key %zu: neither is used",
                            b->index, a->index);
            a->dup = b->dup = true;
        }
    }
    for (size_t i = 0; i < s->n; i++)
        s->usable += !s->keys[i].dup;
}

static struct jwks *
jwks_new(struct diag *d, size_t n)
{
    struct jwks *s = calloc(1, sizeof *s);
    bool ok = s != NULL;

    if (ok)
        s->keys = calloc(n > 0 ? n : 1, sizeof *s->keys);
    ok = ok && s->keys != NULL;
    for (size_t i = 0; ok && i < NELEM(s->md); i++)
        ok = (s->md[i] = EVP_MD_fetch(NULL, jwt_hash_name[i], NULL)) != NULL;
    if (!ok) {
        diag_report(d, LOGL_ERROR, 0, "out of memory");
        jwks_free(s);
        return NULL;
    }
    return s;
}

/* Every element of keys into s; -1 when out of memory. */
static int
jwks_fill(struct jwks *s, struct diag *d, const json_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(keys, i);
        struct jwk_ctx l = {d, i, false, ""};
        struct jwk *k = &s->keys[s->n];

        jwk_label(&l, o);
        k->set = s;
        k->index = i;
        if (jwk_parse_one(&l, o, k) == 0)
            s->n++;
        else
            jwk_clear(k);
        if (l.oom)
            return -1;
    }
    jwks_dups(s, d);
    if (s->usable == 0)
        diag_report(d, LOGL_WARN, 0, "no usable key: every token is refused");
    return 0;
}

/* jansson's message, without the text it quotes (it could be a secret). */
static void
jwks_json_error(struct diag *d, const json_error_t *e)
{
    const char *near = strstr(e->text, " near ");
    int cut = near != NULL ? (int)(near - e->text) : (int)strlen(e->text);

    diag_report(d, LOGL_ERROR, e->line > 0 ? (unsigned)e->line : 0,
                "not JSON: %.*s (column %d)", cut, e->text, e->column);
}

struct jwks *
jwks_parse(const char *name, const char *data, size_t len, diag_fn *diag,
           void *diag_ctx)
{
    struct diag d;
    json_error_t err;
    const json_t *keys;
    struct jwks *s = NULL;
    json_t *root;
    size_t n;

    diag_init(&d, diag, diag_ctx, name, 0);
    root = json_loadb(data != NULL ? data : "", data != NULL ? len : 0,
                      JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        jwks_json_error(&d, &err);
        return NULL;
    }
    keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        diag_report(&d, LOGL_ERROR, 0, "not a JWK Set: no \"keys\" array");
        goto done;
    }
    n = json_array_size(keys);
    if (n > JWKS_KEYS_MAX) {
        diag_report(&d, LOGL_WARN, 0, "%zu keys: only the first %d are read", n,
                    JWKS_KEYS_MAX);
        n = JWKS_KEYS_MAX;
    }
    s = jwks_new(&d, n);
    if (s != NULL && jwks_fill(s, &d, keys, n) < 0) {
        jwks_free(s);
        s = NULL;
    }
done:
    json_decref(root);
    return s;
}

struct jwks *
jwks_load(const char *path, diag_fn *diag, void *diag_ctx)
{
    char err[256];
    size_t len = 0;
    char *buf = file_read(path, JWKS_FILE_MAX, &len, NULL, err, sizeof err);
    struct jwks *s;

    if (buf == NULL) {
        if (diag != NULL)
            diag(diag_ctx, LOGL_ERROR, path, 0, err);
        return NULL;
    }
    s = jwks_parse(path, buf, len, diag, diag_ctx);
    file_free(buf, len);
    return s;
}

size_t
jwks_count(const struct jwks *s)
{
    return s != NULL ? s->usable : 0;
}

static const struct jwk *
jwks_by_kid(const struct jwks *s, const struct jwt *j, const struct jwt_alg *a,
            enum jwt_result *why)
{
    size_t n = strnlen(j->kid, sizeof j->kid);

    for (size_t i = 0; i < s->n; i++) {
        const struct jwk *k = &s->keys[i];

        if (!k->has_kid || k->kid_len != n || memcmp(k->kid, j->kid, n) != 0)
            continue;
        if (k->dup)
            return NULL;
        if (!jwk_fits(k, a)) {
            *why = JWT_ALG;
            return NULL;
        }
        return k;
    }
    return NULL;
}

const struct jwk *
jwks_find(const struct jwks *s, const struct jwt *j, enum jwt_result *why)
{
    const struct jwk *found = NULL;
    const struct jwt_alg *a;
    enum jwt_result dummy;
    size_t fits = 0;

    if (why == NULL)
        why = &dummy;
    *why = JWT_NO_KEY;
    if (s == NULL || j == NULL)
        return NULL;
    a = jwt_alg_find(j->alg, strnlen(j->alg, sizeof j->alg));
    if (a == NULL) {
        *why = JWT_ALG;
        return NULL;
    }
    if (j->kid[0] != '\0')
        return jwks_by_kid(s, j, a, why);
    for (size_t i = 0; i < s->n; i++)
        if (!s->keys[i].dup && jwk_fits(&s->keys[i], a)) {
            found = &s->keys[i];
            fits++;
        }
    return fits == 1 ? found : NULL;
}

const unsigned char *
jwk_id(const struct jwk *k)
{
    return k != NULL ? k->id : NULL;
}

bool
jwks_holds(const struct jwks *s, const char *kid, const unsigned char *id)
{
    if (s == NULL || kid == NULL || id == NULL)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        const struct jwk *k = &s->keys[i];

        if (k->dup || (kid[0] != '\0' && (!k->has_kid || strcmp(k->kid, kid))))
            continue;
        if (memcmp(k->id, id, JWK_ID_LEN) == 0)
            return true;
    }
    return false;
}

/* --------------------------------------------------------- signatures -- */

static bool
jwt_all_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;

    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. */
static bool
jwt_pss(EVP_PKEY_CTX *pc, const EVP_MD *md)
{
    return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) > 0;
}

/* sig[0..n) over the signing input with k's public key. */
static enum jwt_result
jwt_verify_pkey(const struct jwk *k, const struct jwt_alg *a,
                const unsigned char *sig, size_t n, const struct jwt *j)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    const EVP_MD *md = a->fam == FAM_ED ? NULL : k->set->md[a->hash];
    enum jwt_result r = JWT_INTERNAL;
    int v;

    if (mc == NULL || EVP_DigestVerifyInit(mc, &pc, md, NULL, k->pkey) != 1 ||
        (a->fam == FAM_PS && !jwt_pss(pc, md)))
        goto done;
    v = EVP_DigestVerify(mc, sig, n, (const unsigned char *)j->signing_input.p,
                         j->signing_input.n);
    r = v == 1 ? JWT_OK : JWT_BAD_SIGNATURE;
done:
    EVP_MD_CTX_free(mc);
    if (r != JWT_OK)
        ERR_clear_error();
    return r;
}

/* RFC 7518 3.4: R || S, each exactly the curve's width, made DER. */
static enum jwt_result
jwt_verify_es(const struct jwk *k, const struct jwt_alg *a, const struct jwt *j)
{
    size_t w = jwk_curves[k->curve].width;
    ECDSA_SIG *es;
    BIGNUM *r, *s;
    unsigned char *der = NULL;
    enum jwt_result res = JWT_INTERNAL;
    int dlen;

    if (j->sig_len != 2 * w)
        return JWT_BAD_SIGNATURE;
    /* CVE-2022-21449: r = 0 or s = 0 passed a broken check; never here. */
    if (jwt_all_zero(j->sig, w) || jwt_all_zero(j->sig + w, w))
        return JWT_BAD_SIGNATURE;
    es = ECDSA_SIG_new();
    r = BN_bin2bn(j->sig, (int)w, NULL);
    s = BN_bin2bn(j->sig + w, (int)w, NULL);
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
    } else if ((dlen = i2d_ECDSA_SIG(es, &der)) > 0) {
        res = jwt_verify_pkey(k, a, der, (size_t)dlen, j);
    }
    ECDSA_SIG_free(es);
    OPENSSL_free(der);
    return res;
}

/* RFC 7518 3.2: the whole tag, compared in constant time. */
static enum jwt_result
jwt_verify_hs(const struct jwk *k, const struct jwt_alg *a, const struct jwt *j)
{
    unsigned char tag[EVP_MAX_MD_SIZE];
    unsigned taglen = 0;
    enum jwt_result r = JWT_INTERNAL;

    if (HMAC(k->set->md[a->hash], k->secret, (int)k->secret_len,
             (const unsigned char *)j->signing_input.p, j->signing_input.n, tag,
             &taglen) != NULL)
        /* The length is public (the alg fixes it); the bytes are not. */
        r = j->sig_len == taglen && CRYPTO_memcmp(tag, j->sig, taglen) == 0
                ? JWT_OK
                : JWT_BAD_SIGNATURE;
    util_wipe(tag, sizeof tag);
    return r;
}

enum jwt_result
jwt_verify(const struct jwk *k, const struct jwt *j)
{
    const struct jwt_alg *a;

    if (k == NULL || j == NULL || j->signing_input.p == NULL)
        return JWT_INTERNAL;
    a = jwt_alg_find(j->alg, strnlen(j->alg, sizeof j->alg));
    if (a == NULL || !jwk_fits(k, a) || j->sig_len > sizeof j->sig)
        return JWT_INTERNAL;
    switch (a->fam) {
    case FAM_HS:
        return jwt_verify_hs(k, a, j);
    case FAM_ES:
        return jwt_verify_es(k, a, j);
    case FAM_ED:
        if (j->sig_len != 64) /* RFC 8032 5.1.6 */
            return JWT_BAD_SIGNATURE;
        break;
    case FAM_RS:
    case FAM_PS:
        /* RFC 8017 8.1.2, 8.2.2: exactly as long as the modulus. */
        if (j->sig_len != (size_t)EVP_PKEY_get_size(k->pkey))
            return JWT_BAD_SIGNATURE;
        break;
    }
    return jwt_verify_pkey(k, a, j->sig, j->sig_len, j);
}

void
jwks_free(struct jwks *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        jwk_clear(&s->keys[i]);
    free(s->keys);
    for (size_t i = 0; i < NELEM(s->md); i++)
        EVP_MD_free(s->md[i]);
    free(s);
}
