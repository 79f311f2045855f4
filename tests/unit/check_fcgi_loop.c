/*
 * check_fcgi_loop: the transport over a real socket, spoken to with
 * FastCGI records built by hand (no libfcgi on this side): split and long
 * parameters, keep-alive, and peers that break the protocol, after which
 * the loop must still serve the next request.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fcgi_loop.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "testutil.h"
#include "verify.h"

/* FastCGI 1.0 record types, roles and flags. */
enum {
    FCGI_BEGIN_REQUEST = 1,
    FCGI_ABORT_REQUEST = 2,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_RESPONDER = 1,
    FCGI_AUTHORIZER = 2,
    FCGI_KEEP_CONN = 1,
};

/* Every wait of the client is bounded by this. */
#define IO_TIMEOUT_MS 5000

/* "alice:secret" */
#define ALICE_SHA "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="

/* --------------------------------------------------------- the server -- */

static struct conf conf;
static struct store *store;
static struct authz_ctx actx;
static char sock_path[108];
static int listen_fd = -1;
static pthread_t loop_thread;
static int loop_rc = -2;

static void *
loop_main(void *arg)
{
    (void)arg;
    loop_rc = fcgi_loop_run(listen_fd, 2, 5, &actx, store, NULL, NULL);
    return NULL;
}

static void
block_stop_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
}

