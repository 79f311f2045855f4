#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>

#include "b64.h"
#include "util.h"
#include "verify.h"

/*
 * The alphabet of crypt(3)'s base64 ("./0-9A-Za-z", in that order: md5-crypt
 * and $apr1$ encode with this table).
 */
static const char crypt_b64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Longest password handed to crypt_rn, without its NUL. */
#define VERIFY_PW_MAX (CRYPT_MAX_PASSPHRASE_SIZE - 1)
_Static_assert(VERIFY_PW_MAX == VERIFY_PASSWORD_MAX,
               "VERIFY_PASSWORD_MAX must follow libxcrypt");
_Static_assert(VERIFY_HASH_NEW_MAX <= CRYPT_OUTPUT_SIZE,
               "a new hash is a crypt_rn output");

/* {SSHA}: 20 bytes of digest and a salt; this bounds the whole decoding. */
#define SSHA_DECODED_MAX 512
#define SSHA_ENCODED_MAX (SSHA_DECODED_MAX / 3 * 4)

/* $apr1$ and $1$: at most 8 salt characters, then 22 of hash. */
#define MD5_SALT_MAX 8
#define MD5_HASH_LEN 22
#define APR1_MAGIC   "$apr1$"
#define APR1_OUT_MAX (sizeof APR1_MAGIC - 1 + MD5_SALT_MAX + 1 + MD5_HASH_LEN)

struct verify_ctx {
    struct crypt_data data;
};

/*
 * The dummy hash for unknown users. Written once by verify_dummy_init before
 * workers start, read-only afterwards.
 */
static char dummy_hash[CRYPT_OUTPUT_SIZE];
static bool dummy_ready;

/* ------------------------------------------------------ classification -- */

static bool
is_crypt_b64(char c)
{
    return (c >= '.' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/* Length of the run of crypt-base64 characters at s[0..n). */
static size_t
crypt_b64_span(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_crypt_b64(s[i]))
        i++;
    return i;
}

static bool
has_prefix(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);

    return n >= l && memcmp(s, lit, l) == 0;
}

/*
 * "salt$hash" at s[0..n): a salt of smin..smax crypt-base64 characters, one
 * '$', and exactly hlen crypt-base64 characters to the end.
 */
static bool
salt_hash_ok(const char *s, size_t n, size_t smin, size_t smax, size_t hlen)
{
    size_t slen = crypt_b64_span(s, n);

    if (slen < smin || slen > smax || slen >= n || s[slen] != '$')
        return false;
    s += slen + 1;
    n -= slen + 1;
    return n == hlen && crypt_b64_span(s, n) == hlen;
}

/*
 * $6$ and $5$: an optional "rounds=N$" (libxcrypt takes 1000..999999999
 * without leading zeroes and refuses anything else), a salt of 1..16
 * characters, '$' and the hash.
 */
static bool
shacrypt_ok(const char *s, size_t n, size_t hlen)
{
    static const char rounds[] = "rounds=";
    unsigned long r;
    const char *end;

    if (has_prefix(s, n, rounds)) {
        s += sizeof rounds - 1;
        n -= sizeof rounds - 1;
        end = memchr(s, '$', n);
        if (end == NULL || end == s || s[0] == '0' ||
            util_parse_ulong(s, (size_t)(end - s), 1000, 999999999UL, &r) != 0)
            return false;
        n -= (size_t)(end - s) + 1;
        s = end + 1;
    }
    return salt_hash_ok(s, n, 1, 16, hlen);
}

/* $2b$: a two-digit cost 04..31, '$', 22 characters of salt, 31 of hash. */
static bool
bcrypt_ok(const char *s, size_t n)
{
    int cost;

    if (n != 2 + 1 + 53 || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
        s[1] > '9' || s[2] != '$')
        return false;
    cost = (s[0] - '0') * 10 + (s[1] - '0');
    return cost >= 4 && cost <= 31 && crypt_b64_span(s + 3, 53) == 53;
}

