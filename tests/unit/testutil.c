/*
 * testutil: helpers the unit suites share.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz.h"
#include "request.h"
#include "testutil.h"

/* Folders made so far; a suite needs one or two. */
#define TESTUTIL_DIRS 8

static char testutil_dirs[TESTUTIL_DIRS][64];
static size_t testutil_ndirs;
static char testutil_path[256];

const char *
testutil_tmpdir(const char *prefix)
{
    char *d;

    ck_assert_uint_lt(testutil_ndirs, TESTUTIL_DIRS);
    d = testutil_dirs[testutil_ndirs];
    ck_assert_int_lt(
        snprintf(d, sizeof testutil_dirs[0], "/tmp/%s.XXXXXX", prefix),
        (int)sizeof testutil_dirs[0]);
    ck_assert_ptr_nonnull(mkdtemp(d));
    testutil_ndirs++;
    return d;
}

void
testutil_write_path(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

void
testutil_tmp_path(char *buf, size_t cap, const char *name)
{
    if (testutil_ndirs == 0)
        testutil_tmpdir("testutil");
    ck_assert_int_lt(
        snprintf(buf, cap, "%s/%s", testutil_dirs[testutil_ndirs - 1], name),
        (int)cap);
}

const char *
testutil_write_file_n(const char *name, const char *text, size_t len)
{
    testutil_tmp_path(testutil_path, sizeof testutil_path, name);
    testutil_write_path(testutil_path, text, len);
    return testutil_path;
}

const char *
testutil_write_file(const char *name, const char *text)
{
    return testutil_write_file_n(name, text, strlen(text));
}

void
testutil_make_refusal(char *buf, size_t cap, const char *kind, const char *bad,
                      size_t bad_len, off_t sparse_size)
{
    int fd;

    testutil_tmp_path(buf, cap, kind);
    if (strcmp(kind, "dir") == 0) {
        ck_assert_int_eq(mkdir(buf, 0700), 0);
    } else if (strcmp(kind, "fifo") == 0) {
        /* The loader must not block in open() waiting for a writer. */
        ck_assert_int_eq(mkfifo(buf, 0600), 0);
    } else if (strcmp(kind, "bad") == 0) {
        testutil_write_path(buf, bad, bad_len);
    } else if (strcmp(kind, "sparse") == 0) {
        fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, sparse_size), 0);
        close(fd);
    }
}

void
testutil_assert_load_error(const struct testutil_capture *c, const char *path,
                           const char *expect, unsigned bad_line)
{
    int e = testutil_capture_find(c, LOGL_ERROR);

    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(c->d[e].file, path);
    if (expect != NULL) {
        ck_assert_uint_eq(c->d[e].line, 0);
        ck_assert_msg(strstr(c->d[e].msg, expect), "message: %s", c->d[e].msg);
    } else {
        ck_assert_uint_eq(c->d[e].line, bad_line);
    }
}

static int
testutil_remove(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
testutil_cleanup(void)
{
    while (testutil_ndirs > 0) {
        testutil_ndirs--;
        /* FTW_DEPTH: contents before the folder; FTW_PHYS: not into links. */
        nftw(testutil_dirs[testutil_ndirs], testutil_remove, 8,
             FTW_DEPTH | FTW_PHYS);
    }
}

void
testutil_quiet_diag(void *ctx, enum log_level sev, const char *file,
                    unsigned line, const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)file;
    (void)line;
    (void)msg;
}

void
testutil_capture_diag(void *ctx, enum log_level sev, const char *file,
                      unsigned line, const char *msg)
{
    struct testutil_capture *c = ctx;

    if (sev == LOGL_ERROR)
        c->errors++;
    else if (sev == LOGL_WARN)
        c->warnings++;
    if (c->n == TESTUTIL_CAP_MAX)
        return;
    c->d[c->n].sev = sev;
    snprintf(c->d[c->n].file, sizeof c->d[c->n].file, "%s", file ? file : "");
    c->d[c->n].line = line;
    snprintf(c->d[c->n].msg, sizeof c->d[c->n].msg, "%s", msg);
    c->n++;
}

