/*
 * log: diagnostics and decision lines on stderr.
 */
#ifndef FCGI_AUTHD_LOG_H
#define FCGI_AUTHD_LOG_H

#include <stdbool.h>

#include "util.h"

enum log_level {
    LOGL_ERROR,
    LOGL_WARN,
    LOGL_INFO,
    LOGL_DEBUG,
};

/* Messages above this level are dropped (default LOGL_INFO). */
void log_set_level(enum log_level level);

/*
 * Where lines go: stderr always (with journald's "<N>" priority prefixes
 * when JOURNAL_STREAM says stderr is the journal), and syslog (facility
 * authpriv) too when use_syslog is 1, or when it is -1 ("auto") and stderr
 * is /dev/null or closed: under spawn-fcgi every line would vanish. The
 * first line then says so, in syslog. Call once at start-up.
 */
void log_setup(int use_syslog);

/* True when stderr is closed or is /dev/null (the same device and inode). */
bool log_stderr_is_void(void);

/* At most per_second decision lines (0: no limit; default 200). */
void log_set_rate(unsigned per_second);

/* Whether a decision line may be written now (counts the ones dropped). */
bool log_decision_allowed(void);

/* Say how many decision lines were dropped since the last said (at exit). */
void log_flush_dropped(void);

/* True when messages of this level are written. */
bool log_enabled(enum log_level level);

/* One line "fcgi-authd: <level>: <message>" on stderr, written whole. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Append b to dst (capacity cap, already holding *len bytes, always kept
 * NUL-terminated) as a quoted string: '"' and '\' are escaped, bytes outside
 * printable ASCII become \xNN, and at most max input bytes are shown (a
 * longer value ends in "..."). Used for every peer-supplied text in a log.
 */
void log_append_quoted(char *dst, size_t cap, size_t *len, struct bytes b,
                       size_t max);

/*
 * A receiver for diagnostics about a file the admin wrote: severity, file
 * name, 1-based line (0: the whole file) and a message that never contains
 * secrets. log_diag is the default: it writes "file:line: message".
 */
typedef void diag_fn(void *ctx, enum log_level sev, const char *file,
                     unsigned line, const char *msg);
void log_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
              const char *msg);

#endif
