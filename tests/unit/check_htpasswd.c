/*
 * check_htpasswd: parsing credential files, lookups, diagnostics, loading.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "htpasswd.h"
#include "testutil.h"

#define SHA_SECRET    "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
#define APR1_PASSWORD "$apr1$salt$Xxd1irWT9ycqoYxGFn4cb."
#define BCRYPT        "$2y$04$fv2RwyhjztI/2j.PQcW3eODeDt7SjQuKOoy0aAcGeVd/farxdhGsq"

static const struct htpasswd_opts strict = HTPASSWD_OPTS_DEFAULT;
static const struct htpasswd_opts lenient = {true, true, 0, 0};

static struct htpasswd *
parse(const char *text, size_t len, const struct htpasswd_opts *o,
      struct testutil_capture *c)
{
    memset(c, 0, sizeof *c);
    return htpasswd_parse("users", text, len, o, testutil_capture_diag, c);
}

#define PARSE(text, o, c) parse(text, sizeof(text) - 1, o, c)

/* ------------------------------------------------------- parse tables -- */

static const struct {
    const char *text;
    size_t len;       /* 0: strlen(text) */
    unsigned errline; /* 0: parses; else the first malformed line */
    size_t count;
    size_t usable;
} parse_cases[] = {
    {"", 0, 0, 0, 0},
    {"\n\n\n", 0, 0, 0, 0},
    {"# only a comment\n", 0, 0, 0, 0},
    {"alice:" SHA_SECRET "\n", 0, 0, 1, 1},
    {"alice:" SHA_SECRET, 0, 0, 1, 1}, /* no final newline */
    {"# users\n\nalice:" SHA_SECRET "\n# bob\n\nbob:" APR1_PASSWORD "\n", 0, 0,
     2, 2},
    {"alice:" SHA_SECRET "\r\nbob:" APR1_PASSWORD "\r\n", 0, 0, 2, 2},
    {"\r\n#c\r\nalice:" SHA_SECRET "\r\n\r\n", 0, 0, 1, 1},
    {"alice:" SHA_SECRET ":Alice Liddell, room 7\n", 0, 0, 1, 1},
    {"alice:" SHA_SECRET ":\n", 0, 0, 1, 1},
    {"alice:" SHA_SECRET ":a:b:c\tand a tab\n", 0, 0, 1, 1},
    {"   \n\t\nalice:" SHA_SECRET "\n", 0, 0, 1, 1}, /* blank-only lines */
    {"John Smith:" SHA_SECRET "\n", 0, 0, 1, 1},
    {"alice:!locked\nbob:" BCRYPT "\n", 0, 0, 2, 1},
    {"alice:\n", 0, 0, 1, 0}, /* empty hash: loads, never matches */
    {"alice:" SHA_SECRET "\nbob\n", 0, 2, 0, 0},
    {"alice\n", 0, 1, 0, 0},
    {":" SHA_SECRET "\n", 0, 1, 0, 0},
    {"\n\n:x\n", 0, 3, 0, 0},
    {"al\tice:" SHA_SECRET "\n", 0, 1, 0, 0},
    {"alice:" SHA_SECRET "\nbo\x7f:x\n", 0, 2, 0, 0},
    {"alice:ab\0cd\n", 12, 1, 0, 0},
    {"alice:ab\rcd\n", 0, 1, 0, 0},
    {" alice:" SHA_SECRET "\n", 0, 1, 0, 0},
    {"alice :" SHA_SECRET "\n", 0, 1, 0, 0},
    {"ok:" SHA_SECRET "\n#\n\nbad line\nworse\n", 0, 4, 0, 0},
};

