/*
 * check_token: the API token format (generation, well-formedness, the
 * checksum) and the token file (lines, diagnostics, duplicates, expiry,
 * lookups, loading).
 *
 * The fixed tokens below were made with Python's hashlib, independently
 * of token.c: "fcat_" + 32 characters + base62 of the first 4 bytes of
 * SHA-256 of those 37 characters; the hex beside each is SHA-256 of the
 * whole token.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "token.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define TOK0 "fcat_000000000000000000000000000000000Rxe6z"
#define TOK0_HEX                                                               \
    "1144f347fc7255eb3225ff46e2c30071db43cda6799eba3fa51c2ddbf73aeec3"
#define TOK1 "fcat_abcdefghijklmnopqrstuvwxyzABCDEF0NArJm"
#define TOK1_HEX                                                               \
    "2bdc9e881d71302d1aa50747c519b37023b081fa730626dea0038f3bd3b3cf6f"
#define TOK2 "fcat_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz0u9xyK"
#define TOK2_HEX                                                               \
    "3dc70ef9d7786eebbabaea0320efe30505ba95e7d6b786029fdefdb9cbd0ebfe"
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define D_2001 978307200LL
#define D_2026 1767225600LL
#define D_2099 4070908800LL

/* The checksum of t[0..37) as the format says, computed here. */
static void
reference_check(const char *t, char out[TOKEN_CHECK_LEN])
{
    unsigned char d[TOKEN_DIGEST_LEN];
    uint32_t v;
    int i;

    token_digest(t, TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN, d);
    v = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) |
        ((uint32_t)d[2] << 8) | d[3];
    for (i = TOKEN_CHECK_LEN - 1; i >= 0; i--) {
        out[i] = alphabet[v % 62];
        v /= 62;
    }
}

