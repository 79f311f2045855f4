/*
 * check_htgroup: parsing group files, membership, diagnostics, loading.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "htgroup.h"
#include "htpasswd.h"
#include "testutil.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A string literal and its length, embedded NULs included. */
#define TXT(s) s, sizeof(s) - 1

static struct htgroup *
parse(const char *text, size_t len, struct testutil_capture *c)
{
    memset(c, 0, sizeof *c);
    return htgroup_parse("groups", text, len, testutil_capture_diag, c);
}

#define PARSE(text, c) parse(text, sizeof(text) - 1, c)

/* Collects the names htgroup_each_group reports, joined by ','. */
struct joined {
    char buf[1024];
    size_t len;
    size_t calls;
};

static void
join_name(void *ctx, const char *name, size_t n)
{
    struct joined *j = ctx;

    ck_assert_uint_eq(strlen(name), n); /* NUL-terminated too */
    ck_assert_uint_lt(j->len + n + 2, sizeof j->buf);
    if (j->len > 0)
        j->buf[j->len++] = ',';
    memcpy(j->buf + j->len, name, n);
    j->len += n;
    j->buf[j->len] = '\0';
    j->calls++;
}

/* ------------------------------------------------------- parse tables -- */

static const struct {
    const char *text;
    size_t len;
    unsigned errline; /* 0: parses; else the first malformed line */
    size_t groups;
} parse_cases[] = {
    {TXT(""), 0, 0},
    {TXT("\n\n\n"), 0, 0},
    {TXT("# only a comment\n"), 0, 0},
    {TXT("#admins: alice\n"), 0, 0},
    {TXT("admins: alice bob\n"), 0, 1},
    {TXT("admins: alice bob"), 0, 1}, /* no final newline */
    {TXT("admins:alice\n"), 0, 1},
    {TXT("a: x\r\nb: y\r\n"), 0, 2},
    {TXT("\r\n#c\r\na: x\r\n\r\n"), 0, 1},
    {TXT("a:\talice\t\tbob \t \n"), 0, 1},
    {TXT("   \n\t\na: x\n"), 0, 1}, /* blank-only lines */
    {TXT("empty:\n"), 0, 1},
    {TXT("empty:"), 0, 1},
    {TXT("empty:  \t\r\n"), 0, 1},
    {TXT("a: x\nb: y\na: z\n"), 0, 2}, /* a group on several lines */
    {TXT("a: x x x\na: x\n"), 0, 1},   /* duplicates */
    {TXT("a: a\n"), 0, 1},             /* a group may share a user's name */
    {TXT("J\xc3\xb6rg: J\xc3\xb6rg\n"), 0, 1},
    {TXT("a-b.c_d@e/f: u@example.org\n"), 0, 1},
    {TXT("admins alice\n"), 1, 0},
    {TXT("a: x\nadmins\n"), 2, 0},
    {TXT(": alice\n"), 1, 0},
    {TXT("\n\n: alice\n"), 3, 0},
    {TXT(" admins: alice\n"), 1, 0},
    {TXT("admins : alice\n"), 1, 0},
    {TXT("my group: alice\n"), 1, 0},
    {TXT("ad\tmins: alice\n"), 1, 0},
    {TXT("  # note: indented comments are not comments\n"), 1, 0},
    {TXT("ad\x01mins: alice\n"), 1, 0},
    {TXT("a\0: alice\n"), 1, 0},
    {TXT("a: al\x01ice\n"), 1, 0},
    {TXT("a: alice\x7f\n"), 1, 0},
    {TXT("a: alice\0\n"), 1, 0},
    {TXT("a: x\rb\n"), 1, 0},
    {TXT("a: bob:x\n"), 1, 0},
    {TXT("a: b: c\n"), 1, 0},
    {TXT("a: alice # the boss\n"), 1, 0},
    {TXT("a: \"John Smith\"\n"), 1, 0},
    {TXT("a: 'bob'\n"), 1, 0},
    {TXT("\xef\xbb\xbf"
         "a: x\n"),
     1, 0},
    {TXT("ok: a\n#\n\nbad line\nworse\n"), 4, 0},
};

