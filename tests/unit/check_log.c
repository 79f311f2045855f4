/*
 * check_log: levels, quoting of peer text, whole lines on stderr, the
 * decision line rate and the diagnostic format.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

/* How many '\n' s holds. */
static size_t
lines(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------ levels -- */

START_TEST(log_levels)
{
    log_set_level(LOGL_WARN);
    ck_assert(log_enabled(LOGL_ERROR));
    ck_assert(log_enabled(LOGL_WARN));
    ck_assert(!log_enabled(LOGL_INFO));
    ck_assert(!log_enabled(LOGL_DEBUG));
    log_set_level(LOGL_DEBUG);
    ck_assert(log_enabled(LOGL_DEBUG));
    log_set_level(LOGL_ERROR);
    ck_assert(!log_enabled(LOGL_WARN));
    log_set_level(LOGL_INFO);
    ck_assert(log_enabled(LOGL_INFO));
    ck_assert(!log_enabled(LOGL_DEBUG));
}
END_TEST

/* ------------------------------------------------------------ quoting -- */

static const struct {
    const char *name;
    const char *in;
    size_t in_len;
    size_t max;
    size_t cap;
    const char *out;
} quote_cases[] = {
    {"plain", "alice", 5, 64, 64, "\"alice\""},
    {"empty", "", 0, 64, 64, "\"\""},
    {"quote and backslash", "a\"b\\c", 5, 64, 64, "\"a\\\"b\\\\c\""},
    {"control bytes", "\x01\n\t\x1f", 4, 64, 64, "\"\\x01\\x0a\\x09\\x1f\""},
    {"DEL and high bytes", "\x7f\x80\xff", 3, 64, 64, "\"\\x7f\\x80\\xff\""},
    {"NUL inside", "a\0b", 3, 64, 64, "\"a\\x00b\""},
    {"longer than max", "abcdefgh", 8, 3, 64, "\"abc...\""},
    {"exactly max", "abc", 3, 3, 64, "\"abc\""},
    {"escapes count as one input byte", "\"\"\"\"", 4, 2, 64,
     "\"\\\"\\\"...\""},
    {"cap 1 holds only the NUL", "abc", 3, 64, 1, ""},
    /* Cut by the room left, not by max: still marked as cut. */
    {"cut by the buffer", "abcdef", 6, 64, 8, "\"a...\""},
    {"cut by the buffer, escapes", "\x01\x02\x03", 3, 64, 12, "\"\\x01...\""},
};

START_TEST(log_append_quoted_table)
{
    char dst[64];
    size_t len = 0;

    memset(dst, 'Z', sizeof dst);
    log_append_quoted(
        dst, quote_cases[_i].cap, &len,
        (struct bytes){quote_cases[_i].in, quote_cases[_i].in_len},
        quote_cases[_i].max);
    ck_assert_msg(strcmp(dst, quote_cases[_i].out) == 0, "%s: got [%s]",
                  quote_cases[_i].name, dst);
    ck_assert_uint_eq(len, strlen(dst));
    ck_assert_uint_lt(len, quote_cases[_i].cap);
}
END_TEST

/* Appends after what dst holds; a full dst is left alone. */
START_TEST(log_append_quoted_appends)
{
    char dst[32] = "user=";
    size_t len = 5;

    log_append_quoted(dst, sizeof dst, &len, (struct bytes){"bob", 3}, 64);
    ck_assert_str_eq(dst, "user=\"bob\"");
    ck_assert_uint_eq(len, 10);
    len = sizeof dst;
    log_append_quoted(dst, sizeof dst, &len, (struct bytes){"x", 1}, 64);
    ck_assert_str_eq(dst, "user=\"bob\"");
    ck_assert_uint_eq(len, sizeof dst);
    len = 0;
    log_append_quoted(dst, 0, &len, (struct bytes){"x", 1}, 64);
    ck_assert_uint_eq(len, 0);
}
END_TEST

/* A value cut by the capacity never runs past it, whatever it holds. */
START_TEST(log_append_quoted_every_cap)
{
    static const char in[] = "a\"\\\x01zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

    for (size_t cap = 1; cap <= 48; cap++) {
        char dst[64];
        size_t len = 0;

        memset(dst, 'Z', sizeof dst);
        log_append_quoted(dst, cap, &len, (struct bytes){in, sizeof in - 1},
                          16);
        ck_assert_uint_lt(len, cap);
        ck_assert_uint_eq(strlen(dst), len);
        ck_assert(dst[cap] == 'Z');
    }
}
END_TEST

/* ------------------------------------------------------------ lines -- */

START_TEST(log_msg_one_whole_line)
{
    const char *out;

    log_set_level(LOGL_INFO);
    testutil_stderr_capture();
    log_msg(LOGL_WARN, "x=%d %s", 5, "y");
    log_msg(LOGL_DEBUG, "not shown");
    log_msg(LOGL_ERROR, "bad");
    log_msg(LOGL_INFO, "fine");
    out = testutil_stderr_release();
    ck_assert_str_eq(out, "fcgi-authd: warning: x=5 y\n"
                          "fcgi-authd: error: bad\n"
                          "fcgi-authd: info: fine\n");
}
END_TEST

/* A message longer than a line is cut, and still one line. */
START_TEST(log_msg_long_is_cut)
{
    static char big[5000];
    const char *out;

    memset(big, 'q', sizeof big - 1);
    log_set_level(LOGL_INFO);
    testutil_stderr_capture();
    log_msg(LOGL_INFO, "%s", big);
    log_msg(LOGL_INFO, "next");
    out = testutil_stderr_release();
    ck_assert_uint_eq(lines(out), 2);
    ck_assert_ptr_nonnull(strstr(out, "qqq\nfcgi-authd: info: next\n"));
    ck_assert_uint_lt(strlen(out), 2100);
    ck_assert(strncmp(out, "fcgi-authd: info: qqq", 21) == 0);
}
END_TEST

START_TEST(log_diag_format)
{
    const char *out;

    log_set_level(LOGL_INFO);
    testutil_stderr_capture();
    log_diag(NULL, LOGL_ERROR, "/etc/users", 3, "no ':'");
    log_diag(NULL, LOGL_WARN, "/etc/users", 0, "empty file");
    log_diag(NULL, LOGL_ERROR, NULL, 2, "bad option");
    log_diag(NULL, LOGL_DEBUG, "/etc/users", 1, "hidden");
    out = testutil_stderr_release();
    ck_assert_str_eq(out, "fcgi-authd: error: /etc/users:3: no ':'\n"
                          "fcgi-authd: warning: /etc/users: empty file\n"
                          "fcgi-authd: error: command line:2: bad option\n");
}
END_TEST

/* ------------------------------------------------------------ rate -- */

/* A burst gets per_second lines; the rest are counted and said once. */
START_TEST(log_rate_caps_and_counts)
{
    unsigned allowed = 0;
    const char *out;

    log_set_level(LOGL_INFO);
    log_set_rate(5);
    testutil_stderr_capture();
    for (int i = 0; i < 20; i++)
        allowed += log_decision_allowed();
    log_flush_dropped();
    log_flush_dropped(); /* nothing more to say */
    out = testutil_stderr_release();
    ck_assert_uint_eq(allowed, 5);
    ck_assert_str_eq(out, "fcgi-authd: warning: 15 decision lines not logged "
                          "(more than 5 a second)\n");
}
END_TEST

/* The bucket refills: after a second the next line is allowed again. */
START_TEST(log_rate_refills)
{
    struct timespec ts = {1, 100 * 1000 * 1000};
    const char *out;

    log_set_level(LOGL_INFO);
    log_set_rate(2);
    testutil_stderr_capture();
    ck_assert(log_decision_allowed());
    ck_assert(log_decision_allowed());
    ck_assert(!log_decision_allowed());
    nanosleep(&ts, NULL);
    /* The drop is reported when lines flow again. */
    ck_assert(log_decision_allowed());
    out = testutil_stderr_release();
    ck_assert_str_eq(out, "fcgi-authd: warning: 1 decision lines not logged "
                          "(more than 2 a second)\n");
}
END_TEST

START_TEST(log_rate_zero_is_unlimited)
{
    log_set_rate(0);
    for (int i = 0; i < 10000; i++)
        ck_assert(log_decision_allowed());
    log_set_rate(200);
}
END_TEST

/* log_syslog = auto: stderr that is /dev/null or closed goes nowhere. */
START_TEST(log_stderr_void_detected)
{
    int saved = dup(STDERR_FILENO), fd;
    char path[] = "/tmp/check_log_err.XXXXXX";
    bool as_file, as_null, as_closed;

    ck_assert_int_ge(saved, 0);
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    as_file = log_stderr_is_void();
    close(fd);
    unlink(path);
    fd = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    as_null = log_stderr_is_void();
    close(STDERR_FILENO);
    as_closed = log_stderr_is_void();
    dup2(saved, STDERR_FILENO);
    close(saved);
    ck_assert(!as_file);
    ck_assert(as_null);
    ck_assert(as_closed);
}
END_TEST

static Suite *
log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");

    tcase_add_test(tc, log_levels);
    tcase_add_loop_test(tc, log_append_quoted_table, 0,
                        (int)(sizeof quote_cases / sizeof quote_cases[0]));
    tcase_add_test(tc, log_append_quoted_appends);
    tcase_add_test(tc, log_append_quoted_every_cap);
    tcase_add_test(tc, log_msg_one_whole_line);
    tcase_add_test(tc, log_msg_long_is_cut);
    tcase_add_test(tc, log_diag_format);
    tcase_add_test(tc, log_rate_caps_and_counts);
    tcase_add_test(tc, log_rate_refills);
    tcase_add_test(tc, log_rate_zero_is_unlimited);
    tcase_add_test(tc, log_stderr_void_detected);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(log_suite());
}
