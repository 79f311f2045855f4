/*
 * Unit tests for responder/path.c: request paths normalised for path
 * rules, deny-biased (no spelling escapes a rule a server would apply).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

#define OK      PATH_OK
#define UNCLEAR PATH_UNCLEAR

/* in[0..len) (len 0: strlen) -> result, and out when PATH_OK. */
static const struct {
    const char *in;
    size_t len;
    enum path_result res;
    const char *out;
} norm_cases[] = {
    /* Plain paths. */
    {"/", 0, OK, "/"},
    {"/admin", 0, OK, "/admin"},
    {"/admin/", 0, OK, "/admin/"},
    {"/admin/x", 0, OK, "/admin/x"},
    {"/a/b/c.html", 0, OK, "/a/b/c.html"},
    {"/a+b", 0, OK, "/a+b"},
    {"/~user/", 0, OK, "/~user/"},
    /* Not a path at all. */
    {"", 0, UNCLEAR, NULL},
    {"*", 0, UNCLEAR, NULL},
    {"admin", 0, UNCLEAR, NULL},
    {"admin/x", 0, UNCLEAR, NULL},
    {"?x", 0, UNCLEAR, NULL},
    {"\\admin", 0, UNCLEAR, NULL},
    {"%2fadmin", 0, UNCLEAR, NULL},
    {" /admin", 0, UNCLEAR, NULL},
    /* Query and fragment. */
    {"/admin?x", 0, OK, "/admin"},
    {"/?", 0, OK, "/"},
    {"/admin?x/../../y", 0, OK, "/admin"},
    {"/admin?x#y", 0, OK, "/admin"},
    {"/admin?%zz", 0, OK, "/admin"},
    {"/admin?\n", 0, OK, "/admin"},
    {"/admin#x", 0, UNCLEAR, NULL},
    {"/public#/../admin", 0, UNCLEAR, NULL},
    {"/admin%3fx", 0, OK, "/admin?x"},
    {"/admin%3Fx/../y", 0, UNCLEAR, NULL},
    {"/admin%23x", 0, OK, "/admin#x"},
    /* Case. */
    {"/ADMIN", 0, OK, "/admin"},
    {"/Admin/", 0, OK, "/admin/"},
    {"/AdMiN/X.HTML", 0, OK, "/admin/x.html"},
    {"/%41DMIN", 0, OK, "/admin"},
    /* Repeated slashes. */
    {"//admin", 0, OK, "/admin"},
    {"///admin//x", 0, OK, "/admin/x"},
    {"/admin//", 0, OK, "/admin/"},
    {"//", 0, OK, "/"},
    {"//host/admin", 0, OK, "/host/admin"},
    /* Dot segments. */
    {"/./admin", 0, OK, "/admin"},
    {"/x/../admin", 0, OK, "/admin"},
    {"/../admin", 0, OK, "/admin"},
    {"/../../../admin", 0, OK, "/admin"},
    {"/a/b/../../admin", 0, OK, "/admin"},
    {"/admin/x/..", 0, OK, "/admin/"},
    {"/admin/..", 0, OK, "/"},
    {"/admin/.", 0, OK, "/admin/"},
    {"/a/./b/.", 0, OK, "/a/b/"},
    {"/admin/./../x", 0, OK, "/x"},
    {"/.", 0, OK, "/"},
    {"/..", 0, OK, "/"},
    {"/.../admin", 0, OK, "/.../admin"},
    {"/..a/.b/c.", 0, OK, "/..a/.b/c."},
    {"/.hidden", 0, OK, "/.hidden"},
    /* A ".." that removes a segment only on plain text. */
    {"/admin//../x", 0, UNCLEAR, NULL},
    {"/x/%2e%2e/admin", 0, UNCLEAR, NULL},
    {"/admin/%2e%2e/x", 0, UNCLEAR, NULL},
    {"/admin/..;/x", 0, UNCLEAR, NULL},
    {"/admin/..\\x", 0, UNCLEAR, NULL},
    {"/admin/x%20y/../z", 0, UNCLEAR, NULL},
    {"/admin;x/../y", 0, UNCLEAR, NULL},
    /* Percent-decoding. */
    {"/%2e%2e/admin", 0, OK, "/admin"},
    {"/%2E%2E/admin", 0, OK, "/admin"},
    {"/%2e/admin", 0, OK, "/admin"},
    {"/.%2e/admin", 0, OK, "/admin"},
    {"/%252e%252e/admin", 0, OK, "/admin"},
    {"/%25252e%25252e/admin", 0, OK, "/admin"},
    {"/..%2fadmin", 0, OK, "/admin"},
    {"/..%2Fadmin", 0, OK, "/admin"},
    {"/admin%2fx", 0, OK, "/admin/x"},
    {"/%2fadmin", 0, OK, "/admin"},
    {"/%61dmin", 0, OK, "/admin"},
    {"/%2561dmin", 0, OK, "/admin"},
    {"/%252561dmin", 0, OK, "/admin"},
    {"/a%20b", 0, OK, "/a b"},
    {"/a%2bb", 0, OK, "/a+b"},
    {"/%7euser", 0, OK, "/~user"},
    /* Backslash is a separator. */
    {"/admin\\x", 0, OK, "/admin/x"},
    {"/admin%5cx", 0, OK, "/admin/x"},
    {"/%5Cadmin", 0, OK, "/admin"},
    {"\\/admin", 0, UNCLEAR, NULL},
    {"/\\\\admin\\", 0, OK, "/admin/"},
    {"/..\\admin", 0, OK, "/admin"},
    /* Path parameters. */
    {"/admin;jsessionid=x", 0, OK, "/admin"},
    {"/admin;x/", 0, OK, "/admin/"},
    {"/admin;x/y;z", 0, OK, "/admin/y"},
    {"/admin;", 0, OK, "/admin"},
    {"/admin/;x", 0, OK, "/admin/"},
    {"/;x/admin", 0, OK, "/admin"},
    {"/..;/admin", 0, OK, "/admin"},
    {"/.;x/admin", 0, OK, "/admin"},
    {"/..;a=b/..;/admin/", 0, OK, "/admin/"},
    {"/admin%3bx/y", 0, OK, "/admin/y"},
    {"/admin%3Bx", 0, OK, "/admin"},
    /* Bad escapes. */
    {"/%zz", 0, UNCLEAR, NULL},
    {"/%4", 0, UNCLEAR, NULL},
    {"/%", 0, UNCLEAR, NULL},
    {"/a%", 0, UNCLEAR, NULL},
    {"/%g0", 0, UNCLEAR, NULL},
    {"/%0g", 0, UNCLEAR, NULL},
    {"/%%41", 0, UNCLEAR, NULL},
    {"/%u002e%u002e/admin", 0, UNCLEAR, NULL},
    {"/100%25", 0, UNCLEAR, NULL},
    {"/%2525", 0, UNCLEAR, NULL},
    {"/%25zz", 0, UNCLEAR, NULL},
    {"/%254", 0, UNCLEAR, NULL},
    /* NUL and control bytes, raw or decoded. */
    {"/admin%00.html", 0, UNCLEAR, NULL},
    {"/admin\0.html", 12, UNCLEAR, NULL},
    {"/admin%2500", 0, UNCLEAR, NULL},
    {"/a%0a", 0, UNCLEAR, NULL},
    {"/a%0D%0Ab", 0, UNCLEAR, NULL},
    {"/a%09", 0, UNCLEAR, NULL},
    {"/a%1f", 0, UNCLEAR, NULL},
    {"/a%7f", 0, UNCLEAR, NULL},
    {"/a\tb", 0, UNCLEAR, NULL},
    {"/a\x7f", 0, UNCLEAR, NULL},
    {"/a\r\n", 0, UNCLEAR, NULL},
    {"\0", 1, UNCLEAR, NULL},
    /* Bytes >= 0x80 are kept as they are, never lowered. */
    {"/caf%C3%A9", 0, OK, "/caf\xc3\xa9"},
    {"/%C3%89", 0, OK, "/\xc3\x89"},
    {"/\xc3\x89t\xc3\xa9/", 0, OK, "/\xc3\x89t\xc3\xa9/"},
    {"/\xff\x80", 0, OK, "/\xff\x80"},
    {"/%e2%80%ae", 0, OK, "/\xe2\x80\xae"},
    /* Over-long UTF-8 forms of ASCII bytes. */
    {"/%c0%ae%c0%ae/admin", 0, UNCLEAR, NULL},
    {"/%C0%AF", 0, UNCLEAR, NULL},
    {"/%c1%9c", 0, UNCLEAR, NULL},
    {"/%e0%80%ae", 0, UNCLEAR, NULL},
    {"/%f0%80%80%ae", 0, UNCLEAR, NULL},
    {"/\xc0\xae\xc0\xae/admin", 0, UNCLEAR, NULL},
    {"/\xc0", 0, OK, "/\xc0"},
    /* Absolute-form. */
    {"http://host/admin/x", 0, OK, "/admin/x"},
    {"HTTP://host:8080/admin", 0, OK, "/admin"},
    {"https://user@host/Admin/", 0, OK, "/admin/"},
    {"http://host", 0, OK, "/"},
    {"http://host?x", 0, OK, "/"},
    {"http://host?x/admin", 0, OK, "/"},
    {"http://host//admin", 0, OK, "/admin"},
    {"http://host/a/../b", 0, OK, "/b"},
    {"http://host/%2e%2e/admin", 0, OK, "/admin"},
    {"http://host%2f..%2f/admin", 0, OK, "/admin"},
    {"h2c+x.y-z://host/a", 0, OK, "/a"},
    {"http://", 0, UNCLEAR, NULL},
    {"http:///admin", 0, UNCLEAR, NULL},
    {"http://host\\admin", 0, UNCLEAR, NULL},
    {"http://host\\x/admin", 0, UNCLEAR, NULL},
    {"http:/admin", 0, UNCLEAR, NULL},
    {"http:admin", 0, UNCLEAR, NULL},
    {"http//host/admin", 0, UNCLEAR, NULL},
    {"1http://host/admin", 0, UNCLEAR, NULL},
    {"://host/admin", 0, UNCLEAR, NULL},
    {"http://host#x", 0, UNCLEAR, NULL},
    {"http://ho\tst/admin", 0, UNCLEAR, NULL},
};

