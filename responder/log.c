#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Longest log line; longer messages are cut. */
#define LOG_LINE_MAX 2048

static volatile enum log_level log_threshold = LOGL_INFO;

static const char *const log_names[] = {
    [LOGL_ERROR] = "error",
    [LOGL_WARN] = "warning",
    [LOGL_INFO] = "info",
    [LOGL_DEBUG] = "debug",
};

void
log_set_level(enum log_level level)
{
    log_threshold = level;
}

/* One write(2) per line so lines from several threads never interleave. */
static void
log_write_line(char *line, size_t len)
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
    return level <= log_threshold;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;
    int n, m;

    if (level > log_threshold)
        return;
    n = snprintf(line, sizeof line, "fcgi-authd: %s: ", log_names[level]);
    if (n < 0)
        return;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    log_write_line(line, (size_t)n + (size_t)m);
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
    for (size_t i = 0; i < show; i++) {
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
    if (b.n > show && LOG_ROOM(3)) {
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