START_TEST(htgroup_parse_table)
{
    struct testutil_capture c;
    struct htgroup *g = parse(parse_cases[_i].text, parse_cases[_i].len, &c);
    int e;

    if (parse_cases[_i].errline == 0) {
        ck_assert_msg(g != NULL, "case %d: %s", _i, c.n ? c.d[0].msg : "");
        ck_assert_uint_eq(c.n, 0);
        ck_assert_uint_eq(htgroup_count(g), parse_cases[_i].groups);
    } else {
        ck_assert_msg(g == NULL, "case %d parsed", _i);
        e = testutil_capture_find(&c, LOGL_ERROR);
        ck_assert_int_ge(e, 0);
        ck_assert_str_eq(c.d[e].file, "groups");
        ck_assert_uint_eq(c.d[e].line, parse_cases[_i].errline);
    }
    htgroup_free(g);
}
END_TEST

static const struct {
    const char *text;
    size_t len;
    const char *expect; /* in the message */
} message_cases[] = {
    {TXT("admins alice\n"), "no ':'"},
    {TXT(": alice\n"), "empty group name"},
    {TXT("admins : alice\n"), "space or tab in the group name"},
    {TXT("a,b: alice\n"), "',' in the group name"},
    {TXT("ad\x01mins: alice\n"), "control character in the group name"},
    {TXT("a: bob al\x01ice\n"), "member \"al\\x01ice\": control character"},
    {TXT("a: bob:x\n"), "member \"bob:x\": ':' cannot be part"},
    {TXT("a: alice # boss\n"), "member \"#\": '#' cannot start"},
    {TXT("a: \"John Smith\"\n"), "member \"\\\"John\": quoted"},
    {TXT("\xef\xbb\xbf"
         "a: x\n"),
     "byte order mark"},
};

/* Each malformed line says what is wrong, quoting the member at fault. */
START_TEST(htgroup_error_messages)
{
    struct testutil_capture c;
    size_t i;

    ck_assert_ptr_null(
        parse(message_cases[_i].text, message_cases[_i].len, &c));
    ck_assert_uint_eq(c.n, 1);
    ck_assert_uint_eq(c.d[0].sev, LOGL_ERROR);
    ck_assert_uint_eq(c.d[0].line, 1);
    ck_assert_msg(strstr(c.d[0].msg, message_cases[_i].expect) != NULL,
                  "message: %s", c.d[0].msg);
    /* Control bytes from the file never reach the log. */
    for (i = 0; c.d[0].msg[i] != '\0'; i++)
        ck_assert_int_ge((unsigned char)c.d[0].msg[i], 0x20);
}
END_TEST

/* Every malformed line is named, not only the first. */
START_TEST(htgroup_malformed_lines_reported)
{
    struct testutil_capture c;

    ck_assert_ptr_null(PARSE("ok: a\nnocolon\n: x\nb: y\nc: x 'q'\n", &c));
    ck_assert_uint_eq(c.errors, 3);
    ck_assert_uint_eq(c.d[0].line, 2);
    ck_assert_uint_eq(c.d[1].line, 3);
    ck_assert_uint_eq(c.d[2].line, 5);
    ck_assert_ptr_nonnull(strstr(c.d[2].msg, "quoted"));
}
END_TEST

/* A flood of bad lines is summarised rather than printed whole. */
START_TEST(htgroup_malformed_flood_capped)
{
    char text[200 * 4 + 1];
    struct testutil_capture c;
    size_t i;

    for (i = 0; i < 200; i++)
        memcpy(text + 4 * i, "bad\n", 4);
    text[sizeof text - 1] = '\0';
    ck_assert_ptr_null(parse(text, sizeof text - 1, &c));
    ck_assert_uint_lt(c.n, 30);
    ck_assert_uint_eq(c.d[c.n - 2].line, c.n - 1);
    ck_assert_uint_eq(c.d[c.n - 1].line, 0);
    ck_assert_ptr_nonnull(strstr(c.d[c.n - 1].msg, "more errors"));
}
END_TEST

