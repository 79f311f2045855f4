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

static char dir[64];
static char path[128];

static void
setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_file.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
    char cmd[160];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *
make(const char *name, const char *text)
{
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

START_TEST(file_reads_whole)
{
    char err[128] = "";
    struct stat st;
    size_t len = 0;
    char *buf =
        file_read(make("a", "one\ntwo\n"), 100, &len, &st, err, sizeof err);

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
    char *buf = file_read(make("e", ""), 100, &len, NULL, err, sizeof err);

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, 0);
    file_free(buf, len);
    snprintf(link, sizeof link, "%s/l", dir);
    ck_assert_int_eq(symlink(make("t", "x"), link), 0);
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

    ck_assert_ptr_null(
        file_read(make("big", "0123456789"), 9, &len, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "larger than"));
    file_free(NULL, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("read");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, file_reads_whole);
    tcase_add_test(tc, file_empty_and_symlink);
    tcase_add_test(tc, file_refusals);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
