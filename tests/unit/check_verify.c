/*
 * check_verify: hash classification and password verification.
 *
 * Hashes of the libxcrypt methods are made at test time with crypt_rn, at
 * low cost; $apr1$, {SHA}, {SSHA} and a few cross-checks are fixed vectors
 * made with `openssl passwd -apr1`, `openssl sha1 -binary | base64` and
 * Apache's `htpasswd -nb[B25ms]`.
 */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static struct verify_ctx *ctx;

static void
setup(void)
{
    ctx = verify_ctx_new();
    ck_assert_ptr_nonnull(ctx);
}

static void
teardown(void)
{
    verify_ctx_free(ctx);
    ctx = NULL;
}

/* A fresh hash of pw (a C string) with the method of prefix. */
static char *
make_hash(const char *prefix, unsigned long count, const char *pw)
{
    struct crypt_data *d = calloc(1, sizeof *d);
    char *setting, *out, *h;

    ck_assert_ptr_nonnull(d);
    setting = crypt_gensalt_ra(prefix, count, NULL, 0);
    ck_assert_msg(setting != NULL, "gensalt %s", prefix);
    out = crypt_rn(pw, setting, d, (int)sizeof *d);
    ck_assert_msg(out != NULL && out[0] != '*', "crypt %s", prefix);
    h = strdup(out);
    ck_assert_ptr_nonnull(h);
    free(setting);
    free(d);
    return h;
}

static enum verify_result
check_pw(const char *stored, const char *pw, size_t n)
{
    return verify_password(ctx, verify_classify(stored, strlen(stored)), stored,
                           pw, n);
}

#define CHECK(stored, pw) check_pw(stored, pw, strlen(pw))

/* ------------------------------------------------------ classification -- */

/* A 43-character yescrypt/scrypt hash part and an 86-character sha512 one. */
#define H43 "dglafgNAjcot9tK1bAgNeHP/S.i1H8asenIFlSn0DD5"
#define H86                                                                    \
    "jGvQx7BDgoqPomaIQRj9goZuDsG/iGqnAXDUbVZmGLmyHxBirMhzVDCcGL3ChAWb9Rzlr"    \
    "Y39SlUwfJfb46O9s1"
#define BC53 "SP2.pQAYVo4xt0pWw.g7v.vRG03Y46PuFh0aR4saHyrIoKBYLRAWC"