START_TEST(htpasswd_parse_table)
{
    const char *text = parse_cases[_i].text;
    size_t len = parse_cases[_i].len ? parse_cases[_i].len : strlen(text);
    struct testutil_capture c;
    struct htpasswd *h = parse(text, len, &strict, &c);
    int e;

    if (parse_cases[_i].errline == 0) {
        ck_assert_msg(h != NULL, "case %d: %s", _i, c.n ? c.d[0].msg : "");
        ck_assert_uint_eq(c.errors, 0);
        ck_assert_uint_eq(htpasswd_count(h), parse_cases[_i].count);
        ck_assert_uint_eq(htpasswd_usable(h), parse_cases[_i].usable);
    } else {
        ck_assert_ptr_null(h);
        e = testutil_capture_find(&c, LOGL_ERROR);
        ck_assert_int_ge(e, 0);
        ck_assert_str_eq(c.d[e].file, "users");
        ck_assert_uint_eq(c.d[e].line, parse_cases[_i].errline);
    }
    htpasswd_free(h);
}
END_TEST

/* Each malformed line is named, with what was expected. */
START_TEST(htpasswd_malformed_lines_reported)
{
    struct testutil_capture c;
    struct htpasswd *h = PARSE(
        "a:" SHA_SECRET "\nnocolon\n:empty\nb:" SHA_SECRET "\n", &strict, &c);

    ck_assert_ptr_null(h);
    ck_assert_uint_eq(c.errors, 2);
    ck_assert_uint_eq(c.d[0].line, 2);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "':'"));
    ck_assert_uint_eq(c.d[1].line, 3);
    ck_assert_ptr_nonnull(strstr(c.d[1].msg, "empty user"));
}
END_TEST

/* A flood of bad lines is summarised rather than printed whole. */
START_TEST(htpasswd_malformed_flood_capped)
{
    char text[200 * 4 + 1];
    struct testutil_capture c;
    size_t i;

    for (i = 0; i < 200; i++)
        memcpy(text + 4 * i, "bad\n", 4);
    text[sizeof text - 1] = '\0';
    ck_assert_ptr_null(parse(text, sizeof text - 1, &strict, &c));
    ck_assert_uint_lt(c.errors, 30);
    ck_assert_ptr_nonnull(strstr(c.d[c.n - 1].msg, "more errors"));
}
END_TEST

#define TAIL ":" SHA_SECRET "\n"

/* HTPASSWD_USER_MAX and HTPASSWD_LINE_MAX are inclusive limits. */
START_TEST(htpasswd_limits)
{
    char line[HTPASSWD_LINE_MAX + 8];
    struct testutil_capture c;
    struct htpasswd *h;
    size_t n;

    /* A user of exactly 255 bytes loads, 256 does not. */
    memset(line, 'u', HTPASSWD_USER_MAX);
    n = HTPASSWD_USER_MAX;
    memcpy(line + n, TAIL, sizeof TAIL);
    h = parse(line, strlen(line), &strict, &c);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(htpasswd_lookup(h, line, HTPASSWD_USER_MAX));
    htpasswd_free(h);
    memset(line, 'u', HTPASSWD_USER_MAX + 1);
    memcpy(line + n + 1, TAIL, sizeof TAIL);
    ck_assert_ptr_null(parse(line, strlen(line), &strict, &c));
    ck_assert_uint_eq(c.d[0].line, 1);

    /* A line of exactly HTPASSWD_LINE_MAX bytes (plus CRLF) loads. */
    memset(line, 'c', sizeof line);
    memcpy(line, "alice:" SHA_SECRET ":", sizeof(SHA_SECRET) + 6);
    memcpy(line + HTPASSWD_LINE_MAX, "\r\n", 2);
    h = parse(line, HTPASSWD_LINE_MAX + 2, &strict, &c);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(htpasswd_usable(h), 1);
    htpasswd_free(h);
    memcpy(line + HTPASSWD_LINE_MAX, "c\n", 2);
    ck_assert_ptr_null(parse(line, HTPASSWD_LINE_MAX + 2, &strict, &c));
    ck_assert_uint_eq(c.d[0].line, 1);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "longer"));
}
END_TEST

/* ---------------------------------------------------------- entries -- */