/* A huge bad member is quoted only in part: lines are never dumped. */
START_TEST(htgroup_long_member_not_dumped)
{
    char line[4096];
    struct testutil_capture c;

    memset(line, 'x', sizeof line);
    memcpy(line, "g: ", 3);
    ck_assert_ptr_null(parse(line, sizeof line, &c));
    ck_assert_uint_eq(c.n, 1);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "longer than 255"));
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "...\""));
    ck_assert_uint_lt(strlen(c.d[0].msg), 160);
}
END_TEST

/* The name and line limits are inclusive. */
START_TEST(htgroup_limits)
{
    char line[HTGROUP_LINE_MAX + 8];
    struct testutil_capture c;
    struct htgroup *g;
    size_t i;

    /* A group name of exactly HTGROUP_NAME_MAX bytes loads, one more not. */
    memset(line, 'g', HTGROUP_NAME_MAX + 1);
    memcpy(line + HTGROUP_NAME_MAX, ": u\n", 4);
    g = parse(line, HTGROUP_NAME_MAX + 4, &c);
    ck_assert_ptr_nonnull(g);
    ck_assert(htgroup_exists(g, line, HTGROUP_NAME_MAX));
    ck_assert(htgroup_member(g, line, HTGROUP_NAME_MAX, "u", 1));
    htgroup_free(g);
    memset(line, 'g', HTGROUP_NAME_MAX + 1);
    memcpy(line + HTGROUP_NAME_MAX + 1, ": u\n", 4);
    ck_assert_ptr_null(parse(line, HTGROUP_NAME_MAX + 5, &c));
    ck_assert_uint_eq(c.d[0].line, 1);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "group name longer"));

    /* A member of exactly HTPASSWD_USER_MAX bytes loads, one more not. */
    memcpy(line, "g: ", 3);
    memset(line + 3, 'u', HTPASSWD_USER_MAX + 1);
    g = parse(line, 3 + HTPASSWD_USER_MAX, &c);
    ck_assert_ptr_nonnull(g);
    ck_assert(htgroup_member(g, "g", 1, line + 3, HTPASSWD_USER_MAX));
    htgroup_free(g);
    ck_assert_ptr_null(parse(line, 3 + HTPASSWD_USER_MAX + 1, &c));
    ck_assert_uint_eq(c.d[0].line, 1);

    /* A line of exactly HTGROUP_LINE_MAX bytes (plus CRLF) loads. */
    memset(line, 'u', sizeof line);
    memcpy(line, "g:", 2);
    for (i = 2; i < HTGROUP_LINE_MAX; i += 100)
        line[i] = ' ';
    memcpy(line + HTGROUP_LINE_MAX, "\r\n", 2);
    g = parse(line, HTGROUP_LINE_MAX + 2, &c);
    ck_assert_ptr_nonnull(g);
    /* The last member runs from the last space to the CR. */
    i -= 100;
    ck_assert(
        htgroup_member(g, "g", 1, line + i + 1, HTGROUP_LINE_MAX - i - 1));
    htgroup_free(g);
    memcpy(line + HTGROUP_LINE_MAX, "u\n", 2);
    ck_assert_ptr_null(parse(line, HTGROUP_LINE_MAX + 2, &c));
    ck_assert_uint_eq(c.d[0].line, 1);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "line longer"));
}
END_TEST

/* ------------------------------------------------------------- lookups -- */

static const char member_text[] = "# staff\n"
                                  "adm: al\n"
                                  "admin: alice bob\n"
                                  "admins: alice\n"
                                  "Admins: Bob\n"
                                  "wheel:\talice\tal\r\n"
                                  "J\xc3\xb6rg-team: J\xc3\xb6rg\n"
                                  "empty:\n";

