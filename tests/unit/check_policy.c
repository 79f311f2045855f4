/*
 * check_policy: the rule language (parse errors, any-of / all-of) and its
 * evaluation against users and groups.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htgroup.h"
#include "policy.h"
#include "testutil.h"

static struct htgroup *groups;

static void
setup(void)
{
    static const char text[] = "admins: alice\n"
                               "staff: alice bob carol\n"
                               "vpn: bob dave\n"
                               "empty:\n";

    groups = htgroup_parse("groups", text, sizeof text - 1, testutil_quiet_diag,
                           NULL);
    ck_assert_ptr_nonnull(groups);
}

static void
teardown(void)
{
    htgroup_free(groups);
}

struct parse_case {
    const char *text;
    bool ok;
    const char *err; /* a substring of the message when !ok */
};

static const struct parse_case parse_cases[] = {
    {"valid-user", true, NULL},
    {"VALID-USER", true, NULL},
    {"  valid-user  ", true, NULL},
    {"user alice", true, NULL},
    {"user alice bob\tcarol", true, NULL},
    {"group admins", true, NULL},
    {"Group admins | User alice", true, NULL},
    {"group staff & group vpn", true, NULL},
    {"user a | user b | user c", true, NULL},
    {"user zoë", true, NULL},
    {"", false, "empty term"},
    {"   ", false, "empty term"},
    {"|", false, "empty term"},
    {"user alice |", false, "empty term"},
    {"& user alice", false, "empty term"},
    {"user alice || user bob", false, "empty term"},
    {"user", false, "needs at least one name"},
    {"group", false, "needs at least one name"},
    {"valid-user alice", false, "takes no names"},
    {"users alice", false, "unknown term 'users'"},
    {"require user alice", false, "unknown term"},
    {"user alice | user bob & user carol", false, "mixed"},
    {"user al:ice", false, "':'"},
    {"group \"Domain Users\"", true, NULL},
    {"group \"Web | Staff\" & group \"R&D\"", true, NULL},
    {"group \"Web Staff", false, "unterminated quote"},
    {"group \"\"", false, "empty name"},
    {"user \"al:ice\"", false, "':'"},
    {"user alice\nbob", false, "control"},
    {"user alice\rbob", false, "control"},
    {"user \x7f", false, "control"},
    {"user a | user b | user c | user d | user e | user f | user g | user h "
     "| user i | user j | user k | user l | user m | user n | user o | user "
     "p | user q",
     false, "more than 16 terms"},
};

START_TEST(policy_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    struct rule r;
    char err[200] = "";
    int rc = rule_parse(&r, c->text, strlen(c->text), err, sizeof err);

    ck_assert_msg((rc == 0) == c->ok, "'%s': rc %d (%s)", c->text, rc, err);
    if (!c->ok)
        ck_assert_msg(strstr(err, c->err) != NULL, "'%s': message '%s'",
                      c->text, err);
}
END_TEST

START_TEST(policy_parse_limits)
{
    char text[RULE_TEXT_MAX + 64], err[200];
    struct rule r;
    size_t n = 0;

    /* 65 names in one term. */
    n += (size_t)snprintf(text, sizeof text, "user");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, " u%d", i);
    ck_assert_int_eq(rule_parse(&r, text, n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "more than 64 names"));

    memset(text, 'a', sizeof text);
    memcpy(text, "user ", 5);
    ck_assert_int_eq(rule_parse(&r, text, RULE_TEXT_MAX + 1, err, sizeof err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "longer than"));
    ck_assert_int_eq(rule_parse(&r, text, RULE_TEXT_MAX, err, sizeof err), 0);
}
END_TEST

/* The rule owns its text: the caller's buffer may go away. */
START_TEST(policy_rule_outlives_text)
{
    char *text = strdup("user alice | group vpn");
    struct rule r;
    char err[100];

    ck_assert_int_eq(rule_parse(&r, text, strlen(text), err, sizeof err), 0);
    memset(text, 'x', strlen(text));
    free(text);
    ck_assert(rule_allows(&r, (struct bytes){"alice", 5}, groups));
    ck_assert(rule_allows(&r, (struct bytes){"dave", 4}, groups));
    ck_assert(!rule_allows(&r, (struct bytes){"carol", 5}, groups));
    ck_assert_str_eq(r.text, "user alice | group vpn");
}
END_TEST

/* A copy by value is a whole rule: it outlives the one it was copied from. */
START_TEST(policy_rule_copies_by_value)
{
    struct rule *r = malloc(sizeof *r), copy;
    char err[100];

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(
        rule_parse(r, "user alice | group vpn", 22, err, sizeof err), 0);
    copy = *r;
    memset(r, 'x', sizeof *r);
    free(r);
    ck_assert(rule_allows(&copy, (struct bytes){"alice", 5}, groups));
    ck_assert(rule_allows(&copy, (struct bytes){"dave", 4}, groups));
    ck_assert(!rule_allows(&copy, (struct bytes){"carol", 5}, groups));
}
END_TEST