int
testutil_capture_find(const struct testutil_capture *c, enum log_level sev)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->d[i].sev == sev)
            return (int)i;
    return -1;
}

void
testutil_basic_header(char *dst, size_t cap, const char *cred, size_t n)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int k = snprintf(dst, cap, "HTTP_AUTHORIZATION=Basic ");
    const unsigned char *p = (const unsigned char *)cred;
    size_t o;

    ck_assert(k > 0 && (size_t)k < cap);
    o = (size_t)k;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        ck_assert_uint_lt(o + 4, cap);
        dst[o++] = al[(v >> 18) & 63];
        dst[o++] = al[(v >> 12) & 63];
        dst[o++] = i + 1 < n ? al[(v >> 6) & 63] : '=';
        dst[o++] = i + 2 < n ? al[v & 63] : '=';
    }
    dst[o] = '\0';
}

int
testutil_membuf_write(void *ctx, const char *p, size_t n)
{
    struct testutil_membuf *m = ctx;

    m->calls++;
    if (m->fail_at != 0 && m->calls >= m->fail_at)
        return -1;
    ck_assert_uint_le(n, sizeof m->buf - 1 - m->len);
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    m->buf[m->len] = '\0';
    return 0;
}

static int testutil_saved_stderr = -1;
static char testutil_stderr_path[64];
static char testutil_stderr_text[8192];

void
testutil_stderr_capture(void)
{
    int fd;

    /* One a failed test left open (CK_FORK=no) ends here. */
    if (testutil_saved_stderr >= 0)
        (void)testutil_stderr_release();
    snprintf(testutil_stderr_path, sizeof testutil_stderr_path,
             "/tmp/testutil-stderr.XXXXXX");
    fd = mkstemp(testutil_stderr_path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    testutil_saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(testutil_saved_stderr, 0);
    ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

const char *
testutil_stderr_release(void)
{
    ssize_t n;
    int fd;

    ck_assert_int_ge(testutil_saved_stderr, 0);
    fflush(stderr);
    ck_assert_int_eq(dup2(testutil_saved_stderr, STDERR_FILENO), STDERR_FILENO);
    close(testutil_saved_stderr);
    testutil_saved_stderr = -1;
    fd = open(testutil_stderr_path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    n = read(fd, testutil_stderr_text, sizeof testutil_stderr_text - 1);
    ck_assert_int_ge(n, 0);
    testutil_stderr_text[n] = '\0';
    close(fd);
    unlink(testutil_stderr_path);
    return testutil_stderr_text;
}

static int
testutil_run_with(Suite *s, bool fork)
{
    SRunner *sr = srunner_create(s);
    int failed;

    if (fork)
        srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
testutil_run(Suite *s)
{
    return testutil_run_with(s, false);
}

int
testutil_run_forked(Suite *s)
{
    return testutil_run_with(s, true);
}

void
testutil_decide(const struct authz_ctx *ctx, struct verify_ctx *vctx,
                struct decision *d, const char *role, const char *scheme,
                const char *tok, const char *profile)
{
    char auth[8192], prof[64], rl[64];
    char *envp[4];
    size_t n = 0;
    struct request r;

    snprintf(rl, sizeof rl, "FCGI_ROLE=%s", role);
    envp[n++] = rl;
    if (tok != NULL) {
        snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=%s %s", scheme, tok);
        envp[n++] = auth;
    }
    if (profile != NULL) {
        snprintf(prof, sizeof prof, "AUTH_PROFILE=%s", profile);
        envp[n++] = prof;
    }
    envp[n] = NULL;
    request_parse(&r, envp);
    authz_decide(ctx, &r, vctx, d);
}

const char *
testutil_render(const struct decision *d)
{
    static struct testutil_membuf m;
    struct sink out = {testutil_membuf_write, &m};

    memset(&m, 0, sizeof m);
    ck_assert_int_eq(response_write(d, &out), 0);
    return m.buf;
}
