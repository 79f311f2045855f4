/*
 * check_pwfile: the password tool's file logic. The line-preserving edits
 * and the audit on in-memory text; the safe replace on real files in a
 * fresh temporary folder, failures included: a write that fails
 * (RLIMIT_FSIZE), a folder the caller cannot write, an owner that cannot
 * be kept, a concurrent writer. After each failure the original file must
 * be intact byte for byte and no temporary file may be left.
 *
 * Fixed hashes below were made with `openssl passwd -1/-apr1`,
 * `mkpasswd -m des/sha-512/sha-256/yescrypt` and `htpasswd -nbB -C`.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "htpasswd.h"
#include "pwfile.h"
#include "token.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define Y1                                                                     \
    "$y$j9T$cM/0gTrArRh4TVcViJClj0$EmaffrTKD/"                                 \
    "YUqptIzRXgQ9Lc8Hh.eaDzRt1Pt2H1YGD"
#define Y2                                                                     \
    "$y$j9T$mSkt0Rvp7b7PI6FAouUwX.$eObwluesia2qA1D8rz6ZMfM6IsNtIFF3FOBuEH0kO/" \
    "5"
#define MD5  "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"
#define APR1 "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/"
#define SHA1 "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
#define SSHA "{SSHA}+rvziNkZ1S+q3I9Y4L7TlBR47kZOYUNsMTIzNA=="
#define DES  "abNANd1rDfiNc"
#define BC5  "$2y$05$4qi.4mJXjPnSQAWm9I1E0eY5kBj3ZBzCFIaVhABoNWG/XrBFv782i"
#define BC10 "$2y$10$B6ug1KtQkR8m/MM.tX2FtuI1dg4Z4OJhyyAGN3z8qFbeblitHN5LC"
#define S512R                                                                  \
    "$6$rounds=1000$saltsaltsalt$eX3bxJXT3.ujpABOqZ7ph4r9D9Fn0.qoDqJgZU6cTq8x" \
    "Pfk2.Fmq2bf1GgjAlb6X1QXE7sMOtwZRTxjI1OZvT1"
#define S256R                                                                  \
    "$5$rounds=1000$saltsaltsalt$jeQ3Wbe2JixnvtlZtYweZUFjfxf4JtmzGAyxAW53.M2"
#define S512                                                                   \
    "$6$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68Qkp" \
    "DfPFUGPWX5uCxIQkSPzMmqEiVNgts."

/* ------------------------------------------------------------ user names -- */

static const struct {
    const char *user;
    enum pwfile_user_check want;
} user_cases[] = {
    {"alice", PWFILE_USER_OK},
    {"al ice", PWFILE_USER_OK},
    {"a#b", PWFILE_USER_OK},
    {"j\xc3\xb6rg", PWFILE_USER_OK},
    {"alice@example.org", PWFILE_USER_OK},
    {"", PWFILE_USER_ILLEGAL},
    {"a:b", PWFILE_USER_ILLEGAL},
    {":", PWFILE_USER_ILLEGAL},
    {"a\tb", PWFILE_USER_ILLEGAL},
    {"a\nb", PWFILE_USER_ILLEGAL},
    {"a\rb", PWFILE_USER_ILLEGAL},
    {"a\x7f", PWFILE_USER_ILLEGAL},
    {" alice", PWFILE_USER_ILLEGAL},
    {"alice ", PWFILE_USER_ILLEGAL},
    {"#alice", PWFILE_USER_ILLEGAL},
};

