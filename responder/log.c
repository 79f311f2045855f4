#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Longest log line; longer messages are cut. */
#define LOG_LINE_MAX 2048

/* Set at start-up (and by tests while a loop runs): read atomically. */
static enum log_level log_threshold = LOGL_INFO;

static const char *const log_names[] = {
    [LOGL_ERROR] = "error",
    [LOGL_WARN] = "warning",
    [LOGL_INFO] = "info",
    [LOGL_DEBUG] = "debug",
};

void
log_set_level(enum log_level level)
{
    __atomic_store_n(&log_threshold, level, __ATOMIC_RELAXED);
}

/* journald reads "<N>" in front of a line as its priority. */
static const char log_journal_prio[] = {
    [LOGL_ERROR] = '3',
    [LOGL_WARN] = '4',
    [LOGL_INFO] = '6',
    [LOGL_DEBUG] = '7',
};
static const int log_syslog_prio[] = {
    [LOGL_ERROR] = LOG_ERR,
    [LOGL_WARN] = LOG_WARNING,
    [LOGL_INFO] = LOG_INFO,
    [LOGL_DEBUG] = LOG_DEBUG,
};

/* stderr is the journal (JOURNAL_STREAM names its device and inode). */
static bool log_journal;
/* Also to syslog (LOG_AUTHPRIV): where stderr goes nowhere (spawn-fcgi). */
static bool log_to_syslog;

bool
log_stderr_is_void(void)
{
    struct stat err, null;

    if (fstat(STDERR_FILENO, &err) != 0)
        return true;
    return stat("/dev/null", &null) == 0 && err.st_rdev == null.st_rdev &&
           S_ISCHR(err.st_mode) && err.st_ino == null.st_ino &&
           err.st_dev == null.st_dev;
}

void
log_setup(int use_syslog)
{
    bool automatic = use_syslog < 0 && log_stderr_is_void();
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    log_journal = js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
                  fstat(STDERR_FILENO, &st) == 0 &&
                  (unsigned long long)st.st_dev == dev &&
                  (unsigned long long)st.st_ino == ino;
    log_to_syslog = use_syslog > 0 || automatic;
    if (log_to_syslog)
        openlog("fcgi-authd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
    if (automatic)
        log_msg(LOGL_INFO, "stderr is /dev/null or closed: logging to "
                           "syslog (facility authpriv); set log_syslog = no "
                           "to stop");
}

/* One write(2) per line so lines from several threads never interleave. */
static void
log_write_stderr(char *line, size_t len)
{
    size_t off = 0;

    if (len >= LOG_LINE_MAX)
        len = LOG_LINE_MAX - 1;
    line[len++] = '\n';
    while (off < len) {
        ssize_t w = write(STDERR_FILENO, line + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

bool
log_enabled(enum log_level level)
{
    return level <= __atomic_load_n(&log_threshold, __ATOMIC_RELAXED);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;
    int n, m;

    if (level > __atomic_load_n(&log_threshold, __ATOMIC_RELAXED))
        return;
    if (log_journal)
        n = snprintf(line, sizeof line,
                     "<%c>fcgi-authd: %s: ", log_journal_prio[level],
                     log_names[level]);
    else
        n = snprintf(line, sizeof line, "fcgi-authd: %s: ", log_names[level]);
    if (n < 0)
        return;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    /* syslog adds the name and pid itself. */
    if (log_to_syslog)
        syslog(log_syslog_prio[level], "%s: %s", log_names[level], line + n);
    log_write_stderr(line, (size_t)n + (size_t)m);
}

void
log_append_quoted(char *dst, size_t cap, size_t *len, struct bytes b,
                  size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = *len;
    size_t show = b.n > max ? max : b.n;

    /* Room for the worst case of one more byte, "...", the quote and NUL. */
#define LOG_ROOM(k) (o + (k) + 5 < cap)
    if (cap == 0 || o >= cap)
        return;
    if (LOG_ROOM(0))
        dst[o++] = '"';
    size_t i;

    for (i = 0; i < show; i++) {
        unsigned char c = (unsigned char)b.p[i];

        if (c == '"' || c == '\\') {
            if (!LOG_ROOM(2))
                break;
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            if (!LOG_ROOM(4))
                break;
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 0x0f];
        } else {
            if (!LOG_ROOM(1))
                break;
            dst[o++] = (char)c;
        }
    }
    /* Cut by max or by the room left: either way, say it was cut. */
    if (i < b.n && o + 5 <= cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    if (o + 1 < cap)
        dst[o++] = '"';
#undef LOG_ROOM
    dst[o] = '\0';
    *len = o;
}

void
log_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
         const char *msg)
{
    (void)ctx;
    if (line > 0)
        log_msg(sev, "%s:%u: %s", file ? file : "command line", line, msg);
    else
        log_msg(sev, "%s: %s", file ? file : "command line", msg);
}

/*
 * Decision lines, at most log_rate a second (a token bucket): a flood of
 * guesses must not flood the disk or the journal. What is dropped is
 * counted and reported when lines flow again; regulation bans and fail2ban
 * still see the first log_rate lines of every second.
 */
static pthread_mutex_t log_rate_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned log_rate = 200;
static double log_tokens = 200;
static struct timespec log_last;
static unsigned long long log_dropped;

void
log_set_rate(unsigned per_second)
{
    pthread_mutex_lock(&log_rate_lock);
    log_rate = per_second;
    log_tokens = per_second;
    pthread_mutex_unlock(&log_rate_lock);
}

static void
log_say_dropped(unsigned long long dropped)
{
    if (dropped > 0)
        log_msg(LOGL_WARN,
                "%llu decision lines not logged (more than %u a second)",
                dropped, log_rate);
}

void
log_flush_dropped(void)
{
    unsigned long long dropped;

    pthread_mutex_lock(&log_rate_lock);
    dropped = log_dropped;
    log_dropped = 0;
    pthread_mutex_unlock(&log_rate_lock);
    log_say_dropped(dropped);
}

bool
log_decision_allowed(void)
{
    struct timespec now;
    unsigned long long dropped = 0;
    bool ok;

    if (log_rate == 0)
        return true;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&log_rate_lock);
    log_tokens += (double)(now.tv_sec - log_last.tv_sec) * log_rate +
                  (double)(now.tv_nsec - log_last.tv_nsec) / 1e9 * log_rate;
    if (log_tokens > log_rate)
        log_tokens = log_rate;
    log_last = now;
    ok = log_tokens >= 1;
    if (ok) {
        log_tokens -= 1;
        dropped = log_dropped;
        log_dropped = 0;
    } else {
        log_dropped++;
    }
    pthread_mutex_unlock(&log_rate_lock);
    log_say_dropped(dropped);
    return ok;
}
