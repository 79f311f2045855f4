/*
 * Unit tests for responder/util.c: constant-time compare, wiping, bounded
 * number parsing, byte views, control-byte detection, random bytes.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* -------------------------------------------------------- util_ct_equal -- */

static const struct {
    const char *a;
    size_t alen;
    const char *b;
    size_t blen;
    bool equal;
} ct_cases[] = {
    {"secret", 6, "secret", 6, true},
    {"secret", 6, "secreT", 6, false},
    {"secret", 6, "Secret", 6, false},
    {"secret", 6, "secret!", 7, false}, /* b longer */
    {"secret!", 7, "secret", 6, false}, /* a longer */
    {"aaaa", 4, "aaa", 3, false},       /* prefix padded with last byte */
    {"aaa", 3, "aaaa", 4, false},
    {"", 0, "", 0, true},   /* empty vs empty */
    {"", 0, "x", 1, false}, /* empty vs non-empty */
    {"x", 1, "", 0, false},
    {"\0", 1, "", 0, false}, /* a NUL is not "nothing" */
    {"", 0, "\0", 1, false},
    {"a\0b", 3, "a\0c", 3, false}, /* bytes after a NUL still count */
    {"a\0b", 3, "a\0b", 3, true},
    {"\xff\x80", 2, "\xff\x80", 2, true},
};

START_TEST(util_ct_equal_table)
{
    ck_assert_msg(
        util_ct_equal(ct_cases[_i].a, ct_cases[_i].alen, ct_cases[_i].b,
                      ct_cases[_i].blen) == ct_cases[_i].equal,
        "case %d: expected %s", _i, ct_cases[_i].equal ? "equal" : "different");
}
END_TEST

/* An empty side may be a NULL pointer: nothing is read from it. */
START_TEST(util_ct_equal_null_empty)
{
    ck_assert(util_ct_equal(NULL, 0, NULL, 0));
    ck_assert(!util_ct_equal(NULL, 0, "x", 1));
    ck_assert(!util_ct_equal("x", 1, NULL, 0));
}
END_TEST

/* ----------------------------------------------------- util_parse_ulong -- */

static const struct {
    const char *s;
    unsigned long min, max;
    int rc;
    unsigned long value;
} ul_cases[] = {
    {"0", 0, 10, 0, 0},
    {"10", 0, 10, 0, 10}, /* max is inclusive */
    {"11", 0, 10, -1, 0}, /* above max */
    {"1", 1, 10, 0, 1},   /* min is inclusive */
    {"0", 1, 10, -1, 0},  /* below min */
    {"007", 0, 10, 0, 7}, /* leading zeroes */
    {"0000000000000000000000000042", 0, 100, 0, 42},
    {"65535", 1, 65535, 0, 65535},
    {"65536", 1, 65535, -1, 0},
    {"18446744073709551615", 0, ULONG_MAX, 0, ULONG_MAX},
    {"18446744073709551616", 0, ULONG_MAX, -1, 0}, /* overflow */
    {"18446744073709551620", 0, ULONG_MAX, -1, 0},
    {"99999999999999999999", 0, ULONG_MAX, -1, 0},
    {"184467440737095516150", 0, ULONG_MAX, -1, 0},
    {"", 0, 10, -1, 0},   /* empty */
    {"+1", 0, 10, -1, 0}, /* signs */
    {"-1", 0, 10, -1, 0},
    {"-0", 0, 10, -1, 0},
    {" 1", 0, 10, -1, 0}, /* spaces */
    {"1 ", 0, 10, -1, 0},
    {"1\t", 0, 10, -1, 0},
    {"\n1", 0, 10, -1, 0},
    {"1a", 0, 100, -1, 0},
    {"0x10", 0, 100, -1, 0},
    {"1.0", 0, 100, -1, 0},
    {"1e2", 0, 1000, -1, 0},
    {"١", 0, 10, -1, 0}, /* a non-ASCII digit */
};

START_TEST(util_parse_ulong_table)
{
    const char *s = ul_cases[_i].s;
    unsigned long out = 12345;
    int rc = util_parse_ulong(s, strlen(s), ul_cases[_i].min, ul_cases[_i].max,
                              &out);

    ck_assert_msg(rc == ul_cases[_i].rc, "'%s': rc %d, expected %d", s, rc,
                  ul_cases[_i].rc);
    if (rc == 0)
        ck_assert_uint_eq(out, ul_cases[_i].value);
    else
        ck_assert_uint_eq(out, 12345); /* nothing written on -1 */
}
END_TEST