START_TEST(path_normalize_table)
{
    const char *in = norm_cases[_i].in;
    size_t len = norm_cases[_i].len ? norm_cases[_i].len : strlen(in);
    char *raw = malloc(len + 1);
    char out[PATH_NORM_MAX + 1];
    size_t outlen = 999;
    enum path_result res;

    /* A copy of exactly len bytes, so an over-read shows under ASan. */
    ck_assert_ptr_nonnull(raw);
    memcpy(raw, in, len);
    res = path_normalize(raw, len, out, sizeof out, &outlen);
    ck_assert_msg(res == norm_cases[_i].res, "case %d '%s': result %d", _i, in,
                  (int)res);
    if (res == PATH_OK) {
        ck_assert_msg(strcmp(out, norm_cases[_i].out) == 0,
                      "case %d '%s': got '%s', expected '%s'", _i, in, out,
                      norm_cases[_i].out);
        ck_assert_uint_eq(outlen, strlen(norm_cases[_i].out));
    } else {
        ck_assert_uint_eq(outlen, 999);
        ck_assert_int_eq(out[0], '\0');
    }
    free(raw);
}
END_TEST

/* "%" + "25" * (k - 1) + "2e" needs k decoding rounds; 8 are allowed. */
START_TEST(path_normalize_rounds)
{
    unsigned k = (unsigned)_i + 1;
    char in[64], out[PATH_NORM_MAX + 1];
    size_t n = 0, outlen = 0;
    enum path_result res;

    memcpy(in + n, "/x/%", 4);
    n += 4;
    for (unsigned i = 1; i < k; i++) {
        memcpy(in + n, "25", 2);
        n += 2;
    }
    memcpy(in + n, "2e/admin", 8);
    n += 8;
    res = path_normalize(in, n, out, sizeof out, &outlen);
    if (k <= 8) {
        ck_assert_msg(res == PATH_OK, "%u rounds refused", k);
        ck_assert_str_eq(out, "/x/admin");
    } else {
        ck_assert_msg(res == PATH_UNCLEAR, "%u rounds accepted", k);
    }
}
END_TEST