static void
hex_of(const unsigned char *d, char out[2 * TOKEN_DIGEST_LEN + 1])
{
    int i;

    for (i = 0; i < TOKEN_DIGEST_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
cmp_tokens(const void *a, const void *b)
{
    return memcmp(a, b, TOKEN_LEN + 1);
}

/* ---------------------------------------------------------------- format -- */

/* 1000 tokens: the form, the alphabet, the checksum, all distinct. */
START_TEST(token_generate_thousand)
{
    enum { N = 1000 };
    static char toks[N][TOKEN_LEN + 1];
    char check[TOKEN_CHECK_LEN];
    int i, j;

    for (i = 0; i < N; i++) {
        ck_assert_int_eq(token_generate(toks[i]), 0);
        ck_assert_uint_eq(strlen(toks[i]), TOKEN_LEN);
        ck_assert(memcmp(toks[i], TOKEN_PREFIX, TOKEN_PREFIX_LEN) == 0);
        for (j = TOKEN_PREFIX_LEN; j < TOKEN_LEN; j++)
            ck_assert_ptr_nonnull(memchr(alphabet, toks[i][j], 62));
        ck_assert(token_well_formed(toks[i], TOKEN_LEN));
        /* The checksum property, computed independently. */
        reference_check(toks[i], check);
        ck_assert(memcmp(check, toks[i] + TOKEN_LEN - TOKEN_CHECK_LEN,
                         TOKEN_CHECK_LEN) == 0);
    }
    qsort(toks, N, sizeof toks[0], cmp_tokens);
    for (i = 1; i < N; i++)
        ck_assert_str_ne(toks[i - 1], toks[i]);
}
END_TEST

/*
 * Each of the 62 characters is equally likely: over 320,000 random
 * characters each count is 5161 +- 71 (one standard deviation). The
 * bounds are over 5 deviations away, yet "byte % 62" (8 characters at
 * 5/256 instead of 4/256, about 6250) fails them.
 */
START_TEST(token_generate_uniform)
{
    enum { N = 10000 };
    unsigned long count[62] = {0};
    char t[TOKEN_LEN + 1];
    const char *c;
    int i, j;

    for (i = 0; i < N; i++) {
        ck_assert_int_eq(token_generate(t), 0);
        for (j = TOKEN_PREFIX_LEN; j < TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN;
             j++) {
            c = memchr(alphabet, t[j], 62);
            ck_assert_ptr_nonnull(c);
            count[c - alphabet]++;
        }
    }
    for (i = 0; i < 62; i++)
        ck_assert_msg(count[i] > 4800 && count[i] < 5550, "'%c': %lu",
                      alphabet[i], count[i]);
}
END_TEST

/* Fixed tokens made with another implementation. */
START_TEST(token_known_vectors)
{
    static const struct {
        const char *tok, *hex;
    } v[] = {{TOK0, TOK0_HEX}, {TOK1, TOK1_HEX}, {TOK2, TOK2_HEX}};
    unsigned char d[TOKEN_DIGEST_LEN];
    char hex[2 * TOKEN_DIGEST_LEN + 1];
    size_t i;

    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        ck_assert_msg(token_well_formed(v[i].tok, TOKEN_LEN), "%s", v[i].tok);
        token_digest(v[i].tok, TOKEN_LEN, d);
        hex_of(d, hex);
        ck_assert_str_eq(hex, v[i].hex);
    }
}
END_TEST

/* One character changed, in every position, to every other byte kind. */
START_TEST(token_one_char_changed)
{
    static const char others[] = "-_.+/ \t:~";
    char t[TOKEN_LEN + 1], m[TOKEN_LEN + 1];
    size_t pos, k;

    ck_assert_int_eq(token_generate(t), 0);
    for (pos = 0; pos < TOKEN_LEN; pos++) {
        for (k = 0; k < 62; k++) {
            if (alphabet[k] == t[pos])
                continue;
            memcpy(m, t, sizeof m);
            m[pos] = alphabet[k];
            ck_assert_msg(!token_well_formed(m, TOKEN_LEN), "%s", m);
        }
        for (k = 0; k < sizeof others - 1; k++) {
            if (others[k] == t[pos])
                continue;
            memcpy(m, t, sizeof m);
            m[pos] = others[k];
            ck_assert(!token_well_formed(m, TOKEN_LEN));
        }
        memcpy(m, t, sizeof m);
        m[pos] = '\0';
        ck_assert(!token_well_formed(m, TOKEN_LEN));
        m[pos] = (char)0xff;
        ck_assert(!token_well_formed(m, TOKEN_LEN));
    }
}
END_TEST

/* A good checksum over a wrong prefix is still refused. */
START_TEST(token_wrong_prefix)
{
    static const char *const prefixes[] = {"fcat-", "FCAT_", "fcau_",
                                           "xcat_", "fcat0", "ghp_x"};
    char t[TOKEN_LEN + 1];
    size_t i;

    ck_assert_int_eq(token_generate(t), 0);
    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        memcpy(t, prefixes[i], TOKEN_PREFIX_LEN);
        reference_check(t, t + TOKEN_LEN - TOKEN_CHECK_LEN);
        ck_assert_msg(!token_well_formed(t, TOKEN_LEN), "%s", t);
    }
    /* The same body under the right prefix passes. */
    memcpy(t, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    reference_check(t, t + TOKEN_LEN - TOKEN_CHECK_LEN);
    ck_assert(token_well_formed(t, TOKEN_LEN));
}
END_TEST

START_TEST(token_wrong_length)
{
    char t[TOKEN_LEN + 2];

    memcpy(t, TOK1, TOKEN_LEN + 1);
    ck_assert(token_well_formed(t, TOKEN_LEN));
    ck_assert(!token_well_formed(t, TOKEN_LEN - 1));
    ck_assert(!token_well_formed(t, 0));
    ck_assert(!token_well_formed(NULL, TOKEN_LEN));
    ck_assert(!token_well_formed(TOKEN_PREFIX, TOKEN_PREFIX_LEN));
    /* One more character, even one of the alphabet. */
    t[TOKEN_LEN] = 'a';
    t[TOKEN_LEN + 1] = '\0';
    ck_assert(!token_well_formed(t, TOKEN_LEN + 1));
    /* The last 42 characters, shifted. */
    ck_assert(!token_well_formed(t + 1, TOKEN_LEN));
}
END_TEST

/* --------------------------------------------------------------- names -- */

static const struct {
    const char *name;
    enum token_name_check want;
} name_cases[] = {
    {"ci-deploy", TOKEN_NAME_OK},  {"alice@example.org", TOKEN_NAME_OK},
    {"a#b", TOKEN_NAME_OK},        {"j\xc3\xb6rg", TOKEN_NAME_OK},
    {"fcat_bot", TOKEN_NAME_OK},   {"", TOKEN_NAME_ILLEGAL},
    {"a:b", TOKEN_NAME_ILLEGAL},   {"a b", TOKEN_NAME_ILLEGAL},
    {" a", TOKEN_NAME_ILLEGAL},    {"a\tb", TOKEN_NAME_ILLEGAL},
    {"a\nb", TOKEN_NAME_ILLEGAL},  {"a\rb", TOKEN_NAME_ILLEGAL},
    {"a\x7f", TOKEN_NAME_ILLEGAL}, {"a\x01", TOKEN_NAME_ILLEGAL},
    {"#a", TOKEN_NAME_ILLEGAL},    {TOK1, TOKEN_NAME_ILLEGAL},
};

START_TEST(token_name_table)
{
    const char *why = "unset";
    const char *n = name_cases[_i].name;

    ck_assert_int_eq(token_name_check(n, strlen(n), &why), name_cases[_i].want);
    if (name_cases[_i].want == TOKEN_NAME_OK)
        ck_assert_ptr_null(why);
    else
        ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(token_name_length)
{
    char name[TOKEN_NAME_MAX + 2];
    const char *why;

    memset(name, 'n', sizeof name);
    ck_assert_int_eq(token_name_check(name, TOKEN_NAME_MAX, &why),
                     TOKEN_NAME_OK);
    ck_assert_int_eq(token_name_check(name, TOKEN_NAME_MAX + 1, &why),
                     TOKEN_NAME_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(why, "255"));
    ck_assert_int_eq(token_name_check(NULL, 0, NULL), TOKEN_NAME_ILLEGAL);
}
END_TEST

/* ---------------------------------------------------------------- lines -- */

static struct tokfile *
parse(const char *text, size_t len, struct testutil_capture *c)
{
    memset(c, 0, sizeof *c);
    return tokfile_parse("tokens", text, len, testutil_capture_diag, c);
}

#define PARSE(text, c) parse(text, sizeof(text) - 1, c)

#define LINE_A "ci:sha256:" TOK0_HEX ":2026-01-01"
#define LINE_B "bot:sha256:" TOK1_HEX ":2026-01-01:2099-01-01"

/* Files that load whole: how many entries. */
static const struct {
    const char *text;
    size_t count;
} good_cases[] = {
    {"", 0},
    {"\n\n", 0},
    {"# tokens\n", 0},
    {"   \n\t\n", 0},
    {LINE_A "\n", 1},
    {LINE_A, 1}, /* no final newline */
    {LINE_A "\r\n" LINE_B "\r\n", 2},
    {"# a\r\n\r\n" LINE_A "\n# b\n\n" LINE_B "\n", 2},
    {"#" LINE_A "\n" LINE_B "\n", 1},
    {"x:sha256:" HEX_A ":1970-01-01:9999-12-31\n", 1},
    {"leap:sha256:" HEX_A ":2024-02-29\n", 1},
};

START_TEST(tokfile_good_table)
{
    struct testutil_capture c;
    struct tokfile *f =
        parse(good_cases[_i].text, strlen(good_cases[_i].text), &c);

    ck_assert_ptr_nonnull(f);
    ck_assert_msg(c.n == 0, "case %d: %s", _i, c.n ? c.d[0].msg : "");
    ck_assert_uint_eq(tokfile_count(f), good_cases[_i].count);
    tokfile_free(f);
}
END_TEST

/* Each kind of bad line, on line 2 between two good ones. */
static const struct {
    const char *line;
    const char *expect; /* in the message */
} bad_cases[] = {
    {"justaname", "expected NAME:sha256:HEX:CREATED"},
    {"n:sha256:" HEX_A, "expected NAME:sha256:HEX:CREATED"},
    {"n:sha256:" HEX_A ":2026-01-01:2099-01-01:x", "more than 5 fields"},
    {":sha256:" HEX_A ":2026-01-01", "empty name"},
    {"a b:sha256:" HEX_A ":2026-01-01", "space"},
    {"a\tb:sha256:" HEX_A ":2026-01-01", "control"},
    {"a\x7f:sha256:" HEX_A ":2026-01-01", "control"},
    {"n:sha512:" HEX_A ":2026-01-01", "'sha256'"},
    {"n:SHA256:" HEX_A ":2026-01-01", "'sha256'"},
    {"n::" HEX_A ":2026-01-01", "'sha256'"},
    {"n:sha256:" HEX_A "a:2026-01-01", "64 lowercase hex"},
    {"n:sha256:aaaa:2026-01-01", "64 lowercase hex"},
    {"n:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     ":2026-01-01",
     "64 lowercase hex"},
    {"n:sha256:gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     ":2026-01-01",
     "64 lowercase hex"},
    {"n:sha256:" HEX_A ":2026-13-01", "CREATED"},
    {"n:sha256:" HEX_A ":2025-02-29", "CREATED"},
    {"n:sha256:" HEX_A ":1969-12-31", "CREATED"},
    {"n:sha256:" HEX_A ":26-01-01", "CREATED"},
    {"n:sha256:" HEX_A ":", "CREATED"},
    {"n:sha256:" HEX_A ":2026-01-01 ", "CREATED"},
    {"n:sha256:" HEX_A ":2026-01-01:", "EXPIRES"},
    {"n:sha256:" HEX_A ":2026-01-01:never", "EXPIRES"},
    {"n:sha256:" HEX_A ":2026-01-01:2026-02-30", "EXPIRES"},
    {"n:sha256:" TOK2 ":2026-01-01", "a token itself"},
    {TOK2, "a token itself"},
    {TOK2 ":sha256:" HEX_A ":2026-01-01", "a token itself"},
};

START_TEST(tokfile_bad_table)
{
    char text[512];
    struct testutil_capture c;
    struct tokfile *f;
    int n, e;

    n = snprintf(text, sizeof text, "%s\n%s\n%s\n", LINE_A, bad_cases[_i].line,
                 LINE_B);
    ck_assert_int_lt(n, (int)sizeof text);
    f = parse(text, (size_t)n, &c);
    /* The bad line is refused, the rest loads. */
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(tokfile_count(f), 2);
    ck_assert_uint_eq(c.errors, 1);
    ck_assert_uint_eq(c.warnings, 0);
    e = testutil_capture_find(&c, LOGL_ERROR);
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(c.d[e].file, "tokens");
    ck_assert_uint_eq(c.d[e].line, 2);
    ck_assert_msg(strstr(c.d[e].msg, bad_cases[_i].expect) != NULL,
                  "case %d: %s", _i, c.d[e].msg);
    /* Never the line itself, so never a token pasted in. */
    ck_assert_ptr_null(strstr(c.d[e].msg, "aaaa"));
    ck_assert_ptr_null(strstr(c.d[e].msg, TOK2 + 10));
    ck_assert_ptr_nonnull(tokfile_by_name(f, "ci", 2));
    ck_assert_ptr_nonnull(tokfile_by_name(f, "bot", 3));
    tokfile_free(f);
}
END_TEST

/* A name of 255 bytes loads; 256 is refused. */
START_TEST(tokfile_name_limit)
{
    char text[TOKEN_NAME_MAX + 128];
    struct testutil_capture c;
    struct tokfile *f;
    int n;

    memset(text, 'n', TOKEN_NAME_MAX);
    n = TOKEN_NAME_MAX;
    n += snprintf(text + n, sizeof text - (size_t)n, ":sha256:%s:2026-01-01\n",
                  HEX_A);
    f = parse(text, (size_t)n, &c);
    ck_assert_uint_eq(tokfile_count(f), 1);
    ck_assert_ptr_nonnull(tokfile_by_name(f, text, TOKEN_NAME_MAX));
    tokfile_free(f);
    memset(text, 'n', TOKEN_NAME_MAX + 1);
    n = TOKEN_NAME_MAX + 1;
    n += snprintf(text + n, sizeof text - (size_t)n, ":sha256:%s:2026-01-01\n",
                  HEX_A);
    f = parse(text, (size_t)n, &c);
    ck_assert_uint_eq(tokfile_count(f), 0);
    ck_assert_uint_eq(c.errors, 1);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "longer than 255"));
    tokfile_free(f);
}
END_TEST