START_TEST(htpasswd_entry_fields)
{
    struct testutil_capture c;
    struct htpasswd *h = PARSE("# x\r\nalice:" SHA_SECRET ":Alice\r\n"
                               "bob:" APR1_PASSWORD "\r\n",
                               &strict, &c);
    const struct htpasswd_entry *e;

    ck_assert_ptr_nonnull(h);
    e = htpasswd_lookup(h, "alice", 5);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->user, "alice");
    ck_assert_uint_eq(e->user_len, 5);
    /* The comment field and the CR are not part of the hash. */
    ck_assert_str_eq(e->hash, SHA_SECRET);
    ck_assert_uint_eq(e->hash_len, strlen(SHA_SECRET));
    ck_assert_int_eq(e->kind, HASH_SHA1);
    ck_assert_int_eq(e->unusable, HTPASSWD_USABLE);
    ck_assert_uint_eq(e->line, 2);
    e = htpasswd_lookup(h, "bob", 3);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->hash, APR1_PASSWORD);
    ck_assert_int_eq(e->kind, HASH_APR1);
    ck_assert_uint_eq(e->line, 3);
    htpasswd_free(h);
}
END_TEST

static const char lookup_text[] = "al:{PLAIN}1\n"
                                  "alice:{PLAIN}2\n"
                                  "alice2:{PLAIN}3\n"
                                  "b:{PLAIN}4\n"
                                  "J\xc3\xb6rg:{PLAIN}5\n";

static const struct {
    const char *user;
    size_t n;
    const char *hash; /* NULL: no entry */
} lookup_cases[] = {
    {"al", 2, "{PLAIN}1"},
    {"alice", 5, "{PLAIN}2"},
    {"alice2", 6, "{PLAIN}3"},
    {"b", 1, "{PLAIN}4"},
    {"J\xc3\xb6rg", 5, "{PLAIN}5"},
    {"alicexyz", 5, "{PLAIN}2"}, /* the length counts, not a NUL */
    {"alice2", 2, "{PLAIN}1"},
    {"a", 1, NULL},
    {"ali", 3, NULL},
    {"alice3", 6, NULL},
    {"alicex", 6, NULL},
    {"Alice", 5, NULL},
    {"alice\0", 6, NULL},
    {"", 0, NULL},
    {"bb", 2, NULL},
};

START_TEST(htpasswd_lookup_table)
{
    struct testutil_capture c;
    struct htpasswd *h = PARSE(lookup_text, &lenient, &c);
    const struct htpasswd_entry *e;

    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(htpasswd_count(h), 5);
    e = htpasswd_lookup(h, lookup_cases[_i].user, lookup_cases[_i].n);
    if (lookup_cases[_i].hash == NULL) {
        ck_assert_ptr_null(e);
    } else {
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->hash, lookup_cases[_i].hash);
        ck_assert_uint_eq(e->user_len, lookup_cases[_i].n);
    }
    htpasswd_free(h);
}
END_TEST

START_TEST(htpasswd_lookup_edges)
{
    char big[HTPASSWD_USER_MAX + 2];
    struct testutil_capture c;
    struct htpasswd *h = PARSE(lookup_text, &lenient, &c);

    memset(big, 'a', sizeof big);
    ck_assert_ptr_null(htpasswd_lookup(h, big, sizeof big));
    ck_assert_ptr_null(htpasswd_lookup(h, NULL, 0));
    ck_assert_ptr_null(htpasswd_lookup(NULL, "al", 2));
    ck_assert_uint_eq(htpasswd_count(NULL), 0);
    ck_assert_uint_eq(htpasswd_usable(NULL), 0);
    htpasswd_free(NULL);
    htpasswd_free(h);
}
END_TEST

/* A repeated user keeps the first entry and warns about the second. */
START_TEST(htpasswd_duplicate_keeps_first)
{
    struct testutil_capture c;
    struct htpasswd *h = PARSE("alice:{PLAIN}one\n"
                               "bob:{PLAIN}b\n"
                               "alice:{PLAIN}two\n",
                               &lenient, &c);
    const struct htpasswd_entry *e;
    int w;

    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(htpasswd_count(h), 2);
    e = htpasswd_lookup(h, "alice", 5);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->hash, "{PLAIN}one");
    ck_assert_uint_eq(e->line, 1);
    w = testutil_capture_find(&c, LOGL_WARN);
    ck_assert_int_ge(w, 0);
    ck_assert_uint_eq(c.d[w].line, 3);
    ck_assert_ptr_nonnull(strstr(c.d[w].msg, "'alice'"));
    ck_assert_ptr_nonnull(strstr(c.d[w].msg, "line 1"));
    ck_assert_ptr_null(strstr(c.d[w].msg, "one"));
    ck_assert_ptr_null(strstr(c.d[w].msg, "two"));
    htpasswd_free(h);
}
END_TEST

