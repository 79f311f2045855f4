/*
 * check_directory: the parts of the LDAP source that need no server: the
 * RFC 4515 escaping of names put into filters (by libldap, which writes
 * upper-case hex), the options a
 * directory refuses, the empty-password trap, and a server that is not
 * there answering "down" within the timeout. Checks against a real slapd
 * are live (tests/integration/ldap.sh).
 */
#include "config.h"

#include <check.h>
#include <string.h>
#include <time.h>

#include "directory.h"
#include "log.h"
#include "testutil.h"

static const struct {
    const char *filter;
    const char *value;
    size_t len; /* 0: strlen */
    const char *want;
} filter_cases[] = {
    {"(uid=%s)", "alice", 0, "(uid=alice)"},
    {"(uid=%s)", "*", 0, "(uid=\\2A)"},
    {"(uid=%s)", ")(uid=*", 0, "(uid=\\29\\28uid=\\2A)"},
    {"(uid=%s)", "a\\b", 0, "(uid=a\\5Cb)"},
    {"(uid=%s)", "a\0b", 3, "(uid=a\\00b)"},
    {"(uid=%s)", "*)(|(objectClass=*", 0,
     "(uid=\\2A\\29\\28|\\28objectClass=\\2A)"},
    {"(|(uid=%s)(mail=%s))", "bob", 0, "(|(uid=bob)(mail=bob))"},
    {"(&(objectClass=groupOfNames)(member=%s))", "uid=a,ou=p,dc=x", 0,
     "(&(objectClass=groupOfNames)(member=uid=a,ou=p,dc=x))"},
    /* libldap escapes every byte outside ASCII too (RFC 4515 allows it). */
    {"(uid=%s)", "\xc3\xa9t\xc3\xa9", 0, "(uid=\\C3\\A9t\\C3\\A9)"},
};

START_TEST(directory_filter_escapes)
{
    char out[256];
    size_t n = filter_cases[_i].len ? filter_cases[_i].len
                                    : strlen(filter_cases[_i].value);

    ck_assert_int_eq(directory_filter(filter_cases[_i].filter,
                                      (struct bytes){filter_cases[_i].value, n},
                                      out, sizeof out),
                     0);
    ck_assert_str_eq(out, filter_cases[_i].want);
}
END_TEST

START_TEST(directory_filter_too_long)
{
    char out[16];

    ck_assert_int_eq(directory_filter("(uid=%s)",
                                      (struct bytes){"abcdefghij", 10}, out,
                                      sizeof out),
                     -1);
    ck_assert_int_eq(directory_filter("(uid=%s)", (struct bytes){"abcdefg", 7},
                                      out, sizeof out),
                     0);
    ck_assert_str_eq(out, "(uid=abcdefg)");
}
END_TEST

static struct directory_opts
opts(void)
{
    return (struct directory_opts){
        .urls = "ldap://127.0.0.1:1/",
        .base_dn = "dc=example,dc=test",
        .filter = "(uid=%s)",
        .group_filter = "(&(objectClass=groupOfNames)(member=%s))",
        .group_attr = "cn",
        .timeout = 2,
        .connections = 2,
    };
}

static const struct {
    const char *field;
    const char *value;
    const char *words;
} bad_cases[] = {
    {"urls", "http://127.0.0.1/", "not an ldap://"},
    {"urls", "", "no URL"},
    {"urls",
     "ldap://a/ ldap://b/ ldap://c/ ldap://d/ ldap://e/ ldap://f/ "
     "ldap://g/ ldap://h/ ldap://i/",
     "more than"},
    {"filter", "uid=%s", "ldap_filter"},
    {"filter", "(uid=alice)", "ldap_filter"},
    {"group_filter", "(member=x)", "ldap_group_filter"},
    {"base_dn", NULL, "ldap_base_dn"},
    {"bind_dn", "cn=reader,dc=example,dc=test", "ldap_bind_password_file"},
};

START_TEST(directory_refuses_options)
{
    struct directory_opts o = opts();
    char err[256] = "";

    if (strcmp(bad_cases[_i].field, "urls") == 0)
        o.urls = bad_cases[_i].value;
    else if (strcmp(bad_cases[_i].field, "filter") == 0)
        o.filter = bad_cases[_i].value;
    else if (strcmp(bad_cases[_i].field, "group_filter") == 0)
        o.group_filter = bad_cases[_i].value;
    else if (strcmp(bad_cases[_i].field, "base_dn") == 0)
        o.base_dn = bad_cases[_i].value;
    else
        o.bind_dn = bad_cases[_i].value;
    ck_assert_ptr_null(directory_new(&o, err, sizeof err));
    ck_assert_msg(strstr(err, bad_cases[_i].words) != NULL, "%s", err);
}
END_TEST

START_TEST(directory_takes_failover_urls)
{
    struct directory_opts o = opts();
    char err[256] = "";
    struct directory *d;

    o.urls = "ldaps://127.0.0.1:1/ ldap://[::1]:1/,ldapi:///";
    d = directory_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    directory_free(d);
}
END_TEST

/* The empty password never reaches a server: none is needed to refuse. */
START_TEST(directory_empty_password_refused_first)
{
    struct directory_opts o = opts();
    char err[256], groups[DIRECTORY_GROUPS_MAX];
    struct directory *d = directory_new(&o, err, sizeof err);
    bool amb;

    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(directory_check(d, (struct bytes){"alice", 5},
                                     (struct bytes){"", 0}, groups, &amb),
                     DIR_EMPTY_PASSWORD);
    ck_assert_str_eq(directory_result_name(DIR_EMPTY_PASSWORD),
                     "empty_password");
    directory_free(d);
}
END_TEST

/* Nobody on port 1: down at once, then backing off (no new connect). */
START_TEST(directory_down_in_time)
{
    struct directory_opts o = opts();
    char err[256], groups[DIRECTORY_GROUPS_MAX];
    struct directory *d = directory_new(&o, err, sizeof err);
    struct timespec t0, t1;
    bool amb;

    ck_assert_ptr_nonnull(d);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(directory_check(d, (struct bytes){"alice", 5},
                                     (struct bytes){"pw", 2}, groups, &amb),
                     DIR_DOWN);
    ck_assert_int_eq(directory_check(d, (struct bytes){"alice", 5},
                                     (struct bytes){"pw", 2}, groups, &amb),
                     DIR_DOWN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Within the timeout (2 s), with room for a slow machine. */
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 3 * 2);
    ck_assert_int_eq(directory_probe(d, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "ldap://127.0.0.1:1/"));
    directory_free(d);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("directory");
    TCase *tc = tcase_create("directory");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, directory_filter_escapes, 0,
                        (int)(sizeof filter_cases / sizeof filter_cases[0]));
    tcase_add_test(tc, directory_filter_too_long);
    tcase_add_loop_test(tc, directory_refuses_options, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, directory_takes_failover_urls);
    tcase_add_test(tc, directory_empty_password_refused_first);
    tcase_add_test(tc, directory_down_in_time);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
