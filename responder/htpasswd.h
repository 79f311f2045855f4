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

/*
 * The default work-factor caps (the config's max_bcrypt_cost and
 * max_crypt_rounds): the highest costs fcgi-authd-passwd writes.
 */
#define HTPASSWD_MAX_BCRYPT_DEFAULT VERIFY_BCRYPT_COST_MAX
#define HTPASSWD_MAX_ROUNDS_DEFAULT VERIFY_SHA512_ROUNDS_MAX

/*
 * How entries are judged at load. A bcrypt cost or sha-crypt rounds above
 * a cap loads as never-matching, with a warning, so one hostile or
 * mistaken entry cannot make each check take minutes; 0 turns a cap off.
 */
struct htpasswd_opts {
    bool allow_plaintext;     /* {PLAIN}: refused (never matches) unless set */
    bool allow_des;           /* traditional DES crypt: idem */
    unsigned max_bcrypt_cost; /* 0: no cap */
    unsigned long max_crypt_rounds; /* 0: no cap */
};

/*
 * An initializer for what a NULL opts means: nothing legacy allowed, the
 * default caps.
 */
#define HTPASSWD_OPTS_DEFAULT                                                  \
    {                                                                          \
        false, false, HTPASSWD_MAX_BCRYPT_DEFAULT, HTPASSWD_MAX_ROUNDS_DEFAULT \
    }

/* Why an entry can never match; the first that applies is kept. */
enum htpasswd_unusable {
    HTPASSWD_USABLE,         /* it can match */
    HTPASSWD_LOCKED,         /* '!' or '*' before the hash */
    HTPASSWD_EMPTY_HASH,     /* "user:" */
    HTPASSWD_UNKNOWN_FORMAT, /* not a hash verify_classify knows */
    HTPASSWD_PLAIN_OFF,      /* {PLAIN} without allow_plaintext */
    HTPASSWD_DES_OFF,        /* DES crypt without allow_des */
    HTPASSWD_BCRYPT_CAP,     /* bcrypt cost above max_bcrypt_cost */
    HTPASSWD_ROUNDS_CAP,     /* sha-crypt rounds above max_crypt_rounds */
    HTPASSWD_BAD_EXPIRES,    /* an expires= word that does not read */
};

struct htpasswd_entry {
    const char *user; /* NUL-terminated, no ':' or control bytes */
    size_t user_len;
    const char *hash; /* NUL-terminated */
    size_t hash_len;
    enum hash_kind kind;
    enum htpasswd_unusable unusable; /* not USABLE: never matches (warned) */
    long long expires; /* seconds since the epoch; 0: never (or unusable) */
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
 * be used (locked, unknown or invalid hash, a kind disabled by opts, a work
 * factor above its cap) load as never-matching with a warning naming the
 * reason (entry->unusable). A repeated user keeps the first entry and
 * warns. Diagnostics never contain the hash. opts NULL:
 * HTPASSWD_OPTS_DEFAULT. Returns NULL also on ENOMEM.
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
 * A short stable token for logs ("locked", "bcrypt_cost_cap", ...;
 * "usable" for HTPASSWD_USABLE), and a sentence for people saying why the
 * entry never matches and what to do (never containing the hash).
 */
const char *htpasswd_unusable_name(enum htpasswd_unusable why);
const char *htpasswd_unusable_text(enum htpasswd_unusable why);

/*
 * Whether e's expires= has passed at now (seconds since the epoch): an
 * entry expires at that very second.
 */
bool htpasswd_entry_expired(const struct htpasswd_entry *e, long long now);

/* The entry for user[0..n), or NULL. */
const struct htpasswd_entry *htpasswd_lookup(const struct htpasswd *h,
                                             const char *user, size_t n);

/* Number of entries, and of those that can match. */
size_t htpasswd_count(const struct htpasswd *h);
size_t htpasswd_usable(const struct htpasswd *h);

/* Free the table and wipe the hashes it held. NULL is a no-op. */
void htpasswd_free(struct htpasswd *h);

#endif
