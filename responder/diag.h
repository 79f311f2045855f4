/*
 * diag: the one reporter of the loaders of files the admin writes (user
 * and group files, the configuration, the snapshot built from them). It
 * formats a message, hands it to a diag_fn (log.h) with the file and
 * line, counts errors and warnings, and can cap how many of each are
 * shown so a file of a million bad lines does not flood the log.
 */
#ifndef FCGI_AUTHD_DIAG_H
#define FCGI_AUTHD_DIAG_H

#include <stddef.h>

#include "log.h"

/* Longest message passed on; a longer one is cut. */
#define DIAG_MSG_MAX 512

struct diag {
    diag_fn *fn; /* NULL: count only */
    void *ctx;
    const char *file; /* the file diag_report names */
    size_t shown_max; /* of each severity; 0: no cap */
    size_t errors;    /* LOGL_ERROR reports, shown or not */
    size_t warnings;  /* every other severity */
};

/*
 * Start reporting to fn(ctx, ...) about file (NULL: the command line, as
 * log_diag says), showing at most shown_max messages of each severity
 * (0: all). Counts start at 0.
 */
void diag_init(struct diag *d, diag_fn *fn, void *ctx, const char *file,
               size_t shown_max);

/*
 * Count one problem of severity sev at line (0: the whole file) of
 * d->file and, unless the cap is reached, pass the formatted message on.
 * Messages must never contain secrets.
 */
void diag_report(struct diag *d, enum log_level sev, unsigned line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* diag_report about another file (NULL: d->file). */
void diag_report_at(struct diag *d, enum log_level sev, const char *file,
                    unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Say how many messages the cap left out ("N more errors not shown",
 * line 0), once per severity that went over it. Call at the end.
 */
void diag_finish(struct diag *d);

#endif