/*
 * $y$ and $gy$: "params$salt$hash" with a 256-bit hash (43
 * characters). libxcrypt's crypt_checksalt judges the parameters themselves.
 */
static bool
yescrypt_ok(const char *s, size_t n)
{
    size_t plen = crypt_b64_span(s, n);

    if (plen == 0 || plen >= n || s[plen] != '$')
        return false;
    return salt_hash_ok(s + plen + 1, n - plen - 1, 1, SIZE_MAX, 43);
}

/* {SHA}: base64 of exactly 20 bytes. */
static bool
sha_ok(const char *s, size_t n)
{
    unsigned char buf[SHA1_DIGEST_SIZE + 1];
    size_t len = 0;
    bool ok;

    ok = n == 28 && b64_decode(s, n, buf, sizeof buf, &len) == 0 &&
         len == SHA1_DIGEST_SIZE;
    util_wipe(buf, sizeof buf);
    return ok;
}

/* {SSHA}: base64 of a 20-byte digest and a salt of at least one byte. */
static bool
ssha_ok(const char *s, size_t n)
{
    unsigned char buf[SSHA_DECODED_MAX];
    size_t len = 0;
    bool ok;

    ok = n <= SSHA_ENCODED_MAX &&
         b64_decode(s, n, buf, sizeof buf, &len) == 0 && len > SHA1_DIGEST_SIZE;
    util_wipe(buf, sizeof buf);
    return ok;
}

/*
 * Whether this libxcrypt can compute the method of hash[0..n): its own
 * judgement of the setting. A method left out of the build is
 * CRYPT_SALT_INVALID, so such an entry is refused at load, not at login.
 */
static bool
xcrypt_accepts(const char *hash, size_t n)
{
    char buf[CRYPT_OUTPUT_SIZE];
    int r;

    if (n >= sizeof buf)
        return false;
    memcpy(buf, hash, n);
    buf[n] = '\0';
    r = crypt_checksalt(buf);
    util_wipe(buf, sizeof buf);
    /* LEGACY ($5$, $1$, DES) and TOO_CHEAP still compute correctly. */
    return r == CRYPT_SALT_OK || r == CRYPT_SALT_METHOD_LEGACY ||
           r == CRYPT_SALT_TOO_CHEAP;
}

/* The shape of the libxcrypt kinds, before asking libxcrypt. */
static enum hash_kind
classify_xcrypt_shape(const char *h, size_t n)
{
    if (has_prefix(h, n, "$y$"))
        return yescrypt_ok(h + 3, n - 3) ? HASH_YESCRYPT : HASH_INVALID;
    if (has_prefix(h, n, "$gy$"))
        return yescrypt_ok(h + 4, n - 4) ? HASH_GOST_YESCRYPT : HASH_INVALID;
    /* $7$: N (1 character), r and p (5 each) before the salt. */
    if (has_prefix(h, n, "$7$")) {
        return n > 3 + 11 && crypt_b64_span(h + 3, 11) == 11 &&
                       salt_hash_ok(h + 3 + 11, n - 3 - 11, 0, SIZE_MAX, 43)
                   ? HASH_SCRYPT
                   : HASH_INVALID;
    }
    if (has_prefix(h, n, "$2b$") || has_prefix(h, n, "$2y$") ||
        has_prefix(h, n, "$2a$"))
        return bcrypt_ok(h + 4, n - 4) ? HASH_BCRYPT : HASH_INVALID;
    if (has_prefix(h, n, "$6$"))
        return shacrypt_ok(h + 3, n - 3, 86) ? HASH_SHA512 : HASH_INVALID;
    if (has_prefix(h, n, "$5$"))
        return shacrypt_ok(h + 3, n - 3, 43) ? HASH_SHA256 : HASH_INVALID;
    if (has_prefix(h, n, "$1$"))
        return salt_hash_ok(h + 3, n - 3, 0, MD5_SALT_MAX, MD5_HASH_LEN)
                   ? HASH_MD5
                   : HASH_INVALID;
    /* Traditional DES: 2 characters of salt and 11 of hash. */
    if (n == 13 && crypt_b64_span(h, n) == 13)
        return HASH_DES;
    return HASH_INVALID;
}

