#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi_loop.h"
#include "log.h"
#include "request.h"
#include "response.h"

struct worker {
    pthread_t thread;
    const struct authz_ctx *ctx;
    struct store *store;
    int listen_fd;
    unsigned id;
    bool started;
};

/* Set by the main thread when a stop signal arrived. */
static volatile sig_atomic_t loop_stopping;

static int
loop_fcgx_write(void *ctx, const char *p, size_t n)
{
    FCGX_Stream *out = ctx;

    if (n > (size_t)INT_MAX)
        return -1;
    return FCGX_PutStr(p, (int)n, out) == (int)n ? 0 : -1;
}

/*
 * At debug level, the names (never the values: they hold credentials) of
 * the parameters a server sent: what an admin needs to see what arrives.
 */
static void
loop_debug_params(char *const *envp)
{
    char names[1024];
    size_t len = 0;

    names[0] = '\0';
    for (; envp != NULL && *envp != NULL; envp++) {
        const char *eq = strchr(*envp, '=');
        size_t n = eq ? (size_t)(eq - *envp) : strlen(*envp);

        if (len + n + 2 >= sizeof names)
            break;
        if (len > 0)
            names[len++] = ' ';
        memcpy(names + len, *envp, n);
        len += n;
        names[len] = '\0';
    }
    log_msg(LOGL_DEBUG, "parameters: %s", names);
}

/* Decide on one request and write the answer to out. */
static void
loop_answer(const struct authz_ctx *ctx, struct verify_ctx *vctx,
            char *const *envp, const struct sink *out)
{
    struct request r;
    struct decision d;

    if (log_enabled(LOGL_DEBUG))
        loop_debug_params(envp);
    request_parse(&r, envp);
    authz_decide(ctx, &r, vctx, &d);
    authz_log(&d);
    if (response_write(&d, out) < 0)
        log_msg(LOGL_DEBUG, "could not write the answer: peer gone");
    util_wipe(d.user, sizeof d.user);
}

static void
loop_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void *
loop_worker(void *arg)
{
    struct worker *w = arg;
    struct verify_ctx *vctx = verify_ctx_new();
    FCGX_Request req;
    struct authz_ctx ctx;
    long backoff = 0;

    if (vctx == NULL || FCGX_InitRequest(&req, w->listen_fd, 0) != 0) {
        log_msg(LOGL_ERROR, "worker %u: out of memory", w->id);
        verify_ctx_free(vctx);
        return NULL;
    }
    while (!loop_stopping) {
        struct sink out;

        if (FCGX_Accept_r(&req) < 0) {
            if (loop_stopping)
                break;
            /*
             * accept failed for a reason libfcgi does not retry (EMFILE,
             * ENFILE, ENOMEM ...) or a peer broke the protocol: back off
             * instead of spinning, then serve again.
             */
            backoff = backoff ? (backoff * 2 > 1000 ? 1000 : backoff * 2) : 10;
            log_msg(LOGL_WARN, "worker %u: accept failed: %s", w->id,
                    strerror(errno));
            loop_sleep_ms(backoff);
            continue;
        }
        backoff = 0;
        out = (struct sink){loop_fcgx_write, req.out};
        /* One snapshot for the whole request, whatever reloads meanwhile. */
        ctx = *w->ctx;
        ctx.snap = store_acquire(w->store);
        loop_answer(&ctx, vctx, req.envp, &out);
        store_release(w->store, ctx.snap);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    verify_ctx_free(vctx);
    return NULL;
}

static unsigned
loop_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/*
 * Wait for a stop signal; call tick about once a second, and at once on
 * SIGHUP (a storm of them coalesces: the signal is pending once).
 */
static void
loop_wait_for_stop(const sigset_t *set, loop_tick_fn *tick, void *arg)
{
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(set, NULL, &ts);

        if (sig == SIGTERM || sig == SIGINT) {
            log_msg(LOGL_INFO, "signal %d: shutting down", sig);
            return;
        }
        if (tick != NULL && (sig == SIGHUP || sig < 0))
            tick(arg, sig == SIGHUP);
    }
}

int
fcgi_loop_run(int listen_fd, unsigned threads, const struct authz_ctx *ctx,
              struct store *store, loop_tick_fn *tick, void *tick_arg)
{
    struct worker *workers;
    sigset_t set, old;
    unsigned started = 0;

    if (FCGX_Init() != 0) {
        log_msg(LOGL_ERROR, "FCGX_Init failed");
        return -1;
    }
    if (threads == 0)
        threads = loop_default_threads();
    workers = calloc(threads, sizeof *workers);
    if (workers == NULL) {
        log_msg(LOGL_ERROR, "out of memory");
        return -1;
    }
    /* Workers never see the signals; the main thread takes them. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    for (unsigned i = 0; i < threads; i++) {
        workers[i] = (struct worker){
            .ctx = ctx, .store = store, .listen_fd = listen_fd, .id = i};
        if (pthread_create(&workers[i].thread, NULL, loop_worker,
                           &workers[i]) != 0) {
            log_msg(LOGL_ERROR, "cannot start worker %u: %s", i,
                    strerror(errno));
            break;
        }
        workers[i].started = true;
        started++;
    }
    if (started == 0) {
        free(workers);
        return -1;
    }
    log_msg(LOGL_INFO, "serving with %u worker threads", started);
    loop_wait_for_stop(&set, tick, tick_arg);

    /*
     * Stop: shutdown(2) on the listening socket wakes every accept(2) with
     * EINVAL, which libfcgi does not retry. Workers finish the request in
     * hand.
     */
    loop_stopping = 1;
    FCGX_ShutdownPending();
    shutdown(listen_fd, SHUT_RDWR);
    for (unsigned i = 0; i < threads; i++) {
        struct timespec ts;

        if (!workers[i].started)
            continue;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        if (pthread_timedjoin_np(workers[i].thread, NULL, &ts) != 0)
            log_msg(LOGL_WARN, "worker %u did not stop in time", i);
    }
    free(workers);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

static int
loop_stdout_write(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int
fcgi_loop_cgi(const struct authz_ctx *ctx, char *const *envp)
{
    struct verify_ctx *vctx = verify_ctx_new();
    struct sink out = {loop_stdout_write, NULL};
    int rc = 0;

    if (vctx == NULL) {
        log_msg(LOGL_ERROR, "out of memory");
        return -1;
    }
    loop_answer(ctx, vctx, envp, &out);
    if (fflush(stdout) != 0)
        rc = -1;
    verify_ctx_free(vctx);
    return rc;
}