START_TEST(pwfile_user_names)
{
    const char *why = "unset";
    const char *u = user_cases[_i].user;

    ck_assert_int_eq(pwfile_user_check(u, strlen(u), &why),
                     user_cases[_i].want);
    if (user_cases[_i].want == PWFILE_USER_OK)
        ck_assert_ptr_null(why);
    else
        ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(pwfile_user_length)
{
    char u[HTPASSWD_USER_MAX + 2];

    memset(u, 'u', sizeof u);
    ck_assert_int_eq(pwfile_user_check(u, HTPASSWD_USER_MAX, NULL),
                     PWFILE_USER_OK);
    ck_assert_int_eq(pwfile_user_check(u, HTPASSWD_USER_MAX + 1, NULL),
                     PWFILE_USER_TOO_LONG);
    /* A NUL inside is a control byte. */
    ck_assert_int_eq(pwfile_user_check("a\0b", 3, NULL), PWFILE_USER_ILLEGAL);
    ck_assert_int_eq(pwfile_user_check(NULL, 0, NULL), PWFILE_USER_ILLEGAL);
}
END_TEST

/* -------------------------------------------------------------- pwfile_set --
 */

static const struct {
    const char *name;
    const char *in;
    const char *user;
    const char *out;
    enum pwfile_set_result res;
    unsigned line;       /* of the first definition before the edit */
    unsigned count;      /* definitions before the edit */
    unsigned another;    /* the second one */
    const char *changed; /* the changed or added line in out */
} set_cases[] = {
    {"empty file", "", "alice", "alice:H\n", PWFILE_SET_ADDED, 0, 0, 0,
     "alice:H"},
    {"append", "bob:X\n", "alice", "bob:X\nalice:H\n", PWFILE_SET_ADDED, 0, 0,
     0, "alice:H"},
    {"append after a last line without newline", "bob:X", "alice",
     "bob:X\nalice:H\n", PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"append to a CRLF file", "bob:X\r\n", "alice", "bob:X\r\nalice:H\r\n",
     PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"append to a CRLF file without final newline", "bob:X\r\n# c", "alice",
     "bob:X\r\n# c\r\nalice:H\r\n", PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"update", "# c\nalice:OLD\nbob:X\n", "alice", "# c\nalice:H\nbob:X\n",
     PWFILE_SET_UPDATED, 2, 1, 0, "alice:H"},
    {"update keeps the third field", "alice:OLD:expires=2030-01-31 Alice L.\n",
     "alice", "alice:H:expires=2030-01-31 Alice L.\n", PWFILE_SET_UPDATED, 1, 1,
     0, "alice:H:expires=2030-01-31 Alice L."},
    {"update keeps every later field", "alice:OLD:a:b::\n", "alice",
     "alice:H:a:b::\n", PWFILE_SET_UPDATED, 1, 1, 0, "alice:H:a:b::"},
    {"update keeps CRLF", "alice:OLD\r\nbob:X\r\n", "alice",
     "alice:H\r\nbob:X\r\n", PWFILE_SET_UPDATED, 1, 1, 0, "alice:H"},
    {"update a last line without newline", "bob:X\nalice:OLD", "alice",
     "bob:X\nalice:H", PWFILE_SET_UPDATED, 2, 1, 0, "alice:H"},
    {"update the first of two", "alice:A\nbob:X\nalice:B\n", "alice",
     "alice:H\nbob:X\nalice:B\n", PWFILE_SET_UPDATED, 1, 2, 3, "alice:H"},
    {"update a locked entry", "alice:!" Y1 "\n", "alice", "alice:H\n",
     PWFILE_SET_UPDATED, 1, 1, 0, "alice:H"},
    {"update an empty hash", "alice:\n", "alice", "alice:H\n",
     PWFILE_SET_UPDATED, 1, 1, 0, "alice:H"},
    {"update an empty hash before a comment", "alice::c\n", "alice",
     "alice:H:c\n", PWFILE_SET_UPDATED, 1, 1, 0, "alice:H:c"},
    {"a comment that looks like the user", "#alice:OLD\n", "alice",
     "#alice:OLD\nalice:H\n", PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"longer and shorter names are other users", "alicex:A\nalic:B\n", "alice",
     "alicex:A\nalic:B\nalice:H\n", PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"blank, spaces, tabs and odd lines kept",
     "\n  \n\t\n# x\n:empty\nalice:OLD\nweird:{MD4}abc\n", "alice",
     "\n  \n\t\n# x\n:empty\nalice:H\nweird:{MD4}abc\n", PWFILE_SET_UPDATED, 6,
     1, 0, "alice:H"},
    {"a user with a space inside", "al ice:OLD\n", "al ice", "al ice:H\n",
     PWFILE_SET_UPDATED, 1, 1, 0, "al ice:H"},
    {"mixed endings: a new line ends like its neighbour", "a:1\r\nb:2\nc:3",
     "alice", "a:1\r\nb:2\nc:3\nalice:H\n", PWFILE_SET_ADDED, 0, 0, 0,
     "alice:H"},
    {"mixed endings, CRLF last", "a:1\nb:2\r\n", "alice",
     "a:1\nb:2\r\nalice:H\r\n", PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
    {"one line without an ending", "b:2", "alice", "b:2\nalice:H\n",
     PWFILE_SET_ADDED, 0, 0, 0, "alice:H"},
};

START_TEST(pwfile_set_table)
{
    struct pwfile_match m;
    char *out = NULL;
    size_t outlen = 0;
    const char *in = set_cases[_i].in, *u = set_cases[_i].user;

    ck_assert_int_eq(
        pwfile_set(in, strlen(in), u, strlen(u), "H", 1, &out, &outlen, &m),
        set_cases[_i].res);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(strcmp(out, set_cases[_i].out) == 0, "%s: got '%s'",
                  set_cases[_i].name, out);
    ck_assert_uint_eq(outlen, strlen(set_cases[_i].out));
    ck_assert_uint_eq(m.line, set_cases[_i].line);
    ck_assert_uint_eq(m.count, set_cases[_i].count);
    ck_assert_uint_eq(m.another, set_cases[_i].another);
    ck_assert_uint_eq(m.end - m.start, strlen(set_cases[_i].changed));
    ck_assert_int_eq(
        memcmp(out + m.start, set_cases[_i].changed, m.end - m.start), 0);
    free(out);
}
END_TEST

/* Bytes are bytes: a NUL and high bytes elsewhere in the file stay. */
START_TEST(pwfile_set_binary_safe)
{
    static const char in[] = "x:\0\xff\n"
                             "alice:OLD\n"
                             "y:\xc3\xa9\n";
    static const char want[] = "x:\0\xff\n"
                               "alice:NEWHASH\n"
                               "y:\xc3\xa9\n";
    char *out = NULL;
    size_t outlen = 0;

    ck_assert_int_eq(pwfile_set(in, sizeof in - 1, "alice", 5, "NEWHASH", 7,
                                &out, &outlen, NULL),
                     PWFILE_SET_UPDATED);
    ck_assert_uint_eq(outlen, sizeof want - 1);
    ck_assert_int_eq(memcmp(out, want, outlen), 0);
    free(out);
    /* NULL text is an empty file. */
    ck_assert_int_eq(
        pwfile_set(NULL, 0, "alice", 5, "H", 1, &out, &outlen, NULL),
        PWFILE_SET_ADDED);
    ck_assert_str_eq(out, "alice:H\n");
    free(out);
}
END_TEST

/* ----------------------------------------------------------- pwfile_delete --
 */

static const struct {
    const char *in;
    const char *user;
    const char *out;
    int removed;
} delete_cases[] = {
    {"alice:A\nbob:B\n", "alice", "bob:B\n", 1},
    {"bob:B\nalice:A\n", "alice", "bob:B\n", 1},
    {"bob:B\nalice:A", "alice", "bob:B\n", 1},
    {"alice:A\nbob:B\r\nalice:C", "alice", "bob:B\r\n", 2},
    {"# alice\n#alice:A\nbob:B\n", "alice", "# alice\n#alice:A\nbob:B\n", 0},
    {"alicex:A\n\n", "alice", "alicex:A\n\n", 0},
    {"", "alice", "", 0},
    {"alice:A:expires=2001-01-01\r\n\r\nbob:B\r\n", "alice", "\r\nbob:B\r\n",
     1},
};

START_TEST(pwfile_delete_table)
{
    const char *in = delete_cases[_i].in, *u = delete_cases[_i].user;
    char *out = NULL;
    size_t outlen = 0;

    ck_assert_int_eq(pwfile_delete(in, strlen(in), u, strlen(u), &out, &outlen),
                     delete_cases[_i].removed);
    ck_assert_str_eq(out, delete_cases[_i].out);
    ck_assert_uint_eq(outlen, strlen(delete_cases[_i].out));
    free(out);
}
END_TEST

/* -------------------------------------------------------------------- audit --
 */

static const char audit_text[] =
    "# audit fixture\n"                      /* 1 */
    "alice:" Y1 "\n"                         /* 2 */
    "md5:" MD5 "\n"                          /* 3 */
    "apr:" APR1 "\n"                         /* 4 */
    "sha:" SHA1 "\n"                         /* 5 */
    "ssha:" SSHA "\n"                        /* 6 */
    "des:" DES "\n"                          /* 7 */
    "plain:{PLAIN}secret\n"                  /* 8 */
    "bc5:" BC5 "\n"                          /* 9 */
    "bc10:" BC10 "\n"                        /* 10 */
    "s512r:" S512R "\n"                      /* 11 */
    "s256r:" S256R "\n"                      /* 12 */
    "s512:" S512 "\n"                        /* 13 */
    "locked:!" Y1 "\n"                       /* 14 */
    "gone:" Y2 ":expires=2001-01-31\n"       /* 15 */
    "later:" Y2 ":expires=2999-01-31 note\n" /* 16 */
    "badexp:" Y2 ":expires=2001-02-30\n"     /* 17 */
    "junk:nothash\n"                         /* 18 */
    "empty:\n"                               /* 19 */
    "alice:" Y2 "\r\n"                       /* 20 */
    "\r\n"                                   /* 21 */
    "oldlocked:*:expires=2001-01-01\n";      /* 22 */

/* line, kind and user of each finding, in order. */
static const struct {
    unsigned line;
    enum pwfile_finding_kind kind;
    const char *user;
    const char *words; /* a piece of the text */
} audit_want[] = {
    {0, PWFILE_FILE_MODE, NULL, "mode 0644"},
    {3, PWFILE_LEGACY, "md5", "md5-crypt"},
    {4, PWFILE_LEGACY, "apr", "$apr1$"},
    {5, PWFILE_LEGACY, "sha", "unsalted SHA-1"},
    {6, PWFILE_LEGACY, "ssha", "salted SHA-1"},
    {7, PWFILE_LEGACY, "des", "allow_des"},
    {8, PWFILE_LEGACY, "plain", "allow_plaintext"},
    {9, PWFILE_WEAK, "bc5", "bcrypt cost 5 (at least 10)"},
    {11, PWFILE_WEAK, "s512r", "sha512-crypt rounds 1000 (at least 5000)"},
    {12, PWFILE_WEAK, "s256r", "sha256-crypt rounds 1000"},
    {14, PWFILE_LOCKED, "locked", "locked"},
    {15, PWFILE_EXPIRED, "gone", "expired at 2001-01-31T00:00:00Z"},
    {17, PWFILE_UNUSABLE, "badexp", "unreadable expires="},
    {18, PWFILE_UNUSABLE, "junk", "unknown or malformed hash"},
    {19, PWFILE_UNUSABLE, "empty", "empty password hash"},
    {20, PWFILE_DUPLICATE, "alice", "already defined on line 2"},
    {22, PWFILE_LOCKED, "oldlocked", "locked"},
};

struct collected {
    struct pwfile_finding f[64];
    char text[64][200];
    char user[64][64];
    int n;
};

static void
collect(void *ctx, const struct pwfile_finding *f)
{
    struct collected *c = ctx;

    ck_assert_int_lt(c->n, 64);
    c->f[c->n] = *f;
    snprintf(c->text[c->n], sizeof c->text[0], "%s", f->text);
    if (f->user != NULL)
        snprintf(c->user[c->n], sizeof c->user[0], "%.*s", (int)f->ulen,
                 f->user);
    c->n++;
}

/* No finding shows a hash, or a telling piece of one. */
static void
assert_no_hash(const char *text)
{
    static const char *const hashes[] = {Y1,    Y2,   MD5,      APR1,     SHA1,
                                         SSHA,  DES,  BC5,      BC10,     S512R,
                                         S256R, S512, "secret", "nothash"};
    size_t i, n;

    for (i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        n = strlen(hashes[i]);
        /* The last 10 characters: digest, never a format's name. */
        ck_assert_msg(strstr(text, hashes[i] + (n > 10 ? n - 10 : 0)) == NULL,
                      "'%s' shows a hash", text);
    }
}

START_TEST(pwfile_audit_findings)
{
    struct collected *c = calloc(1, sizeof *c);
    struct stat st;
    long found;
    int i;

    ck_assert_ptr_nonnull(c);
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFREG | 0644;
    /* 2020-06-01: after 2001, long before 2999. */
    found = pwfile_audit("t", audit_text, sizeof audit_text - 1, &st,
                         1590969600LL, NULL, collect, c);
    for (i = 0; i < c->n && i < NELEM(audit_want); i++) {
        ck_assert_msg(c->f[i].line == audit_want[i].line &&
                          c->f[i].kind == audit_want[i].kind,
                      "finding %d: line %u %s, expected line %u %s", i,
                      c->f[i].line, pwfile_finding_name(c->f[i].kind),
                      audit_want[i].line,
                      pwfile_finding_name(audit_want[i].kind));
        if (audit_want[i].user == NULL)
            ck_assert_ptr_null(c->f[i].user);
        else
            ck_assert_str_eq(c->user[i], audit_want[i].user);
        ck_assert_msg(strstr(c->text[i], audit_want[i].words) != NULL,
                      "line %u: '%s' lacks '%s'", c->f[i].line, c->text[i],
                      audit_want[i].words);
        assert_no_hash(c->text[i]);
    }
    ck_assert_int_eq(c->n, NELEM(audit_want));
    /* Everything but the two locked and the expired one needs action. */
    ck_assert_int_eq(found, NELEM(audit_want) - 3);
    free(c);
}
END_TEST

START_TEST(pwfile_audit_clean)
{
    static const char text[] =
        "# ok\nalice:" Y1 "\nbob:" BC10 "\ncarol:" S512 ":expires=2999-01-01\n";
    struct collected *c = calloc(1, sizeof *c);
    struct stat st;

    ck_assert_ptr_nonnull(c);
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFREG | 0640;
    ck_assert_int_eq(pwfile_audit("t", text, sizeof text - 1, &st, 1590969600LL,
                                  NULL, collect, c),
                     0);
    ck_assert_int_eq(c->n, 0);
    /* No stat: the mode is not judged; an empty file is clean. */
    ck_assert_int_eq(pwfile_audit("t", "", 0, NULL, 0, NULL, collect, c), 0);
    ck_assert_int_eq(c->n, 0);
    free(c);
}
END_TEST

/* A work factor above its cap is named as such, not as a bad expires=. */
START_TEST(pwfile_audit_caps)
{
    static const char text[] =
        "slow:$2y$31$fv2RwyhjztI/2j.PQcW3eODeDt7SjQuKOoy0aAcGeVd/farxdhGsq\n"
        "rounds:$6$rounds=999999999$Dup0N7J3J4TcUP60$jGvQx7BDgoqPomaIQRj9goZu"
        "DsG/iGqnAXDUbVZmGLmyHxBirMhzVDCcGL3ChAWb9RzlrY39SlUwfJfb46O9s1\n";
    static const struct htpasswd_opts nocap = {true, true, 0, 0};
    struct collected *c = calloc(1, sizeof *c);

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(
        pwfile_audit("t", text, sizeof text - 1, NULL, 0, NULL, collect, c), 2);
    ck_assert_int_eq(c->n, 2);
    ck_assert_int_eq(c->f[0].kind, PWFILE_UNUSABLE);
    ck_assert_msg(strstr(c->text[0], "max_bcrypt_cost") != NULL, "'%s'",
                  c->text[0]);
    ck_assert_int_eq(c->f[1].kind, PWFILE_UNUSABLE);
    ck_assert_msg(strstr(c->text[1], "max_crypt_rounds") != NULL, "'%s'",
                  c->text[1]);
    /* The caller's caps: the same file is clean without them. */
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(
        pwfile_audit("t", text, sizeof text - 1, NULL, 0, &nocap, collect, c),
        0);
    ck_assert_int_eq(c->n, 0);
    free(c);
}
END_TEST

/* Lines fcgi-authd refuses: listed without their text, nothing else. */
START_TEST(pwfile_audit_malformed)
{
    static const char text[] = "alice:" MD5 "\n"
                               "secretpassword\n"
                               ":" Y1 "\n";
    struct collected *c = calloc(1, sizeof *c);

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(
        pwfile_audit("t", text, sizeof text - 1, NULL, 0, NULL, collect, c), 2);
    ck_assert_int_eq(c->n, 2);
    ck_assert_int_eq(c->f[0].kind, PWFILE_MALFORMED);
    ck_assert_uint_eq(c->f[0].line, 2);
    ck_assert_ptr_null(c->f[0].user);
    ck_assert_ptr_null(strstr(c->text[0], "secretpassword"));
    ck_assert_int_eq(c->f[1].kind, PWFILE_MALFORMED);
    ck_assert_uint_eq(c->f[1].line, 3);
    assert_no_hash(c->text[1]);
    free(c);
}
END_TEST

/* -------------------------------------------------------------- token files --
 */

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HEX_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
/* A token made for this test, pasted where its digest belongs. */
#define PASTED "fcat_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz0u9xyK"

static const struct {
    const char *text;
    bool tokens;
} is_tokens_cases[] = {
    {"", false},
    {"# ci:sha256:x\n", false},
    {"alice:" Y1 "\n", false},
    {"alice:" Y1 "\nci:sha256:" HEX_A ":2026-01-01\n", true},
    {"ci:sha256:" HEX_A ":2026-01-01", true},
    {"ci:sha256\r\n", true},
    {"ci:sha2567:x\n", false},
    {"ci:SHA256:x\n", false},
    {"sha256:x\n", false},
};

START_TEST(pwfile_is_tokens_table)
{
    const char *t = is_tokens_cases[_i].text;

    ck_assert_int_eq(pwfile_is_tokens(t, strlen(t)),
                     is_tokens_cases[_i].tokens);
    ck_assert(!pwfile_is_tokens(NULL, 0));
}
END_TEST

static const char token_audit_text[] =
    "# tokens\n"                                     /* 1 */
    "ci:sha256:" HEX_A ":2026-01-01\n"               /* 2 */
    "old:sha256:" HEX_B ":2000-01-01:2001-01-31\r\n" /* 3 */
    "later:sha256:" HEX_C ":2026-01-01:2999-01-01\n" /* 4 */
    "broken line\n"                                  /* 5 */
    "ci:sha256:" HEX_D ":2026-01-01\n"               /* 6 */
    "twin:sha256:" HEX_A ":2026-01-01\n"             /* 7 */
    "twin:sha256:" HEX_D ":2026-01-01\n"             /* 8 */
    "leak:sha256:" PASTED ":2026-01-01\n"            /* 9 */
    "bad:sha256:" HEX_D ":2026-02-30\n";             /* 10 */

static const struct {
    unsigned line;
    enum pwfile_finding_kind kind;
    const char *user;
    const char *words;
} token_audit_want[] = {
    {0, PWFILE_FILE_MODE, NULL,
     "mode 0604: every local user can read the token"},
    {3, PWFILE_EXPIRED, "old", "expired at 2001-01-31T00:00:00Z"},
    {5, PWFILE_MALFORMED, NULL, "expected NAME:sha256:HEX:CREATED"},
    {6, PWFILE_DUPLICATE, "ci", "already defined on line 2"},
    /* Refused for its digest; line 8 then holds the name. */
    {7, PWFILE_DUPLICATE, "twin", "the same digest as line 2"},
    {9, PWFILE_MALFORMED, NULL, "a token itself"},
    {10, PWFILE_MALFORMED, NULL, "CREATED"},
};

START_TEST(pwfile_audit_tokens_findings)
{
    struct collected *c = calloc(1, sizeof *c);
    struct stat st;
    long found;
    int i;

    ck_assert_ptr_nonnull(c);
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFREG | 0604;
    found =
        pwfile_audit_tokens("t", token_audit_text, sizeof token_audit_text - 1,
                            &st, 1590969600LL, collect, c);
    for (i = 0; i < c->n && i < NELEM(token_audit_want); i++) {
        ck_assert_msg(c->f[i].line == token_audit_want[i].line &&
                          c->f[i].kind == token_audit_want[i].kind,
                      "finding %d: line %u %s, expected line %u %s", i,
                      c->f[i].line, pwfile_finding_name(c->f[i].kind),
                      token_audit_want[i].line,
                      pwfile_finding_name(token_audit_want[i].kind));
        if (token_audit_want[i].user == NULL)
            ck_assert_ptr_null(c->f[i].user);
        else
            ck_assert_str_eq(c->user[i], token_audit_want[i].user);
        ck_assert_msg(strstr(c->text[i], token_audit_want[i].words) != NULL,
                      "line %u: '%s' lacks '%s'", c->f[i].line, c->text[i],
                      token_audit_want[i].words);
        /* Never a digest, never the pasted token. */
        ck_assert_ptr_null(strstr(c->text[i], "aaaaaaaa"));
        ck_assert_ptr_null(strstr(c->text[i], "dddddddd"));
        ck_assert_ptr_null(strstr(c->text[i], "zzzzzzzz"));
    }
    ck_assert_int_eq(c->n, NELEM(token_audit_want));
    /* All but the expired one need action. */
    ck_assert_int_eq(found, NELEM(token_audit_want) - 1);
    free(c);
}
END_TEST

START_TEST(pwfile_audit_tokens_clean)
{
    static const char text[] = "# ok\nci:sha256:" HEX_A ":2026-01-01\n"
                               "bot:sha256:" HEX_B ":2026-01-01:2999-01-01\n";
    struct collected *c = calloc(1, sizeof *c);
    struct stat st;

    ck_assert_ptr_nonnull(c);
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFREG | 0640;
    ck_assert_int_eq(pwfile_audit_tokens("t", text, sizeof text - 1, &st,
                                         1590969600LL, collect, c),
                     0);
    ck_assert_int_eq(c->n, 0);
    ck_assert_int_eq(pwfile_audit_tokens("t", NULL, 0, NULL, 0, collect, c), 0);
    ck_assert_int_eq(c->n, 0);
    /* At 2999-01-01 the second one has expired: listed, not counted. */
    ck_assert_int_eq(pwfile_audit_tokens("t", text, sizeof text - 1, &st,
                                         32472144000LL, collect, c),
                     0);
    ck_assert_int_eq(c->n, 1);
    ck_assert_int_eq(c->f[0].kind, PWFILE_EXPIRED);
    ck_assert_str_eq(c->user[0], "bot");
    free(c);
}
END_TEST

/* A token line is edited as a user line: its name is the first field. */
START_TEST(pwfile_token_lines_edited)
{
    static const char text[] = "# t\nci:sha256:" HEX_A ":2026-01-01\r\n"
                               "bot:sha256:" HEX_B ":2026-01-01\r\n";
    struct pwfile_match m;
    char *out = NULL;
    size_t outlen = 0;

    ck_assert_uint_eq(pwfile_find(text, sizeof text - 1, "ci", 2, &m), 1);
    ck_assert_uint_eq(m.line, 2);
    ck_assert_int_eq(pwfile_set(text, sizeof text - 1, "new", 3,
                                "sha256:" HEX_C ":2026-01-02", 82, &out,
                                &outlen, &m),
                     PWFILE_SET_ADDED);
    ck_assert_str_eq(out, "# t\nci:sha256:" HEX_A ":2026-01-01\r\n"
                          "bot:sha256:" HEX_B ":2026-01-01\r\n"
                          "new:sha256:" HEX_C ":2026-01-02\r\n");
    free(out);
    ck_assert_int_eq(
        pwfile_delete(text, sizeof text - 1, "ci", 2, &out, &outlen), 1);
    ck_assert_str_eq(out, "# t\nbot:sha256:" HEX_B ":2026-01-01\r\n");
    free(out);
}
END_TEST

/* ------------------------------------------------------------ safe replace --
 */

static char dir[64];

static void
dir_setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_pwfile.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
dir_teardown(void)
{
    char cmd[128];

    chmod(dir, 0700);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void
path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* The whole file, NUL-terminated (the tests use text files). */
static char *
slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n;

    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* How many entries the folder holds besides "." and "..". */
static int
entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static const char original[] = "# users\r\n"
                               "alice:" Y1 ":expires=2999-01-01\n"
                               "\n"
                               "bob:" BC10 "\n";

START_TEST(pwfile_replace_keeps_mode_and_owner)
{
    struct pwfile pf;
    struct stat before, after;
    char p[128], err[512];
    uid_t uid = geteuid() == 0 ? 1 : geteuid();
    gid_t gid = geteuid() == 0 ? 2 : getegid();

    path_of(p, sizeof p, "users");
    write_file(p, original, 0604);
    ck_assert_int_eq(chown(p, uid, gid), 0);
    ck_assert_int_eq(stat(p, &before), 0);
    ck_assert_int_eq(
        pwfile_open(p, PWFILE_EXISTING, 1000, &pf, err, sizeof err), 0);
    ck_assert_uint_eq(pf.len, sizeof original - 1);
    ck_assert_str_eq(pf.data, original);
    ck_assert_int_eq(pwfile_commit(&pf, "new\n", 4, err, sizeof err), 0);
    pwfile_close(&pf);
    pwfile_close(&pf);
    ck_assert_int_eq(stat(p, &after), 0);
    ck_assert_str_eq(slurp(p), "new\n");
    ck_assert_uint_eq(after.st_mode & 07777, 0604);
    ck_assert_uint_eq(after.st_uid, uid);
    ck_assert_uint_eq(after.st_gid, gid);
    /* A new file took its place (rename), so readers never saw half. */
    ck_assert_uint_ne(after.st_ino, before.st_ino);
    ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(pwfile_create_is_0640_whatever_the_umask)
{
    static const mode_t masks[] = {0, 022, 077};
    struct pwfile pf;
    struct stat st;
    char p[128], err[512];
    mode_t old = umask(masks[_i]);

    path_of(p, sizeof p, "new");
    ck_assert_int_eq(pwfile_open(p, PWFILE_CREATE, 0, &pf, err, sizeof err), 0);
    ck_assert_int_eq(pf.fd, -1);
    ck_assert_uint_eq(pf.len, 0);
    ck_assert_int_eq(pwfile_commit(&pf, "alice:H\n", 8, err, sizeof err), 0);
    pwfile_close(&pf);
    umask(old);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, PWFILE_NEW_MODE);
    ck_assert_uint_eq(st.st_uid, geteuid());
    ck_assert_str_eq(slurp(p), "alice:H\n");
    ck_assert_int_eq(entries(), 1);
    /* Creating it again is refused. */
    errno = 0;
    ck_assert_int_eq(pwfile_open(p, PWFILE_CREATE, 0, &pf, err, sizeof err),
                     -1);
    ck_assert_int_eq(errno, EEXIST);
    pwfile_close(&pf);
}
END_TEST

/* A file that appears between the check and the commit is never replaced. */
START_TEST(pwfile_create_never_replaces)
{
    struct pwfile pf;
    char p[128], err[512];

    path_of(p, sizeof p, "race");
    ck_assert_int_eq(pwfile_open(p, PWFILE_CREATE, 0, &pf, err, sizeof err), 0);
    write_file(p, original, 0600);
    errno = 0;
    ck_assert_int_eq(pwfile_commit(&pf, "alice:H\n", 8, err, sizeof err), -1);
    ck_assert_int_eq(errno, EEXIST);
    pwfile_close(&pf);
    ck_assert_str_eq(slurp(p), original);
    ck_assert_int_eq(entries(), 1);
}
END_TEST

/*
 * Open p (holding `original`) and commit data, which must fail and leave
 * the file as it was, byte for byte, inode and mode included, with no
 * temporary file beside it. NULL when all holds, else what did not. No
 * ck_assert here: it also runs in a forked child with other ids.
 */
static const char *
commit_fails_intact(const char *p, const char *data)
{
    static char buf[8192];
    struct pwfile pf;
    struct stat before, after;
    char err[512];
    ssize_t n;
    int fd, rc;

    if (stat(p, &before) != 0)
        return "no file before";
    if (pwfile_open(p, PWFILE_EXISTING, 1000, &pf, err, sizeof err) != 0) {
        pwfile_close(&pf);
        return "open failed";
    }
    err[0] = '\0';
    rc = pwfile_commit(&pf, data, strlen(data), err, sizeof err);
    pwfile_close(&pf);
    if (rc != -1)
        return "the commit did not fail";
    if (err[0] == '\0')
        return "no message";
    if (stat(p, &after) != 0 || after.st_ino != before.st_ino ||
        after.st_mode != before.st_mode)
        return "the file was replaced";
    fd = open(p, O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)(sizeof original - 1) || memcmp(buf, original, (size_t)n))
        return "the contents changed";
    if (entries() != 1)
        return "a temporary file was left";
    return NULL;
}

static void
assert_commit_fails_intact(const char *p, const char *data)
{
    const char *why = commit_fails_intact(p, data);

    ck_assert_msg(why == NULL, "%s", why);
}

/* Run commit_fails_intact as nobody (65534) in a child; root only. */
static void
assert_commit_fails_intact_as_nobody(const char *p)
{
    pid_t pid;
    int status;

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        _exit(commit_fails_intact(p, "new\n") == NULL ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "as nobody: the commit did not fail cleanly (status %d)",
                  status);
}

/* A real write failure: the file-size limit stops the temporary copy. */
START_TEST(pwfile_failed_write_keeps_original)
{
    static char big[4096];
    struct rlimit old, lim;
    void (*prev)(int);
    const char *why;
    char p[128];

    memset(big, 'x', sizeof big - 1);
    path_of(p, sizeof p, "users");
    write_file(p, original, 0640);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100;
    /* Without this the kernel kills the process instead of failing. */
    prev = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    why = commit_fails_intact(p, big);
    /* Lifted before any assertion: check writes its results to files. */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    ck_assert_msg(why == NULL, "%s", why);
}
END_TEST

/*
 * A folder the caller may not write: a real EACCES. Root writes anywhere,
 * so as root a child drops to nobody first, in a folder nobody may not
 * write but the file nobody owns.
 */
START_TEST(pwfile_readonly_folder_keeps_original)
{
    char p[128];

    path_of(p, sizeof p, "users");
    write_file(p, original, 0640);
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(dir, 0500), 0);
        assert_commit_fails_intact(p, "new\n");
        ck_assert_int_eq(chmod(dir, 0700), 0);
        return;
    }
    ck_assert_int_eq(chown(p, 65534, 65534), 0);
    ck_assert_int_eq(chmod(dir, 0755), 0);
    assert_commit_fails_intact_as_nobody(p);
    ck_assert_str_eq(slurp(p), original);
}
END_TEST

