#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "endpoint.h"
#include "fcgi_guard.h"
#include "fcgi_loop.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "response.h"

/* Where a worker's connection stands, for the read deadline. */
enum conn_state {
    CONN_IDLE,     /* waiting in accept */
    CONN_READING,  /* accepted; the request has not all arrived */
    CONN_HANDLING, /* the request is ours: never touched by the watchdog */
};

struct worker {
    pthread_t thread;
    const struct authz_ctx *ctx;
    struct store *store;
    int listen_fd;
    unsigned id;
    bool started;
    /* Guarded by lock: the watchdog reads them from its own thread. */
    pthread_mutex_t lock;
    enum conn_state state;
    int watch_fd; /* our own dup of the connection, or -1 */
    bool kept;    /* a kept-open connection, idle between requests */
    uint64_t since_ms;
};

/* Set by the main thread when a stop signal arrived (read atomically). */
static int loop_stopping;

static bool
loop_stop_requested(void)
{
    return __atomic_load_n(&loop_stopping, __ATOMIC_ACQUIRE) != 0;
}

static void loop_sleep_ms(long ms);

/* Milliseconds a new connection may stay silent (0: no limit). */
static int loop_first_byte_ms;
/* Connections dropped for saying nothing at all. */
static unsigned long long loop_silent;
/*
 * Until then (monotonic ms), connections accepted get a 1 s deadline: the
 * watchdog just had to close stalled ones, so the backlog may hold more of
 * them, each already older than its time in our hands shows. Web servers
 * send a whole request within milliseconds; only stallers notice.
 */
static uint64_t loop_pressure_until;

/* The worker running on this thread, for the accept() below. */
static __thread struct worker *loop_self;
/* This thread's connection is kept open and no byte of a request came yet. */
static __thread bool loop_kept_idle;
/* loop_guard.begins when the connection was last given to the watchdog. */
static __thread uint64_t loop_begins_seen;
/* This thread's connection, and the watch on what its peer sends. */
static __thread int loop_conn_fd = -1;
static __thread struct fcgi_guard loop_guard;

static uint64_t
loop_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Give connection c to the watchdog until its request has arrived. */
static void
loop_watch(struct worker *w, int c, bool kept)
{
    loop_kept_idle = kept;
    /* A kept connection's stream goes on; a new one starts afresh. */
    if (!kept || c != loop_conn_fd)
        fcgi_guard_reset(&loop_guard);
    loop_begins_seen = loop_guard.begins;
    loop_conn_fd = c;
    pthread_mutex_lock(&w->lock);
    w->kept = kept;
    if (w->watch_fd >= 0)
        close(w->watch_fd);
    w->watch_fd = fcntl(c, F_DUPFD_CLOEXEC, 0);
    w->state = CONN_READING;
    w->since_ms = loop_now_ms();
    pthread_mutex_unlock(&w->lock);
}

/*
 * libfcgi's FCGX_Accept_r accepts and then reads every parameter with no
 * time limit, so one silent connection per worker would stop all
 * authentication. This accept() stands in for libc's in libfcgi (the
 * executable's definition comes first in symbol lookup) and hands the new
 * connection to the watchdog: a dup of it, so the watchdog's shutdown(2)
 * can only ever reach this connection, never a later one that reused the
 * number. It also refuses descriptors at or above FD_SETSIZE, where
 * libfcgi's FD_SET would abort the process.
 */
int accept(int fd, struct sockaddr *addr, socklen_t *len);

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct worker *w = loop_self;
    int c;

    for (;;) {
        struct pollfd p;

        c = accept4(fd, addr, len, SOCK_CLOEXEC);
        if (c < 0)
            return c;
        if (c >= FD_SETSIZE) {
            close(c);
            errno = EMFILE;
            return -1;
        }
        if (w == NULL || loop_first_byte_ms == 0)
            break;
        /*
         * A web server sends its request right after connecting. One that
         * has sent nothing after a second is dropped here already, so a
         * crowd of silent connections waiting in the backlog costs a
         * second each, not the whole deadline each.
         */
        p = (struct pollfd){c, POLLIN, 0};
        if (poll(&p, 1, loop_first_byte_ms) != 0)
            break;
        close(c);
        __atomic_add_fetch(&loop_silent, 1, __ATOMIC_RELAXED);
    }
    if (w != NULL)
        loop_watch(w, c, false);
    return c;
}