#define BCRYPT31 "$2y$31$fv2RwyhjztI/2j.PQcW3eODeDt7SjQuKOoy0aAcGeVd/farxdhGsq"
#define ROUNDS_HUGE                                                            \
    "$6$rounds=999999999$Dup0N7J3J4TcUP60$jGvQx7BDgoqPomaIQRj9goZuDsG/iGqnAX"  \
    "DUbVZmGLmyHxBirMhzVDCcGL3ChAWb9RzlrY39SlUwfJfb46O9s1"

/* Every reason, under strict (default caps) and lenient (no caps) opts. */
static const struct {
    const char *hash;
    const char *comment;
    enum htpasswd_unusable strict_why;
    enum htpasswd_unusable lenient_why;
    const char *words; /* in the warning */
} usable_cases[] = {
    {SHA_SECRET, "", HTPASSWD_USABLE, HTPASSWD_USABLE, NULL},
    {BCRYPT, "", HTPASSWD_USABLE, HTPASSWD_USABLE, NULL},
    {"!" BCRYPT, "", HTPASSWD_LOCKED, HTPASSWD_LOCKED, "locked account"},
    {"*", "", HTPASSWD_LOCKED, HTPASSWD_LOCKED, "locked account"},
    {"*LK*", "", HTPASSWD_LOCKED, HTPASSWD_LOCKED, "locked account"},
    {"$6$saltsalt$", "", HTPASSWD_UNKNOWN_FORMAT, HTPASSWD_UNKNOWN_FORMAT,
     "unknown or malformed hash format"},
    {"ab", "", HTPASSWD_UNKNOWN_FORMAT, HTPASSWD_UNKNOWN_FORMAT,
     "unknown or malformed"},
    {"hunter2", "", HTPASSWD_UNKNOWN_FORMAT, HTPASSWD_UNKNOWN_FORMAT,
     "unknown or malformed"},
    {"", "", HTPASSWD_EMPTY_HASH, HTPASSWD_EMPTY_HASH, "empty password hash"},
    {"{PLAIN}hunter2", "", HTPASSWD_PLAIN_OFF, HTPASSWD_USABLE,
     "allow_plaintext = yes"},
    {"lnm8omP1NaEXQ", "", HTPASSWD_DES_OFF, HTPASSWD_USABLE,
     "DES crypt is disabled (set allow_des = yes)"},
    {BCRYPT31, "", HTPASSWD_BCRYPT_CAP, HTPASSWD_USABLE, "max_bcrypt_cost"},
    {ROUNDS_HUGE, "", HTPASSWD_ROUNDS_CAP, HTPASSWD_USABLE, "max_crypt_rounds"},
    {SHA_SECRET, "expires=2001-02-30", HTPASSWD_BAD_EXPIRES,
     HTPASSWD_BAD_EXPIRES, "unreadable expires="},
    /* The first reason is kept: a locked entry's expires= is not read. */
    {"!" BCRYPT, "expires=never", HTPASSWD_LOCKED, HTPASSWD_LOCKED, "locked"},
    {BCRYPT31, "expires=never", HTPASSWD_BCRYPT_CAP, HTPASSWD_BAD_EXPIRES,
     NULL},
};

/*
 * Entries that cannot match load as unusable with their reason and a
 * warning naming the user and the reason's text, never the hash.
 */
