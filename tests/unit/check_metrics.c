/*
 * check_metrics: every decision counter, the hash time histogram, the
 * reload counters and the page that shows them.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "reason.h"
#include "testutil.h"

/* Large enough for every counter set at once. */
static char page[65536];

static const char *
render(void)
{
    size_t n = metrics_render(page, sizeof page, NULL, NULL, NULL);

    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(strlen(page), n);
    return page;
}

/* The value of the line that starts with series (0 when absent). */
static unsigned long long
value(const char *text, const char *series)
{
    size_t n = strlen(series);
    const char *p = text;

    while ((p = strstr(p, series)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtoull(p + n + 1, NULL, 10);
        p += n;
    }
    return 0;
}

static unsigned long long
decisions(int status, enum authz_reason r)
{
    char series[128];

    snprintf(series, sizeof series,
             "fcgi_authd_decisions_total{status=\"%d\",reason=\"%s\"}", status,
             reason_name(r));
    return value(render(), series);
}

static const int statuses[] = {200, 400, 401, 403, 429, 500, 503};
#define NSTATUSES ((int)(sizeof statuses / sizeof statuses[0]))

/* _i walks every (status, reason) pair; each has a counter of its own. */
START_TEST(metrics_every_reason_counted)
{
    int status = statuses[_i / REASON_COUNT];
    enum authz_reason r = (enum authz_reason)(_i % REASON_COUNT);
    unsigned long long before = decisions(status, r);

    for (int k = 0; k < 3; k++)
        metrics_decision(status, r);
    ck_assert_msg(decisions(status, r) == before + 3,
                  "status %d reason %s: %llu, expected %llu", status,
                  reason_name(r), decisions(status, r), before + 3);
}
END_TEST

/* The fix of the day: the table once ended at REASON_THROTTLED. */
START_TEST(metrics_internal_500_counted)
{
    unsigned long long before = decisions(500, REASON_INTERNAL);

    metrics_decision(500, REASON_INTERNAL);
    ck_assert_uint_eq(decisions(500, REASON_INTERNAL), before + 1);
    ck_assert_ptr_nonnull(
        strstr(render(), "status=\"500\",reason=\"internal\""));
}
END_TEST

/* An unknown status or reason counts nowhere and breaks nothing. */
START_TEST(metrics_unknown_not_counted)
{
    char before[sizeof page];

    snprintf(before, sizeof before, "%s", render());
    metrics_decision(404, REASON_OK);
    metrics_decision(0, REASON_OK);
    metrics_decision(200, REASON_COUNT);
    metrics_decision(200, (enum authz_reason) - 1);
    ck_assert_str_eq(render(), before);
}
END_TEST

/* Prometheus buckets are cumulative: each le counts all at or below it. */
START_TEST(metrics_hash_buckets_cumulative)
{
    static const struct {
        const char *le;
        unsigned long long n;
    } want[] = {
        {"0.001", 1}, {"0.005", 2}, {"0.01", 2}, {"0.025", 2},
        {"0.05", 3},  {"0.1", 3},   {"0.25", 3}, {"0.5", 3},
        {"1", 4},     {"2.5", 4},   {"+Inf", 5},
    };
    const char *text;
    char series[96];

    metrics_hash_time(0.0005);
    metrics_hash_time(0.003);
    metrics_hash_time(0.05); /* on a bound: counted in it */
    metrics_hash_time(0.7);
    metrics_hash_time(3.0);
    text = render();
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        snprintf(series, sizeof series,
                 "fcgi_authd_hash_seconds_bucket{le=\"%s\"}", want[i].le);
        ck_assert_msg(value(text, series) == want[i].n, "le=%s: %llu",
                      want[i].le, value(text, series));
        ck_assert_ptr_nonnull(strstr(text, series));
    }
    ck_assert_uint_eq(value(text, "fcgi_authd_hash_seconds_count"), 5);
    ck_assert_ptr_nonnull(strstr(text, "fcgi_authd_hash_seconds_sum 3.75"));
}
END_TEST

START_TEST(metrics_reloads_counted)
{
    const char *text;

    metrics_reload(true);
    metrics_reload(true);
    metrics_reload(false);
    text = render();
    ck_assert_uint_eq(value(text, "fcgi_authd_reloads_total{result=\"ok\"}"),
                      2);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_reloads_total{result=\"failed\"}"), 1);
}
END_TEST