enum hash_kind
verify_classify(const char *hash, size_t n)
{
    enum hash_kind kind;

    if (hash == NULL || n == 0)
        return HASH_INVALID;
    /* First: "!$6$..." is a locked account whatever follows. */
    if (hash[0] == '!' || hash[0] == '*')
        return HASH_LOCKED;
    if (has_prefix(hash, n, "{PLAIN}")) {
        /*
         * An empty plaintext password is most likely a mistake; refuse it
         * rather than let an empty password in.
         */
        return n > 7 && memchr(hash, '\0', n) == NULL ? HASH_PLAIN
                                                      : HASH_INVALID;
    }
    if (has_prefix(hash, n, "{SHA}"))
        return sha_ok(hash + 5, n - 5) ? HASH_SHA1 : HASH_INVALID;
    if (has_prefix(hash, n, "{SSHA}"))
        return ssha_ok(hash + 6, n - 6) ? HASH_SSHA : HASH_INVALID;
    if (has_prefix(hash, n, APR1_MAGIC)) {
        return salt_hash_ok(hash + 6, n - 6, 1, MD5_SALT_MAX, MD5_HASH_LEN)
                   ? HASH_APR1
                   : HASH_INVALID;
    }
    kind = classify_xcrypt_shape(hash, n);
    if (kind != HASH_INVALID && !xcrypt_accepts(hash, n))
        return HASH_INVALID;
    return kind;
}

unsigned long
verify_cost(enum hash_kind kind, const char *hash, size_t n)
{
    static const char rounds[] = "rounds=";
    unsigned long v = 0;
    const char *end;

    switch (kind) {
    case HASH_BCRYPT:
        /* "$2b$NN$": classified, so the two digits are there. */
        if (n >= 7 && util_parse_ulong(hash + 4, 2, 4, 31, &v) == 0)
            return v;
        return 0;
    case HASH_SHA512:
    case HASH_SHA256:
        if (n < 3 + sizeof rounds - 1 ||
            memcmp(hash + 3, rounds, sizeof rounds - 1) != 0)
            return 5000;
        hash += 3 + sizeof rounds - 1;
        n -= 3 + sizeof rounds - 1;
        end = memchr(hash, '$', n);
        if (end == NULL || util_parse_ulong(hash, (size_t)(end - hash), 1,
                                            999999999UL, &v) < 0)
            return 0;
        return v;
    default:
        return 0;
    }
}

const char *
verify_kind_name(enum hash_kind kind)
{
    switch (kind) {
    case HASH_INVALID:
        return "invalid";
    case HASH_LOCKED:
        return "locked";
    case HASH_YESCRYPT:
        return "yescrypt";
    case HASH_GOST_YESCRYPT:
        return "gost-yescrypt";
    case HASH_SCRYPT:
        return "scrypt";
    case HASH_BCRYPT:
        return "bcrypt";
    case HASH_SHA512:
        return "sha512crypt";
    case HASH_SHA256:
        return "sha256crypt";
    case HASH_MD5:
        return "md5crypt";
    case HASH_APR1:
        return "apr1";
    case HASH_SHA1:
        return "sha1";
    case HASH_SSHA:
        return "ssha";
    case HASH_DES:
        return "des";
    case HASH_PLAIN:
        return "plain";
    }
    return "invalid";
}

/* ----------------------------------------------------------- contexts -- */

struct verify_ctx *
verify_ctx_new(void)
{
    /* calloc: crypt_rn wants a zeroed struct crypt_data the first time. */
    return calloc(1, sizeof(struct verify_ctx));
}