/* Every bad line is told (in line order), a flood is summarised. */
START_TEST(tokfile_bad_lines_told)
{
    char text[200 * 4 + 1];
    struct testutil_capture c;
    struct tokfile *f;
    size_t i;

    f = PARSE("bad\n" LINE_A "\n\nworse\n", &c);
    ck_assert_uint_eq(tokfile_count(f), 1);
    ck_assert_uint_eq(c.errors, 2);
    ck_assert_uint_eq(c.d[0].line, 1);
    ck_assert_uint_eq(c.d[1].line, 4);
    tokfile_free(f);

    for (i = 0; i < 200; i++)
        memcpy(text + 4 * i, "bad\n", 4);
    text[sizeof text - 1] = '\0';
    f = parse(text, sizeof text - 1, &c);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(tokfile_count(f), 0);
    ck_assert_uint_lt(c.n, 30);
    ck_assert_ptr_nonnull(strstr(c.d[c.n - 1].msg, "more errors"));
    tokfile_free(f);
}
END_TEST

/* ----------------------------------------------------------- duplicates -- */

START_TEST(tokfile_duplicate_name)
{
    struct testutil_capture c;
    struct tokfile *f = PARSE(LINE_A "\n"
                                     "ci:sha256:" TOK1_HEX ":2026-01-01\n",
                              &c);
    const struct token_entry *e;

    ck_assert_uint_eq(tokfile_count(f), 1);
    ck_assert_uint_eq(c.errors, 0);
    ck_assert_uint_eq(c.warnings, 1);
    ck_assert_uint_eq(c.d[0].line, 2);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "'ci'"));
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "line 1"));
    /* The first line counts; the later one's token is refused. */
    e = tokfile_by_name(f, "ci", 2);
    ck_assert_uint_eq(e->line, 1);
    ck_assert_ptr_eq(tokfile_lookup(f, TOK0, TOKEN_LEN), e);
    ck_assert_ptr_null(tokfile_lookup(f, TOK1, TOKEN_LEN));
    tokfile_free(f);
}
END_TEST

