/*
 * verify: password hashes. The only file that includes <crypt.h>.
 * libxcrypt for yescrypt, bcrypt, sha512/sha256/md5-crypt and DES; nettle for
 * Apache's $apr1$, {SHA} and {SSHA}.
 */
#ifndef FCGI_AUTHD_VERIFY_H
#define FCGI_AUTHD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

enum hash_kind {
    HASH_INVALID,       /* not a hash we can check */
    HASH_LOCKED,        /* starts with '!' or '*': a locked account */
    HASH_YESCRYPT,      /* $y$ */
    HASH_GOST_YESCRYPT, /* $gy$ */
    HASH_SCRYPT,        /* $7$ */
    HASH_BCRYPT,        /* $2y$ $2b$ $2a$ */
    HASH_SHA512,        /* $6$ */
    HASH_SHA256,        /* $5$ */
    HASH_MD5,           /* $1$ */
    HASH_APR1,          /* $apr1$ (Apache htpasswd default) */
    HASH_SHA1,          /* {SHA} base64(sha1(pw)) */
    HASH_SSHA,          /* {SSHA} base64(sha1(pw salt) salt) (nginx) */
    HASH_DES,           /* 13 characters of traditional crypt */
    HASH_PLAIN,         /* {PLAIN}password (nginx) */
};

enum verify_result {
    VERIFY_OK,          /* the password matches */
    VERIFY_MISMATCH,    /* it does not (also: unusable password bytes) */
    VERIFY_UNSUPPORTED, /* the stored hash cannot be checked */
    VERIFY_ERROR,       /* an internal failure: answer 500 */
};

/* bcrypt only reads this many password bytes; longer ones are refused. */
#define VERIFY_BCRYPT_MAX 72

/*
 * Classify a stored hash hash[0..n) by its prefix and shape (lengths and
 * alphabets), without computing anything. A recognised prefix with a
 * malformed body (a truncated "$6$salt$", a DES salt of 2 characters) is
 * HASH_INVALID.
 */
enum hash_kind verify_classify(const char *hash, size_t n);

/*
 * The work factor of a stored hash: bcrypt's cost (4..31), sha-crypt's
 * rounds (5000 when absent); 0 for kinds without one we read.
 */
unsigned long verify_cost(enum hash_kind kind, const char *hash, size_t n);

/* Short name for logs: "yescrypt", "bcrypt", "apr1", ... */
const char *verify_kind_name(enum hash_kind kind);

/* Per-thread state (a heap struct crypt_data). */
struct verify_ctx;
struct verify_ctx *verify_ctx_new(void);
void verify_ctx_free(struct verify_ctx *ctx);

/*
 * Check password pw[0..pwlen) against the NUL-terminated stored hash of the
 * given kind (from verify_classify). The computed hash is compared whole
 * with the whole stored one in constant time. A password containing NUL, or
 * longer than VERIFY_BCRYPT_MAX for bcrypt, is VERIFY_MISMATCH without
 * hashing. HASH_INVALID and HASH_LOCKED are VERIFY_UNSUPPORTED. Intermediate
 * buffers are wiped.
 */
enum verify_result verify_password(struct verify_ctx *ctx, enum hash_kind kind,
                                   const char *stored, const char *pw,
                                   size_t pwlen);

/* The longest password crypt(3) takes (CRYPT_MAX_PASSPHRASE_SIZE - 1). */
#define VERIFY_PASSWORD_MAX 511

/* Room for any hash verify_hash_new writes, its NUL included. */
#define VERIFY_HASH_NEW_MAX 128

/*
 * The costs verify_hash_new accepts for each method it writes (0 asks for
 * the default): yescrypt's libxcrypt cost (each step doubles the work; never
 * below libxcrypt's default), bcrypt's log2 rounds (at least 10, OWASP's
 * floor), sha512-crypt's rounds (at least the default 5000). The highest
 * are fcgi-authd's default caps (max_bcrypt_cost, max_crypt_rounds): the
 * tool never writes an entry the daemon refuses by default.
 */
#define VERIFY_YESCRYPT_COST_MIN     5
#define VERIFY_YESCRYPT_COST_MAX     11
#define VERIFY_YESCRYPT_COST_DEFAULT 5
#define VERIFY_BCRYPT_COST_MIN       10
#define VERIFY_BCRYPT_COST_MAX       16
#define VERIFY_BCRYPT_COST_DEFAULT   12
#define VERIFY_SHA512_ROUNDS_MIN     5000
#define VERIFY_SHA512_ROUNDS_MAX     5000000UL
#define VERIFY_SHA512_ROUNDS_DEFAULT 5000

/*
 * Hash password pw[0..pwlen) for a new entry with a fresh random salt
 * (crypt_gensalt_ra, which reads the kernel's CSPRNG) and write the
 * NUL-terminated hash to out[0..outcap) (VERIFY_HASH_NEW_MAX is always
 * enough). Only methods fit for new entries: HASH_YESCRYPT, HASH_BCRYPT
 * (written as $2y$, the prefix Apache's htpasswd writes and every reader
 * takes) and HASH_SHA512; cost 0 is the method's default, otherwise it must
 * lie in the range above. The hash is checked to classify as kind before
 * it is handed out. Returns 0, or -1 with errno: EINVAL for another kind, a
 * cost out of range or a password holding NUL (crypt(3) would cut it
 * there); E2BIG for a password longer than VERIFY_PASSWORD_MAX, or than
 * VERIFY_BCRYPT_MAX for bcrypt (never silently cut); ERANGE when out is too
 * small; ENOMEM or another errno when libxcrypt fails. On failure out holds
 * an empty string (when outcap > 0). The copy of the password is wiped.
 */
int verify_hash_new(enum hash_kind kind, unsigned long cost, const char *pw,
                    size_t pwlen, char *out, size_t outcap);

/*
 * Make the dummy hash used for unknown users (yescrypt, the default method,
 * random salt and password). Call once at start-up; returns 0 or -1.
 */
int verify_dummy_init(void);

/*
 * Spend the same work as verifying pw against a real default-method hash.
 * Always VERIFY_MISMATCH, or VERIFY_ERROR on an internal failure.
 */
enum verify_result verify_dummy(struct verify_ctx *ctx, const char *pw,
                                size_t pwlen);

#endif