/*
 * libfcgi reads with read(2): this one stands in for libc's like accept()
 * above. What the peer sends on a worker's connection passes fcgi_guard
 * first, so libfcgi never sees a parameter length it would try to
 * allocate gigabytes for (and abort when it cannot). The first bytes of a new
 * request on a kept-open connection end its idle minute: from then on the
 * request has the normal read deadline, so a peer cannot hold a worker by
 * starting a request and stalling.
 */
ssize_t read(int fd, void *buf, size_t count);

ssize_t
read(int fd, void *buf, size_t count)
{
    ssize_t n = (ssize_t)syscall(SYS_read, fd, buf, count);

    if (n > 0 && loop_self != NULL && fd == loop_conn_fd &&
        fcgi_guard_feed(&loop_guard, buf, (size_t)n) < 0) {
        log_msg(LOGL_WARN, "closed a connection that announced a parameter "
                           "over 64 KiB or over 1 MiB of them");
        errno = ECONNRESET;
        return -1;
    }
    /*
     * Only a new request's begin record ends the idle minute: what follows
     * the last answer may be the rest of the request before it (its empty
     * STDIN record, when it came apart from the parameters), and the next
     * request may not come for a while.
     */
    if (n > 0 && loop_kept_idle && loop_self != NULL &&
        loop_guard.begins != loop_begins_seen) {
        struct worker *w = loop_self;

        loop_kept_idle = false;
        pthread_mutex_lock(&w->lock);
        w->kept = false;
        w->since_ms = loop_now_ms();
        pthread_mutex_unlock(&w->lock);
    }
    return n;
}

/* The request arrived (or accept failed): out of the watchdog's reach. */
static void
loop_unwatch(struct worker *w, enum conn_state state)
{
    pthread_mutex_lock(&w->lock);
    if (w->watch_fd >= 0)
        close(w->watch_fd);
    w->watch_fd = -1;
    w->state = state;
    pthread_mutex_unlock(&w->lock);
}

struct watchdog {
    struct worker *workers;
    unsigned n;
    int listen_fd;
    uint64_t deadline_ms; /* 0: no deadline until the stop */
    int done;             /* set once every worker has been joined */
};

/*
 * How long worker w's connection may go on reading (ms), or 0 when it must
 * be cut now. Called with w->lock held.
 */
static uint64_t
loop_limit(const struct watchdog *wd, const struct worker *w)
{
    uint64_t limit = wd->deadline_ms;

    /* Stopping: nothing may keep a worker from being joined. */
    if (loop_stop_requested())
        return 0;
    /*
     * A kept-open connection idle between requests is no staller: it may
     * rest a minute (a server's keepalive pool), then it is closed quietly.
     * Once a byte of its next request arrived, kept is false again.
     */
    if (w->kept)
        return limit > 60000 ? limit : 60000;
    if (limit == 0)
        return UINT64_MAX;
    if (w->since_ms <=
            __atomic_load_n(&loop_pressure_until, __ATOMIC_RELAXED) &&
        limit > 1000)
        limit = 1000;
    return limit;
}

/*
 * When every worker holds a connection and another one waits in the
 * backlog, the oldest kept-open idle connection gives its worker up: one
 * keepalive pool must not starve new connections for a minute.
 */