START_TEST(tokfile_duplicate_digest)
{
    struct testutil_capture c;
    struct tokfile *f = PARSE("# x\n" LINE_A "\n"
                              "other:sha256:" TOK0_HEX ":2026-02-01\n",
                              &c);

    ck_assert_uint_eq(tokfile_count(f), 1);
    ck_assert_uint_eq(c.warnings, 1);
    ck_assert_uint_eq(c.d[0].line, 3);
    ck_assert_ptr_nonnull(strstr(c.d[0].msg, "same digest as line 2"));
    ck_assert_str_eq(tokfile_lookup(f, TOK0, TOKEN_LEN)->name, "ci");
    /* The refused line's name is not in the table either. */
    ck_assert_ptr_null(tokfile_by_name(f, "other", 5));
    tokfile_free(f);
}
END_TEST

/*
 * Two digests sharing the first 8 bytes (the table's selector): the later
 * is refused, and a digest that only shares them never matches.
 */
START_TEST(tokfile_selector_collision)
{
    unsigned char d[TOKEN_DIGEST_LEN];
    struct testutil_capture c;
    struct tokfile *f =
        PARSE("a:sha256:" HEX_A ":2026-01-01\n"
              "b:sha256:"
              "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
              ":2026-01-01\n",
              &c);

    ck_assert_uint_eq(tokfile_count(f), 1);
    ck_assert_uint_eq(c.warnings, 1);
    memset(d, 0xaa, sizeof d);
    ck_assert_str_eq(tokfile_by_digest(f, d)->name, "a");
    d[TOKEN_DIGEST_LEN - 1] = 0xab;
    ck_assert_ptr_null(tokfile_by_digest(f, d));
    d[0] = 0xab;
    ck_assert_ptr_null(tokfile_by_digest(f, d));
    ck_assert_ptr_null(tokfile_by_digest(f, NULL));
    tokfile_free(f);
}
END_TEST