void
verify_ctx_free(struct verify_ctx *ctx)
{
    if (ctx == NULL)
        return;
    util_wipe(ctx, sizeof *ctx);
    free(ctx);
}

/* ------------------------------------------------------------- $apr1$ -- */

/* Append the low n*6 bits of v to out as crypt-base64, least first. */
static char *
to64(char *out, uint32_t v, int n)
{
    while (n-- > 0) {
        *out++ = crypt_b64[v & 0x3f];
        v >>= 6;
    }
    return out;
}

/*
 * Apache's $apr1$: Poul-Henning Kamp's md5-crypt with the magic "$apr1$"
 * (apr_md5_encode in apr-util). Writes the whole "$apr1$salt$hash" with its
 * NUL to out. salt is the stored salt (1..8 characters, checked by the
 * classifier).
 */
static void
apr1_crypt(const unsigned char *pw, size_t pwlen, const char *salt, size_t slen,
           char out[APR1_OUT_MAX + 1])
{
    static const unsigned char zero = 0;
    static const unsigned char perm[5][3] = {
        {0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}};
    const size_t mlen = sizeof APR1_MAGIC - 1;
    unsigned char fin[MD5_DIGEST_SIZE];
    struct md5_ctx ctx, ctx1;
    char *p;
    size_t i, step;

    md5_init(&ctx);
    md5_update(&ctx, pwlen, pw);
    md5_update(&ctx, mlen, (const unsigned char *)APR1_MAGIC);
    md5_update(&ctx, slen, (const unsigned char *)salt);

    md5_init(&ctx1);
    md5_update(&ctx1, pwlen, pw);
    md5_update(&ctx1, slen, (const unsigned char *)salt);
    md5_update(&ctx1, pwlen, pw);
    md5_digest(&ctx1, sizeof fin, fin);

    for (i = pwlen; i > 0; i -= step) {
        step = i > MD5_DIGEST_SIZE ? MD5_DIGEST_SIZE : i;
        md5_update(&ctx, step, fin);
    }

    /* The original hashes a byte of a zeroed buffer here, hence "zero". */
    for (i = pwlen; i > 0; i >>= 1) {
        if (i & 1)
            md5_update(&ctx, 1, &zero);
        else
            md5_update(&ctx, 1, pw);
    }
    md5_digest(&ctx, sizeof fin, fin);

    /* 1000 rounds "to slow things down" (phk's comment). */
    for (i = 0; i < 1000; i++) {
        md5_init(&ctx1);
        if (i & 1)
            md5_update(&ctx1, pwlen, pw);
        else
            md5_update(&ctx1, sizeof fin, fin);
        if (i % 3)
            md5_update(&ctx1, slen, (const unsigned char *)salt);
        if (i % 7)
            md5_update(&ctx1, pwlen, pw);
        if (i & 1)
            md5_update(&ctx1, sizeof fin, fin);
        else
            md5_update(&ctx1, pwlen, pw);
        md5_digest(&ctx1, sizeof fin, fin);
    }

    p = out;
    memcpy(p, APR1_MAGIC, mlen);
    p += mlen;
    memcpy(p, salt, slen);
    p += slen;
    *p++ = '$';
    for (i = 0; i < 5; i++)
        p = to64(p,
                 (uint32_t)fin[perm[i][0]] << 16 |
                     (uint32_t)fin[perm[i][1]] << 8 | fin[perm[i][2]],
                 4);
    p = to64(p, fin[11], 2);
    *p = '\0';

    util_wipe(fin, sizeof fin);
    util_wipe(&ctx, sizeof ctx);
    util_wipe(&ctx1, sizeof ctx1);
}