static void
loop_free_a_worker(struct watchdog *wd)
{
    struct pollfd p = {wd->listen_fd, POLLIN, 0};
    struct worker *oldest = NULL;
    uint64_t since = UINT64_MAX;

    for (unsigned i = 0; i < wd->n; i++) {
        struct worker *w = &wd->workers[i];
        bool idle;

        if (!w->started)
            continue;
        pthread_mutex_lock(&w->lock);
        idle = w->state == CONN_IDLE;
        if (w->state == CONN_READING && w->kept && w->since_ms < since) {
            since = w->since_ms;
            oldest = w;
        }
        pthread_mutex_unlock(&w->lock);
        if (idle)
            return;
    }
    if (oldest == NULL || poll(&p, 1, 0) <= 0)
        return;
    pthread_mutex_lock(&oldest->lock);
    if (oldest->state == CONN_READING && oldest->kept &&
        oldest->watch_fd >= 0) {
        shutdown(oldest->watch_fd, SHUT_RDWR);
        oldest->state = CONN_IDLE;
    }
    pthread_mutex_unlock(&oldest->lock);
}

/*
 * Every 200 ms (every 20 ms once stopping): shut down connections that
 * have not delivered their request within the deadline; their worker's
 * read ends and it serves again, or stops. Runs until every worker has
 * been joined, so a stop never waits on a silent peer.
 */