START_TEST(htpasswd_unusable_entries)
{
    const char *hash = usable_cases[_i].hash;
    char text[256];
    struct testutil_capture c;
    struct htpasswd *h;
    const struct htpasswd_entry *e;
    int pass, w;

    snprintf(text, sizeof text, "# head\nzed:%s:comment %s\n", hash,
             usable_cases[_i].comment);
    for (pass = 0; pass < 2; pass++) {
        enum htpasswd_unusable why = pass == 0 ? usable_cases[_i].strict_why
                                               : usable_cases[_i].lenient_why;

        h = parse(text, strlen(text), pass == 0 ? &strict : &lenient, &c);
        ck_assert_ptr_nonnull(h);
        ck_assert_uint_eq(htpasswd_count(h), 1);
        e = htpasswd_lookup(h, "zed", 3);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->hash, hash);
        ck_assert_msg(e->unusable == why, "case %d pass %d: %s, expected %s",
                      _i, pass, htpasswd_unusable_name(e->unusable),
                      htpasswd_unusable_name(why));
        ck_assert_uint_eq(htpasswd_usable(h), why == HTPASSWD_USABLE);
        w = testutil_capture_find(&c, LOGL_WARN);
        if (why == HTPASSWD_USABLE) {
            ck_assert_int_eq(w, -1);
        } else {
            ck_assert_int_ge(w, 0);
            ck_assert_uint_eq(c.d[w].line, 2);
            ck_assert_msg(strstr(c.d[w].msg, "user 'zed': ") == c.d[w].msg,
                          "message: %s", c.d[w].msg);
            ck_assert_ptr_nonnull(
                strstr(c.d[w].msg, htpasswd_unusable_text(why)));
            if (usable_cases[_i].words != NULL && pass == 0)
                ck_assert_ptr_nonnull(
                    strstr(c.d[w].msg, usable_cases[_i].words));
            if (strlen(hash) > 2)
                ck_assert_msg(strstr(c.d[w].msg, hash) == NULL, "hash in: %s",
                              c.d[w].msg);
        }
        htpasswd_free(h);
    }
}
END_TEST

/* Each reason has its own stable token and a sentence; others "unknown". */
static const struct {
    enum htpasswd_unusable why;
    const char *name;
} unusable_names[] = {
    {HTPASSWD_USABLE, "usable"},
    {HTPASSWD_LOCKED, "locked"},
    {HTPASSWD_EMPTY_HASH, "empty_hash"},
    {HTPASSWD_UNKNOWN_FORMAT, "unknown_format"},
    {HTPASSWD_PLAIN_OFF, "plaintext_off"},
    {HTPASSWD_DES_OFF, "des_off"},
    {HTPASSWD_BCRYPT_CAP, "bcrypt_cost_cap"},
    {HTPASSWD_ROUNDS_CAP, "crypt_rounds_cap"},
    {HTPASSWD_BAD_EXPIRES, "bad_expires"},
    {(enum htpasswd_unusable)99, "unknown"},
};

START_TEST(htpasswd_unusable_name_table)
{
    const char *text = htpasswd_unusable_text(unusable_names[_i].why);

    ck_assert_str_eq(htpasswd_unusable_name(unusable_names[_i].why),
                     unusable_names[_i].name);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_gt(strlen(text), 5);
    /* Tokens go into key=value log lines: no spaces. */
    ck_assert_ptr_null(strchr(unusable_names[_i].name, ' '));
}
END_TEST

/* No diagnostic ever repeats the hash text, whatever went wrong. */
START_TEST(htpasswd_diag_never_shows_hash)
{
    static const char *const secrets[] = {
        "{PLAIN}SeCrEtOne", "SeCrEtTwo", "!SeCrEtThree", "SeCrEtFour",
        "SeCrEtFive\x01x",  "SeCrEtSix", "SeCrEtSeven",
    };
    static const char ok_text[] = "a:{PLAIN}SeCrEtOne\n"
                                  "b:SeCrEtTwo\n"
                                  "c:!SeCrEtThree\n"
                                  "a:SeCrEtFour\n";
    static const char bad_text[] = "a:{PLAIN}SeCrEtOne\n"
                                   "b:SeCrEtFive\x01x\n"
                                   "SeCrEtSix\n"
                                   ":SeCrEtSeven\n";
    struct testutil_capture c;
    struct htpasswd *h;
    size_t i, j;

    h = PARSE(ok_text, &strict, &c);
    ck_assert_ptr_nonnull(h);
    /* 3 unusable, 1 duplicate, and "no usable entries". */
    ck_assert_uint_eq(c.warnings, 5);
    htpasswd_free(h);
    for (i = 0; i < c.n; i++)
        for (j = 0; j < sizeof secrets / sizeof secrets[0]; j++)
            ck_assert_msg(strstr(c.d[i].msg, secrets[j] + 1) == NULL,
                          "secret in: %s", c.d[i].msg);

    ck_assert_ptr_null(PARSE(bad_text, &strict, &c));
    ck_assert_uint_eq(c.errors, 3);
    for (i = 0; i < c.n; i++)
        for (j = 0; j < sizeof secrets / sizeof secrets[0]; j++)
            ck_assert_msg(strstr(c.d[i].msg, secrets[j] + 1) == NULL,
                          "secret in: %s", c.d[i].msg);
}
END_TEST