static enum verify_result
verify_apr1(const char *stored, const char *pw, size_t pwlen)
{
    char out[APR1_OUT_MAX + 1];
    const char *salt = stored + sizeof APR1_MAGIC - 1;
    const char *end = strchr(salt, '$');
    enum verify_result res = VERIFY_ERROR;

    if (end == NULL || end - salt > MD5_SALT_MAX)
        goto done;
    apr1_crypt((const unsigned char *)pw, pwlen, salt, (size_t)(end - salt),
               out);
    res = util_ct_equal(out, strlen(out), stored, strlen(stored))
              ? VERIFY_OK
              : VERIFY_MISMATCH;
done:
    util_wipe(out, sizeof out);
    return res;
}

/* ------------------------------------------------------ {SHA} {SSHA} -- */

static enum verify_result
verify_sha(const char *b64, const char *pw, size_t pwlen)
{
    unsigned char want[SHA1_DIGEST_SIZE + 1];
    unsigned char got[SHA1_DIGEST_SIZE];
    struct sha1_ctx ctx;
    size_t len = 0;
    enum verify_result res = VERIFY_ERROR;

    if (b64_decode(b64, strlen(b64), want, sizeof want, &len) != 0 ||
        len != SHA1_DIGEST_SIZE)
        goto done;
    sha1_init(&ctx);
    sha1_update(&ctx, pwlen, (const unsigned char *)pw);
    sha1_digest(&ctx, sizeof got, got);
    res =
        util_ct_equal(got, sizeof got, want, len) ? VERIFY_OK : VERIFY_MISMATCH;
done:
    util_wipe(want, sizeof want);
    util_wipe(got, sizeof got);
    util_wipe(&ctx, sizeof ctx);
    return res;
}

/* nginx's {SSHA}: base64(sha1(pw salt) salt). */
static enum verify_result
verify_ssha(const char *b64, const char *pw, size_t pwlen)
{
    unsigned char dec[SSHA_DECODED_MAX];
    unsigned char got[SHA1_DIGEST_SIZE];
    struct sha1_ctx ctx;
    size_t len = 0;
    enum verify_result res = VERIFY_ERROR;

    if (b64_decode(b64, strlen(b64), dec, sizeof dec, &len) != 0 ||
        len <= SHA1_DIGEST_SIZE)
        goto done;
    sha1_init(&ctx);
    sha1_update(&ctx, pwlen, (const unsigned char *)pw);
    sha1_update(&ctx, len - SHA1_DIGEST_SIZE, dec + SHA1_DIGEST_SIZE);
    sha1_digest(&ctx, sizeof got, got);
    res = util_ct_equal(got, sizeof got, dec, SHA1_DIGEST_SIZE)
              ? VERIFY_OK
              : VERIFY_MISMATCH;
done:
    util_wipe(dec, sizeof dec);
    util_wipe(got, sizeof got);
    util_wipe(&ctx, sizeof ctx);
    return res;
}

/* ----------------------------------------------------------- libxcrypt -- */

static enum verify_result
verify_xcrypt(struct verify_ctx *ctx, const char *stored, const char *pw,
              size_t pwlen)
{
    char phrase[CRYPT_MAX_PASSPHRASE_SIZE];
    const char *out;
    enum verify_result res = VERIFY_ERROR;

    /* The caller checked pwlen <= VERIFY_PW_MAX and that pw holds no NUL. */
    memcpy(phrase, pw, pwlen);
    phrase[pwlen] = '\0';
    out = crypt_rn(phrase, stored, &ctx->data, (int)sizeof ctx->data);
    /*
     * crypt_rn signals failure with NULL; a "*0"-style failure token is
     * refused too. Either means libxcrypt rejected a hash the classifier
     * accepted: ours to fix, so an error (500), not a mismatch.
     */
    if (out == NULL || out[0] == '*')
        goto done;
    /* Whole against whole: a truncated stored hash can never match. */
    res = util_ct_equal(out, strlen(out), stored, strlen(stored))
              ? VERIFY_OK
              : VERIFY_MISMATCH;
done:
    util_wipe(phrase, sizeof phrase);
    /* Output, the copied input and any scratch libxcrypt left behind. */
    util_wipe(&ctx->data, sizeof ctx->data);
    return res;
}