static const struct {
    const char *group;
    size_t glen;
    const char *user;
    size_t ulen;
    bool member;
} member_cases[] = {
    {TXT("adm"), TXT("al"), true},
    {TXT("adm"), TXT("alice"), false},
    {TXT("adm"), TXT("a"), false},
    {TXT("admin"), TXT("alice"), true},
    {TXT("admin"), TXT("al"), false},
    {TXT("admin"), TXT("alic"), false},
    {TXT("admin"), TXT("alice2"), false},
    {TXT("admin"), TXT("bob"), true},
    {TXT("admins"), TXT("alice"), true},
    {TXT("admins"), TXT("bob"), false},
    {TXT("ad"), TXT("alice"), false},
    {TXT("admin2"), TXT("alice"), false},
    {TXT("wheel"), TXT("al"), true},
    {TXT("wheel"), TXT("alice"), true},
    {TXT("wheel"), TXT("bob"), false},
    {TXT("J\xc3\xb6rg-team"), TXT("J\xc3\xb6rg"), true},
    {TXT("empty"), TXT("alice"), false},
    {TXT("nosuch"), TXT("alice"), false},
    /* Names are case-sensitive. */
    {TXT("Admins"), TXT("Bob"), true},
    {TXT("Admins"), TXT("bob"), false},
    {TXT("admins"), TXT("Bob"), false},
    {TXT("ADMIN"), TXT("alice"), false},
    {TXT("admin"), TXT("Alice"), false},
    {TXT("Admins"), TXT("alice"), false},
    /* The lengths count, not a NUL. */
    {"adminxyz", 5, "alice", 5, true},
    {"admin", 5, "alicex", 5, true},
    {"admin", 3, "al", 2, true},
    {TXT("admin\0"), TXT("alice"), false},
    {TXT("admin"), TXT("alice\0"), false},
    {TXT("admin"), TXT(""), false},
    {TXT(""), TXT("alice"), false},
    /* Groups and users are separate name spaces. */
    {TXT("alice"), TXT("alice"), false},
    {TXT("admin"), TXT("admin"), false},
};

START_TEST(htgroup_member_table)
{
    struct testutil_capture c;
    struct htgroup *g = PARSE(member_text, &c);

    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(htgroup_count(g), 7);
    ck_assert_msg(htgroup_member(g, member_cases[_i].group,
                                 member_cases[_i].glen, member_cases[_i].user,
                                 member_cases[_i].ulen) ==
                      member_cases[_i].member,
                  "case %d", _i);
    htgroup_free(g);
}
END_TEST

static const struct {
    const char *group;
    size_t glen;
    bool exists;
} exists_cases[] = {
    {TXT("adm"), true},
    {TXT("admin"), true},
    {TXT("admins"), true},
    {TXT("Admins"), true},
    {TXT("wheel"), true},
    {TXT("empty"), true}, /* a group with no members is defined */
    {TXT("J\xc3\xb6rg-team"), true},
    {"adminxyz", 5, true},
    {TXT("ad"), false},
    {TXT("a"), false},
    {TXT("admin2"), false},
    {TXT("ADMIN"), false},
    {TXT("Adm"), false},
    {TXT("admin "), false},
    {TXT("admin\0"), false},
    {TXT("alice"), false}, /* a user, not a group */
    {TXT("staff"), false}, /* in a comment */
    {TXT(""), false},
};

START_TEST(htgroup_exists_table)
{
    struct testutil_capture c;
    struct htgroup *g = PARSE(member_text, &c);

    ck_assert_ptr_nonnull(g);
    ck_assert_msg(
        htgroup_exists(g, exists_cases[_i].group, exists_cases[_i].glen) ==
            exists_cases[_i].exists,
        "case %d", _i);
    htgroup_free(g);
}
END_TEST

/*
 * g1 appears first but gets alice only on line 4, after g2 and g3: her
 * groups still come in the order the groups first appear.
 */
static const char order_text[] = "g1: x\n"
                                 "g2: alice\n"
                                 "g3: bob alice alice\n"
                                 "g1: alice\n"
                                 "g4:\n"
                                 "g2: alice bob\n"
                                 "g5: al\n"
                                 "G1: alice\n";