/* Lengths: PATH_NORM_MAX after normalisation, and the raw bound. */
START_TEST(path_normalize_lengths)
{
    size_t big = 4 * PATH_NORM_MAX + 64;
    char *in = malloc(big), *out = malloc(PATH_NORM_MAX + 1);
    size_t outlen = 0, n;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);

    /* Exactly PATH_NORM_MAX bytes are kept, one more is not. */
    in[0] = '/';
    memset(in + 1, 'a', PATH_NORM_MAX);
    ck_assert_int_eq(
        path_normalize(in, PATH_NORM_MAX, out, PATH_NORM_MAX + 1, &outlen),
        PATH_OK);
    ck_assert_uint_eq(outlen, PATH_NORM_MAX);
    ck_assert_uint_eq(strlen(out), PATH_NORM_MAX);
    ck_assert_int_eq(
        path_normalize(in, PATH_NORM_MAX + 1, out, PATH_NORM_MAX + 1, &outlen),
        PATH_UNCLEAR);
    ck_assert_int_eq(out[0], '\0');

    /* A trailing '/' that would make it PATH_NORM_MAX + 1. */
    in[PATH_NORM_MAX] = '/';
    ck_assert_int_eq(
        path_normalize(in, PATH_NORM_MAX + 1, out, PATH_NORM_MAX + 1, &outlen),
        PATH_UNCLEAR);

    /* Fully percent-encoded, three times as long raw: still kept. */
    in[0] = '/';
    n = 1;
    for (size_t i = 1; i < PATH_NORM_MAX; i++) {
        memcpy(in + n, "%41", 3);
        n += 3;
    }
    ck_assert_int_eq(path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen),
                     PATH_OK);
    ck_assert_uint_eq(outlen, PATH_NORM_MAX);
    ck_assert_int_eq(out[1], 'a');

    /* A long segment removed by a plain "..": the result counts. */
    in[0] = '/';
    memset(in + 1, 'a', 2 * PATH_NORM_MAX);
    n = 1 + 2 * PATH_NORM_MAX;
    memcpy(in + n, "/../b", 5);
    n += 5;
    ck_assert_int_eq(path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen),
                     PATH_OK);
    ck_assert_str_eq(out, "/b");

    /* Raw text over 4 * PATH_NORM_MAX is not looked at. */
    n = 0;
    while (n + 5 <= 4 * PATH_NORM_MAX) {
        memcpy(in + n, "/a/..", 5);
        n += 5;
    }
    ck_assert_int_eq(path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen),
                     PATH_OK);
    ck_assert_str_eq(out, "/");
    memcpy(in + n, "/a/..", 5);
    n += 5;
    ck_assert_uint_gt(n, 4 * PATH_NORM_MAX);
    ck_assert_int_eq(path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen),
                     PATH_UNCLEAR);
    /* ... unless the excess is in the query. */
    memcpy(in, "/a?", 3);
    ck_assert_int_eq(path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen),
                     PATH_OK);
    ck_assert_str_eq(out, "/a");

    free(in);
    free(out);
}
END_TEST