/* Only s[0..n) is parsed: bytes after n do not count. */
START_TEST(util_parse_ulong_bounded)
{
    unsigned long out = 0;

    ck_assert_int_eq(util_parse_ulong("12x", 2, 0, 100, &out), 0);
    ck_assert_uint_eq(out, 12);
    ck_assert_int_eq(util_parse_ulong("123", 1, 0, 100, &out), 0);
    ck_assert_uint_eq(out, 1);
    /* An embedded NUL inside the range is not a digit. */
    ck_assert_int_eq(util_parse_ulong("1\0002", 3, 0, 1000, &out), -1);
    ck_assert_int_eq(util_parse_ulong(NULL, 0, 0, 10, &out), -1);
}
END_TEST

/* ------------------------------------------------------- util_bytes_ieq -- */

static const struct {
    const char *p;
    size_t n;
    const char *lit;
    bool equal;
} ieq_cases[] = {
    {"Basic", 5, "Basic", true},
    {"basic", 5, "Basic", true},
    {"BASIC", 5, "basic", true},
    {"bAsIc", 5, "BaSiC", true},
    {"Basic", 4, "Basic", false},  /* view shorter */
    {"Basicx", 6, "Basic", false}, /* view longer */
    {"Basic", 5, "Basi", false},
    {"", 0, "", true},
    {"", 0, "x", false},
    {"Bas1c", 5, "Basic", false},
    {"@", 1, "`", false}, /* neighbours of the letter ranges */
    {"[", 1, "{", false},
    {"\xc4", 1, "\xe4", false}, /* only ASCII folds */
    {"a\0", 2, "a", false},     /* NUL counts in the view */
};

START_TEST(util_bytes_ieq_table)
{
    struct bytes b = {ieq_cases[_i].p, ieq_cases[_i].n};

    ck_assert_msg(util_bytes_ieq(b, ieq_cases[_i].lit) == ieq_cases[_i].equal,
                  "case %d ('%s')", _i, ieq_cases[_i].lit);
}
END_TEST

/* --------------------------------------------------------- util_has_ctl -- */

static const struct {
    const char *p;
    size_t n;
    bool ctl;
} ctl_cases[] = {
    {"", 0, false},
    {"plain text", 10, false},
    {"~ !", 3, false}, /* 0x7e, 0x20, 0x21 are printable */
    {"a\0b", 3, true}, /* NUL */
    {"\0", 1, true},
    {"a\x1f", 2, true},
    {"\x01", 1, true},
    {"a\tb", 3, true}, /* tab is a control byte */
    {"a\r\nb", 4, true},
    {"a\x7f", 2, true},        /* DEL */
    {"caf\xc3\xa9", 5, false}, /* UTF-8 */
    {"\x80\xff", 2, false},
    {"ab\x01", 2, false}, /* only [0, n) is looked at */
};

START_TEST(util_has_ctl_table)
{
    ck_assert_msg(util_has_ctl(ctl_cases[_i].p, ctl_cases[_i].n) ==
                      ctl_cases[_i].ctl,
                  "case %d", _i);
}
END_TEST

/* ------------------------------------------------------------ util_wipe -- */

START_TEST(util_wipe_zeroes)
{
    unsigned char buf[64];
    static const unsigned char zero[64];

    memset(buf, 0xa5, sizeof buf);
    util_wipe(buf + 8, 32);
    ck_assert_mem_eq(buf + 8, zero, 32);
    /* Only the asked range. */
    ck_assert_uint_eq(buf[7], 0xa5);
    ck_assert_uint_eq(buf[40], 0xa5);
    util_wipe(buf, sizeof buf);
    ck_assert_mem_eq(buf, zero, sizeof buf);
}
END_TEST

START_TEST(util_wipe_empty)
{
    unsigned char b = 0x5a;

    util_wipe(NULL, 0);
    util_wipe(NULL, 16);
    util_wipe(&b, 0);
    ck_assert_uint_eq(b, 0x5a);
}
END_TEST

/* ---------------------------------------------------------- util_random -- */