static const struct {
    const char *user;
    size_t ulen;
    const char *groups; /* joined by ',' */
} each_cases[] = {
    {TXT("alice"), "g1,g2,g3,G1"},
    {TXT("bob"), "g2,g3"},
    {TXT("x"), "g1"},
    {TXT("al"), "g5"},
    {"alicex", 5, "g1,g2,g3,G1"},
    {TXT("Alice"), ""},
    {TXT("a"), ""},
    {TXT("alic"), ""},
    {TXT("alice2"), ""},
    {TXT("g1"), ""},
    {TXT(""), ""},
};

START_TEST(htgroup_each_group_table)
{
    struct testutil_capture c;
    struct htgroup *g = PARSE(order_text, &c);
    struct joined j = {"", 0, 0};
    size_t n;

    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(htgroup_count(g), 6);
    n = htgroup_each_group(g, each_cases[_i].user, each_cases[_i].ulen,
                           join_name, &j);
    ck_assert_str_eq(j.buf, each_cases[_i].groups);
    ck_assert_uint_eq(n, j.calls);
    htgroup_free(g);
}
END_TEST

/* Lines of one group accumulate; a member listed twice counts once. */
START_TEST(htgroup_accumulates_lines)
{
    struct testutil_capture c;
    struct htgroup *g = PARSE(order_text, &c);
    struct joined j = {"", 0, 0};

    ck_assert_ptr_nonnull(g);
    ck_assert(htgroup_member(g, "g1", 2, "x", 1));
    ck_assert(htgroup_member(g, "g1", 2, "alice", 5));
    ck_assert(htgroup_member(g, "g2", 2, "bob", 3));
    ck_assert(!htgroup_member(g, "g1", 2, "bob", 3));
    ck_assert(htgroup_exists(g, "g4", 2));
    ck_assert(!htgroup_member(g, "g4", 2, "alice", 5));
    /* alice is on g2's lines twice and g3's line twice: once each. */
    ck_assert_uint_eq(htgroup_each_group(g, "alice", 5, join_name, &j), 4);
    ck_assert_str_eq(j.buf, "g1,g2,g3,G1");
    htgroup_free(g);
}
END_TEST

START_TEST(htgroup_null_and_edges)
{
    char big[HTPASSWD_USER_MAX + 2];
    struct testutil_capture c;
    struct htgroup *g = PARSE(member_text, &c);
    struct joined j = {"", 0, 0};

    ck_assert_ptr_nonnull(g);
    memset(big, 'a', sizeof big);
    ck_assert(!htgroup_member(g, "admin", 5, big, sizeof big));
    ck_assert(!htgroup_member(g, big, sizeof big, "alice", 5));
    ck_assert(!htgroup_exists(g, big, sizeof big));
    ck_assert(!htgroup_member(g, NULL, 0, "alice", 5));
    ck_assert(!htgroup_member(g, "admin", 5, NULL, 0));
    ck_assert(!htgroup_exists(g, NULL, 0));
    ck_assert_uint_eq(htgroup_each_group(g, big, sizeof big, join_name, &j), 0);
    ck_assert_uint_eq(htgroup_each_group(g, NULL, 0, join_name, &j), 0);
    ck_assert_uint_eq(j.calls, 0);
    htgroup_free(g);

    ck_assert(!htgroup_member(NULL, "admin", 5, "alice", 5));
    ck_assert(!htgroup_exists(NULL, "admin", 5));
    ck_assert_uint_eq(htgroup_each_group(NULL, "alice", 5, join_name, &j), 0);
    ck_assert_uint_eq(htgroup_count(NULL), 0);
    htgroup_free(NULL);

    /* No data at all is an empty table; a NULL diag is allowed. */
    g = htgroup_parse("groups", NULL, 0, NULL, NULL);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(htgroup_count(g), 0);
    htgroup_free(g);
    ck_assert_ptr_null(htgroup_parse("groups", "bad", 3, NULL, NULL));
}
END_TEST

/* ------------------------------------------------------------ loading -- */

static void
tmp_setup(void)
{
    testutil_tmpdir("check_htgroup");
}