/* Each source has its own counters, apart from the scheme's. */
START_TEST(metrics_sources_counted)
{
    static const char ldap200[] =
        "fcgi_authd_source_decisions_total{source=\"ldap\",status=\"200\"}";
    static const char jwt401[] =
        "fcgi_authd_source_decisions_total{source=\"jwt\",status=\"401\"}";
    static const char file200[] = "fcgi_authd_source_decisions_total{source="
                                  "\"user_file\",status=\"200\"}";
    unsigned long long l = value(render(), ldap200), j = value(page, jwt401),
                       f = value(page, file200);

    metrics_decision_by(200, REASON_OK, AUTH_SCHEME_BASIC, AUTH_SOURCE_LDAP);
    metrics_decision_by(200, REASON_OK, AUTH_SCHEME_BASIC, AUTH_SOURCE_LDAP);
    metrics_decision_by(401, REASON_BAD_TOKEN, AUTH_SCHEME_BEARER,
                        AUTH_SOURCE_JWT);
    metrics_decision_by(200, REASON_OK, AUTH_SCHEME_BASIC,
                        AUTH_SOURCE_COUNT); /* no such source: not counted */
    ck_assert_uint_eq(value(render(), ldap200), l + 2);
    ck_assert_uint_eq(value(page, jwt401), j + 1);
    ck_assert_uint_eq(value(page, file200), f);
    ck_assert_ptr_nonnull(
        strstr(page, "# TYPE fcgi_authd_source_decisions_total counter\n"));
}
END_TEST

/* Directory checks by result, and their time in a histogram of its own. */
START_TEST(metrics_ldap_checks)
{
    const char *text;

    text = render();
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_checks_total{result=\"ldap_down\"}"), 0);
    ck_assert_ptr_nonnull(strstr(
        text, "\nfcgi_authd_ldap_checks_total{result=\"ldap_down\"} 0\n"));
    metrics_ldap_check(DIR_OK, 0.0004);
    metrics_ldap_check(DIR_OK, 0.003);
    metrics_ldap_check(DIR_BAD_PASSWORD, 0.003);
    metrics_ldap_check(DIR_DOWN, 5.0); /* on a bound: counted in it */
    metrics_ldap_check(DIR_BUSY, 12.0);
    metrics_ldap_check(-1, 1.0); /* not a result: not counted */
    metrics_ldap_check(DIR_DOWN + 1, 1.0);
    text = render();
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_checks_total{result=\"ok\"}"), 2);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_checks_total{result=\"bad_password\"}"),
        1);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_checks_total{result=\"ldap_down\"}"), 1);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_checks_total{result=\"ldap_busy\"}"), 1);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_check_seconds_bucket{le=\"0.0005\"}"), 1);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_check_seconds_bucket{le=\"0.005\"}"), 3);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_check_seconds_bucket{le=\"5\"}"), 4);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_check_seconds_bucket{le=\"10\"}"), 4);
    ck_assert_uint_eq(
        value(text, "fcgi_authd_ldap_check_seconds_bucket{le=\"+Inf\"}"), 5);
    ck_assert_uint_eq(value(text, "fcgi_authd_ldap_check_seconds_count"), 5);
    ck_assert_ptr_nonnull(
        strstr(text, "fcgi_authd_ldap_check_seconds_sum 17.0064"));
}
END_TEST

/* NULL cache, gate and throttle show as zeros; the page names its type. */
START_TEST(metrics_page_without_parts)
{
    const char *text = render();

    ck_assert_ptr_nonnull(strstr(
        text, "fcgi_authd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nfcgi_authd_cache_lookups_total{result=\"hit\"} 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nfcgi_authd_cache_entries 0\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nfcgi_authd_hashes_total{outcome=\"busy\"} 0\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nfcgi_authd_bans_total{kind=\"address\"} 0\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "# TYPE fcgi_authd_hash_seconds histogram\n"));
    ck_assert(text[strlen(text) - 1] == '\n');
}
END_TEST

/* A page that does not fit is 0, never a cut page; it needs its NUL too. */
START_TEST(metrics_small_buffer)
{
    static char small[sizeof page];
    size_t n;

    metrics_decision(200, REASON_OK);
    n = metrics_render(page, sizeof page, NULL, NULL, NULL);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(metrics_render(small, n + 1, NULL, NULL, NULL), n);
    ck_assert_str_eq(small, page);
    ck_assert_uint_eq(metrics_render(small, n, NULL, NULL, NULL), 0);
    ck_assert_uint_eq(metrics_render(small, 10, NULL, NULL, NULL), 0);
    ck_assert_uint_eq(metrics_render(small, 0, NULL, NULL, NULL), 0);
}
END_TEST

static Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");

    tcase_add_loop_test(tc, metrics_every_reason_counted, 0,
                        NSTATUSES * REASON_COUNT);
    tcase_add_test(tc, metrics_internal_500_counted);
    tcase_add_test(tc, metrics_unknown_not_counted);
    tcase_add_test(tc, metrics_hash_buckets_cumulative);
    tcase_add_test(tc, metrics_reloads_counted);
    tcase_add_test(tc, metrics_sources_counted);
    tcase_add_test(tc, metrics_ldap_checks);
    tcase_add_test(tc, metrics_page_without_parts);
    tcase_add_test(tc, metrics_small_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(metrics_suite());
}