/* Only uri[0..n) is read; out[0..cap) only is written. */
START_TEST(path_normalize_bounds)
{
    char out[16];
    size_t outlen = 999;

    ck_assert_int_eq(path_normalize("/admin/xyz", 6, out, sizeof out, &outlen),
                     PATH_OK);
    ck_assert_str_eq(out, "/admin");
    ck_assert_uint_eq(outlen, 6);
    /* A '%' escape cut off by n is incomplete. */
    ck_assert_int_eq(path_normalize("/a%41", 4, out, sizeof out, &outlen),
                     PATH_UNCLEAR);
    /* Room for the result and its NUL is enough; one less is not. */
    ck_assert_int_eq(path_normalize("/ADMIN", 6, out, 7, &outlen), PATH_OK);
    ck_assert_str_eq(out, "/admin");
    memset(out, 'x', sizeof out);
    outlen = 999;
    ck_assert_int_eq(path_normalize("/ADMIN", 6, out, 6, &outlen),
                     PATH_UNCLEAR);
    ck_assert_int_eq(out[0], '\0');
    ck_assert_int_eq(out[6], 'x');
    ck_assert_uint_eq(outlen, 999);
    /* No room at all: nothing written. */
    out[0] = 'x';
    ck_assert_int_eq(path_normalize("/", 1, out, 0, &outlen), PATH_UNCLEAR);
    ck_assert_int_eq(out[0], 'x');
    ck_assert_int_eq(path_normalize("/", 1, NULL, 0, &outlen), PATH_UNCLEAR);
    ck_assert_int_eq(path_normalize(NULL, 0, out, sizeof out, &outlen),
                     PATH_UNCLEAR);
    ck_assert_int_eq(path_normalize(NULL, 5, out, sizeof out, &outlen),
                     PATH_UNCLEAR);
    /* outlen may be left out. */
    ck_assert_int_eq(path_normalize("/a", 2, out, sizeof out, NULL), PATH_OK);
    ck_assert_str_eq(out, "/a");
}
END_TEST

