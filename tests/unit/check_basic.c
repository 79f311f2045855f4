/*
 * Unit tests for responder/basic.c: the HTTP Basic scheme (RFC 7617).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "basic.h"

/* Standard base64 with padding of src[0..n) into dst; returns its length. */
static size_t
enc64(const void *src, size_t n, char *dst)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = src;
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        dst[o++] = a[v >> 18 & 63];
        dst[o++] = a[v >> 12 & 63];
        dst[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
        dst[o++] = i + 2 < n ? a[v & 63] : '=';
    }
    dst[o] = '\0';
    return o;
}

/* "Basic " + base64(decoded[0..n)) into hdr. */
static size_t
basic_hdr(const void *decoded, size_t n, char *hdr)
{
    memcpy(hdr, "Basic ", 6);
    return 6 + enc64(decoded, n, hdr + 6);
}

static bool
all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void
assert_view(struct bytes v, const char *want, size_t wantlen)
{
    ck_assert_uint_eq(v.n, wantlen);
    ck_assert_ptr_nonnull(v.p);
    ck_assert_mem_eq(v.p, want, wantlen);
}

/* ------------------------------------------------- whole header strings -- */

static const struct {
    const char *hdr;
    enum basic_result rc;
    const char *user; /* on BASIC_OK */
    const char *password;
} hdr_cases[] = {
    /* RFC 7617 section 2 example. */
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OK, "Aladdin", "open sesame"},
    /* RFC 9110 11.1: the scheme is case-insensitive. */
    {"basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OK, "Aladdin", "open sesame"},
    {"BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OK, "Aladdin", "open sesame"},
    {"bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OK, "Aladdin", "open sesame"},
    /* One or more spaces after the scheme, optional trailing spaces. */
    {"Basic    QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OK, "Aladdin",
     "open sesame"},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==   ", BASIC_OK, "Aladdin",
     "open sesame"},
    {"Basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ== ", BASIC_OK, "Aladdin",
     "open sesame"},
    /* "user:" is an empty password, allowed. */
    {"Basic dXNlcjo=", BASIC_OK, "user", ""},
    /* RFC 7617 2: split at the first ':'; the password may hold ':'. */
    {"Basic YTpiOmM=", BASIC_OK, "a", "b:c"},
    {"Basic dTo6", BASIC_OK, "u", ":"},
    /* UTF-8 user and password ("jos\u00e9:p\u00e4ss"). */
    {"Basic am9zw6k6cMOkc3M=", BASIC_OK, "jos\xc3\xa9", "p\xc3\xa4ss"},

    /* Other schemes. */
    {"", BASIC_OTHER, NULL, NULL},
    {"B", BASIC_OTHER, NULL, NULL},
    {"Basi", BASIC_OTHER, NULL, NULL},
    {"Bearer x", BASIC_OTHER, NULL, NULL},
    {"Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OTHER, NULL, NULL},
    {"Digest username=\"Aladdin\", realm=\"r\", nonce=\"n\"", BASIC_OTHER, NULL,
     NULL},
    {"Basicx abc", BASIC_OTHER, NULL, NULL},
    {"BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_OTHER, NULL, NULL},
    {"Negotiate YIIB", BASIC_OTHER, NULL, NULL},

    /* Basic, but not a credential. */
    {"Basic", BASIC_MALFORMED, NULL, NULL},
    {"basic", BASIC_MALFORMED, NULL, NULL},
    {"Basic ", BASIC_MALFORMED, NULL, NULL},
    {"Basic    ", BASIC_MALFORMED, NULL, NULL},
    {"Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_MALFORMED, NULL, NULL},
    {"Basic \tQWxhZGRpbjpvcGVuIHNlc2FtZQ==", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\t", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== x", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpv cGVuIHNlc2FtZQ==", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==,", BASIC_MALFORMED, NULL, NULL},
    /* Two credentials merged into one value by a server. */
    {"Basic abc=, Basic def=", BASIC_MALFORMED, NULL, NULL},
    {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
     BASIC_MALFORMED, NULL, NULL},
    /* No ':' ("Aladdin"), empty user (":pw", ":"). */
    {"Basic QWxhZGRpbg==", BASIC_MALFORMED, NULL, NULL},
    {"Basic OnB3", BASIC_MALFORMED, NULL, NULL},
    {"Basic Og==", BASIC_MALFORMED, NULL, NULL},
    /* Not strict base64: url-safe alphabet, unused bits set. */
    {"Basic YTpi-w==", BASIC_MALFORMED, NULL, NULL},
    {"Basic YTpi_w==", BASIC_MALFORMED, NULL, NULL},
    {"Basic YTpj", BASIC_OK, "a", "c"},
    {"Basic YTpk", BASIC_OK, "a", "d"},
    {"Basic YTo=", BASIC_OK, "a", ""},
    {"Basic YTp=", BASIC_MALFORMED, NULL, NULL},
};

START_TEST(basic_parse_table)
{
    const char *hdr = hdr_cases[_i].hdr;
    struct basic_cred cred;
    enum basic_result rc;

    memset(&cred, 0, sizeof cred);
    rc = basic_parse(hdr, strlen(hdr), &cred);
    ck_assert_msg(rc == hdr_cases[_i].rc, "'%s': got %d, expected %d", hdr,
                  (int)rc, (int)hdr_cases[_i].rc);
    if (rc == BASIC_OK) {
        assert_view(cred.user, hdr_cases[_i].user, strlen(hdr_cases[_i].user));
        assert_view(cred.password, hdr_cases[_i].password,
                    strlen(hdr_cases[_i].password));
        /* The views point into the caller's buffer. */
        ck_assert(cred.user.p >= cred.buf &&
                  cred.user.p + cred.user.n <= cred.buf + sizeof cred.buf);
        ck_assert(cred.password.p >= cred.buf &&
                  cred.password.p + cred.password.n <=
                      cred.buf + sizeof cred.buf);
    } else {
        ck_assert_ptr_null(cred.user.p);
        ck_assert_uint_eq(cred.user.n, 0);
        ck_assert_ptr_null(cred.password.p);
        ck_assert_uint_eq(cred.password.n, 0);
    }
    if (rc == BASIC_MALFORMED)
        ck_assert_msg(all_zero(cred.buf, sizeof cred.buf),
                      "'%s': buffer not wiped", hdr);
    basic_cred_wipe(&cred);
}
END_TEST

/* Only hdr[0..n) is the header: bytes after n are not looked at. */
START_TEST(basic_parse_bounded)
{
    static const char hdr[] = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==garbage";
    struct basic_cred cred;

    memset(&cred, 0, sizeof cred);
    ck_assert_int_eq(basic_parse(hdr, 34, &cred), BASIC_OK);
    assert_view(cred.user, "Aladdin", 7);
    basic_cred_wipe(&cred);
    /* "Basic" cut before its space. */
    ck_assert_int_eq(basic_parse(hdr, 5, &cred), BASIC_MALFORMED);
    ck_assert_int_eq(basic_parse(hdr, 0, &cred), BASIC_OTHER);
    /* A NUL inside the header value is not base64. */
    ck_assert_int_eq(basic_parse("Basic YTpi\0\0\0\0", 14, &cred),
                     BASIC_MALFORMED);
    basic_cred_wipe(&cred);
}
END_TEST

/* ------------------------------------------- control bytes after decode -- */

static const struct {
    const char *decoded;
    size_t n;
    enum basic_result rc;
} ctl_cases[] = {
    {"us\0er:pw", 8, BASIC_MALFORMED}, /* NUL in user */
    {"user:p\0w", 8, BASIC_MALFORMED}, /* NUL in password */
    {"user:pw\0", 8, BASIC_MALFORMED},
    {"\0:pw", 4, BASIC_MALFORMED},
    {"user:pw\r\nX: y", 13, BASIC_MALFORMED},
    {"us\r\ner:pw", 9, BASIC_MALFORMED},
    {"user\x7f:pw", 8, BASIC_MALFORMED}, /* DEL */
    {"user:p\x7fw", 8, BASIC_MALFORMED},
    {"user:p\tw", 8, BASIC_MALFORMED}, /* tab */
    {"user:p\x1fw", 8, BASIC_MALFORMED},
    {"user:p\x01w", 8, BASIC_MALFORMED},
    {"us er:p w", 9, BASIC_OK}, /* space is not a control byte */
    {"\xe2\x82\xac:\xf0\x9f\x94\x91", 8, BASIC_OK}, /* UTF-8 */
    {"\xff:\x80", 3, BASIC_OK},
};

START_TEST(basic_parse_control_bytes)
{
    struct basic_cred cred;
    char hdr[64];
    size_t n = basic_hdr(ctl_cases[_i].decoded, ctl_cases[_i].n, hdr);
    enum basic_result rc;

    memset(&cred, 0, sizeof cred);
    rc = basic_parse(hdr, n, &cred);
    ck_assert_msg(rc == ctl_cases[_i].rc, "case %d ('%s'): got %d", _i, hdr,
                  (int)rc);
    if (rc == BASIC_OK) {
        const char *colon = memchr(ctl_cases[_i].decoded, ':', ctl_cases[_i].n);
        size_t ulen = (size_t)(colon - ctl_cases[_i].decoded);

        assert_view(cred.user, ctl_cases[_i].decoded, ulen);
        assert_view(cred.password, colon + 1, ctl_cases[_i].n - ulen - 1);
    } else {
        ck_assert_ptr_null(cred.user.p);
        ck_assert_ptr_null(cred.password.p);
        ck_assert(all_zero(cred.buf, sizeof cred.buf));
    }
    basic_cred_wipe(&cred);
}
END_TEST

/* --------------------------------------------------------------- sizes -- */

/* The longest token accepted, and one quantum more. */
START_TEST(basic_parse_token_max)
{
    static char decoded[BASIC_DECODED_MAX + 3];
    static char hdr[6 + BASIC_TOKEN_MAX + 8 + 1];
    struct basic_cred cred;
    size_t n;

    memset(decoded, 'p', sizeof decoded);
    decoded[0] = 'u';
    decoded[1] = ':';

    /* BASIC_DECODED_MAX bytes: a token just under BASIC_TOKEN_MAX. */
    n = basic_hdr(decoded, BASIC_DECODED_MAX, hdr);
    ck_assert_uint_le(n - 6, BASIC_TOKEN_MAX);
    memset(&cred, 0, sizeof cred);
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_OK);
    assert_view(cred.user, "u", 1);
    ck_assert_uint_eq(cred.password.n, BASIC_DECODED_MAX - 2);
    basic_cred_wipe(&cred);

    /* One byte more than BASIC_DECODED_MAX. */
    n = basic_hdr(decoded, BASIC_DECODED_MAX + 1, hdr);
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_MALFORMED);
    ck_assert(all_zero(cred.buf, sizeof cred.buf));
    ck_assert_ptr_null(cred.user.p);

    /* A token longer than BASIC_TOKEN_MAX, whatever it decodes to. */
    n = basic_hdr(decoded, BASIC_DECODED_MAX + 3, hdr);
    ck_assert_uint_gt(n - 6, BASIC_TOKEN_MAX);
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_MALFORMED);
    ck_assert_ptr_null(cred.user.p);
    ck_assert_ptr_null(cred.password.p);
    basic_cred_wipe(&cred);
}
END_TEST

/* A huge value (a server limit raised far) is refused, not decoded. */
START_TEST(basic_parse_huge)
{
    size_t n = 1 << 20;
    char *hdr = malloc(n);
    struct basic_cred cred;

    ck_assert_ptr_nonnull(hdr);
    memcpy(hdr, "Basic ", 6);
    memset(hdr + 6, 'A', n - 6);
    memset(&cred, 0, sizeof cred);
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_MALFORMED);
    ck_assert_ptr_null(cred.user.p);
    free(hdr);
}
END_TEST