START_TEST(htgroup_load_file)
{
    char path[128], link[128];
    struct testutil_capture c;
    struct htgroup *g;

    testutil_tmp_path(path, sizeof path, "groups");
    testutil_write_path(path, TXT(member_text));
    memset(&c, 0, sizeof c);
    g = htgroup_load(path, testutil_capture_diag, &c);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(htgroup_count(g), 7);
    ck_assert(htgroup_member(g, "wheel", 5, "al", 2));
    htgroup_free(g);

    /* Symbolic links are followed: admins use them. */
    testutil_tmp_path(link, sizeof link, "link");
    ck_assert_int_eq(symlink(path, link), 0);
    g = htgroup_load(link, NULL, NULL);
    ck_assert_ptr_nonnull(g);
    ck_assert(htgroup_member(g, "admin", 5, "bob", 3));
    htgroup_free(g);

    /* An empty file is a table with no groups. */
    testutil_tmp_path(path, sizeof path, "empty");
    testutil_write_path(path, "", 0);
    g = htgroup_load(path, NULL, NULL);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(htgroup_count(g), 0);
    ck_assert(!htgroup_exists(g, "admin", 5));
    htgroup_free(g);
}
END_TEST

#define BAD_FILE "ok: alice\nbroken\n"

static const struct {
    const char *name;
    const char *expect; /* in the message; NULL: a line error */
} load_error_cases[] = {
    {"missing", "cannot open"},       {"dir", "not a regular file"},
    {"fifo", "not a regular file"},   {"bad", NULL},
    {"sparse", "larger than 64 MiB"},
};

START_TEST(htgroup_load_errors)
{
    const char *name = load_error_cases[_i].name;
    char path[128];
    struct testutil_capture c;

    testutil_make_refusal(path, sizeof path, name, TXT(BAD_FILE),
                          (off_t)65 * 1024 * 1024);
    memset(&c, 0, sizeof c);
    ck_assert_ptr_null(htgroup_load(path, testutil_capture_diag, &c));
    ck_assert_uint_eq(c.n, 1);
    testutil_assert_load_error(&c, path, load_error_cases[_i].expect, 2);
}
END_TEST

/*
 * 10 000 groups of 100 members drawn from 5 000 users, each group written
 * as two half lines far apart: every membership is found, none invented,
 * and each user's groups come in file order. The loops count mismatches
 * and assert once: a check assertion costs a write in the runner. How fast
 * it loads is measured in bench/, never asserted here (shared, noisy
 * machines).
 */
enum { BIG_GROUPS = 10000, BIG_MEMBERS = 100, BIG_USERS = 5000 };

/* Member j of group i; distinct for j <= 100 as gcd(53, 5000) = 1. */
static size_t
big_user(size_t i, size_t j)
{
    return (i * 37 + j * 53) % BIG_USERS;
}

static bool
big_has(size_t i, size_t u)
{
    size_t j;

    for (j = 0; j < BIG_MEMBERS; j++)
        if (big_user(i, j) == u)
            return true;
    return false;
}

struct big_check {
    size_t user;
    bool exact;  /* also check each group is the next expected one */
    size_t next; /* the group number expected next, or above */
    size_t calls;
    size_t wrong;
};

/* Groups come as "grp<N>" with N ascending (and, when exact, no gaps). */
static void
big_group_seen(void *ctx, const char *name, size_t n)
{
    struct big_check *bc = ctx;
    char *end;
    unsigned long num;

    bc->calls++;
    if (n < 4 || strlen(name) != n || memcmp(name, "grp", 3) != 0) {
        bc->wrong++;
        return;
    }
    num = strtoul(name + 3, &end, 10);
    while (bc->exact && bc->next < BIG_GROUPS && !big_has(bc->next, bc->user))
        bc->next++;
    if (*end != '\0' || num < bc->next || (bc->exact && num != bc->next))
        bc->wrong++;
    bc->next = num + 1;
}