/* ------------------------------------------------------------ path_under -- */

static const struct {
    const char *pfx;
    const char *path;
    bool under;
} under_cases[] = {
    {"/admin/", "/admin", true},
    {"/admin/", "/admin/", true},
    {"/admin/", "/admin/x", true},
    {"/admin/", "/admin/x/y/", true},
    {"/admin/", "/administrator", false},
    {"/admin/", "/adm", false},
    {"/admin/", "/admi", false},
    {"/admin/", "/", false},
    {"/admin/", "/b/admin/", false},
    {"/admin/", "/admin.html", false},
    {"/admin/", "", false},
    {"/admin", "/administrator", true},
    {"/admin", "/admin", true},
    {"/admin", "/admin/", true},
    {"/admin", "/admin/x", true},
    {"/admin", "/admin.html", true},
    {"/admin", "/adm", false},
    {"/admin", "/", false},
    {"/", "/", true},
    {"/", "/anything/at/all", true},
    {"/admin/x/", "/admin/x", true},
    {"/admin/x/", "/admin/xy", false},
    {"/admin/x/", "/admin/", false},
    {"/admin/x/", "/admin", false},
    {"/a", "/b", false},
    /* Normalised paths are lower case; a rule that is not still matches. */
    {"/Admin/", "/admin/x", true},
    {"/admin/", "/ADMIN/x", true},
    /* An empty prefix is a prefix of everything. */
    {"", "/x", true},
    {"", "", true},
    /* Bytes >= 0x80 compare as they are. */
    {"/\xc3\xa9/", "/\xc3\xa9/x", true},
    {"/\xc3\xa9/", "/\xc3\x89/x", false},
};

START_TEST(path_under_table)
{
    const char *pfx = under_cases[_i].pfx, *path = under_cases[_i].path;

    ck_assert_msg(path_under(path, strlen(path), pfx, strlen(pfx)) ==
                      under_cases[_i].under,
                  "case %d: '%s' under '%s'", _i, path, pfx);
}
END_TEST

/* Lengths, not NULs, bound both sides. */
START_TEST(path_under_lengths)
{
    ck_assert(path_under("/admin/x", 6, "/admin/", 7));
    ck_assert(!path_under("/admin/x", 5, "/admin/", 7));
    ck_assert(path_under("/adminXYZ", 6, "/admin/zzz", 7));
    ck_assert(!path_under("/admin", 6, "/admin\0", 7));
    ck_assert(path_under(NULL, 0, NULL, 0));
    /* "/" covers "" the way "/admin/" covers "/admin". */
    ck_assert(path_under(NULL, 0, "/", 1));
    ck_assert(!path_under(NULL, 0, "/a", 2));
}
END_TEST

