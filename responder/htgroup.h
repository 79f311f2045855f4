/*
 * htgroup: Apache's group file ("group: user1 user2 ..."), immutable once
 * parsed, with O(1) membership tests.
 */
#ifndef FCGI_AUTHD_HTGROUP_H
#define FCGI_AUTHD_HTGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

/* Longest line accepted in a group file (Apache's MAX_STRING_LEN). */
#define HTGROUP_LINE_MAX 8192
/* Longest group name accepted. */
#define HTGROUP_NAME_MAX 255

struct htgroup;

/*
 * Parse data[0..len) (the file called name, for diagnostics). Lines:
 * "group: member member ...", members separated by spaces or tabs; '#'
 * comment lines and blank lines skipped; CRLF accepted. A group named on
 * several lines gets the members of all of them (as Apache does); a member
 * listed twice counts once. A malformed line (no ':', empty or over-long
 * group name, a name with whitespace, control bytes, a line longer than
 * HTGROUP_LINE_MAX, a member longer than HTPASSWD_USER_MAX) is an error
 * told to diag with its line: NULL is returned. Returns NULL on ENOMEM too.
 */
struct htgroup *htgroup_parse(const char *name, const char *data, size_t len,
                              diag_fn *diag, void *diag_ctx);

/*
 * Read the file at path and parse it; a file that cannot be opened, is not
 * a regular file, or is larger than 64 MiB is an error told to diag.
 */
struct htgroup *htgroup_load(const char *path, diag_fn *diag, void *diag_ctx);

/* Whether group[0..glen) is defined in g. */
bool htgroup_exists(const struct htgroup *g, const char *group, size_t glen);

/* Whether user[0..ulen) is a member of group[0..glen). NULL g: false. */
bool htgroup_member(const struct htgroup *g, const char *group, size_t glen,
                    const char *user, size_t ulen);

/*
 * Call fn(ctx, name, name_len) for every group user[0..ulen) belongs to,
 * in the order the groups first appear in the file. Returns the count.
 * NULL g: 0.
 */
size_t htgroup_each_group(const struct htgroup *g, const char *user,
                          size_t ulen,
                          void (*fn)(void *ctx, const char *name, size_t n),
                          void *ctx);

/* Number of groups defined. */
size_t htgroup_count(const struct htgroup *g);

/* Free g. NULL is a no-op. */
void htgroup_free(struct htgroup *g);

#endif