START_TEST(htpasswd_no_usable_warns)
{
    struct testutil_capture c;
    struct htpasswd *h = PARSE("# nobody\n", &strict, &c);
    int w;

    ck_assert_ptr_nonnull(h);
    w = testutil_capture_find(&c, LOGL_WARN);
    ck_assert_int_ge(w, 0);
    ck_assert_uint_eq(c.d[w].line, 0);
    ck_assert_ptr_nonnull(strstr(c.d[w].msg, "no usable"));
    htpasswd_free(h);
    /* A NULL diag is allowed: nothing is told. */
    h = htpasswd_parse("users", "x", 1, NULL, NULL, NULL);
    ck_assert_ptr_null(h);
}
END_TEST

/* ------------------------------------------------------------ loading -- */

static void
tmp_setup(void)
{
    testutil_tmpdir("check_htpasswd");
}

/*
 * 100k users of several hash kinds: every user is found. How fast it loads
 * is measured in bench/, never asserted here (shared, noisy machines).
 */
START_TEST(htpasswd_load_100k)
{
    enum { N = 100000 };
    static const char *const hashes[] = {
        SHA_SECRET,
        APR1_PASSWORD,
        BCRYPT,
        "$6$Dup0N7J3J4TcUP60$jGvQx7BDgoqPomaIQRj9goZuDsG/iGqnAXDUbVZmGLmyHx"
        "BirMhzVDCcGL3ChAWb9RzlrY39SlUwfJfb46O9s1",
        "$y$j9T$g2Q9KjmLkgFYVICNSbJr51$dglafgNAjcot9tK1bAgNeHP/S.i1H8asenIFl"
        "Sn0DD5",
    };
    char path[128], user[32];
    size_t cap = (size_t)N * 160, len = 0, i;
    char *text = malloc(cap);
    struct testutil_capture c;
    struct htpasswd *h;

    ck_assert_ptr_nonnull(text);
    for (i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "user%zu:%s\n", i,
                                hashes[i % 5]);
    testutil_tmp_path(path, sizeof path, "big");
    testutil_write_path(path, text, len);
    free(text);

    memset(&c, 0, sizeof c);
    h = htpasswd_load(path, &strict, testutil_capture_diag, &c);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(htpasswd_count(h), N);
    ck_assert_uint_eq(htpasswd_usable(h), N);

    for (i = 0; i < N; i++) {
        int n = snprintf(user, sizeof user, "user%zu", i);
        const struct htpasswd_entry *e = htpasswd_lookup(h, user, (size_t)n);

        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->line, i + 1);
        ck_assert_str_eq(e->hash, hashes[i % 5]);
        n = snprintf(user, sizeof user, "user%zu", i + N);
        ck_assert_ptr_null(htpasswd_lookup(h, user, (size_t)n));
    }
    htpasswd_free(h);
}
END_TEST