/* The text of the big file, its members counted per user. */
static char *
big_text(size_t *len, size_t *per_user)
{
    size_t cap = (size_t)BIG_GROUPS * BIG_MEMBERS * 12, half, i, j;
    char *text = malloc(cap);

    ck_assert_ptr_nonnull(text);
    *len = 0;
    for (half = 0; half < 2; half++) {
        for (i = 0; i < BIG_GROUPS; i++) {
            *len += (size_t)snprintf(text + *len, cap - *len, "grp%zu:", i);
            for (j = half * BIG_MEMBERS / 2; j < (half + 1) * BIG_MEMBERS / 2;
                 j++) {
                *len += (size_t)snprintf(text + *len, cap - *len, " usr%zu",
                                         big_user(i, j));
                per_user[big_user(i, j)]++;
            }
            text[(*len)++] = '\n';
        }
    }
    ck_assert_uint_lt(*len, cap);
    return text;
}

START_TEST(htgroup_load_large)
{
    static size_t per_user[BIG_USERS];
    char path[128], grp[16], user[16], *text;
    size_t len, i, j, wrong = 0;
    struct testutil_capture c;
    struct htgroup *g;

    memset(per_user, 0, sizeof per_user);
    text = big_text(&len, per_user);
    testutil_tmp_path(path, sizeof path, "big");
    testutil_write_path(path, text, len);
    free(text);

    memset(&c, 0, sizeof c);
    g = htgroup_load(path, testutil_capture_diag, &c);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(htgroup_count(g), BIG_GROUPS);
    for (i = 0; i < BIG_GROUPS; i++) {
        int gn = snprintf(grp, sizeof grp, "grp%zu", i), un;

        wrong += !htgroup_exists(g, grp, (size_t)gn);
        /* Member BIG_MEMBERS is the first one not written. */
        for (j = 0; j <= BIG_MEMBERS; j++) {
            un = snprintf(user, sizeof user, "usr%zu", big_user(i, j));
            wrong += htgroup_member(g, grp, (size_t)gn, user, (size_t)un) !=
                     (j < BIG_MEMBERS);
        }
    }
    ck_assert_uint_eq(wrong, 0);
    for (i = 0; i < BIG_USERS; i++) {
        /* The exact list costs 1M steps: a few users only. */
        struct big_check bc = {i, i % 1000 == 7, 0, 0, 0};
        int un = snprintf(user, sizeof user, "usr%zu", i);

        wrong += htgroup_each_group(g, user, (size_t)un, big_group_seen, &bc) !=
                 per_user[i];
        wrong += bc.calls != per_user[i] || bc.wrong != 0;
    }
    ck_assert_uint_eq(wrong, 0);
    ck_assert(!htgroup_exists(g, "grp10000", 8));
    ck_assert(!htgroup_member(g, "grp1", 4, "usr5000", 7));
    htgroup_free(g);
}
END_TEST

static Suite *
htgroup_suite(void)
{
    Suite *s = suite_create("htgroup");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, htgroup_parse_table, 0, NELEM(parse_cases));
    tcase_add_loop_test(tc, htgroup_error_messages, 0, NELEM(message_cases));
    tcase_add_test(tc, htgroup_malformed_lines_reported);
    tcase_add_test(tc, htgroup_malformed_flood_capped);
    tcase_add_test(tc, htgroup_long_member_not_dumped);
    tcase_add_test(tc, htgroup_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookup");
    tcase_add_loop_test(tc, htgroup_member_table, 0, NELEM(member_cases));
    tcase_add_loop_test(tc, htgroup_exists_table, 0, NELEM(exists_cases));
    tcase_add_loop_test(tc, htgroup_each_group_table, 0, NELEM(each_cases));
    tcase_add_test(tc, htgroup_accumulates_lines);
    tcase_add_test(tc, htgroup_null_and_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tmp_setup, testutil_cleanup);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, htgroup_load_file);
    tcase_add_loop_test(tc, htgroup_load_errors, 0, NELEM(load_error_cases));
    tcase_add_test(tc, htgroup_load_large);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(htgroup_suite());
}
