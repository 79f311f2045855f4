/*
 * check_fcgi_guard: the watch on a peer's FastCGI bytes refuses parameter
 * lengths libfcgi would allocate gigabytes for, wherever the bytes split.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_guard.h"

/* A record header: version 1, type, request id 1, length, padding. */
static size_t
rec(unsigned char *p, unsigned type, size_t len, unsigned pad)
{
    unsigned char h[8] = {1,
                          (unsigned char)type,
                          0,
                          1,
                          (unsigned char)(len >> 8),
                          (unsigned char)len,
                          (unsigned char)pad,
                          0};

    memcpy(p, h, 8);
    return 8;
}

static size_t
begin(unsigned char *p)
{
    size_t n = rec(p, 1, 8, 0);

    memset(p + n, 0, 8);
    p[n + 1] = 1; /* RESPONDER */
    return n + 8;
}

/* A PARAMS record of 1-byte names with 99-byte values, filling r. */
static size_t
small_params(unsigned char *r, size_t cap)
{
    size_t c = 8;

    while (c + 102 <= cap) {
        r[c++] = 1;
        r[c++] = 99;
        memset(r + c, 'x', 100);
        c += 100;
    }
    rec(r, 4, c - 8, 0);
    return c;
}

/* Feed all at once, then again one byte at a time: same verdict. */
static int
feed_both(const unsigned char *p, size_t n)
{
    struct fcgi_guard a, b;
    int ra, rb = 0;

    fcgi_guard_reset(&a);
    fcgi_guard_reset(&b);
    ra = fcgi_guard_feed(&a, p, n);
    for (size_t i = 0; i < n && rb == 0; i++)
        rb = fcgi_guard_feed(&b, p + i, 1);
    ck_assert_int_eq(ra, rb);
    return ra;
}

/* A well-formed request with 1- and 4-byte lengths and padding passes. */
START_TEST(fcgi_guard_normal_request)
{
    unsigned char buf[512];
    size_t n = begin(buf), c;

    c = n + 8;
    buf[c++] = 11;
    buf[c++] = 0x80;
    buf[c++] = 0;
    buf[c++] = 0;
    buf[c++] = 3;
    memcpy(buf + c, "REQUEST_URI/ab", 14);
    c += 14;
    rec(buf + n, 4, c - n - 8, 3);
    memset(buf + c, 0, 3);
    c += 3;
    c += rec(buf + c, 4, 0, 0);
    c += rec(buf + c, 5, 0, 0);
    ck_assert_int_eq(feed_both(buf, c), 0);
}
END_TEST

/*
 * Begin records are counted, and nothing else is one: a kept connection's
 * idle minute ends with the next request's begin record only, not with the
 * empty STDIN record of the request before it.
 */
START_TEST(fcgi_guard_counts_begins)
{
    unsigned char buf[64];
    struct fcgi_guard g;
    size_t n = begin(buf);

    n += rec(buf + n, 4, 0, 0);
    fcgi_guard_reset(&g);
    ck_assert_int_eq(fcgi_guard_feed(&g, buf, n), 0);
    ck_assert_uint_eq(g.begins, 1);
    /* The old request's STDIN end, arriving on its own. */
    n = rec(buf, 5, 0, 0);
    ck_assert_int_eq(fcgi_guard_feed(&g, buf, n), 0);
    ck_assert_uint_eq(g.begins, 1);
    /* The next request, its header a byte at a time. */
    n = begin(buf);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(g.begins, i < 8 ? 1 : 2);
        ck_assert_int_eq(fcgi_guard_feed(&g, buf + i, 1), 0);
    }
    ck_assert_uint_eq(g.begins, 2);
    fcgi_guard_reset(&g);
    ck_assert_uint_eq(g.begins, 0);
}
END_TEST

/* The CVE-2025-23016 patch lets 0x3fffffff + 0x3fffffff through. */
START_TEST(fcgi_guard_huge_lengths_refused)
{
    static const unsigned char pair[8] = {0xbf, 0xff, 0xff, 0xff,
                                          0xbf, 0xff, 0xff, 0xff};
    unsigned char buf[64];
    size_t n = begin(buf);

    n += rec(buf + n, 4, sizeof pair, 0);
    memcpy(buf + n, pair, sizeof pair);
    n += sizeof pair;
    ck_assert_int_eq(feed_both(buf, n), -1);
    /* Refused already once the name's length is in. */
    ck_assert_int_eq(feed_both(buf, n - 4), -1);
}
END_TEST

/* 64 KiB is the most per name or value; one more byte is refused. */
START_TEST(fcgi_guard_pair_limit)
{
    unsigned char buf[64];
    size_t n = begin(buf), c = n + 8;
    uint32_t v = FCGI_GUARD_PAIR_MAX + (uint32_t)_i;

    buf[c++] = 1;
    buf[c++] = (unsigned char)(0x80 | (v >> 24));
    buf[c++] = (unsigned char)(v >> 16);
    buf[c++] = (unsigned char)(v >> 8);
    buf[c++] = (unsigned char)v;
    rec(buf + n, 4, c - n - 8, 0);
    ck_assert_int_eq(feed_both(buf, c), _i == 0 ? 0 : -1);
}
END_TEST

/* More than 1 MiB of small parameters in one request is refused. */
START_TEST(fcgi_guard_params_total)
{
    size_t cap = FCGI_GUARD_PARAMS_MAX + 70000, n;
    unsigned char *buf = malloc(cap);
    struct fcgi_guard g;
    int rc = 0;

    ck_assert_ptr_nonnull(buf);
    n = begin(buf);
    fcgi_guard_reset(&g);
    ck_assert_int_eq(fcgi_guard_feed(&g, buf, n), 0);
    for (size_t sent = 0; sent <= FCGI_GUARD_PARAMS_MAX && rc == 0;) {
        unsigned char r[8 + 60000];
        size_t c = small_params(r, sizeof r);

        rc = fcgi_guard_feed(&g, r, c);
        sent += c - 8;
    }
    ck_assert_int_eq(rc, -1);
    /* A new connection starts afresh. */
    fcgi_guard_reset(&g);
    ck_assert_int_eq(fcgi_guard_feed(&g, buf, n), 0);
    free(buf);
}
END_TEST

/* Each request on a kept connection has its own budget. */
START_TEST(fcgi_guard_budget_per_request)
{
    unsigned char r[8 + 60000];
    struct fcgi_guard g;
    size_t c = small_params(r, sizeof r);

    fcgi_guard_reset(&g);
    for (int req = 0; req < 40; req++) {
        unsigned char b[16], e[8];

        ck_assert_int_eq(fcgi_guard_feed(&g, b, begin(b)), 0);
        ck_assert_int_eq(fcgi_guard_feed(&g, r, c), 0);
        ck_assert_int_eq(fcgi_guard_feed(&g, e, rec(e, 4, 0, 0)), 0);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fcgi_guard");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, fcgi_guard_normal_request);
    tcase_add_test(tc, fcgi_guard_counts_begins);
    tcase_add_test(tc, fcgi_guard_huge_lengths_refused);
    tcase_add_loop_test(tc, fcgi_guard_pair_limit, 0, 2);
    tcase_add_test(tc, fcgi_guard_params_total);
    tcase_add_test(tc, fcgi_guard_budget_per_request);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