/* --------------------------------------------------------------- wiping -- */

START_TEST(basic_cred_wipe_zeroes)
{
    static const char hdr[] = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    struct basic_cred cred;

    memset(&cred, 0x5a, sizeof cred);
    ck_assert_int_eq(basic_parse(hdr, sizeof hdr - 1, &cred), BASIC_OK);
    basic_cred_wipe(&cred);
    ck_assert(all_zero(cred.buf, sizeof cred.buf));
    ck_assert_ptr_null(cred.user.p);
    ck_assert_uint_eq(cred.user.n, 0);
    ck_assert_ptr_null(cred.password.p);
    ck_assert_uint_eq(cred.password.n, 0);
}
END_TEST

/*
 * A credential that fails after decoding leaves no decoded byte behind, even
 * when the struct is reused after a good parse.
 */
START_TEST(basic_parse_malformed_wipes_decoded)
{
    static const char good_hdr[] = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    char hdr[64];
    struct basic_cred cred;
    size_t n;

    memset(&cred, 0, sizeof cred);
    ck_assert_int_eq(basic_parse(good_hdr, sizeof good_hdr - 1, &cred),
                     BASIC_OK);
    n = basic_hdr("Aladdin:open\nsesame", 19, hdr);
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_MALFORMED);
    ck_assert(all_zero(cred.buf, sizeof cred.buf));
    ck_assert_ptr_null(cred.user.p);
    ck_assert_ptr_null(cred.password.p);

    ck_assert_int_eq(basic_parse(good_hdr, sizeof good_hdr - 1, &cred),
                     BASIC_OK);
    n = basic_hdr("Aladdinopensesame", 17, hdr); /* no ':' */
    ck_assert_int_eq(basic_parse(hdr, n, &cred), BASIC_MALFORMED);
    ck_assert(all_zero(cred.buf, sizeof cred.buf));
    ck_assert_ptr_null(cred.user.p);
    basic_cred_wipe(&cred);
}
END_TEST

static Suite *
basic_suite(void)
{
    Suite *s = suite_create("basic");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, basic_parse_table, 0,
                        (int)(sizeof hdr_cases / sizeof hdr_cases[0]));
    tcase_add_test(tc, basic_parse_bounded);
    tcase_add_loop_test(tc, basic_parse_control_bytes, 0,
                        (int)(sizeof ctl_cases / sizeof ctl_cases[0]));
    tcase_add_test(tc, basic_parse_token_max);
    tcase_add_test(tc, basic_parse_huge);
    suite_add_tcase(s, tc);

    tc = tcase_create("wipe");
    tcase_add_test(tc, basic_cred_wipe_zeroes);
    tcase_add_test(tc, basic_parse_malformed_wipes_decoded);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(basic_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
