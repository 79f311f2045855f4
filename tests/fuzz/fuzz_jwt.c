/*
 * fuzz_jwt: jwt_decode, then jwks_find and jwt_verify, and jwks_parse, on
 * any bytes.
 *
 * The input is copied into a buffer of exactly its size, so ASan sees any
 * read past the n bytes jwt_decode is given. Checked:
 *   - jwt_decode answers a value of the enum; an input longer than
 *     BEARER_TOKEN_MAX is JWT_MALFORMED;
 *   - on JWT_OK: alg is one of the allowed ones; alg, kid, jti, user and
 *     groups are NUL-terminated inside their arrays; user is 1 to
 *     JWT_USER_MAX bytes without a control byte and user_len is its
 *     length; groups_len is the length of groups, which holds non-empty
 *     names without control bytes joined by single commas; kid, when set,
 *     has no control byte; 0 < sig_len <= JWT_SIG_MAX; signing_input is
 *     the input up to its last '.', holding exactly one other '.'; exp +
 *     leeway is after now;
 *   - on a refusal: no user, no groups, no signature, no signing input;
 *   - jwks_find against a fixed set (tests/jwt/jose.h's fixed keys, plus
 *     RSA and P-384/P-521 keys; the seeds ok_fixed_* verify under it)
 *     gives a key with an id or says JWT_NO_KEY / JWT_ALG, and jwt_verify
 *     with that key says JWT_OK or JWT_BAD_SIGNATURE;
 *   - jwks_parse on the same bytes never crashes; a set it returns has at
 *     most 256 usable keys, answers jwks_find (the same rules), and frees.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../jwt/hostile.h"
#include "bearer.h"
#include "fuzz.h"
#include "jwt.h"

static struct jwks *fuzz_set;

static const struct jwt_policy fuzz_policy = {
    .issuer = HOSTILE_ISS,
    .audience = HOSTILE_AUD,
    .leeway = HOSTILE_LEEWAY,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char set[8 * JOSE_JWK_MAX];
    char jwk[4][JOSE_JWK_MAX];
    struct jose_fixed f;
    EVP_PKEY *k[3];
    size_t n;

    (void)argc;
    (void)argv;
    jose_fixed_init(&f);
    k[0] = jose_gen_rsa(2048);
    k[1] = jose_gen_ec("P-384");
    k[2] = jose_gen_ec("P-521");
    jose_jwk(k[0], "\"kid\":\"fz-rsa\"", jwk[0], sizeof jwk[0]);
    jose_jwk(k[1], "\"kid\":\"fz-ec384\"", jwk[1], sizeof jwk[1]);
    jose_jwk(k[2], "", jwk[2], sizeof jwk[2]);
    n = jose_fixed_jwks(&f, jwk[3], sizeof jwk[3]);
    /* {"keys":[fixed...]} with the others put before the fixed ones. */
    jwk[3][n - 2] = '\0';
    snprintf(set, sizeof set, "{\"keys\":[%s,%s,%s,%s]}", jwk[0], jwk[1],
             jwk[2], jwk[3] + strlen("{\"keys\":["));
    fuzz_set = jwks_parse("fuzz.jwks", set, strlen(set), fuzz_diag_quiet, NULL);
    FUZZ_ASSERT(fuzz_set != NULL && jwks_count(fuzz_set) == 6);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(k[i]);
    jose_fixed_free(&f);
    return 0;
}

static bool
terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool
alg_allowed(const char *alg)
{
    static const char *const ok[] = {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
        "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"};

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(alg, ok[i]) == 0)
            return true;
    return false;
}

/* Non-empty names, no control bytes, one comma between two names. */
static bool
groups_ok(const char *g, size_t n)
{
    if (n == 0)
        return true;
    if (g[0] == ',' || g[n - 1] == ',' || strstr(g, ",,") != NULL)
        return false;
    return !fuzz_has_ctl(g, n);
}