struct eval_case {
    const char *rule;
    const char *user;
    bool allow;
};

static const struct eval_case eval_cases[] = {
    {"valid-user", "anyone", true},
    {"valid-user", "", false},
    {"user alice", "alice", true},
    {"user alice", "Alice", false},
    {"user alice", "alic", false},
    {"user alice", "alicex", false},
    {"user bob alice", "alice", true},
    {"group admins", "alice", true},
    {"group admins", "bob", false},
    {"group admin", "alice", false},
    {"group adminsx", "alice", false},
    {"group Admins", "alice", false},
    {"group empty", "alice", false},
    {"group nosuch", "alice", false},
    {"group admins | user bob", "bob", true},
    {"group admins | user bob", "carol", false},
    {"group staff & group vpn", "bob", true},
    {"group staff & group vpn", "alice", false},
    {"group staff & group vpn", "dave", false},
    {"group staff & user carol", "carol", true},
    {"valid-user & user carol", "bob", false},
    {"valid-user | user carol", "bob", true},
};

START_TEST(policy_eval_table)
{
    const struct eval_case *c = &eval_cases[_i];
    struct rule r;
    char err[100];

    ck_assert_int_eq(rule_parse(&r, c->rule, strlen(c->rule), err, sizeof err),
                     0);
    ck_assert_msg(rule_allows(&r, (struct bytes){c->user, strlen(c->user)},
                              groups) == c->allow,
                  "'%s' for '%s': expected %s", c->rule, c->user,
                  c->allow ? "allow" : "deny");
}
END_TEST

/* Without a group file, group terms never pass; user terms still do. */
START_TEST(policy_no_groups)
{
    struct rule r;
    char err[100];

    ck_assert_int_eq(
        rule_parse(&r, "group admins | user bob", 23, err, sizeof err), 0);
    ck_assert(!rule_allows(&r, (struct bytes){"alice", 5}, NULL));
    ck_assert(rule_allows(&r, (struct bytes){"bob", 3}, NULL));
}
END_TEST

/* Directory groups hold spaces; a quoted name in a rule matches them whole. */
START_TEST(policy_quoted_names)
{
    static const struct {
        const char *rule, *listed;
        bool allow;
    } cases[] = {
        {"group \"Domain Users\"", "Domain Users,staff", true},
        {"group \"Domain Users\"", "Domain,Users", false},
        {"group Domain", "Domain Users", false},
        {"group \"Web | Staff\" | group x", "Web | Staff", true},
        {"group \"Web | Staff\" | group x", "Web ", false},
        {"group \"R&D\" & group staff", "staff,R&D", true},
        {"group \"R&D\" & group staff", "R&D", false},
        {"group a \"b c\" d", "b c", true},
        {"group a \"b c\" d", "d", true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rule r;
        char err[100] = "";
        struct rule_groups g = {NULL,
                                {cases[i].listed, strlen(cases[i].listed)}};

        ck_assert_msg(rule_parse(&r, cases[i].rule, strlen(cases[i].rule), err,
                                 sizeof err) == 0,
                      "'%s': %s", cases[i].rule, err);
        ck_assert_msg(rule_allows_in(&r, (struct bytes){"u", 1}, &g) ==
                          cases[i].allow,
                      "'%s' with '%s'", cases[i].rule, cases[i].listed);
    }
}
END_TEST

static void
collect(void *ctx, struct bytes name)
{
    char *out = ctx;

    strncat(out, name.p, name.n);
    strcat(out, ";");
}

START_TEST(policy_each_group)
{
    struct rule r;
    char err[100], names[200] = "";
    const char *text = "group a b | user c | group d \"e f\"";

    ck_assert_int_eq(rule_parse(&r, text, strlen(text), err, sizeof err), 0);
    rule_each_group(&r, collect, names);
    ck_assert_str_eq(names, "a;b;d;e f;");
}
END_TEST

static Suite *
policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, policy_parse_table, 0,
                        (int)(sizeof parse_cases / sizeof parse_cases[0]));
    tcase_add_test(tc, policy_parse_limits);
    tcase_add_test(tc, policy_rule_outlives_text);
    tcase_add_test(tc, policy_rule_copies_by_value);
    tcase_add_loop_test(tc, policy_eval_table, 0,
                        (int)(sizeof eval_cases / sizeof eval_cases[0]));
    tcase_add_test(tc, policy_no_groups);
    tcase_add_test(tc, policy_quoted_names);
    tcase_add_test(tc, policy_each_group);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(policy_suite());
}