/* ----------------------------------------------------------- entries -- */

START_TEST(tokfile_entry_fields)
{
    struct testutil_capture c;
    struct tokfile *f = PARSE("# t\r\n" LINE_A "\r\n" LINE_B "\r\n", &c);
    const struct token_entry *e;
    unsigned char d[TOKEN_DIGEST_LEN];

    ck_assert_uint_eq(c.n, 0);
    e = tokfile_by_name(f, "bot", 3);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->name, "bot");
    ck_assert_uint_eq(e->name_len, 3);
    ck_assert_uint_eq(e->line, 3);
    ck_assert_int_eq(e->created, D_2026);
    ck_assert_int_eq(e->expires, D_2099);
    token_digest(TOK1, TOKEN_LEN, d);
    ck_assert(memcmp(e->digest, d, sizeof d) == 0);
    e = tokfile_by_name(f, "ci", 2);
    ck_assert_uint_eq(e->line, 2);
    ck_assert_int_eq(e->expires, 0);
    tokfile_free(f);
}
END_TEST

START_TEST(tokfile_lookups)
{
    struct testutil_capture c;
    struct tokfile *f = PARSE(LINE_A "\n" LINE_B "\n", &c);
    char t[TOKEN_LEN + 1];

    ck_assert_str_eq(tokfile_lookup(f, TOK0, TOKEN_LEN)->name, "ci");
    ck_assert_str_eq(tokfile_lookup(f, TOK1, TOKEN_LEN)->name, "bot");
    /* Well-formed, unknown. */
    ck_assert(token_well_formed(TOK2, TOKEN_LEN));
    ck_assert_ptr_null(tokfile_lookup(f, TOK2, TOKEN_LEN));
    ck_assert_int_eq(token_generate(t), 0);
    ck_assert_ptr_null(tokfile_lookup(f, t, TOKEN_LEN));
    /* A prefix of a known token is another token. */
    ck_assert_ptr_null(tokfile_lookup(f, TOK0, TOKEN_LEN - 1));
    ck_assert_ptr_null(tokfile_lookup(f, "", 0));
    ck_assert_ptr_null(tokfile_lookup(f, NULL, 0));
    ck_assert_ptr_null(tokfile_lookup(NULL, TOK0, TOKEN_LEN));
    /* by_name: exact bytes only. */
    ck_assert_ptr_nonnull(tokfile_by_name(f, "bot", 3));
    ck_assert_ptr_null(tokfile_by_name(f, "bo", 2));
    ck_assert_ptr_null(tokfile_by_name(f, "bott", 4));
    ck_assert_ptr_null(tokfile_by_name(f, "BOT", 3));
    ck_assert_ptr_null(tokfile_by_name(f, "", 0));
    ck_assert_ptr_null(tokfile_by_name(NULL, "bot", 3));
    ck_assert_uint_eq(tokfile_count(NULL), 0);
    tokfile_free(f);
    tokfile_free(NULL);
}
END_TEST

