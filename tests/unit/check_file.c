/*
 * check_file: reading whole admin files, and what is refused.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "testutil.h"

static const char *dir;

static void
setup(void)
{
    dir = testutil_tmpdir("check_file");
}

START_TEST(file_reads_whole)
{
    char err[128] = "";
    struct stat st;
    size_t len = 0;
    char *buf = file_read(testutil_write_file("a", "one\ntwo\n"), 100, &len,
                          &st, err, sizeof err);

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, 8);
    ck_assert_str_eq(buf, "one\ntwo\n"); /* NUL-terminated */
    ck_assert_int_eq(st.st_size, 8);
    ck_assert(S_ISREG(st.st_mode));
    file_free(buf, len);
}
END_TEST

START_TEST(file_empty_and_symlink)
{
    char err[128], link[160];
    size_t len = 9;
    char *buf = file_read(testutil_write_file("e", ""), 100, &len, NULL, err,
                          sizeof err);

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, 0);
    file_free(buf, len);
    snprintf(link, sizeof link, "%s/l", dir);
    ck_assert_int_eq(symlink(testutil_write_file("t", "x"), link), 0);
    buf = file_read(link, 100, &len, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(buf);
    ck_assert_str_eq(buf, "x");
    file_free(buf, len);
}
END_TEST

START_TEST(file_refusals)
{
    char err[128], p[160];
    size_t len = 0;

    snprintf(p, sizeof p, "%s/missing", dir);
    ck_assert_ptr_null(file_read(p, 100, &len, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));

    ck_assert_ptr_null(file_read(dir, 100, &len, NULL, err, sizeof err));
    ck_assert_str_eq(err, "not a regular file");

    snprintf(p, sizeof p, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    ck_assert_ptr_null(file_read(p, 100, &len, NULL, err, sizeof err));
    ck_assert_str_eq(err, "not a regular file");

    ck_assert_ptr_null(file_read(testutil_write_file("big", "0123456789"), 9,
                                 &len, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "larger than"));
    file_free(NULL, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("read");
    tcase_add_checked_fixture(tc, setup, testutil_cleanup);
    tcase_add_test(tc, file_reads_whole);
    tcase_add_test(tc, file_empty_and_symlink);
    tcase_add_test(tc, file_refusals);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