/* ------------------------------------------------------- bypass matrix -- */

/*
 * Spellings that nginx, Apache, lighttpd, Tomcat/Jetty or a backend fed the
 * raw target could read as something under /admin/. Each must be either
 * PATH_UNCLEAR (every rule applies) or normalise under "/admin/".
 */
static const struct {
    const char *in;
    size_t len;
} bypass[] = {
    {"/admin", 0},
    {"/admin/", 0},
    {"/admin/x", 0},
    {"/ADMIN/x", 0},
    {"/Admin", 0},
    {"/aDmIn/", 0},
    {"//admin/x", 0},
    {"///admin", 0},
    {"/./admin/x", 0},
    {"/x/../admin/x", 0},
    {"/../admin/x", 0},
    {"/%2e%2e/admin/", 0},
    {"/%2E%2E/admin/", 0},
    {"/.%2e/admin/", 0},
    {"/%2e./admin/", 0},
    {"/%61dmin/", 0},
    {"/%2561dmin/", 0},
    {"/%41DMIN", 0},
    {"/adm%69n/", 0},
    {"/admin%2fx", 0},
    {"/admin%2Fx", 0},
    {"/%2fadmin", 0},
    {"/%2f%2fadmin/x", 0},
    {"/admin%5cx", 0},
    {"/admin\\x", 0},
    {"/\\admin\\x", 0},
    {"/admin;jsessionid=1/x", 0},
    {"/admin;/x", 0},
    {"/admin;", 0},
    {"/admin%3b/x", 0},
    {"/;x/admin/", 0},
    {"/..;/admin/x", 0},
    {"/.;/admin/x", 0},
    {"/public/..;/admin/x", 0},
    {"/public;x/../admin/x", 0},
    {"/public/%2e%2e/admin", 0},
    {"/public/%2E%2E/admin", 0},
    {"/public/%252e%252e/admin", 0},
    {"/public/%25252e%25252e/admin", 0},
    {"/public/..%2fadmin", 0},
    {"/public/..%2Fadmin", 0},
    {"/public/..%5cadmin", 0},
    {"/public\\..\\admin", 0},
    {"/public%5c..%5cadmin", 0},
    {"/public/%2e%2e%2fadmin", 0},
    {"/public//../admin", 0},
    {"/static/..%2f..%2fadmin/", 0},
    {"/public/%c0%ae%c0%ae/admin", 0},
    {"/%c0%ae%c0%ae/admin", 0},
    {"/public/%u002e%u002e/admin", 0},
    {"/public/.../..//admin", 0},
    {"/admin%00", 0},
    {"/admin%00.html", 0},
    {"/admin\0/x", 9},
    {"/public#/../admin", 0},
    {"/public%23/../admin", 0},
    {"http://h/admin/x", 0},
    {"HTTP://H:80/ADMIN", 0},
    {"http://h//admin", 0},
    {"http://h/public/..;/admin", 0},
    {"http://h\\@x/admin", 0},
    /* A literal server keeps these under /admin/; others climb out. */
    {"/admin/..;/public", 0},
    {"/admin/%2e%2e/public", 0},
    {"/admin/..%2fpublic", 0},
    {"/admin/..%5cpublic", 0},
    {"/admin//../public", 0},
    {"/admin/x//../../public", 0},
    {"/admin/%252e%252e/public", 0},
    {"/admin/.%2e/public", 0},
    {"/admin;x/../public", 0},
};

START_TEST(path_bypass_matrix)
{
    const char *in = bypass[_i].in;
    size_t len = bypass[_i].len ? bypass[_i].len : strlen(in);
    char out[PATH_NORM_MAX + 1];
    size_t outlen = 0;
    enum path_result res = path_normalize(in, len, out, sizeof out, &outlen);

    if (res == PATH_OK)
        ck_assert_msg(path_under(out, outlen, "/admin/", 7),
                      "case %d '%s' escapes /admin/ as '%s'", _i, in, out);
}
END_TEST

