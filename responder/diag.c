#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

void
diag_init(struct diag *d, diag_fn *fn, void *ctx, const char *file,
          size_t shown_max)
{
    *d = (struct diag){fn, ctx, file, shown_max, 0, 0};
}

static void diag_vreport(struct diag *d, enum log_level sev, const char *file,
                         unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void
diag_vreport(struct diag *d, enum log_level sev, const char *file,
             unsigned line, const char *fmt, va_list ap)
{
    size_t *count = sev == LOGL_ERROR ? &d->errors : &d->warnings;
    char msg[DIAG_MSG_MAX];

    ++*count;
    if (d->fn == NULL || (d->shown_max != 0 && *count > d->shown_max))
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    d->fn(d->ctx, sev, file, line, msg);
}

void
diag_report(struct diag *d, enum log_level sev, unsigned line, const char *fmt,
            ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vreport(d, sev, d->file, line, fmt, ap);
    va_end(ap);
}

void
diag_report_at(struct diag *d, enum log_level sev, const char *file,
               unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vreport(d, sev, file != NULL ? file : d->file, line, fmt, ap);
    va_end(ap);
}

void
diag_finish(struct diag *d)
{
    char msg[128];

    if (d->fn == NULL || d->shown_max == 0)
        return;
    if (d->errors > d->shown_max) {
        snprintf(msg, sizeof msg, "%zu more errors not shown",
                 d->errors - d->shown_max);
        d->fn(d->ctx, LOGL_ERROR, d->file, 0, msg);
    }
    if (d->warnings > d->shown_max) {
        snprintf(msg, sizeof msg, "%zu more warnings not shown",
                 d->warnings - d->shown_max);
        d->fn(d->ctx, LOGL_WARN, d->file, 0, msg);
    }
}