/* ---------------------------------------------------------------- API -- */

enum verify_result
verify_password(struct verify_ctx *ctx, enum hash_kind kind, const char *stored,
                const char *pw, size_t pwlen)
{
    size_t slen;

    if (kind == HASH_INVALID || kind == HASH_LOCKED)
        return VERIFY_UNSUPPORTED;
    if (ctx == NULL || stored == NULL || (pw == NULL && pwlen > 0))
        return VERIFY_ERROR;
    if (pw == NULL)
        pw = "";
    slen = strlen(stored);
    /*
     * The kind must describe this very hash: a stale or wrong kind could
     * send a real hash down the {PLAIN} path. Cheap next to any hashing.
     */
    if (verify_classify(stored, slen) != kind)
        return VERIFY_ERROR;
    /*
     * Refused without hashing. An embedded NUL would silently truncate the
     * password for crypt(3); bcrypt ignores everything after 72 bytes.
     */
    if (pwlen > VERIFY_PW_MAX || (pwlen > 0 && memchr(pw, '\0', pwlen)))
        return VERIFY_MISMATCH;
    if (kind == HASH_BCRYPT && pwlen > VERIFY_BCRYPT_MAX)
        return VERIFY_MISMATCH;

    switch (kind) {
    case HASH_APR1:
        return verify_apr1(stored, pw, pwlen);
    case HASH_SHA1:
        return verify_sha(stored + 5, pw, pwlen);
    case HASH_SSHA:
        return verify_ssha(stored + 6, pw, pwlen);
    case HASH_PLAIN:
        return util_ct_equal(pw, pwlen, stored + 7, slen - 7) ? VERIFY_OK
                                                              : VERIFY_MISMATCH;
    case HASH_YESCRYPT:
    case HASH_GOST_YESCRYPT:
    case HASH_SCRYPT:
    case HASH_BCRYPT:
    case HASH_SHA512:
    case HASH_SHA256:
    case HASH_MD5:
    case HASH_DES:
        return verify_xcrypt(ctx, stored, pw, pwlen);
    case HASH_INVALID:
    case HASH_LOCKED:
        break;
    }
    return VERIFY_UNSUPPORTED;
}

/*
 * The crypt_gensalt prefix and count for a new hash of this kind; -1 for a
 * kind not written or a cost out of range.
 */
static int
new_method(enum hash_kind kind, unsigned long cost, const char **prefix,
           unsigned long *count)
{
    unsigned long min, max, def;

    switch (kind) {
    case HASH_YESCRYPT:
        *prefix = "$y$";
        min = VERIFY_YESCRYPT_COST_MIN;
        max = VERIFY_YESCRYPT_COST_MAX;
        def = VERIFY_YESCRYPT_COST_DEFAULT;
        break;
    case HASH_BCRYPT:
        *prefix = "$2y$";
        min = VERIFY_BCRYPT_COST_MIN;
        max = VERIFY_BCRYPT_COST_MAX;
        def = VERIFY_BCRYPT_COST_DEFAULT;
        break;
    case HASH_SHA512:
        *prefix = "$6$";
        min = VERIFY_SHA512_ROUNDS_MIN;
        max = VERIFY_SHA512_ROUNDS_MAX;
        def = VERIFY_SHA512_ROUNDS_DEFAULT;
        break;
    default:
        return -1;
    }
    if (cost == 0)
        cost = def;
    if (cost < min || cost > max)
        return -1;
    *count = cost;
    return 0;
}