/* --------------------------------------------------------- random input -- */

/* xorshift64*: the same bytes on every libc, every run. */
static uint64_t
rnd_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/* Check what every PATH_OK result promises. */
static void
check_normal_form(const char *in, size_t n, const char *out, size_t outlen)
{
    ck_assert_msg(outlen > 0 && out[0] == '/', "'%.*s': '%s'", (int)n, in, out);
    ck_assert_uint_eq(strlen(out), outlen);
    ck_assert_ptr_null(strstr(out, "//"));
    ck_assert_ptr_null(strstr(out, "/./"));
    ck_assert_ptr_null(strstr(out, "/../"));
    ck_assert_ptr_null(memchr(out, '\\', outlen));
    ck_assert_ptr_null(memchr(out, ';', outlen));
    ck_assert_ptr_null(memchr(out, '%', outlen));
    for (size_t i = 0; i < outlen; i++) {
        unsigned char c = (unsigned char)out[i];

        ck_assert_msg(!(c >= 'A' && c <= 'Z'), "upper case in '%s'", out);
        ck_assert_msg(c >= 0x20 && c != 0x7f, "control byte in '%s'", out);
    }
    ck_assert(!(outlen >= 2 && strcmp(out + outlen - 2, "/.") == 0));
    ck_assert(!(outlen >= 3 && strcmp(out + outlen - 3, "/..") == 0));
}

START_TEST(path_normalize_random)
{
    /* Mostly bytes that mean something here, some of anything. */
    static const char alphabet[] = "/\\.;%?#aAdDmMiInN2eEfF5c03:h";
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    char *out = malloc(PATH_NORM_MAX + 1), *again = malloc(PATH_NORM_MAX + 1);

    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(again);
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(rnd_next(&seed) % 48);
        char *in = malloc(n + 1);
        size_t outlen = 0, againlen = 0;
        enum path_result res;

        ck_assert_ptr_nonnull(in);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd_next(&seed);

            in[i] = r % 8 == 0 ? (char)(r >> 8 & 0xff)
                               : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        /* Half of them start like a path, so they get past the first step. */
        if (n > 0 && iter % 2 == 0)
            in[0] = '/';
        res = path_normalize(in, n, out, PATH_NORM_MAX + 1, &outlen);
        ck_assert_ptr_nonnull(memchr(out, '\0', PATH_NORM_MAX + 1));
        if (res != PATH_OK) {
            ck_assert_int_eq(res, PATH_UNCLEAR);
            ck_assert_int_eq(out[0], '\0');
            free(in);
            continue;
        }
        check_normal_form(in, n, out, outlen);
        /* A normal form is its own normal form (unless '?' or '#' came out
         * of %3f or %23: the second pass would cut there). */
        if (memchr(out, '?', outlen) == NULL &&
            memchr(out, '#', outlen) == NULL) {
            ck_assert_int_eq(path_normalize(out, outlen, again,
                                            PATH_NORM_MAX + 1, &againlen),
                             PATH_OK);
            ck_assert_str_eq(again, out);
        }
        free(in);
    }
    free(out);
    free(again);
}
END_TEST

static Suite *
path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc;

    tc = tcase_create("normalize");
    tcase_add_loop_test(tc, path_normalize_table, 0,
                        (int)(sizeof norm_cases / sizeof norm_cases[0]));
    tcase_add_loop_test(tc, path_normalize_rounds, 0, 10);
    tcase_add_test(tc, path_normalize_lengths);
    tcase_add_test(tc, path_normalize_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("under");
    tcase_add_loop_test(tc, path_under_table, 0,
                        (int)(sizeof under_cases / sizeof under_cases[0]));
    tcase_add_test(tc, path_under_lengths);
    suite_add_tcase(s, tc);

    tc = tcase_create("bypass");
    tcase_add_loop_test(tc, path_bypass_matrix, 0,
                        (int)(sizeof bypass / sizeof bypass[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, path_normalize_random);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(path_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