static size_t
count_dots(const char *p, size_t n)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += p[i] == '.';
    return c;
}

static void
check_ok(const char *t, size_t n, const struct jwt *j)
{
    FUZZ_ASSERT(terminated(j->alg, sizeof j->alg) && alg_allowed(j->alg));
    FUZZ_ASSERT(terminated(j->kid, sizeof j->kid));
    FUZZ_ASSERT(!fuzz_has_ctl(j->kid, strlen(j->kid)));
    FUZZ_ASSERT(terminated(j->jti, sizeof j->jti));
    FUZZ_ASSERT(terminated(j->user, sizeof j->user));
    FUZZ_ASSERT(j->user_len == strlen(j->user));
    FUZZ_ASSERT(j->user_len >= 1 && j->user_len <= JWT_USER_MAX);
    FUZZ_ASSERT(!fuzz_has_ctl(j->user, j->user_len));
    FUZZ_ASSERT(terminated(j->groups, sizeof j->groups));
    FUZZ_ASSERT(j->groups_len == strlen(j->groups));
    FUZZ_ASSERT(groups_ok(j->groups, j->groups_len));
    FUZZ_ASSERT(j->sig_len > 0 && j->sig_len <= JWT_SIG_MAX);
    FUZZ_ASSERT(j->signing_input.p == t && j->signing_input.n < n);
    FUZZ_ASSERT(t[j->signing_input.n] == '.');
    FUZZ_ASSERT(count_dots(t, j->signing_input.n) == 1);
    FUZZ_ASSERT(count_dots(t, n) == 2);
    FUZZ_ASSERT(j->exp > HOSTILE_NOW - HOSTILE_LEEWAY);
}

static void
check_refused(const struct jwt *j)
{
    FUZZ_ASSERT(terminated(j->alg, sizeof j->alg));
    FUZZ_ASSERT(j->alg[0] == '\0' || alg_allowed(j->alg));
    FUZZ_ASSERT(terminated(j->kid, sizeof j->kid));
    FUZZ_ASSERT(terminated(j->jti, sizeof j->jti));
    FUZZ_ASSERT(j->user[0] == '\0' && j->user_len == 0);
    FUZZ_ASSERT(j->groups[0] == '\0' && j->groups_len == 0);
    FUZZ_ASSERT(j->sig_len == 0 && j->signing_input.p == NULL);
}

static void
check_keys(const struct jwks *s, const struct jwt *j)
{
    enum jwt_result why = JWT_OK, v;
    const struct jwk *k = jwks_find(s, j, &why);

    if (k == NULL) {
        FUZZ_ASSERT(why == JWT_NO_KEY || why == JWT_ALG);
        return;
    }
    FUZZ_ASSERT(jwk_id(k) != NULL);
    v = jwt_verify(k, j);
    FUZZ_ASSERT(v == JWT_OK || v == JWT_BAD_SIGNATURE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size > 0 ? size : 1);
    struct jwks *s;
    struct jwt j;
    enum jwt_result r;

    if (t == NULL)
        abort();
    memcpy(t, data, size);
    memset(&j, 0xa5, sizeof j);
    r = jwt_decode(t, size, &fuzz_policy, HOSTILE_NOW, &j);
    FUZZ_ASSERT(r >= JWT_OK && r <= JWT_INTERNAL && r != JWT_INTERNAL);
    FUZZ_ASSERT(size <= BEARER_TOKEN_MAX || r == JWT_MALFORMED);
    if (r == JWT_OK) {
        check_ok(t, size, &j);
        check_keys(fuzz_set, &j);
    } else {
        check_refused(&j);
    }
    s = jwks_parse("fuzz.jwks", t, size, fuzz_diag_quiet, NULL);
    if (s != NULL) {
        FUZZ_ASSERT(jwks_count(s) <= 256);
        if (r == JWT_OK)
            check_keys(s, &j);
    }
    jwks_free(s);
    jwt_clear(&j);
    free(t);
    return 0;
}