/* A token made now, written with token_format_line, is found. */
START_TEST(tokfile_generated_roundtrip)
{
    enum { N = 50 };
    static char toks[N][TOKEN_LEN + 1];
    char text[N * (TOKEN_LINE_MAX + 1)], name[16];
    unsigned char d[TOKEN_DIGEST_LEN];
    struct testutil_capture c;
    const struct token_entry *e;
    struct tokfile *f;
    size_t len = 0;
    int i, r;

    for (i = 0; i < N; i++) {
        ck_assert_int_eq(token_generate(toks[i]), 0);
        token_digest(toks[i], TOKEN_LEN, d);
        snprintf(name, sizeof name, "svc%d", i);
        r = token_format_line(text + len, sizeof text - len, name, strlen(name),
                              d, D_2026, i % 2 ? D_2099 : 0);
        ck_assert_int_gt(r, 0);
        len += (size_t)r;
        text[len++] = '\n';
    }
    f = parse(text, len, &c);
    ck_assert_uint_eq(c.n, 0);
    ck_assert_uint_eq(tokfile_count(f), N);
    for (i = 0; i < N; i++) {
        snprintf(name, sizeof name, "svc%d", i);
        e = tokfile_lookup(f, toks[i], TOKEN_LEN);
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->name, name);
        ck_assert_uint_eq(e->line, (unsigned)i + 1);
        ck_assert_int_eq(e->expires, i % 2 ? D_2099 : 0);
        ck_assert_ptr_eq(tokfile_by_name(f, name, strlen(name)), e);
    }
    /* The file holds digests only, never a token. */
    text[len] = '\0';
    ck_assert_ptr_null(strstr(text, TOKEN_PREFIX));
    tokfile_free(f);
}
END_TEST

