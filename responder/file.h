/*
 * file: reading a whole admin file (users, groups, config) safely.
 */
#ifndef FCGI_AUTHD_FILE_H
#define FCGI_AUTHD_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Read the regular file at path (symbolic links followed) into a new
 * buffer of *len bytes plus a NUL. Refused, with a message in err: a file
 * that cannot be opened, is not a regular file (a FIFO never hangs the
 * open), is larger than max bytes, or changes size or time while it is
 * read (htpasswd rewrites in place, so the copy could mix old and new
 * lines). *st (if not NULL) gets the file's stat before reading. The
 * caller wipes (if it held secrets) and frees the buffer.
 */
char *file_read(const char *path, size_t max, size_t *len, struct stat *st,
                char *err, size_t errlen);

/* Wipe and free a buffer from file_read. NULL is a no-op. */
void file_free(char *buf, size_t len);

#endif