START_TEST(util_random_fills)
{
    unsigned char a[64], b[64];
    static const unsigned char zero[64];

    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    ck_assert_int_eq(util_random(a, sizeof a), 0);
    ck_assert_int_eq(util_random(b, sizeof b), 0);
    /* 2^-512 chance of a false failure for each. */
    ck_assert(memcmp(a, zero, sizeof a) != 0);
    ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

START_TEST(util_random_large_and_empty)
{
    size_t n = 1024 * 1024;
    unsigned char *p = calloc(1, n);
    size_t zeros = 0;

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(util_random(p, n), 0);
    /* The last bytes are filled too (about 1/256 of them are zero). */
    for (size_t i = n - 4096; i < n; i++)
        zeros += p[i] == 0;
    ck_assert_uint_lt(zeros, 128);
    free(p);
    ck_assert_int_eq(util_random(NULL, 0), 0);
}
END_TEST

/* ---------------------------------------------------------- utc dates -- */

struct utc_case {
    const char *text;
    int rc;
    long long at;
};

static const struct utc_case utc_cases[] = {
    {"1970-01-01", 0, 0},
    {"1970-01-02", 0, 86400},
    {"2001-01-01", 0, 978307200},
    {"2000-02-29", 0, 951782400},
    {"2024-02-29T12:00:00Z", 0, 1709208000},
    {"2038-01-19T03:14:08Z", 0, 2147483648LL},
    {"2099-12-31T23:59:59Z", 0, 4102444799LL},
    {"9999-12-31", 0, 253402214400LL},
    {"1969-12-31", -1, 0},
    {"2023-02-29", -1, 0},
    {"1900-02-29", -1, 0},
    {"2001-13-01", -1, 0},
    {"2001-00-10", -1, 0},
    {"2001-04-31", -1, 0},
    {"2001-01-00", -1, 0},
    {"2001-1-01", -1, 0},
    {"01-01-2001", -1, 0},
    {"2001/01/01", -1, 0},
    {"2001-01-01T24:00:00Z", -1, 0},
    {"2001-01-01T23:60:00Z", -1, 0},
    {"2001-01-01T23:59:60Z", -1, 0},
    {"2001-01-01T23:59:59", -1, 0},
    {"2001-01-01 23:59:59Z", -1, 0},
    {"2001-01-01T23:59:59+01", -1, 0},
    {"+001-01-01", -1, 0},
    {"", -1, 0},
};

/* Hex both ways: lower case only, exactly 2 * n digits. */
START_TEST(util_hex_both_ways)
{
    const unsigned char in[4] = {0x00, 0x9f, 0xa0, 0xff};
    unsigned char out[4];
    char text[9];

    util_hex_encode(in, sizeof in, text);
    ck_assert_str_eq(text, "009fa0ff");
    ck_assert_int_eq(util_hex_decode((struct bytes){text, 8}, out, 4), 0);
    ck_assert_int_eq(memcmp(in, out, 4), 0);
    ck_assert_int_eq(util_hex_decode((struct bytes){"009FA0FF", 8}, out, 4),
                     -1);
    ck_assert_int_eq(util_hex_decode((struct bytes){text, 7}, out, 4), -1);
    ck_assert_int_eq(util_hex_decode((struct bytes){"009fa0fg", 8}, out, 4),
                     -1);
    ck_assert_int_eq(util_hex_decode((struct bytes){"", 0}, out, 0), 0);
}
END_TEST

START_TEST(util_parse_utc_table)
{
    const struct utc_case *c = &utc_cases[_i];
    long long at = -7;
    int rc = util_parse_utc(c->text, strlen(c->text), &at);

    ck_assert_msg(rc == c->rc, "'%s': rc %d", c->text, rc);
    if (rc == 0)
        ck_assert_msg(at == c->at, "'%s': %lld, expected %lld", c->text, at,
                      c->at);
    else
        ck_assert_int_eq(at, -7);
}
END_TEST

static Suite *
util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc;

    tc = tcase_create("ct_equal");
    tcase_add_loop_test(tc, util_ct_equal_table, 0,
                        (int)(sizeof ct_cases / sizeof ct_cases[0]));
    tcase_add_test(tc, util_ct_equal_null_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_ulong");
    tcase_add_loop_test(tc, util_parse_ulong_table, 0,
                        (int)(sizeof ul_cases / sizeof ul_cases[0]));
    tcase_add_test(tc, util_parse_ulong_bounded);
    suite_add_tcase(s, tc);

    tc = tcase_create("bytes");
    tcase_add_loop_test(tc, util_bytes_ieq_table, 0,
                        (int)(sizeof ieq_cases / sizeof ieq_cases[0]));
    tcase_add_loop_test(tc, util_has_ctl_table, 0,
                        (int)(sizeof ctl_cases / sizeof ctl_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("utc");
    tcase_add_loop_test(tc, util_parse_utc_table, 0,
                        (int)(sizeof utc_cases / sizeof utc_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("secrets");
    tcase_add_test(tc, util_wipe_zeroes);
    tcase_add_test(tc, util_wipe_empty);
    tcase_add_test(tc, util_random_fills);
    tcase_add_test(tc, util_random_large_and_empty);
    tcase_add_test(tc, util_hex_both_ways);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(util_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