static void
setup(void)
{
    char users[256];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    testutil_tmpdir("check_fcgi_loop");
    snprintf(users, sizeof users, "%s",
             testutil_write_file("users", "alice:" ALICE_SHA "\n"));
    conf_init(&conf);
    ck_assert_int_eq(
        conf_set(&conf, "user_file", users, NULL, 0, testutil_quiet_diag, NULL),
        0);
    ck_assert_int_eq(verify_dummy_init(), 0);
    store = store_new(snapshot_load(&conf, testutil_quiet_diag, NULL),
                      snapshot_free_obj);
    ck_assert_ptr_nonnull(store);
    actx = (struct authz_ctx){NULL, NULL, NULL, NULL, NULL};
    log_set_level(LOGL_WARN); /* no decision lines in the test output */

    testutil_tmp_path(sock_path, sizeof sock_path, "sock");
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(listen_fd, 0);
    ck_assert_int_eq(bind(listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(listen_fd, 16), 0);

    /* Blocked here, so the loop's sigtimedwait is the only taker. */
    block_stop_signals();
    ck_assert_int_eq(pthread_create(&loop_thread, NULL, loop_main, NULL), 0);
}

static void
teardown(void)
{
    ck_assert_int_eq(pthread_kill(loop_thread, SIGTERM), 0);
    ck_assert_int_eq(pthread_join(loop_thread, NULL), 0);
    ck_assert_int_eq(loop_rc, 0);
    close(listen_fd);
    store_free(store);
    conf_free(&conf);
    testutil_cleanup();
}

/* --------------------------------------------------------- the client -- */

struct rec {
    unsigned char b[16384];
    size_t n;
};

static void
put(struct rec *r, const void *p, size_t n)
{
    ck_assert_uint_le(r->n + n, sizeof r->b);
    if (n == 0) /* an empty record's content may be NULL */
        return;
    memcpy(r->b + r->n, p, n);
    r->n += n;
}

/* One record header + content, padded to 8 bytes as servers send them. */
static void
put_record(struct rec *r, unsigned version, unsigned type, unsigned id,
           const void *content, size_t len)
{
    static const unsigned char zeros[8];
    unsigned pad = (unsigned)((8 - len % 8) % 8);
    unsigned char h[8] = {(unsigned char)version,    (unsigned char)type,
                          (unsigned char)(id >> 8),  (unsigned char)id,
                          (unsigned char)(len >> 8), (unsigned char)len,
                          (unsigned char)pad,        0};

    ck_assert_uint_lt(len, 65536);
    put(r, h, sizeof h);
    put(r, content, len);
    put(r, zeros, pad);
}

static void
put_begin(struct rec *r, unsigned version, unsigned id, unsigned role,
          unsigned flags)
{
    unsigned char body[8] = {(unsigned char)(role >> 8), (unsigned char)role,
                             (unsigned char)flags};

    put_record(r, version, FCGI_BEGIN_REQUEST, id, body, sizeof body);
}

/* A name-value length: one byte below 128, else (or when long) four. */
static void
put_nv_length(struct rec *r, size_t n, bool long_form)
{
    unsigned char b[4] = {(unsigned char)((n >> 24) | 0x80),
                          (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                          (unsigned char)n};

    if (n < 128 && !long_form) {
        b[0] = (unsigned char)n;
        put(r, b, 1);
    } else {
        put(r, b, 4);
    }
}

/* "NAME=value" as one name-value pair into r (no record header). */
static void
put_nv(struct rec *r, const char *kv, bool long_form)
{
    const char *eq = strchr(kv, '=');

    ck_assert_ptr_nonnull(eq);
    put_nv_length(r, (size_t)(eq - kv), long_form);
    put_nv_length(r, strlen(eq + 1), long_form);
    put(r, kv, (size_t)(eq - kv));
    put(r, eq + 1, strlen(eq + 1));
}

/* The Authorization parameter of alice with her password. */
static const char *
alice(void)
{
    static char hdr[128];

    testutil_basic_header(hdr, sizeof hdr, "alice:secret", 12);
    return hdr;
}

/*
 * A whole request: BEGIN, the parameters in PARAMS records of at most
 * chunk bytes each, the empty PARAMS and the empty STDIN.
 */
static void
put_request(struct rec *r, unsigned id, unsigned role, unsigned flags,
            const char *const *params, size_t chunk, bool long_form)
{
    struct rec nv = {.n = 0};

    put_begin(r, 1, id, role, flags);
    for (size_t i = 0; params[i] != NULL; i++)
        put_nv(&nv, params[i], long_form);
    for (size_t off = 0; off < nv.n; off += chunk) {
        size_t k = nv.n - off < chunk ? nv.n - off : chunk;

        put_record(r, 1, FCGI_PARAMS, id, nv.b + off, k);
    }
    put_record(r, 1, FCGI_PARAMS, id, NULL, 0);
    put_record(r, 1, FCGI_STDIN, id, NULL, 0);
}

static int
connect_loop(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void
send_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        ck_assert_int_gt(w, 0);
        b += w;
        n -= (size_t)w;
    }
}

/* Exactly n bytes within the timeout: 1, 0 on EOF first, -1 on timeout. */
static int
recv_exact(int fd, unsigned char *p, size_t n)
{
    while (n > 0) {
        struct pollfd pf = {fd, POLLIN, 0};
        int rc = poll(&pf, 1, IO_TIMEOUT_MS);
        ssize_t k;

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        k = recv(fd, p, n, 0);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

/*
 * Read records until the END_REQUEST of id; the STDOUT stream into out
 * (NUL-terminated). Returns 1 when the request ended, 0 on EOF, -1 on
 * timeout.
 */
static int
read_reply(int fd, unsigned id, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (;;) {
        unsigned char h[8], body[65536 + 256];
        size_t clen, plen;
        int rc = recv_exact(fd, h, sizeof h);

        if (rc <= 0)
            return rc;
        ck_assert_uint_eq(h[0], 1);
        clen = (size_t)h[4] << 8 | h[5];
        plen = h[6];
        rc = recv_exact(fd, body, clen + plen);
        if (rc <= 0)
            return rc;
        if (((unsigned)h[2] << 8 | h[3]) != id)
            continue;
        if (h[1] == FCGI_STDOUT) {
            ck_assert_uint_lt(len + clen, cap);
            memcpy(out + len, body, clen);
            len += clen;
            out[len] = '\0';
        } else if (h[1] == FCGI_END_REQUEST) {
            return 1;
        }
    }
}

/* The connection was closed by the loop (EOF within the timeout). */
static void
assert_closed(int fd)
{
    char out[4096];

    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 0);
}

static void
assert_allowed(const char *out)
{
    ck_assert_msg(strstr(out, "Status: 200") != NULL, "reply: %s", out);
    ck_assert_msg(strstr(out, "Variable-REMOTE_USER: alice\r\n") != NULL,
                  "reply: %s", out);
}

/* One good request on a connection of its own, answered 200. */
static void
assert_serves(unsigned role)
{
    const char *params[] = {alice(), "REQUEST_URI=/", NULL};
    struct rec r = {.n = 0};
    char out[4096];
    int fd = connect_loop();

    put_request(&r, 1, role, 0, params, 4096, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    assert_allowed(out);
    close(fd);
}

/* -------------------------------------------------------------- cases -- */

START_TEST(fcgi_loop_responder_allowed)
{
    assert_serves(FCGI_RESPONDER);
}
END_TEST

START_TEST(fcgi_loop_authorizer_allowed)
{
    assert_serves(FCGI_AUTHORIZER);
}
END_TEST

START_TEST(fcgi_loop_wrong_password_denied)
{
    char hdr[128], out[4096];
    const char *params[] = {hdr, "REQUEST_URI=/", NULL};
    struct rec r = {.n = 0};
    int fd = connect_loop();

    testutil_basic_header(hdr, sizeof hdr, "alice:wrong", 11);
    put_request(&r, 1, FCGI_AUTHORIZER, 0, params, 4096, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "Status: 401") != NULL, "reply: %s", out);
    ck_assert_ptr_null(strstr(out, "REMOTE_USER"));
    close(fd);
}
END_TEST

/* Parameters cut anywhere across PARAMS records, even inside a length. */
START_TEST(fcgi_loop_params_split)
{
    const char *params[] = {alice(), "REQUEST_URI=/", "HTTP_HOST=example.org",
                            NULL};
    struct rec r = {.n = 0};
    char out[4096];
    int fd = connect_loop();

    put_request(&r, 1, FCGI_AUTHORIZER, 0, params, 3, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    assert_allowed(out);
    close(fd);
}
END_TEST

/* Every length in the four-byte form, and a value that needs it. */
START_TEST(fcgi_loop_four_byte_lengths)
{
    static char uri[400];
    const char *params[] = {alice(), uri, NULL};
    struct rec r = {.n = 0};
    char out[4096];
    int fd = connect_loop();

    memcpy(uri, "REQUEST_URI=/", 13);
    memset(uri + 13, 'a', 300);
    put_request(&r, 1, FCGI_AUTHORIZER, 0, params, 4096, true);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    assert_allowed(out);
    close(fd);
}
END_TEST

/* A peer that closes in the middle of a record costs only its connection. */
START_TEST(fcgi_loop_truncated_record)
{
    const char *params[] = {alice(), "REQUEST_URI=/", NULL};
    struct rec r = {.n = 0};
    int fd = connect_loop();

    put_request(&r, 1, FCGI_AUTHORIZER, 0, params, 4096, false);
    /* BEGIN (16 bytes) and half of the first PARAMS header. */
    send_all(fd, r.b, 20);
    close(fd);
    fd = connect_loop();
    /* Mid-content this time: the header promises more than comes. */
    send_all(fd, r.b, 30);
    shutdown(fd, SHUT_WR);
    assert_closed(fd);
    close(fd);
    assert_serves(FCGI_AUTHORIZER);
}
END_TEST

/* ABORT_REQUEST right after BEGIN: no crash, the next request is served. */
START_TEST(fcgi_loop_abort_after_begin)
{
    const char *params[] = {alice(), "REQUEST_URI=/", NULL};
    struct rec r = {.n = 0};
    char out[4096];
    int fd = connect_loop();

    put_begin(&r, 1, 1, FCGI_AUTHORIZER, 0);
    put_record(&r, 1, FCGI_ABORT_REQUEST, 1, NULL, 0);
    send_all(fd, r.b, r.n);
    shutdown(fd, SHUT_WR);
    /* Answered or closed, but within the timeout. */
    ck_assert_int_ge(read_reply(fd, 1, out, sizeof out), 0);
    close(fd);
    r.n = 0;
    fd = connect_loop();
    put_begin(&r, 1, 1, FCGI_AUTHORIZER, FCGI_KEEP_CONN);
    put_record(&r, 1, FCGI_ABORT_REQUEST, 1, NULL, 0);
    send_all(fd, r.b, r.n);
    /* With the connection kept, a whole request after the abort. */
    r.n = 0;
    put_request(&r, 2, FCGI_AUTHORIZER, 0, params, 4096, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_ge(read_reply(fd, 2, out, sizeof out), 0);
    close(fd);
    assert_serves(FCGI_AUTHORIZER);
}
END_TEST

/* FCGI_KEEP_CONN: two requests on one connection, both answered. */
START_TEST(fcgi_loop_keep_conn)
{
    const char *params[] = {alice(), "REQUEST_URI=/", NULL};
    struct rec r = {.n = 0};
    char out[4096];
    int fd = connect_loop();

    put_request(&r, 1, FCGI_AUTHORIZER, FCGI_KEEP_CONN, params, 4096, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    assert_allowed(out);
    r.n = 0;
    put_request(&r, 2, FCGI_AUTHORIZER, 0, params, 4096, false);
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 2, out, sizeof out), 1);
    assert_allowed(out);
    /* Without KEEP_CONN on the second, the loop closes after it. */
    assert_closed(fd);
    close(fd);
}
END_TEST

/*
 * At debug level the parameter names are logged, quoted: a name is the
 * peer's bytes and must not forge a line of its own. Values never are.
 */
START_TEST(fcgi_loop_debug_names_quoted)
{
    const char *params[] = {alice(), "REQUEST_URI=/secret-path", "X\"Y=quoted",
                            "A\nfcgi-authd: error: forged=1", NULL};
    struct rec r = {.n = 0};
    char out[4096];
    const char *log;
    int fd = connect_loop();

    put_request(&r, 1, FCGI_AUTHORIZER, 0, params, 4096, false);
    log_set_level(LOGL_DEBUG);
    testutil_stderr_capture();
    send_all(fd, r.b, r.n);
    ck_assert_int_eq(read_reply(fd, 1, out, sizeof out), 1);
    log = testutil_stderr_release();
    log_set_level(LOGL_WARN);
    close(fd);
    assert_allowed(out);
    ck_assert_msg(strstr(log, "debug: parameters: \"FCGI_ROLE\" "
                              "\"HTTP_AUTHORIZATION\" \"REQUEST_URI\" "
                              "\"X\\\"Y\" "
                              "\"A\\x0afcgi-authd: error: forged\"\n") != NULL,
                  "log: %s", log);
    ck_assert_msg(strstr(log, "\nfcgi-authd: error: forged") == NULL, "log: %s",
                  log);
    ck_assert_ptr_null(strstr(log, alice() + strlen("HTTP_AUTHORIZATION=")));
    ck_assert_ptr_null(strstr(log, "quoted"));
}
END_TEST

/* A version byte other than 1 closes that connection, not the loop. */
START_TEST(fcgi_loop_wrong_version)
{
    struct rec r = {.n = 0};
    int fd = connect_loop();

    put_begin(&r, 2, 1, FCGI_AUTHORIZER, 0);
    send_all(fd, r.b, r.n);
    assert_closed(fd);
    close(fd);
    assert_serves(FCGI_AUTHORIZER);
}
END_TEST

/*
 * Lengths of 0x3fffffff for a name and a value (the CVE-2025-23016 patch
 * lets their sum through): libfcgi would allocate 2 GiB and abort when it
 * cannot. fcgi_guard closes the connection first; the loop serves on. The
 * address space is capped (in the forked test only) so that the old
 * behaviour aborts here too: 1 GiB above what the process maps already.
 */
START_TEST(fcgi_loop_huge_param_lengths)
{
    static const unsigned char pair[8] = {0xbf, 0xff, 0xff, 0xff,
                                          0xbf, 0xff, 0xff, 0xff};
    const char *fork_mode = getenv("CK_FORK");
    struct rec r = {.n = 0};
    int fd;

    if (fork_mode == NULL || strcmp(fork_mode, "no") != 0) {
        /* What the process maps now (threads, arenas), plus 1 GiB. */
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        struct rlimit rl;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
        fclose(f);
        rl.rlim_cur = rl.rlim_max =
            (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)1 << 30);
        ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
    }
    fd = connect_loop();
    put_begin(&r, 1, 1, FCGI_AUTHORIZER, 0);
    put_record(&r, 1, 4, 1, pair, sizeof pair);
    send_all(fd, r.b, r.n);
    assert_closed(fd);
    close(fd);
    assert_serves(FCGI_AUTHORIZER);
}
END_TEST

static Suite *
fcgi_loop_suite(void)
{
    Suite *s = suite_create("fcgi_loop");
    TCase *tc = tcase_create("socket");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, fcgi_loop_responder_allowed);
    tcase_add_test(tc, fcgi_loop_authorizer_allowed);
    tcase_add_test(tc, fcgi_loop_wrong_password_denied);
    tcase_add_test(tc, fcgi_loop_params_split);
    tcase_add_test(tc, fcgi_loop_four_byte_lengths);
    tcase_add_test(tc, fcgi_loop_truncated_record);
    tcase_add_test(tc, fcgi_loop_abort_after_begin);
    tcase_add_test(tc, fcgi_loop_keep_conn);
    tcase_add_test(tc, fcgi_loop_debug_names_quoted);
    tcase_add_test(tc, fcgi_loop_wrong_version);
    tcase_add_test(tc, fcgi_loop_huge_param_lengths);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /*
     * XXX: fcgi_loop_run runs once a process: its stop flag is never
     * cleared, so a second run in the same process starts workers that
     * quit at once. Each test gets a process of its own even with
     * CK_FORK=no (valgrind follows the fork).
     */
    return testutil_run_forked(fcgi_loop_suite());
}