START_TEST(htpasswd_load_file)
{
    static const char text[] = "alice:" SHA_SECRET "\nbob:!x\n";
    char path[128], link[128];
    struct testutil_capture c;
    struct htpasswd *h;

    testutil_tmp_path(path, sizeof path, "users");
    testutil_write_path(path, text, sizeof text - 1);
    memset(&c, 0, sizeof c);
    h = htpasswd_load(path, NULL, testutil_capture_diag, &c);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(htpasswd_count(h), 2);
    ck_assert_uint_eq(htpasswd_usable(h), 1);
    /* Diagnostics name the path. */
    ck_assert_uint_eq(c.n, 1);
    ck_assert_str_eq(c.d[0].file, path);
    ck_assert_uint_eq(c.d[0].line, 2);
    htpasswd_free(h);

    /* Symbolic links are followed: admins use them. */
    testutil_tmp_path(link, sizeof link, "link");
    ck_assert_int_eq(symlink(path, link), 0);
    h = htpasswd_load(link, &strict, NULL, NULL);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(htpasswd_lookup(h, "alice", 5));
    htpasswd_free(h);

    /* An empty file is a table with nobody in it. */
    testutil_tmp_path(path, sizeof path, "empty");
    testutil_write_path(path, "", 0);
    h = htpasswd_load(path, &strict, NULL, NULL);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(htpasswd_count(h), 0);
    htpasswd_free(h);
}
END_TEST

#define BAD_FILE "ok:" SHA_SECRET "\nbroken\n"

static const struct {
    const char *name;
    const char *expect; /* in the message */
} load_error_cases[] = {
    {"missing", "cannot open"},     {"dir", "not a regular file"},
    {"fifo", "not a regular file"}, {"bad", NULL},
    {"sparse", "larger than"},
};

