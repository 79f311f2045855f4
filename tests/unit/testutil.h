/*
 * testutil: what the unit suites share: temporary files and folders
 * removed at teardown, diagnostic receivers that ignore or capture, a
 * Basic credential builder, and the runner every main() ends with.
 */
#ifndef FCGI_AUTHD_TESTUTIL_H
#define FCGI_AUTHD_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "log.h"
#include "response.h"

/*
 * A fresh folder /tmp/<prefix>.XXXXXX, removed with everything in it by
 * testutil_cleanup. The path stays valid until then. Fails the test when
 * it cannot be made.
 */
const char *testutil_tmpdir(const char *prefix);

/*
 * Write len bytes of text to name inside the most recent testutil_tmpdir
 * (one named "testutil" is made on first use). Returns the path, valid
 * until testutil_cleanup (a static buffer: copy it before the next call).
 */
const char *testutil_write_file_n(const char *name, const char *text,
                                  size_t len);

/* testutil_write_file_n for a C string. */
const char *testutil_write_file(const char *name, const char *text);

/* Write len bytes of data to path (created or truncated). */
void testutil_write_path(const char *path, const char *data, size_t len);

/* name inside the most recent testutil_tmpdir, into buf (capacity cap). */
void testutil_tmp_path(char *buf, size_t cap, const char *name);

#define TESTUTIL_CAP_MAX 64

/* What testutil_capture_diag collected: counts and the first messages. */
struct testutil_capture {
    size_t n;
    size_t errors;   /* LOGL_ERROR */
    size_t warnings; /* LOGL_WARN */
    struct {
        enum log_level sev;
        char file[64];
        unsigned line;
        char msg[512];
    } d[TESTUTIL_CAP_MAX];
};

/* A diag_fn; ctx is a struct testutil_capture (zeroed by the caller). */
void testutil_capture_diag(void *ctx, enum log_level sev, const char *file,
                           unsigned line, const char *msg);

/* The index of the first captured diagnostic of severity sev, or -1. */
int testutil_capture_find(const struct testutil_capture *c, enum log_level sev);

/*
 * Make name in the most recent testutil_tmpdir as one of the things a
 * loader must refuse, its path into buf: "missing" (nothing), "dir",
 * "fifo", "bad" (a file holding the bad_len bytes of bad) or "sparse" (a
 * file of sparse_size bytes, all hole).
 */
void testutil_make_refusal(char *buf, size_t cap, const char *kind,
                           const char *bad, size_t bad_len, off_t sparse_size);

/*
 * A load failed with its error at path: at line 0 with expect in the
 * message, or, when expect is NULL, at line bad_line.
 */
void testutil_assert_load_error(const struct testutil_capture *c,
                                const char *path, const char *expect,
                                unsigned bad_line);

/* Remove every folder testutil_tmpdir made. Safe to call twice. */
void testutil_cleanup(void);

/* A diag_fn that drops everything. */
void testutil_quiet_diag(void *ctx, enum log_level sev, const char *file,
                         unsigned line, const char *msg);

/*
 * The request parameter "HTTP_AUTHORIZATION=Basic base64(cred)" into dst
 * (capacity cap). cred has n bytes and may hold NUL. Fails the test when
 * dst is too small.
 */
void testutil_basic_header(char *dst, size_t cap, const char *cred, size_t n);

/* What a struct sink wrote, kept in memory (always NUL-terminated). */
struct testutil_membuf {
    char buf[16384];
    size_t len;
    unsigned calls;
    unsigned fail_at; /* 1-based write that fails (and every later); 0: none */
};

/*
 * The write of a struct sink whose ctx is a struct testutil_membuf (zeroed
 * by the caller): {testutil_membuf_write, &m}. Fails the test when the
 * text does not fit.
 */
int testutil_membuf_write(void *ctx, const char *p, size_t n);

/*
 * From here on fd 2 writes to a temporary file, until
 * testutil_stderr_release. Not nested: a capture still open (a test that
 * failed without releasing it) is released first.
 */
void testutil_stderr_capture(void);

/*
 * fd 2 back as it was, the file removed; returns what was written
 * meanwhile (its first 8 KiB, NUL-terminated), valid until the next call.
 */
const char *testutil_stderr_release(void);

/* Run s (CK_NORMAL), free the runner: EXIT_SUCCESS when nothing failed. */
/*
 * Decide as ctx would on a request of role with "Authorization: SCHEME
 * TOK" (tok NULL: none) and AUTH_PROFILE=profile (NULL: none).
 */
struct authz_ctx;
struct decision;
struct verify_ctx;
void testutil_decide(const struct authz_ctx *ctx, struct verify_ctx *vctx,
                     struct decision *d, const char *role, const char *scheme,
                     const char *tok, const char *profile);

/* The response d makes, as text (until the next call). */
const char *testutil_render(const struct decision *d);

int testutil_run(Suite *s);

/* testutil_run, each test in a child whatever CK_FORK says. */
int testutil_run_forked(Suite *s);

#endif