START_TEST(token_format_line_cases)
{
    unsigned char d[TOKEN_DIGEST_LEN];
    char buf[TOKEN_LINE_MAX + 1], name[TOKEN_NAME_MAX];

    memset(d, 0xaa, sizeof d);
    ck_assert_int_eq(token_format_line(buf, sizeof buf, "ci", 2, d, D_2026, 0),
                     (int)strlen("ci:sha256:" HEX_A ":2026-01-01"));
    ck_assert_str_eq(buf, "ci:sha256:" HEX_A ":2026-01-01");
    token_format_line(buf, sizeof buf, "ci", 2, d, D_2026 + 3600, D_2099);
    ck_assert_str_eq(buf, "ci:sha256:" HEX_A ":2026-01-01:2099-01-01");
    /* The longest line fits TOKEN_LINE_MAX exactly. */
    memset(name, 'n', sizeof name);
    ck_assert_int_eq(token_format_line(buf, sizeof buf, name, sizeof name, d,
                                       D_2026, D_2099),
                     (int)TOKEN_LINE_MAX);
    ck_assert_int_eq(token_format_line(buf, TOKEN_LINE_MAX, name, sizeof name,
                                       d, D_2026, D_2099),
                     -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(token_format_line(buf, sizeof buf, "a:b", 3, d, 0, 0), -1);
    ck_assert_int_eq(token_format_line(buf, sizeof buf, "", 0, d, 0, 0), -1);
    ck_assert_int_eq(token_format_line(buf, sizeof buf, "a", 1, d, -1, 0), -1);
    ck_assert_int_eq(
        token_format_line(buf, sizeof buf, "a", 1, d, 0, 253402300800LL), -1);
}
END_TEST

START_TEST(token_parse_line_direct)
{
    struct token_entry e;
    const char *why = NULL;
    static const char l[] = LINE_B "\r";

    ck_assert_int_eq(token_parse_line(l, sizeof l - 1, &e, &why),
                     TOKEN_LINE_ENTRY);
    ck_assert_uint_eq(e.name_len, 3);
    ck_assert(memcmp(e.name, "bot", 3) == 0);
    ck_assert_int_eq(e.expires, D_2099);
    ck_assert_int_eq(token_parse_line("# c", 3, &e, &why), TOKEN_LINE_SKIP);
    ck_assert_int_eq(token_parse_line("", 0, &e, &why), TOKEN_LINE_SKIP);
    ck_assert_int_eq(token_parse_line("\r", 1, &e, &why), TOKEN_LINE_SKIP);
    ck_assert_int_eq(token_parse_line("x", 1, &e, &why), TOKEN_LINE_BAD);
    ck_assert_ptr_nonnull(why);
}
END_TEST

/* ------------------------------------------------------------ expiry -- */

START_TEST(token_entry_expired_edges)
{
    struct token_entry e;
    struct testutil_capture c;
    struct tokfile *f;

    memset(&e, 0, sizeof e);
    ck_assert(!token_entry_expired(&e, 0));
    ck_assert(!token_entry_expired(&e, D_2099));
    /* At the start of its EXPIRES day, that very second. */
    e.expires = D_2026;
    ck_assert(!token_entry_expired(&e, D_2026 - 1));
    ck_assert(token_entry_expired(&e, D_2026));
    ck_assert(token_entry_expired(&e, D_2026 + 1));

    f = PARSE("old:sha256:" TOK0_HEX ":2000-01-01:2001-01-01\n"
              "epoch:sha256:" TOK1_HEX ":1970-01-01:1970-01-01\n"
              "later:sha256:" TOK2_HEX ":2026-01-01:2099-01-01\n",
              &c);
    ck_assert_uint_eq(c.n, 0);
    /* An expired entry loads (the caller refuses it, with a reason). */
    ck_assert_uint_eq(tokfile_count(f), 3);
    ck_assert_int_eq(tokfile_lookup(f, TOK0, TOKEN_LEN)->expires, D_2001);
    ck_assert(token_entry_expired(tokfile_lookup(f, TOK0, TOKEN_LEN), D_2026));
    /* 1970-01-01 is long past, not "never". */
    ck_assert(token_entry_expired(tokfile_by_name(f, "epoch", 5), D_2026));
    ck_assert(!token_entry_expired(tokfile_by_name(f, "later", 5), D_2026));
    ck_assert(token_entry_expired(tokfile_by_name(f, "later", 5), D_2099));
    tokfile_free(f);
}
END_TEST

/* -------------------------------------------------------------- load -- */

static void
tmp_setup(void)
{
    testutil_tmpdir("check_token");
}

START_TEST(tokfile_load_file)
{
    static const char text[] = LINE_A "\nbroken\n" LINE_B "\n";
    char path[128];
    struct testutil_capture c;
    struct tokfile *f;

    testutil_tmp_path(path, sizeof path, "tokens");
    testutil_write_path(path, text, sizeof text - 1);
    memset(&c, 0, sizeof c);
    /* A bad line: the whole file is refused (the daemon keeps the last
     * good one), and the line told. */
    ck_assert_ptr_null(tokfile_load(path, testutil_capture_diag, &c));
    ck_assert_uint_eq(c.n, 1);
    ck_assert_str_eq(c.d[0].file, path);
    ck_assert_uint_eq(c.d[0].line, 2);
    ck_assert_ptr_null(tokfile_load(path, NULL, NULL));

    /* A repeated name is a warning: the file loads, without the repeat. */
    {
        static const char dup[] = LINE_A "\n" LINE_A "\n" LINE_B "\n";

        testutil_write_path(path, dup, sizeof dup - 1);
    }
    memset(&c, 0, sizeof c);
    f = tokfile_load(path, testutil_capture_diag, &c);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(tokfile_count(f), 2);
    ck_assert_ptr_nonnull(tokfile_lookup(f, TOK1, TOKEN_LEN));
    tokfile_free(f);

    testutil_tmp_path(path, sizeof path, "empty");
    testutil_write_path(path, "", 0);
    f = tokfile_load(path, NULL, NULL);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(tokfile_count(f), 0);
    tokfile_free(f);
}
END_TEST

static const struct {
    const char *name;
    const char *expect; /* in the message */
} load_error_cases[] = {
    {"missing", "cannot open"},
    {"dir", "not a regular file"},
    {"fifo", "not a regular file"},
    {"sparse", "larger than"},
};

START_TEST(tokfile_load_errors)
{
    char path[128];
    struct testutil_capture c;

    testutil_make_refusal(path, sizeof path, load_error_cases[_i].name, "", 0,
                          (off_t)TOKEN_FILE_MAX + 1);
    memset(&c, 0, sizeof c);
    ck_assert_ptr_null(tokfile_load(path, testutil_capture_diag, &c));
    testutil_assert_load_error(&c, path, load_error_cases[_i].expect, 0);
    ck_assert_ptr_null(tokfile_load(path, NULL, NULL));
}
END_TEST

static Suite *
token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc;

    tc = tcase_create("format");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, token_generate_thousand);
    tcase_add_test(tc, token_generate_uniform);
    tcase_add_test(tc, token_known_vectors);
    tcase_add_test(tc, token_one_char_changed);
    tcase_add_test(tc, token_wrong_prefix);
    tcase_add_test(tc, token_wrong_length);
    tcase_add_loop_test(tc, token_name_table, 0, NELEM(name_cases));
    tcase_add_test(tc, token_name_length);
    tcase_add_test(tc, token_format_line_cases);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_loop_test(tc, tokfile_good_table, 0, NELEM(good_cases));
    tcase_add_loop_test(tc, tokfile_bad_table, 0, NELEM(bad_cases));
    tcase_add_test(tc, tokfile_name_limit);
    tcase_add_test(tc, tokfile_bad_lines_told);
    tcase_add_test(tc, tokfile_duplicate_name);
    tcase_add_test(tc, tokfile_duplicate_digest);
    tcase_add_test(tc, tokfile_selector_collision);
    tcase_add_test(tc, tokfile_entry_fields);
    tcase_add_test(tc, tokfile_lookups);
    tcase_add_test(tc, tokfile_generated_roundtrip);
    tcase_add_test(tc, token_parse_line_direct);
    tcase_add_test(tc, token_entry_expired_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tmp_setup, testutil_cleanup);
    tcase_add_test(tc, tokfile_load_file);
    tcase_add_loop_test(tc, tokfile_load_errors, 0, NELEM(load_error_cases));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return testutil_run(token_suite());
}
