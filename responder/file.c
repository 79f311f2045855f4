#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "util.h"

/* Read exactly st->st_size bytes of fd; NULL with a message otherwise. */
static char *
file_read_fd(int fd, const struct stat *st, size_t *len, char *err,
             size_t errlen)
{
    size_t cap = (size_t)st->st_size + 1, got = 0;
    struct stat after;
    char *buf = malloc(cap);

    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Reading one byte more than expected detects a file that grew. */
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "read error: %s", strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got != (size_t)st->st_size || fstat(fd, &after) != 0 ||
        after.st_size != st->st_size ||
        after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
        after.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
        snprintf(err, errlen, "changed while being read");
        goto fail;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
fail:
    file_free(buf, got);
    return NULL;
}

char *
file_read(const char *path, size_t max, size_t *len, struct stat *st, char *err,
          size_t errlen)
{
    struct stat sb;
    char *buf = NULL;
    int fd;

    /* O_NONBLOCK keeps a FIFO from hanging the open; refused just after. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0)
        snprintf(err, errlen, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        snprintf(err, errlen, "not a regular file");
    else if ((uintmax_t)sb.st_size > max)
        snprintf(err, errlen,
                 max >= (1 << 20) ? "larger than %zu MiB (%jd bytes)"
                                  : "larger than %zu KiB (%jd bytes)",
                 max >= (1 << 20) ? max >> 20 : max >> 10,
                 (intmax_t)sb.st_size);
    else
        buf = file_read_fd(fd, &sb, len, err, errlen);
    close(fd);
    if (buf != NULL && st != NULL)
        *st = sb;
    return buf;
}

void
file_free(char *buf, size_t len)
{
    if (buf == NULL)
        return;
    util_wipe(buf, len);
    free(buf);
}
