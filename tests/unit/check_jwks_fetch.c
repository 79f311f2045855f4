/*
 * check_jwks_fetch: which URLs may be fetched, when the next fetch is due,
 * one handle per URL, and a fetch that fails keeps nothing it did not
 * have. Fetching a real JWK Set over http and https is tested live with
 * nginx (tests/integration/jwks_url.sh).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "jwks_fetch.h"
#include "log.h"
#include "testutil.h"

static const struct {
    const char *url;
    bool ok;
} url_cases[] = {
    {"https://idp.example.com/.well-known/jwks.json", true},
    {"https://idp.example.com:8443/realms/x/protocol/openid-connect/certs",
     true},
    {"HTTPS://idp.example.com/jwks", true},
    {"http://127.0.0.1:8080/jwks.json", true},
    {"http://127.1.2.3/jwks.json", true},
    {"http://localhost/jwks.json", true},
    {"http://LOCALHOST:9000/k", true},
    {"http://[::1]:8080/jwks.json", true},
    {"http://idp.example.com/jwks.json", false},
    {"http://128.0.0.1/jwks.json", false},
    {"http://10.0.0.1/jwks.json", false},
    {"http://[::2]/jwks.json", false},
    {"http://[::ffff:127.0.0.1]/jwks.json", false},
    {"http://localhost.example.com/jwks.json", false},
    {"http://127.0.0.1.example.com/jwks.json", false},
    {"ftp://127.0.0.1/jwks.json", false},
    {"file:///etc/fcgi-authd/jwks.json", false},
    {"gopher://127.0.0.1/", false},
    {"/etc/fcgi-authd/jwks.json", false},
    {"idp.example.com/jwks.json", false},
    {"", false},
    {"https://", false},
};

START_TEST(jwks_url_policy)
{
    char err[256];

    for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
        err[0] = '\0';
        ck_assert_msg((jwks_url_check(url_cases[i].url, err, sizeof err) ==
                       0) == url_cases[i].ok,
                      "%s: expected %s (%s)", url_cases[i].url,
                      url_cases[i].ok ? "ok" : "refused", err);
        if (!url_cases[i].ok)
            ck_assert_msg(err[0] != '\0', "%s: no reason", url_cases[i].url);
    }
}
END_TEST

START_TEST(jwks_url_too_long)
{
    char url[4096], err[128];

    memset(url, 'a', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    memcpy(url, "https://x/", 10);
    ck_assert_int_eq(jwks_url_check(url, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "longer"));
}
END_TEST

START_TEST(jwks_due_times)
{
    /* Never tried: now. */
    ck_assert_int_eq(jwks_fetch_due(-1, false, 0, 300, false), 0);
    /* A good set: the refresh interval; 0: only when asked. */
    ck_assert_int_eq(jwks_fetch_due(1000, true, 0, 300, false), 1300);
    ck_assert_int_eq(jwks_fetch_due(1000, true, 0, 0, false), LLONG_MAX);
    /* Asked for by a request: a minute after the last try, not sooner. */
    ck_assert_int_eq(jwks_fetch_due(1000, true, 0, 0, true),
                     1000 + JWKS_FETCH_MIN_INTERVAL);
    ck_assert_int_eq(jwks_fetch_due(1000, true, 0, 300, true), 1060);
    /* A refresh more often than that is the admin's choice. */
    ck_assert_int_eq(jwks_fetch_due(1000, true, 0, 10, true), 1010);
    /* Failures: 5, 10, 20, 40 s, then a minute, asked for or not. */
    ck_assert_int_eq(jwks_fetch_due(1000, false, 1, 300, false), 1005);
    ck_assert_int_eq(jwks_fetch_due(1000, false, 2, 300, false), 1010);
    ck_assert_int_eq(jwks_fetch_due(1000, false, 3, 0, true), 1020);
    ck_assert_int_eq(jwks_fetch_due(1000, false, 4, 300, false), 1040);
    ck_assert_int_eq(jwks_fetch_due(1000, false, 5, 300, false), 1060);
    ck_assert_int_eq(jwks_fetch_due(1000, false, 500, 300, true), 1060);
    ck_assert_int_eq(jwks_fetch_due(1000, false, UINT_MAX, 0, false), 1060);
}
END_TEST

START_TEST(jwks_remote_one_handle_per_url)
{
    struct jwks_remote *a = jwks_remote_get("https://a.example/jwks", NULL);
    struct jwks_remote *b = jwks_remote_get("https://b.example/jwks", NULL);

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_eq(jwks_remote_get("https://a.example/jwks", NULL), a);
    ck_assert_str_eq(jwks_remote_url(b), "https://b.example/jwks");
    /* Nothing fetched: requests get no set, and asking never waits. */
    ck_assert_ptr_null(jwks_remote_acquire(a));
    jwks_remote_release(a, NULL);
    jwks_remote_want(a);
    jwks_fetch_stop();
}
END_TEST

/* Port 1 of this host: nobody listens, the fetch fails at once. */
START_TEST(jwks_fetch_failure_keeps_nothing)
{
    struct jwks_remote *r = jwks_remote_get("http://127.0.0.1:1/jwks", NULL);

    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(jwks_fetch_new(), 0);
    ck_assert_ptr_null(jwks_remote_acquire(r));
    /* Tried once: a second call does not try again (the thread does). */
    ck_assert_uint_eq(jwks_fetch_new(), 0);
    /* The thread starts, is cut short and stops. */
    ck_assert_int_eq(jwks_fetch_start(0), 0);
    jwks_remote_want(r);
    jwks_fetch_stop();
}
END_TEST

START_TEST(jwks_fetch_start_without_urls)
{
    ck_assert_int_eq(jwks_fetch_start(300), 0);
    ck_assert_uint_eq(jwks_fetch_new(), 0);
    jwks_fetch_stop();
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("jwks_fetch");
    TCase *tc = tcase_create("jwks_fetch");

    tcase_add_test(tc, jwks_url_policy);
    tcase_add_test(tc, jwks_url_too_long);
    tcase_add_test(tc, jwks_due_times);
    tcase_add_test(tc, jwks_remote_one_handle_per_url);
    tcase_add_test(tc, jwks_fetch_failure_keeps_nothing);
    tcase_add_test(tc, jwks_fetch_start_without_urls);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