static const struct {
    const char *hash;
    enum hash_kind kind;
} classify_cases[] = {
    {"", HASH_INVALID},
    {"!", HASH_LOCKED},
    {"*", HASH_LOCKED},
    {"*LK*", HASH_LOCKED},
    {"!$6$Dup0N7J3J4TcUP60$" H86, HASH_LOCKED},
    {"!{PLAIN}secret", HASH_LOCKED},

    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51$" H43, HASH_YESCRYPT},
    {"$y$", HASH_INVALID},
    {"$y$j9T$", HASH_INVALID},
    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51", HASH_INVALID},
    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51$", HASH_INVALID},
    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51$dglafgNAjcot9tK1", HASH_INVALID},
    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51$" H43 "x", HASH_INVALID},
    {"$y$j9T$$" H43, HASH_INVALID},
    {"$y$$g2Q9KjmLkgFYVICNSbJr51$" H43, HASH_INVALID},
    {"$gy$j9T$QsLhEPzsSOxsYn2ivu8dc0$" H43, HASH_GOST_YESCRYPT},
    {"$gy$j9T$QsLhEPzsSOxsYn2ivu8dc0$", HASH_INVALID},
    {"$7$CU..../....5cGKyxQSh0ueKZ/TtQvCE.$" H43, HASH_SCRYPT},
    {"$7$CU..../....5cGKyxQSh0ueKZ/TtQvCE.$", HASH_INVALID},
    {"$7$", HASH_INVALID},

    {"$2b$05$" BC53, HASH_BCRYPT},
    {"$2y$05$" BC53, HASH_BCRYPT},
    {"$2a$05$" BC53, HASH_BCRYPT},
    {"$2b$04$" BC53, HASH_BCRYPT},
    {"$2b$31$" BC53, HASH_BCRYPT},
    {"$2x$05$" BC53, HASH_INVALID},
    {"$2$05$" BC53, HASH_INVALID},
    {"$2b$03$" BC53, HASH_INVALID},
    {"$2b$32$" BC53, HASH_INVALID},
    {"$2b$5$" BC53, HASH_INVALID},
    {"$2b$05$", HASH_INVALID},
    {"$2b$05$SP2.pQAYVo4xt0pWw.g7v.", HASH_INVALID},
    {"$2b$05$" BC53 "x", HASH_INVALID},
    {"$2b$05$SP2.pQAYVo4xt0pWw.g7v.vRG03Y46PuFh0aR4saHyrIoKBYLRAW",
     HASH_INVALID},
    {"$2b$05$SP2+pQAYVo4xt0pWw.g7v.vRG03Y46PuFh0aR4saHyrIoKBYLRAWC",
     HASH_INVALID},

    {"$6$Dup0N7J3J4TcUP60$" H86, HASH_SHA512},
    {"$6$rounds=1000$abc$" H86, HASH_SHA512},
    {"$6$rounds=999999999$abc$" H86, HASH_SHA512},
    {"$6$a$" H86, HASH_SHA512},
    {"$6$rounds=999$abc$" H86, HASH_INVALID},
    {"$6$rounds=01000$abc$" H86, HASH_INVALID},
    {"$6$rounds=$abc$" H86, HASH_INVALID},
    {"$6$rounds=1000$" H86, HASH_INVALID},
    {"$6$$" H86, HASH_INVALID},
    {"$6$abcdefghijklmnopq$" H86, HASH_INVALID},
    {"$6$saltsalt$", HASH_INVALID},
    {"$6$saltsalt", HASH_INVALID},
    {"$6$salt$", HASH_INVALID},
    {"$6$", HASH_INVALID},
    {"$6$Dup0N7J3J4TcUP60$" H43, HASH_INVALID},
    {"$6$Dup0N7J3J4TcUP60$" H86 "a", HASH_INVALID},
    {"$6$Dup:N7J3J4TcUP60$" H86, HASH_INVALID},
    {"$5$.mQqt2aH72Miq7LQ$f9X.DzbBVY/c5UHNIboyXTeg.kofkyGAD6ltqpSrMw.",
     HASH_SHA256},
    {"$5$rounds=5000$x$/cBhd5GcW3piDgPuh0MUtkW8cGNHV1SzlwHMIYtAf73",
     HASH_SHA256},
    {"$5$.mQqt2aH72Miq7LQ$" H86, HASH_INVALID},
    {"$5$.mQqt2aH72Miq7LQ$", HASH_INVALID},

    {"$1$oZDrzRU8$ivrrrNwsvqSLGMJ0gsh4W1", HASH_MD5},
    {"$1$$F0Fc2lbYpzr3KKdKkM0Wj.", HASH_MD5},
    {"$1$oZDrzRU8$", HASH_INVALID},
    {"$1$oZDrzRU8$ivrrrNwsvqSLGMJ0gsh4W", HASH_INVALID},
    {"$1$oZDrzRU89$ivrrrNwsvqSLGMJ0gsh4W1", HASH_INVALID},
    {"$1$", HASH_INVALID},

    {"$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.", HASH_APR1},
    {"$apr1$8chSALTs$OsArtxu96xpG17DVawqX6/", HASH_APR1},
    {"$apr1$$Xxd1irWT9ycqoYxGFn4cb.", HASH_INVALID},
    {"$apr1$salt$", HASH_INVALID},
    {"$apr1$salt", HASH_INVALID},
    {"$apr1$salt$Xxd1irWT9ycqoYxGFn4cb", HASH_INVALID},
    {"$apr1$9chSALTss$OsArtxu96xpG17DVawqX6/", HASH_INVALID},
    {"$APR1$salt$Xxd1irWT9ycqoYxGFn4cb.", HASH_INVALID},

    {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", HASH_SHA1},
    {"{SHA}", HASH_INVALID},
    {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", HASH_INVALID},
    {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfR=", HASH_INVALID}, /* stray bits */
    {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=A", HASH_INVALID},
    {"{SHA}+rvziNkZ1S+q3I9Y4L7TlBR47kZOYUNsMTIzNA==", HASH_INVALID},
    {"{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=", HASH_INVALID},

    {"{SSHA}+rvziNkZ1S+q3I9Y4L7TlBR47kZOYUNsMTIzNA==", HASH_SSHA},
    {"{SSHA}N9RTmKf0o8uUIDalreIskamWQgAA", HASH_SSHA},
    {"{SSHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", HASH_INVALID}, /* no salt */
    {"{SSHA}", HASH_INVALID},
    {"{SSHA}+rvziNkZ1S+q3I9Y4L7TlBR47kZOYUNsMTIzNA=", HASH_INVALID},

    {"abzlUXK5ed5rs", HASH_DES},
    {"lnm8omP1NaEXQ", HASH_DES},
    {"ab", HASH_INVALID},
    {"abzlUXK5ed5r", HASH_INVALID},
    {"abzlUXK5ed5rsx", HASH_INVALID},
    {"abzlUXK5ed5r+", HASH_INVALID},
    {"abzlUXK5ed5r:", HASH_INVALID},

    {"{PLAIN}secret", HASH_PLAIN},
    {"{PLAIN}", HASH_INVALID},
    {"{plain}secret", HASH_INVALID},

    {"secret", HASH_INVALID},
    {"$3$$8cc19b6a8cfeac299c2871c86b38de28", HASH_INVALID},
    {"$sha1$256047$QNduyZgTuVs08Pw9xSOE$bCP4YOyvikboli77pJfHWTpLNc5a",
     HASH_INVALID},
    {"$md5,rounds=66503$aZnhclWP$$BiNuw6Yka.WNz9Y9Yc6wu.", HASH_INVALID},
    {"_J9..CCCCXBrJUJV154M", HASH_INVALID}, /* BSDi extended DES */
    {" $1$oZDrzRU8$ivrrrNwsvqSLGMJ0gsh4W1", HASH_INVALID},
    {"$1$oZDrzRU8$ivrrrNwsvqSLGMJ0gsh4W1 ", HASH_INVALID},
};

START_TEST(verify_classify_table)
{
    const char *h = classify_cases[_i].hash;

    ck_assert_msg(verify_classify(h, strlen(h)) == classify_cases[_i].kind,
                  "classify \"%s\": got %s, want %s", h,
                  verify_kind_name(verify_classify(h, strlen(h))),
                  verify_kind_name(classify_cases[_i].kind));
}
END_TEST

/* The length is the caller's; bytes after it do not count, NUL does. */
START_TEST(verify_classify_uses_length)
{
    static const char md5[] = "$1$oZDrzRU8$ivrrrNwsvqSLGMJ0gsh4W1XYZ";
    static const char nul[] = "{PLAIN}ab\0cd";

    ck_assert_int_eq(verify_classify(md5, 34), HASH_MD5);
    ck_assert_int_eq(verify_classify(md5, 33), HASH_INVALID);
    ck_assert_int_eq(verify_classify(md5, sizeof md5 - 1), HASH_INVALID);
    ck_assert_int_eq(verify_classify(nul, sizeof nul - 1), HASH_INVALID);
    ck_assert_int_eq(verify_classify(nul, 9), HASH_PLAIN);
    ck_assert_int_eq(verify_classify(NULL, 0), HASH_INVALID);
}
END_TEST

START_TEST(verify_kind_names)
{
    int k;

    for (k = HASH_INVALID; k <= HASH_PLAIN; k++) {
        const char *n = verify_kind_name((enum hash_kind)k);

        ck_assert_ptr_nonnull(n);
        ck_assert_uint_gt(strlen(n), 0);
    }
    ck_assert_str_eq(verify_kind_name(HASH_YESCRYPT), "yescrypt");
    ck_assert_str_eq(verify_kind_name(HASH_BCRYPT), "bcrypt");
    ck_assert_str_eq(verify_kind_name(HASH_APR1), "apr1");
}
END_TEST

/* -------------------------------------------------- libxcrypt methods -- */

static const struct {
    const char *prefix;
    unsigned long count; /* low, to keep the suite fast */
    enum hash_kind kind;
} xcrypt_cases[] = {
    {"$y$", 0, HASH_YESCRYPT},  {"$gy$", 0, HASH_GOST_YESCRYPT},
    {"$7$", 0, HASH_SCRYPT},    {"$2b$", 4, HASH_BCRYPT},
    {"$2y$", 4, HASH_BCRYPT},   {"$2a$", 4, HASH_BCRYPT},
    {"$6$", 1000, HASH_SHA512}, {"$5$", 1000, HASH_SHA256},
    {"$1$", 0, HASH_MD5},       {"", 0, HASH_DES},
};

START_TEST(verify_xcrypt_right_and_wrong)
{
    const char *prefix = xcrypt_cases[_i].prefix;
    char *h = make_hash(prefix, xcrypt_cases[_i].count, "s3cret!");

    ck_assert_int_eq(verify_classify(h, strlen(h)), xcrypt_cases[_i].kind);
    ck_assert_int_eq(CHECK(h, "s3cret!"), VERIFY_OK);
    ck_assert_int_eq(CHECK(h, "s3cret?"), VERIFY_MISMATCH);
    ck_assert_int_eq(CHECK(h, "S3cret!"), VERIFY_MISMATCH);
    ck_assert_int_eq(CHECK(h, ""), VERIFY_MISMATCH);
    ck_assert_int_eq(CHECK(h, "s3cret"), VERIFY_MISMATCH);
    /* DES reads 8 bytes only, so a longer password would still match. */
    if (xcrypt_cases[_i].kind != HASH_DES)
        ck_assert_int_eq(CHECK(h, "s3cret!!"), VERIFY_MISMATCH);
    /* The context is reusable, and wiping it between calls is harmless. */
    ck_assert_int_eq(CHECK(h, "s3cret!"), VERIFY_OK);
    free(h);
}
END_TEST

/* The password reaches crypt whole: an embedded NUL is a mismatch. */
START_TEST(verify_embedded_nul_mismatch)
{
    const char *prefix = xcrypt_cases[_i].prefix;
    char *h = make_hash(prefix, xcrypt_cases[_i].count, "secret");

    ck_assert_int_eq(check_pw(h, "secret", 6), VERIFY_OK);
    ck_assert_int_eq(check_pw(h, "secret\0xyz", 10), VERIFY_MISMATCH);
    ck_assert_int_eq(check_pw(h, "secret\0", 7), VERIFY_MISMATCH);
    ck_assert_int_eq(check_pw(h, "\0secret", 7), VERIFY_MISMATCH);
    free(h);
}
END_TEST

/*
 * Every prefix of a real hash ("$6$salt$", "$6$salt$abc", ...) is refused:
 * a verifier comparing only strlen(stored) bytes would accept any password
 * against "$6$salt$".
 */
START_TEST(verify_truncated_never_matches)
{
    const char *prefix = xcrypt_cases[_i].prefix;
    enum hash_kind kind = xcrypt_cases[_i].kind;
    char *h = make_hash(prefix, xcrypt_cases[_i].count, "pw");
    size_t n = strlen(h), k;

    for (k = 0; k < n; k++) {
        char *t = strndup(h, k);

        ck_assert_ptr_nonnull(t);
        ck_assert_msg(verify_classify(t, k) == HASH_INVALID, "prefix %s", t);
        ck_assert_int_eq(CHECK(t, "pw"), VERIFY_UNSUPPORTED);
        /* Even a caller that claims the kind gets no match. */
        ck_assert_int_ne(verify_password(ctx, kind, t, "pw", 2), VERIFY_OK);
        ck_assert_int_ne(verify_password(ctx, kind, t, "", 0), VERIFY_OK);
        free(t);
    }
    free(h);
}
END_TEST

static const struct {
    const char *stored;
    enum hash_kind kind;
} truncated_cases[] = {
    {"$6$saltsalt$", HASH_SHA512},
    {"$6$saltsalt", HASH_SHA512},
    {"$6$", HASH_SHA512},
    {"$5$saltsalt$", HASH_SHA256},
    {"$1$saltsalt$", HASH_MD5},
    {"$1$", HASH_MD5},
    {"$2b$04$", HASH_BCRYPT},
    {"$2b$04$abcdefghijklmnopqrstuu", HASH_BCRYPT},
    {"$y$j9T$", HASH_YESCRYPT},
    {"$y$j9T$g2Q9KjmLkgFYVICNSbJr51$", HASH_YESCRYPT},
    {"$apr1$salt$", HASH_APR1},
    {"$apr1$salt", HASH_APR1},
    {"{SHA}", HASH_SHA1},
    {"{SSHA}", HASH_SSHA},
    {"ab", HASH_DES},
    {"{PLAIN}", HASH_PLAIN},
    {"", HASH_PLAIN},
};

START_TEST(verify_truncated_table)
{
    const char *t = truncated_cases[_i].stored;
    static const char *const pws[] = {"", "pw", "saltsalt", "ab"};
    size_t j;

    ck_assert_int_eq(verify_classify(t, strlen(t)), HASH_INVALID);
    for (j = 0; j < sizeof pws / sizeof pws[0]; j++) {
        ck_assert_int_eq(CHECK(t, pws[j]), VERIFY_UNSUPPORTED);
        ck_assert_int_ne(verify_password(ctx, truncated_cases[_i].kind, t,
                                         pws[j], strlen(pws[j])),
                         VERIFY_OK);
    }
}
END_TEST

/* bcrypt reads 72 bytes: a longer password must not match on its prefix. */
START_TEST(verify_bcrypt_over_72_mismatch)
{
    char pw[VERIFY_BCRYPT_MAX + 2];
    struct crypt_data *d = calloc(1, sizeof *d);
    char *h, *raw;

    ck_assert_ptr_nonnull(d);
    memset(pw, 'k', VERIFY_BCRYPT_MAX);
    pw[VERIFY_BCRYPT_MAX] = '\0';
    h = make_hash("$2b$", 4, pw);
    ck_assert_int_eq(CHECK(h, pw), VERIFY_OK);

    pw[VERIFY_BCRYPT_MAX] = 'X';
    pw[VERIFY_BCRYPT_MAX + 1] = '\0';
    /* libxcrypt alone would accept it: the guard is ours. */
    raw = crypt_rn(pw, h, d, (int)sizeof *d);
    ck_assert_ptr_nonnull(raw);
    ck_assert_str_eq(raw, h);
    ck_assert_int_eq(CHECK(h, pw), VERIFY_MISMATCH);
    free(d);
    free(h);
}
END_TEST

/* Passwords up to 511 bytes work; longer ones are refused. */
START_TEST(verify_long_password)
{
    char pw[600];
    char *h;

    memset(pw, 'q', sizeof pw - 1);
    pw[sizeof pw - 1] = '\0';
    pw[511] = '\0';
    h = make_hash("$6$", 1000, pw);
    ck_assert_int_eq(check_pw(h, pw, 511), VERIFY_OK);
    pw[511] = 'q';
    ck_assert_int_eq(check_pw(h, pw, 512), VERIFY_MISMATCH);
    ck_assert_int_eq(check_pw(h, pw, sizeof pw - 1), VERIFY_MISMATCH);
    free(h);
}
END_TEST

/* ------------------------------------------------------ fixed vectors -- */

static const struct {
    const char *stored;
    const char *pw;
    size_t pwlen;
} vectors[] = {
    /* openssl passwd -apr1 -salt SALT PASSWORD, across MD5 block edges */
    {"$apr1$Fo0bAr12$augwrOUWJtRVZUmkYrHKq1", "", 0},
    {"$apr1$x$16j9.5e7KiXmuYFAYpPJM/", "a", 1},
    {"$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.", "password", 8},
    {"$apr1$8chSALTs$OsArtxu96xpG17DVawqX6/", "0123456789abcde", 15},
    {"$apr1$AbCd$FrA0PUyFjSRlHFXu4S.wD1", "0123456789abcdef", 16},
    {"$apr1$Q$rzh5Mp1R.VC3kgB8B0DFG.", "0123456789abcdef0", 17},
    {"$apr1$zz/.9.Zz$6qjn1MmwDeyTpcM6K5K4f/",
     "ppppppppppppppppppppppppppppppppp", 33},
    {"$apr1$s4lt$Rqa//vo21UEWMX8WPGROz.",
     "longlonglonglonglonglonglonglonglonglonglonglonglong"
     "longlonglonglonglonglonglonglonglonglonglonglonglong",
     100},
    {"$apr1$UTF8salt$iDDK8/yUcnnpcjp3mAwQX/", "p\xc3\xa4ssw\xc3\xb6rd", 10},
    /* htpasswd -nb{m,s,B,2,5} u 'correct horse' */
    {"$apr1$MfeTVxz3$prQp7cUBKpNbSeBeC5Yuc/", "correct horse", 13},
    {"{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=", "correct horse", 13},
    {"$2y$04$fv2RwyhjztI/2j.PQcW3eODeDt7SjQuKOoy0aAcGeVd/farxdhGsq",
     "correct horse", 13},
    {"$5$LiF3kpO.tItZ8ntn$kJJosDHB8C2V3qVZMhNSKeulbmK7QZwLW/rBSMMOvL4",
     "correct horse", 13},
    {"$6$qm60SUM6LXFfJxAg$po8oe7ZhfTfmfAOaHy0tBZirCcJQ9JBjRimhTHBGYRuI6Mf2SE94"
     "mpwQnygqCMID4BgXtlIecNxukmx2lsa79/",
     "correct horse", 13},
    /* printf secret | openssl sha1 -binary | base64 */
    {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", 6},
    {"{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "", 0},
    /* base64(sha1(pw salt) salt), checked with openssl */
    {"{SSHA}+rvziNkZ1S+q3I9Y4L7TlBR47kZOYUNsMTIzNA==", "secret", 6},
    {"{SSHA}N9RTmKf0o8uUIDalreIskamWQgAA", "secret", 6},
    {"{SSHA}+eb5ACYrx5fNO/sM8QNFs5UGjmf//gABc2FsdA==", "", 0},
    {"{PLAIN}secret", "secret", 6},
    {"{PLAIN}with:colon and space", "with:colon and space", 20},
};

START_TEST(verify_vectors_right_and_wrong)
{
    const char *h = vectors[_i].stored;
    const char *pw = vectors[_i].pw;
    size_t n = vectors[_i].pwlen;
    char wrong[128];

    ck_assert_int_ne(verify_classify(h, strlen(h)), HASH_INVALID);
    ck_assert_int_eq(check_pw(h, pw, n), VERIFY_OK);
    /* One more byte, one byte less, one byte changed. */
    memcpy(wrong, pw, n);
    wrong[n] = 'x';
    ck_assert_int_eq(check_pw(h, wrong, n + 1), VERIFY_MISMATCH);
    if (n > 0) {
        ck_assert_int_eq(check_pw(h, pw, n - 1), VERIFY_MISMATCH);
        wrong[n - 1] ^= 1;
        ck_assert_int_eq(check_pw(h, wrong, n), VERIFY_MISMATCH);
        wrong[n - 1] ^= 1;
        /* secret\0x: the NUL is refused, not a truncation. */
        wrong[n] = '\0';
        ck_assert_int_eq(check_pw(h, wrong, n + 1), VERIFY_MISMATCH);
    }
}
END_TEST

/* md5-crypt and $apr1$ differ only in the magic: same salt, other hash. */
START_TEST(verify_apr1_is_not_md5crypt)
{
    ck_assert_int_eq(CHECK("$1$salt$qJH7.N4xYta3aEG/dfqo/0", "password"),
                     VERIFY_OK);
    ck_assert_int_eq(CHECK("$apr1$salt$qJH7.N4xYta3aEG/dfqo/0", "password"),
                     VERIFY_MISMATCH);
    ck_assert_int_eq(CHECK("$1$salt$Xxd1irWT9ycqoYxGFn4cb.", "password"),
                     VERIFY_MISMATCH);
}
END_TEST

/* ---------------------------------------------------------- contracts -- */

START_TEST(verify_unsupported_kinds)
{
    ck_assert_int_eq(verify_password(ctx, HASH_LOCKED, "!x", "x", 1),
                     VERIFY_UNSUPPORTED);
    ck_assert_int_eq(verify_password(ctx, HASH_LOCKED, "*", "", 0),
                     VERIFY_UNSUPPORTED);
    ck_assert_int_eq(verify_password(ctx, HASH_INVALID, "secret", "secret", 6),
                     VERIFY_UNSUPPORTED);
    ck_assert_int_eq(CHECK("!{PLAIN}secret", "secret"), VERIFY_UNSUPPORTED);
    ck_assert_int_eq(CHECK("!$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.", "password"),
                     VERIFY_UNSUPPORTED);
}
END_TEST

/*
 * The kind must be the stored hash's own: claiming {PLAIN} for a bcrypt
 * hash must not turn the hash text into a password.
 */
START_TEST(verify_kind_must_match_hash)
{
    static const char bc[] = "$2b$05$" BC53;
    static const char sha[] = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=";

    ck_assert_int_eq(
        verify_password(ctx, HASH_PLAIN, bc, bc + 7, strlen(bc + 7)),
        VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_PLAIN, sha, sha + 7, 26),
                     VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_SSHA, sha, "secret", 6),
                     VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_SHA1, sha, "secret", 6),
                     VERIFY_OK);
}
END_TEST

START_TEST(verify_bad_arguments)
{
    ck_assert_int_eq(verify_password(NULL, HASH_PLAIN, "{PLAIN}x", "x", 1),
                     VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_PLAIN, NULL, "x", 1),
                     VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_PLAIN, "{PLAIN}x", NULL, 1),
                     VERIFY_ERROR);
    ck_assert_int_eq(verify_password(ctx, HASH_PLAIN, "{PLAIN}x", NULL, 0),
                     VERIFY_MISMATCH);
    verify_ctx_free(NULL);
}
END_TEST

START_TEST(verify_dummy_mismatch)
{
    static const char *const pws[] = {"", "password", "secret\0x"};
    size_t j;

    ck_assert_int_eq(verify_dummy_init(), 0);
    for (j = 0; j < sizeof pws / sizeof pws[0]; j++)
        ck_assert_int_eq(verify_dummy(ctx, pws[j], strlen(pws[j])),
                         VERIFY_MISMATCH);
    ck_assert_int_eq(verify_dummy(ctx, "secret\0x", 8), VERIFY_MISMATCH);
    ck_assert_int_eq(verify_dummy(NULL, "x", 1), VERIFY_ERROR);
    /* A second init (a restart of the daemon's set-up) is harmless. */
    ck_assert_int_eq(verify_dummy_init(), 0);
    ck_assert_int_eq(verify_dummy(ctx, "x", 1), VERIFY_MISMATCH);
}
END_TEST

/* ------------------------------------------------------ new hashes -- */

/* verify_hash_new: each method it writes, at a cost it accepts. */
static const struct {
    enum hash_kind kind;
    unsigned long cost;
    const char *prefix; /* what the hash must start with */
} new_cases[] = {
    {HASH_YESCRYPT, 0, "$y$j9T$"},
    {HASH_YESCRYPT, VERIFY_YESCRYPT_COST_MIN, "$y$j9T$"},
    {HASH_BCRYPT, 0, "$2y$12$"},
    {HASH_BCRYPT, VERIFY_BCRYPT_COST_MIN, "$2y$10$"},
    {HASH_SHA512, 0, "$6$"},
    {HASH_SHA512, 6000, "$6$rounds=6000$"},
};

START_TEST(verify_hash_new_reads_back)
{
    static const char pw[] = "correct horse battery staple";
    char h1[VERIFY_HASH_NEW_MAX], h2[VERIFY_HASH_NEW_MAX];
    enum hash_kind kind = new_cases[_i].kind;

    ck_assert_int_eq(verify_hash_new(kind, new_cases[_i].cost, pw, strlen(pw),
                                     h1, sizeof h1),
                     0);
    ck_assert_msg(
        strncmp(h1, new_cases[_i].prefix, strlen(new_cases[_i].prefix)) == 0,
        "%s does not start with %s", h1, new_cases[_i].prefix);
    ck_assert_int_eq(verify_classify(h1, strlen(h1)), kind);
    ck_assert_int_eq(verify_password(ctx, kind, h1, pw, strlen(pw)), VERIFY_OK);
    ck_assert_int_eq(verify_password(ctx, kind, h1, pw, strlen(pw) - 1),
                     VERIFY_MISMATCH);
    /* A fresh random salt each time. */
    ck_assert_int_eq(verify_hash_new(kind, new_cases[_i].cost, pw, strlen(pw),
                                     h2, sizeof h2),
                     0);
    ck_assert_str_ne(h1, h2);
    ck_assert_int_eq(verify_password(ctx, kind, h2, pw, strlen(pw)), VERIFY_OK);
}
END_TEST

/* Refused: legacy and read-only kinds, costs out of range, bad passwords. */
static const struct {
    enum hash_kind kind;
    unsigned long cost;
    size_t pwlen; /* of a password of 'a's; SIZE_MAX: "sec\0ret" */
    int err;
} refused_cases[] = {
    {HASH_APR1, 0, 8, EINVAL},
    {HASH_MD5, 0, 8, EINVAL},
    {HASH_SHA1, 0, 8, EINVAL},
    {HASH_SSHA, 0, 8, EINVAL},
    {HASH_DES, 0, 8, EINVAL},
    {HASH_PLAIN, 0, 8, EINVAL},
    {HASH_SHA256, 0, 8, EINVAL},
    {HASH_SCRYPT, 0, 8, EINVAL},
    {HASH_GOST_YESCRYPT, 0, 8, EINVAL},
    {HASH_LOCKED, 0, 8, EINVAL},
    {HASH_INVALID, 0, 8, EINVAL},
    {HASH_BCRYPT, VERIFY_BCRYPT_COST_MIN - 1, 8, EINVAL},
    {HASH_BCRYPT, 5, 8, EINVAL},
    {HASH_BCRYPT, VERIFY_BCRYPT_COST_MAX + 1, 8, EINVAL},
    {HASH_YESCRYPT, VERIFY_YESCRYPT_COST_MIN - 1, 8, EINVAL},
    {HASH_YESCRYPT, VERIFY_YESCRYPT_COST_MAX + 1, 8, EINVAL},
    {HASH_SHA512, VERIFY_SHA512_ROUNDS_MIN - 1, 8, EINVAL},
    {HASH_SHA512, VERIFY_SHA512_ROUNDS_MAX + 1, 8, EINVAL},
    {HASH_YESCRYPT, 0, SIZE_MAX, EINVAL},
    {HASH_BCRYPT, 0, SIZE_MAX, EINVAL},
    {HASH_BCRYPT, 0, VERIFY_BCRYPT_MAX + 1, E2BIG},
    {HASH_YESCRYPT, 0, VERIFY_PASSWORD_MAX + 1, E2BIG},
    {HASH_SHA512, 0, VERIFY_PASSWORD_MAX + 1, E2BIG},
};

START_TEST(verify_hash_new_refuses)
{
    static const char nul[] = "sec\0ret";
    char pw[VERIFY_PASSWORD_MAX + 2];
    char out[VERIFY_HASH_NEW_MAX];
    size_t n = refused_cases[_i].pwlen;
    const char *p = pw;

    memset(pw, 'a', sizeof pw);
    if (n == SIZE_MAX) {
        p = nul;
        n = sizeof nul - 1;
    }
    memset(out, 'x', sizeof out);
    errno = 0;
    ck_assert_int_eq(verify_hash_new(refused_cases[_i].kind,
                                     refused_cases[_i].cost, p, n, out,
                                     sizeof out),
                     -1);
    ck_assert_int_eq(errno, refused_cases[_i].err);
    /* Nothing half-made is handed out. */
    ck_assert_str_eq(out, "");
}
END_TEST

/* The limits themselves are accepted, and the whole password counts. */
START_TEST(verify_hash_new_limits)
{
    char pw[VERIFY_PASSWORD_MAX + 1];
    char out[VERIFY_HASH_NEW_MAX];

    memset(pw, 'b', sizeof pw);
    ck_assert_int_eq(verify_hash_new(HASH_BCRYPT, VERIFY_BCRYPT_COST_MIN, pw,
                                     VERIFY_BCRYPT_MAX, out, sizeof out),
                     0);
    ck_assert_int_eq(
        verify_password(ctx, HASH_BCRYPT, out, pw, VERIFY_BCRYPT_MAX),
        VERIFY_OK);
    ck_assert_int_eq(verify_hash_new(HASH_YESCRYPT, 0, pw, VERIFY_PASSWORD_MAX,
                                     out, sizeof out),
                     0);
    ck_assert_int_eq(
        verify_password(ctx, HASH_YESCRYPT, out, pw, VERIFY_PASSWORD_MAX),
        VERIFY_OK);
    /* The last byte of a 511-byte password is not ignored. */
    pw[VERIFY_PASSWORD_MAX - 1] = 'c';
    ck_assert_int_eq(
        verify_password(ctx, HASH_YESCRYPT, out, pw, VERIFY_PASSWORD_MAX),
        VERIFY_MISMATCH);
    /* The empty password is the caller's policy, not a hashing error. */
    ck_assert_int_eq(verify_hash_new(HASH_SHA512, 0, NULL, 0, out, sizeof out),
                     0);
    ck_assert_int_eq(verify_password(ctx, HASH_SHA512, out, "", 0), VERIFY_OK);
    /* The most costly sha512 setting still fits VERIFY_HASH_NEW_MAX. */
    ck_assert_int_lt(sizeof "$6$rounds=999999999$" - 1 + 16 + 1 + 86,
                     VERIFY_HASH_NEW_MAX);
}
END_TEST

START_TEST(verify_hash_new_bad_arguments)
{
    char out[VERIFY_HASH_NEW_MAX];

    errno = 0;
    ck_assert_int_eq(verify_hash_new(HASH_SHA512, 0, "pw", 2, NULL, 10), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(verify_hash_new(HASH_SHA512, 0, NULL, 2, out, sizeof out),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    /* Too small for the hash: nothing written but the empty string. */
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(verify_hash_new(HASH_SHA512, 0, "pw", 2, out, 20), -1);
    ck_assert_int_eq(errno, ERANGE);
    ck_assert_str_eq(out, "");
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc;

    tc = tcase_create("classify");
    tcase_add_loop_test(tc, verify_classify_table, 0, NELEM(classify_cases));
    tcase_add_test(tc, verify_classify_uses_length);
    tcase_add_test(tc, verify_kind_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("password");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* yescrypt and scrypt cost 16+ MiB each; valgrind makes that slow. */
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, verify_xcrypt_right_and_wrong, 0,
                        NELEM(xcrypt_cases));
    tcase_add_loop_test(tc, verify_embedded_nul_mismatch, 0,
                        NELEM(xcrypt_cases));
    tcase_add_loop_test(tc, verify_vectors_right_and_wrong, 0, NELEM(vectors));
    tcase_add_test(tc, verify_apr1_is_not_md5crypt);
    tcase_add_test(tc, verify_bcrypt_over_72_mismatch);
    tcase_add_test(tc, verify_long_password);
    tcase_add_test(tc, verify_unsupported_kinds);
    tcase_add_test(tc, verify_kind_must_match_hash);
    tcase_add_test(tc, verify_bad_arguments);
    tcase_add_test(tc, verify_dummy_mismatch);
    suite_add_tcase(s, tc);

    tc = tcase_create("truncated");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, verify_truncated_never_matches, 0,
                        NELEM(xcrypt_cases));
    tcase_add_loop_test(tc, verify_truncated_table, 0, NELEM(truncated_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("hash_new");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, verify_hash_new_reads_back, 0, NELEM(new_cases));
    tcase_add_loop_test(tc, verify_hash_new_refuses, 0, NELEM(refused_cases));
    tcase_add_test(tc, verify_hash_new_limits);
    tcase_add_test(tc, verify_hash_new_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(verify_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