int
verify_hash_new(enum hash_kind kind, unsigned long cost, const char *pw,
                size_t pwlen, char *out, size_t outcap)
{
    char phrase[CRYPT_MAX_PASSPHRASE_SIZE];
    struct verify_ctx *ctx = NULL;
    char *setting = NULL;
    const char *prefix, *h;
    unsigned long count;
    size_t hlen;
    int err = EINVAL, rc = -1;

    if (out != NULL && outcap > 0)
        out[0] = '\0';
    if (out == NULL || (pw == NULL && pwlen > 0) ||
        new_method(kind, cost, &prefix, &count) != 0)
        goto done;
    if (pw == NULL)
        pw = "";
    /* An embedded NUL would end the password early for crypt(3). */
    if (pwlen > 0 && memchr(pw, '\0', pwlen) != NULL)
        goto done;
    /* bcrypt ignores every byte past 72: refused, never silently cut. */
    if (pwlen > VERIFY_PW_MAX ||
        (kind == HASH_BCRYPT && pwlen > VERIFY_BCRYPT_MAX)) {
        err = E2BIG;
        goto done;
    }
    memcpy(phrase, pw, pwlen);
    phrase[pwlen] = '\0';
    /* rbytes NULL: libxcrypt takes the salt from the kernel's CSPRNG. */
    errno = 0;
    setting = crypt_gensalt_ra(prefix, count, NULL, 0);
    ctx = verify_ctx_new();
    if (setting == NULL || ctx == NULL) {
        err = errno != 0 ? errno : ENOMEM;
        goto done;
    }
    h = crypt_rn(phrase, setting, &ctx->data, (int)sizeof ctx->data);
    if (h == NULL || h[0] == '*') {
        err = errno != 0 ? errno : EINVAL;
        goto done;
    }
    hlen = strlen(h);
    /* What is written must load: the daemon's own classifier decides. */
    if (verify_classify(h, hlen) != kind) {
        err = EINVAL;
        goto done;
    }
    if (hlen >= outcap) {
        err = ERANGE;
        goto done;
    }
    memcpy(out, h, hlen + 1);
    rc = 0;
done:
    util_wipe(phrase, sizeof phrase);
    free(setting);
    /* Wipes the copy of the password libxcrypt kept in its scratch. */
    verify_ctx_free(ctx);
    if (rc != 0)
        errno = err;
    return rc;
}

int
verify_dummy_init(void)
{
    unsigned char rnd[24];
    char phrase[2 * sizeof rnd + 1];
    struct verify_ctx *ctx = NULL;
    char *setting = NULL;
    const char *out;
    int rc = -1;

    /* Random bytes as hex: crypt_rn wants a C string. */
    if (util_random(rnd, sizeof rnd) != 0)
        goto done;
    util_hex_encode(rnd, sizeof rnd, phrase);

    /* The default method at its default cost, like a fresh real hash. */
    setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
    ctx = verify_ctx_new();
    if (setting == NULL || ctx == NULL)
        goto done;
    out = crypt_rn(phrase, setting, &ctx->data, (int)sizeof ctx->data);
    if (out == NULL || out[0] == '*' || strlen(out) >= sizeof dummy_hash ||
        verify_classify(out, strlen(out)) != HASH_YESCRYPT)
        goto done;
    memcpy(dummy_hash, out, strlen(out) + 1);
    dummy_ready = true;
    rc = 0;
done:
    util_wipe(rnd, sizeof rnd);
    util_wipe(phrase, sizeof phrase);
    free(setting);
    verify_ctx_free(ctx);
    return rc;
}

enum verify_result
verify_dummy(struct verify_ctx *ctx, const char *pw, size_t pwlen)
{
    enum verify_result res;

    if (!dummy_ready)
        return VERIFY_ERROR;
    /*
     * The very path of a real yescrypt user, refusals included, so the
     * time taken does not tell a known user from an unknown one.
     */
    res = verify_password(ctx, HASH_YESCRYPT, dummy_hash, pw, pwlen);
    return res == VERIFY_ERROR ? VERIFY_ERROR : VERIFY_MISMATCH;
}
