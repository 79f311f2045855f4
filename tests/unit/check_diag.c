/*
 * check_diag: the loaders' reporter: formatting, file names, counting,
 * the cap and its summary.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define CAP_MAX 64

struct capture {
    size_t n;
    struct {
        enum log_level sev;
        const char *file;
        unsigned line;
        char msg[DIAG_MSG_MAX];
    } d[CAP_MAX];
};

static void
capture_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
             const char *msg)
{
    struct capture *c = ctx;

    ck_assert_uint_lt(c->n, CAP_MAX);
    c->d[c->n].sev = sev;
    c->d[c->n].file = file;
    c->d[c->n].line = line;
    snprintf(c->d[c->n].msg, sizeof c->d[c->n].msg, "%s", msg);
    c->n++;
}

START_TEST(diag_formats_and_counts)
{
    struct capture c = {0};
    struct diag d;

    diag_init(&d, capture_diag, &c, "users", 0);
    diag_report(&d, LOGL_ERROR, 3, "user '%s': %d", "bob", 7);
    diag_report(&d, LOGL_WARN, 0, "plain");
    diag_report_at(&d, LOGL_WARN, "groups", 9, "other %s", "file");
    diag_report_at(&d, LOGL_ERROR, NULL, 1, "default file");
    diag_finish(&d);
    ck_assert_uint_eq(c.n, 4);
    ck_assert_uint_eq(d.errors, 2);
    ck_assert_uint_eq(d.warnings, 2);
    ck_assert_int_eq(c.d[0].sev, LOGL_ERROR);
    ck_assert_str_eq(c.d[0].file, "users");
    ck_assert_uint_eq(c.d[0].line, 3);
    ck_assert_str_eq(c.d[0].msg, "user 'bob': 7");
    ck_assert_str_eq(c.d[1].msg, "plain");
    ck_assert_str_eq(c.d[2].file, "groups");
    ck_assert_uint_eq(c.d[2].line, 9);
    ck_assert_str_eq(c.d[3].file, "users");
}
END_TEST

/* A long message is cut, never overflows. */
START_TEST(diag_long_message_cut)
{
    static char big[3 * DIAG_MSG_MAX];
    struct capture c = {0};
    struct diag d;

    memset(big, 'x', sizeof big - 1);
    diag_init(&d, capture_diag, &c, "f", 0);
    diag_report(&d, LOGL_ERROR, 1, "%s", big);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_uint_eq(strlen(c.d[0].msg), DIAG_MSG_MAX - 1);
}
END_TEST

/* Cases: reports of each severity, the cap, messages passed on. */
static const struct {
    size_t errors, warnings, cap;
    size_t shown; /* messages, summaries included */
} cap_cases[] = {
    {0, 0, 20, 0},    {20, 20, 20, 40}, {21, 0, 20, 21}, {0, 25, 20, 21},
    {30, 30, 20, 42}, {40, 3, 0, 43},   {5, 5, 1, 4},
};

START_TEST(diag_cap_table)
{
    struct capture c = {0};
    struct diag d;
    size_t i, cap = cap_cases[_i].cap;

    diag_init(&d, capture_diag, &c, "f", cap);
    for (i = 0; i < cap_cases[_i].errors; i++)
        diag_report(&d, LOGL_ERROR, (unsigned)i + 1, "e");
    for (i = 0; i < cap_cases[_i].warnings; i++)
        diag_report(&d, LOGL_WARN, (unsigned)i + 1, "w");
    diag_finish(&d);
    ck_assert_uint_eq(c.n, cap_cases[_i].shown);
    ck_assert_uint_eq(d.errors, cap_cases[_i].errors);
    ck_assert_uint_eq(d.warnings, cap_cases[_i].warnings);
    if (cap != 0 && cap_cases[_i].errors > cap) {
        char want[64];

        snprintf(want, sizeof want, "%zu more errors not shown",
                 cap_cases[_i].errors - cap);
        /* After the shown errors and warnings, before any other summary. */
        i = cap_cases[_i].warnings > cap ? c.n - 2 : c.n - 1;
        ck_assert_str_eq(c.d[i].msg, want);
        ck_assert_uint_eq(c.d[i].line, 0);
    }
    if (cap != 0 && cap_cases[_i].warnings > cap)
        ck_assert_ptr_nonnull(strstr(c.d[c.n - 1].msg, "more warnings"));
}
END_TEST

/* No receiver: problems are still counted. */
START_TEST(diag_null_fn_counts)
{
    struct diag d;

    diag_init(&d, NULL, NULL, "f", 2);
    diag_report(&d, LOGL_ERROR, 1, "a");
    diag_report(&d, LOGL_ERROR, 2, "b");
    diag_report(&d, LOGL_ERROR, 3, "c");
    diag_report(&d, LOGL_INFO, 3, "i");
    diag_finish(&d);
    ck_assert_uint_eq(d.errors, 3);
    ck_assert_uint_eq(d.warnings, 1);
}
END_TEST

static Suite *
diag_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("report");

    tcase_add_test(tc, diag_formats_and_counts);
    tcase_add_test(tc, diag_long_message_cut);
    tcase_add_loop_test(tc, diag_cap_table, 0,
                        (int)(sizeof cap_cases / sizeof cap_cases[0]));
    tcase_add_test(tc, diag_null_fn_counts);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(diag_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
