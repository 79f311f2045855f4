/*
 * Unit tests for responder/bearer.c: the Bearer scheme (RFC 6750 2.1).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bearer.h"
#include "request.h"
#include "testutil.h"

/* The scheme's answer for an Authorization value sent count times. */
static enum bearer_result
bearer_of(const char *hdr, unsigned count, struct bytes *tok)
{
    struct request r;

    memset(&r, 0, sizeof r);
    if (hdr != NULL) {
        r.authorization = (struct bytes){hdr, strlen(hdr)};
        r.authorization_count = count;
    }
    return bearer_from_request(&r, tok);
}

START_TEST(bearer_token_read)
{
    struct bytes t;

    ck_assert_int_eq(bearer_of("Bearer abc.DEF-_~+/==", 1, &t), BEARER_OK);
    ck_assert_uint_eq(t.n, 14);
    ck_assert_mem_eq(t.p, "abc.DEF-_~+/==", 14);
    /* RFC 6750 / RFC 9110: the scheme is case-insensitive. */
    ck_assert_int_eq(bearer_of("bEARER   tok  ", 1, &t), BEARER_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_mem_eq(t.p, "tok", 3);
}
END_TEST

START_TEST(bearer_other_schemes)
{
    struct bytes t;

    ck_assert_int_eq(bearer_of(NULL, 0, &t), BEARER_OTHER);
    ck_assert_int_eq(bearer_of("Basic dTpw", 1, &t), BEARER_OTHER);
    ck_assert_int_eq(bearer_of("Bearerx tok", 1, &t), BEARER_OTHER);
    ck_assert_int_eq(bearer_of("Beare", 1, &t), BEARER_OTHER);
    ck_assert_ptr_null(t.p);
}
END_TEST

START_TEST(bearer_malformed)
{
    static const char *bad[] = {
        "Bearer",       "Bearer ",      "Bearer\ttok", "Bearer a b",
        "Bearer =abc",  "Bearer ab=c",  "Bearer a,b",  "Bearer a\"b",
        "Bearer a\001", "Bearer  \x80", "Bearer ====",
    };
    struct bytes t;
    char big[BEARER_TOKEN_MAX + 16];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(bearer_of(bad[i], 1, &t) == BEARER_MALFORMED, "%s",
                      bad[i]);
    /* Twice (two headers joined by the server) is never guessed at. */
    ck_assert_int_eq(bearer_of("Bearer tok", 2, &t), BEARER_MALFORMED);
    memcpy(big, "Bearer ", 7);
    memset(big + 7, 'a', BEARER_TOKEN_MAX);
    big[7 + BEARER_TOKEN_MAX] = '\0';
    ck_assert_int_eq(bearer_of(big, 1, &t), BEARER_OK);
    big[7 + BEARER_TOKEN_MAX] = 'a';
    big[8 + BEARER_TOKEN_MAX] = '\0';
    ck_assert_int_eq(bearer_of(big, 1, &t), BEARER_MALFORMED);
    ck_assert_ptr_null(t.p);
}
END_TEST

START_TEST(scheme_split)
{
    struct bytes c;

    ck_assert_int_eq(
        request_scheme((struct bytes){"Basic  x ", 9}, "Basic", &c), SCHEME_OK);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_int_eq(request_scheme((struct bytes){"Basic", 5}, "Basic", &c),
                     SCHEME_MALFORMED);
    ck_assert_int_eq(request_scheme((struct bytes){"Basic   ", 8}, "Basic", &c),
                     SCHEME_MALFORMED);
    ck_assert_int_eq(request_scheme((struct bytes){"Bas", 3}, "Basic", &c),
                     SCHEME_OTHER);
}
END_TEST

static Suite *
bearer_suite(void)
{
    Suite *s = suite_create("bearer");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, bearer_token_read);
    tcase_add_test(tc, bearer_other_schemes);
    tcase_add_test(tc, bearer_malformed);
    tcase_add_test(tc, scheme_split);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(bearer_suite());
}