/*
 * An owner the caller cannot give: refused, not silently changed (a file
 * root:www-data 0640 turned into nobody:nobody would lock nginx out). As
 * root a child drops to nobody, who may write the folder but cannot give
 * a file to uid 1.
 */
START_TEST(pwfile_owner_not_kept_is_refused)
{
    char p[128];

    path_of(p, sizeof p, "users");
    write_file(p, original, 0666);
    if (geteuid() != 0) {
        /* A non-root user owns the file and cannot give it away: no */
        /* failure to provoke. The group case needs root too. */
        ck_assert_int_eq(entries(), 1);
        return;
    }
    ck_assert_int_eq(chown(p, 1, 1), 0);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    assert_commit_fails_intact_as_nobody(p);
    ck_assert_str_eq(slurp(p), original);
}
END_TEST

/* A writer that takes no lock changed the file: nothing is written. */
START_TEST(pwfile_concurrent_writer_detected)
{
    struct pwfile pf;
    char p[128], err[512];
    FILE *f;

    path_of(p, sizeof p, "users");
    write_file(p, original, 0640);
    ck_assert_int_eq(
        pwfile_open(p, PWFILE_EXISTING, 1000, &pf, err, sizeof err), 0);
    /* As Apache's htpasswd does: rewrite in place. */
    f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("other:" Y2 "\n", f);
    fclose(f);
    errno = 0;
    ck_assert_int_eq(pwfile_commit(&pf, "new\n", 4, err, sizeof err), -1);
    ck_assert_int_eq(errno, EAGAIN);
    pwfile_close(&pf);
    ck_assert_str_eq(slurp(p), "other:" Y2 "\n");
    ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(pwfile_lock_times_out)
{
    struct pwfile pf;
    struct timespec t0, t1;
    char p[128], err[512];
    long ms;
    int fd;

    path_of(p, sizeof p, "users");
    write_file(p, original, 0640);
    /* Another open file description: flock conflicts even in-process. */
    fd = open(p, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    errno = 0;
    ck_assert_int_eq(pwfile_open(p, PWFILE_EXISTING, 200, &pf, err, sizeof err),
                     -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pwfile_close(&pf);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 190);
    ck_assert_int_lt(ms, 5000);
    ck_assert_ptr_nonnull(strstr(err, "locked"));
    /* Released: the next edit gets it. */
    close(fd);
    ck_assert_int_eq(pwfile_open(p, PWFILE_EXISTING, 0, &pf, err, sizeof err),
                     0);
    pwfile_close(&pf);
}
END_TEST

struct swap {
    char path[128];
    int fd; /* holds the lock on the old file */
};

/* The edit holding the lock renames a new file in, then lets go. */
static void *
swap_then_unlock(void *arg)
{
    const struct timespec wait = {0, 150 * 1000000L};
    struct swap *s = arg;
    char tmp[160];

    nanosleep(&wait, NULL);
    snprintf(tmp, sizeof tmp, "%s.new", s->path);
    write_file(tmp, "fresh:" Y2 "\n", 0640);
    if (rename(tmp, s->path) != 0)
        return (void *)1;
    close(s->fd);
    return NULL;
}

/* The waiting edit locks and reads the file that is there now. */
START_TEST(pwfile_lock_follows_rename)
{
    struct swap s;
    struct pwfile pf;
    struct stat st;
    pthread_t t;
    char err[512];
    void *res;

    path_of(s.path, sizeof s.path, "users");
    write_file(s.path, original, 0640);
    s.fd = open(s.path, O_RDONLY);
    ck_assert_int_ge(s.fd, 0);
    ck_assert_int_eq(flock(s.fd, LOCK_EX), 0);
    ck_assert_int_eq(pthread_create(&t, NULL, swap_then_unlock, &s), 0);
    ck_assert_int_eq(
        pwfile_open(s.path, PWFILE_EXISTING, 5000, &pf, err, sizeof err), 0);
    ck_assert_int_eq(pthread_join(t, &res), 0);
    ck_assert_ptr_null(res);
    ck_assert_str_eq(pf.data, "fresh:" Y2 "\n");
    ck_assert_int_eq(stat(s.path, &st), 0);
    ck_assert_uint_eq(st.st_ino, pf.st.st_ino);
    pwfile_close(&pf);
}
END_TEST

/* A symbolic link stays a link; the file it points to is replaced. */
START_TEST(pwfile_symlink_target_replaced)
{
    struct pwfile pf;
    struct stat st;
    char p[128], link[128], err[512];

    path_of(p, sizeof p, "real");
    path_of(link, sizeof link, "link");
    write_file(p, original, 0640);
    ck_assert_int_eq(symlink("real", link), 0);
    ck_assert_int_eq(
        pwfile_open(link, PWFILE_EXISTING, 0, &pf, err, sizeof err), 0);
    ck_assert_str_eq(pf.data, original);
    ck_assert_int_eq(pwfile_commit(&pf, "new\n", 4, err, sizeof err), 0);
    pwfile_close(&pf);
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_str_eq(slurp(p), "new\n");
    ck_assert_int_eq(entries(), 2);
}
END_TEST

START_TEST(pwfile_open_refusals)
{
    struct pwfile pf;
    char p[128], err[512];

    path_of(p, sizeof p, "missing");
    errno = 0;
    ck_assert_int_eq(pwfile_open(p, PWFILE_EXISTING, 0, &pf, err, sizeof err),
                     -1);
    ck_assert_int_eq(errno, ENOENT);
    pwfile_close(&pf);
    ck_assert_int_eq(pwfile_open(dir, PWFILE_EXISTING, 0, &pf, err, sizeof err),
                     -1);
    pwfile_close(&pf);
    path_of(p, sizeof p, "fifo");
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    ck_assert_int_eq(pwfile_open(p, PWFILE_EXISTING, 0, &pf, err, sizeof err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
    pwfile_close(&pf);
    ck_assert_int_eq(pwfile_open("", PWFILE_EXISTING, 0, &pf, err, sizeof err),
                     -1);
    pwfile_close(&pf);
}
END_TEST

static Suite *
pwfile_suite(void)
{
    Suite *s = suite_create("pwfile");
    TCase *tc;

    tc = tcase_create("text");
    tcase_add_loop_test(tc, pwfile_user_names, 0, NELEM(user_cases));
    tcase_add_test(tc, pwfile_user_length);
    tcase_add_loop_test(tc, pwfile_set_table, 0, NELEM(set_cases));
    tcase_add_test(tc, pwfile_set_binary_safe);
    tcase_add_loop_test(tc, pwfile_delete_table, 0, NELEM(delete_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("audit");
    tcase_add_test(tc, pwfile_audit_findings);
    tcase_add_test(tc, pwfile_audit_clean);
    tcase_add_test(tc, pwfile_audit_malformed);
    tcase_add_test(tc, pwfile_audit_caps);
    tcase_add_loop_test(tc, pwfile_is_tokens_table, 0, NELEM(is_tokens_cases));
    tcase_add_test(tc, pwfile_audit_tokens_findings);
    tcase_add_test(tc, pwfile_audit_tokens_clean);
    tcase_add_test(tc, pwfile_token_lines_edited);
    suite_add_tcase(s, tc);

    tc = tcase_create("replace");
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, pwfile_replace_keeps_mode_and_owner);
    tcase_add_loop_test(tc, pwfile_create_is_0640_whatever_the_umask, 0, 3);
    tcase_add_test(tc, pwfile_create_never_replaces);
    tcase_add_test(tc, pwfile_failed_write_keeps_original);
    tcase_add_test(tc, pwfile_readonly_folder_keeps_original);
    tcase_add_test(tc, pwfile_owner_not_kept_is_refused);
    tcase_add_test(tc, pwfile_concurrent_writer_detected);
    tcase_add_test(tc, pwfile_lock_times_out);
    tcase_add_test(tc, pwfile_lock_follows_rename);
    tcase_add_test(tc, pwfile_symlink_target_replaced);
    tcase_add_test(tc, pwfile_open_refusals);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(pwfile_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
