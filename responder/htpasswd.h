/*
 * htpasswd: the credential store. Parses "user:hash[:comment]" files into an
 * immutable table with O(1) lookup.
 */
#ifndef FCGI_AUTHD_HTPASSWD_H
#define FCGI_AUTHD_HTPASSWD_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "verify.h"

/* Longest line accepted in a credential file. */
#define HTPASSWD_LINE_MAX 4096
/* Longest user name accepted (file and request). */
#define HTPASSWD_USER_MAX 255

struct htpasswd_opts {
    bool allow_plaintext; /* {PLAIN}: refused (never matches) unless set */
    bool allow_des;       /* traditional DES crypt: idem */
};

struct htpasswd_entry {
    const char *user; /* NUL-terminated, no ':' or control bytes */
    size_t user_len;
    const char *hash; /* NUL-terminated */
    size_t hash_len;
    enum hash_kind kind;
    bool usable;       /* false: the entry never matches (warned at load) */
    long long expires; /* seconds since the epoch; 0: never */
    unsigned line;
};

struct htpasswd;

/*
 * Parse data[0..len) (the contents of the file called name, used in
 * diagnostics). Lines: "user:hash", optionally ":comment..." after it; a
 * word "expires=YYYY-MM-DD" or "expires=YYYY-MM-DDTHH:MM:SSZ" (UTC) in the
 * comment sets the entry's expiry (an unreadable one makes it unusable);
 * '#' comments and blank lines skipped; CRLF accepted. A malformed line
 * (no ':', empty user, user longer than HTPASSWD_USER_MAX, control bytes,
 * line longer than HTPASSWD_LINE_MAX) is an error: diag is told with the
 * line number and NULL is returned. Entries that are well formed but cannot
 * be used (locked, unknown or invalid hash, a kind disabled by opts) load as
 * never-matching with a warning. A repeated user keeps the first entry and
 * warns. Diagnostics never contain the hash. Returns NULL also on ENOMEM.
 */
struct htpasswd *htpasswd_parse(const char *name, const char *data, size_t len,
                                const struct htpasswd_opts *opts, diag_fn *diag,
                                void *diag_ctx);

/*
 * Read the file at path and parse it. A file that cannot be opened, is not
 * a regular file or is larger than 256 MiB is an error told to diag.
 */
struct htpasswd *htpasswd_load(const char *path,
                               const struct htpasswd_opts *opts, diag_fn *diag,
                               void *diag_ctx);

/*
 * Work-factor caps for entries (process-wide, set at start-up): a bcrypt
 * cost or sha-crypt rounds above them loads as never-matching, with a
 * warning, so one hostile or mistaken entry cannot make each check take
 * minutes. 0 keeps a cap off (the rounds cap is at least 1 from the
 * config). Defaults: bcrypt 16, rounds 5 000 000.
 */
void htpasswd_set_caps(unsigned max_bcrypt_cost, unsigned long max_rounds);

/* The entry for user[0..n), or NULL. */
const struct htpasswd_entry *htpasswd_lookup(const struct htpasswd *h,
                                             const char *user, size_t n);

/* Number of entries, and of those that can match. */
size_t htpasswd_count(const struct htpasswd *h);
size_t htpasswd_usable(const struct htpasswd *h);

/* Free the table and wipe the hashes it held. NULL is a no-op. */
void htpasswd_free(struct htpasswd *h);

#endif