static void *
loop_watchdog(void *arg)
{
    struct watchdog *wd = arg;
    unsigned long long closed = 0, logged = 0, silent, silent_logged = 0;

    while (!__atomic_load_n(&wd->done, __ATOMIC_ACQUIRE)) {
        uint64_t now = loop_now_ms();

        for (unsigned i = 0; i < wd->n; i++) {
            struct worker *w = &wd->workers[i];

            if (!w->started)
                continue;
            pthread_mutex_lock(&w->lock);
            if (w->state == CONN_READING && w->watch_fd >= 0 &&
                now - w->since_ms >= loop_limit(wd, w)) {
                shutdown(w->watch_fd, SHUT_RDWR);
                w->state = CONN_IDLE;
                if (!w->kept && !loop_stop_requested()) {
                    closed++;
                    __atomic_store_n(&loop_pressure_until, now + 10000,
                                     __ATOMIC_RELAXED);
                }
            }
            pthread_mutex_unlock(&w->lock);
        }
        if (!loop_stop_requested())
            loop_free_a_worker(wd);
        /* Two kinds, two lines: they point at different culprits. */
        if (closed != logged) {
            log_msg(LOGL_WARN,
                    "closed %llu connection(s) that sent no complete request "
                    "within %llu ms",
                    closed - logged, (unsigned long long)wd->deadline_ms);
            logged = closed;
        }
        silent = __atomic_load_n(&loop_silent, __ATOMIC_RELAXED);
        if (silent != silent_logged) {
            log_msg(LOGL_WARN,
                    "closed %llu connection(s) that sent nothing within "
                    "%d ms of being accepted",
                    silent - silent_logged, loop_first_byte_ms);
            silent_logged = silent;
        }
        loop_sleep_ms(loop_stop_requested() ? 20 : 200);
    }
    return NULL;
}

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
    for (; envp != NULL && *envp != NULL && len + 8 < sizeof names; envp++) {
        const char *eq = strchr(*envp, '=');
        size_t n = eq ? (size_t)(eq - *envp) : strlen(*envp);

        /* A name is a peer's bytes too: quoted, so it cannot forge lines. */
        if (len > 0)
            names[len++] = ' ';
        names[len] = '\0';
        log_append_quoted(names, sizeof names, &len, (struct bytes){*envp, n},
                          64);
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
    if (endpoint_answer(ctx, &r, out))
        return;
    authz_decide(ctx, &r, vctx, &d);
    metrics_decision_by(d.status, d.reason, d.scheme, d.source);
    d.format = response_pick_format(r.accept);
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
    loop_self = w;
    while (!loop_stop_requested()) {
        struct sink out;
        int rc;

        /*
         * A connection kept open (FCGI_KEEP_CONN) is read again without an
         * accept(): watch it for the next request too.
         */
        if (req.ipcFd >= 0)
            loop_watch(w, req.ipcFd, true);
        rc = FCGX_Accept_r(&req);

        loop_unwatch(w, rc < 0 ? CONN_IDLE : CONN_HANDLING);
        if (rc < 0) {
            if (loop_stop_requested())
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
        loop_unwatch(w, CONN_IDLE);
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

/*
 * Stop: shutdown(2) on the listening socket wakes every accept(2) with
 * EINVAL, which libfcgi does not retry; the watchdog cuts connections still
 * being read. Each worker then finishes the request in hand, which is
 * bounded (a hash within the work-factor caps, a slot wait behind at most
 * the queue), and is joined for real: nothing a worker can touch is freed
 * before every worker is gone.
 */
static void
loop_stop(struct worker *workers, unsigned threads, int listen_fd)
{
    listen_notify("STOPPING=1");
    __atomic_store_n(&loop_stopping, 1, __ATOMIC_RELEASE);
    FCGX_ShutdownPending();
    shutdown(listen_fd, SHUT_RDWR);
    for (unsigned i = 0; i < threads; i++)
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
}

/*
 * Serving could not start after workers did: stop them the same way.
 * There is no watchdog, but no worker has served yet either.
 */
static void
loop_abandon(struct worker *workers, unsigned threads)
{
    loop_stop(workers, threads, workers[0].listen_fd);
    free(workers);
}

int
fcgi_loop_run(int listen_fd, unsigned threads, unsigned read_timeout,
              const struct authz_ctx *ctx, struct store *store,
              loop_tick_fn *tick, void *tick_arg)
{
    struct worker *workers;
    struct watchdog wd;
    pthread_t watchdog;
    sigset_t set, old;
    unsigned started = 0;

    __atomic_store_n(&loop_stopping, 0, __ATOMIC_RELEASE);
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
    /* Before any worker runs: they read it in accept() without a lock. */
    loop_first_byte_ms = read_timeout == 0 ? 0 : 1000;
    for (unsigned i = 0; i < threads; i++) {
        workers[i] = (struct worker){.ctx = ctx,
                                     .store = store,
                                     .listen_fd = listen_fd,
                                     .id = i,
                                     .watch_fd = -1};
        pthread_mutex_init(&workers[i].lock, NULL);
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
    listen_notify("READY=1");
    /*
     * The watchdog always runs: besides the read deadline it is what cuts
     * the connections still being read once a stop begins.
     */
    wd = (struct watchdog){workers, threads, listen_fd,
                           (uint64_t)read_timeout * 1000, 0};
    if (pthread_create(&watchdog, NULL, loop_watchdog, &wd) != 0) {
        log_msg(LOGL_ERROR, "cannot start the watchdog: %s", strerror(errno));
        loop_abandon(workers, threads);
        return -1;
    }
    loop_wait_for_stop(&set, tick, tick_arg);
    loop_stop(workers, threads, listen_fd);
    __atomic_store_n(&wd.done, 1, __ATOMIC_RELEASE);
    pthread_join(watchdog, NULL);
    for (unsigned i = 0; i < threads; i++)
        pthread_mutex_destroy(&workers[i].lock);
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
fcgi_loop_cgi(const struct authz_ctx *ctx, const struct snapshot *snap,
              char *const *envp)
{
    struct verify_ctx *vctx = verify_ctx_new();
    struct sink out = {loop_stdout_write, NULL};
    struct authz_ctx one = *ctx;
    int rc = 0;

    if (vctx == NULL) {
        log_msg(LOGL_ERROR, "out of memory");
        return -1;
    }
    one.snap = snap;
    loop_answer(&one, vctx, envp, &out);
    if (fflush(stdout) != 0)
        rc = -1;
    verify_ctx_free(vctx);
    return rc;
}