START_TEST(htpasswd_load_errors)
{
    const char *name = load_error_cases[_i].name;
    char path[128];
    struct testutil_capture c;

    testutil_make_refusal(path, sizeof path, name, BAD_FILE,
                          sizeof BAD_FILE - 1, (off_t)257 * 1024 * 1024);
    memset(&c, 0, sizeof c);
    ck_assert_ptr_null(htpasswd_load(path, &strict, testutil_capture_diag, &c));
    testutil_assert_load_error(&c, path, load_error_cases[_i].expect, 2);
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------ expiry -- */

static const struct {
    const char *comment; /* third field */
    bool usable;
    long long expires;
} expiry_cases[] = {
    {"", true, 0},
    {"Alice Smith, room 12", true, 0},
    {"expires=2001-01-01", true, 978307200},
    {"contractor expires=2099-01-01T00:00:00Z until then", true, 4070908800LL},
    {"expires=2001-01-01,team=ops", true, 978307200},
    {"x expires=2001-13-01", false, 0},
    {"expires=", false, 0},
    {"expires=tomorrow", false, 0},
    {"noexpires=2001-01-01", true, 0},
    {"expires=1970-01-01", true, 1},
};

START_TEST(htpasswd_expiry_field)
{
    char text[256];
    struct testutil_capture c;
    struct htpasswd *h;
    const struct htpasswd_entry *e;
    int n;

    n = snprintf(text, sizeof text, "alice:%s:%s\n", SHA_SECRET,
                 expiry_cases[_i].comment);
    h = parse(text, (size_t)n, &strict, &c);
    ck_assert_ptr_nonnull(h);
    e = htpasswd_lookup(h, "alice", 5);
    ck_assert_ptr_nonnull(e);
    ck_assert_msg((e->unusable == HTPASSWD_USABLE) == expiry_cases[_i].usable,
                  "'%s'", expiry_cases[_i].comment);
    if (e->unusable == HTPASSWD_USABLE)
        ck_assert_int_eq(e->expires, expiry_cases[_i].expires);
    else
        ck_assert_int_ge(testutil_capture_find(&c, LOGL_WARN), 0);
    htpasswd_free(h);
}
END_TEST

/*
 * Work factors above the caps load as never-matching, with a warning; the
 * caps are the opts of one load, so two loads can differ.
 */
START_TEST(htpasswd_cost_caps)
{
    static const char text[] = "slow:" BCRYPT31 "\n"
                               "ok:" BCRYPT "\n"
                               "rounds:" ROUNDS_HUGE "\n";
    static const struct htpasswd_opts off = {false, false, 0, 0};
    static const struct htpasswd_opts low = {false, false, 4, 5000};
    struct testutil_capture c;
    struct htpasswd *h;

    h = PARSE(text, &strict, &c);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(htpasswd_lookup(h, "slow", 4)->unusable,
                     HTPASSWD_BCRYPT_CAP);
    ck_assert_int_eq(htpasswd_lookup(h, "ok", 2)->unusable, HTPASSWD_USABLE);
    ck_assert_int_eq(htpasswd_lookup(h, "rounds", 6)->unusable,
                     HTPASSWD_ROUNDS_CAP);
    ck_assert_uint_eq(c.warnings, 2);
    ck_assert_ptr_nonnull(strstr(c.d[testutil_capture_find(&c, LOGL_WARN)].msg,
                                 "max_bcrypt_cost"));
    htpasswd_free(h);
    /* NULL opts: the default caps too. */
    h = PARSE(text, NULL, &c);
    ck_assert_int_eq(htpasswd_lookup(h, "slow", 4)->unusable,
                     HTPASSWD_BCRYPT_CAP);
    htpasswd_free(h);
    /* Caps off: both load (a slow check, but the admin's choice). */
    h = PARSE(text, &off, &c);
    ck_assert_int_eq(htpasswd_lookup(h, "slow", 4)->unusable, HTPASSWD_USABLE);
    ck_assert_int_eq(htpasswd_lookup(h, "rounds", 6)->unusable,
                     HTPASSWD_USABLE);
    htpasswd_free(h);
    /* Caps are inclusive: cost 4 passes a cap of 4. */
    h = PARSE(text, &low, &c);
    ck_assert_int_eq(htpasswd_lookup(h, "ok", 2)->unusable, HTPASSWD_USABLE);
    ck_assert_int_eq(htpasswd_lookup(h, "rounds", 6)->unusable,
                     HTPASSWD_ROUNDS_CAP);
    htpasswd_free(h);
}
END_TEST

/* An entry expires at its second, not before; 0 never expires. */
START_TEST(htpasswd_entry_expired_edges)
{
    struct htpasswd_entry e;

    memset(&e, 0, sizeof e);
    ck_assert(!htpasswd_entry_expired(&e, 0));
    ck_assert(!htpasswd_entry_expired(&e, 4070908800LL));
    e.expires = 978307200;
    ck_assert(!htpasswd_entry_expired(&e, 978307199));
    ck_assert(htpasswd_entry_expired(&e, 978307200));
    ck_assert(htpasswd_entry_expired(&e, 978307201));
    e.expires = 1; /* expires=1970-01-01 */
    ck_assert(htpasswd_entry_expired(&e, 1));
}
END_TEST

static Suite *
htpasswd_suite(void)
{
    Suite *s = suite_create("htpasswd");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, htpasswd_parse_table, 0, NELEM(parse_cases));
    tcase_add_test(tc, htpasswd_malformed_lines_reported);
    tcase_add_test(tc, htpasswd_malformed_flood_capped);
    tcase_add_test(tc, htpasswd_limits);
    tcase_add_test(tc, htpasswd_entry_fields);
    tcase_add_loop_test(tc, htpasswd_lookup_table, 0, NELEM(lookup_cases));
    tcase_add_test(tc, htpasswd_lookup_edges);
    tcase_add_test(tc, htpasswd_duplicate_keeps_first);
    tcase_add_loop_test(tc, htpasswd_unusable_entries, 0, NELEM(usable_cases));
    tcase_add_test(tc, htpasswd_diag_never_shows_hash);
    tcase_add_test(tc, htpasswd_no_usable_warns);
    tcase_add_loop_test(tc, htpasswd_expiry_field, 0, NELEM(expiry_cases));
    tcase_add_test(tc, htpasswd_cost_caps);
    tcase_add_test(tc, htpasswd_entry_expired_edges);
    tcase_add_loop_test(tc, htpasswd_unusable_name_table, 0,
                        NELEM(unusable_names));
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tmp_setup, testutil_cleanup);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, htpasswd_load_100k);
    tcase_add_test(tc, htpasswd_load_file);
    tcase_add_loop_test(tc, htpasswd_load_errors, 0, NELEM(load_error_cases));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(htpasswd_suite());
}
