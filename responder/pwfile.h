/*
 * pwfile: what fcgi-authd-passwd does to a password file or a token file.
 * Edits of the file's text that change one user's (or token name's) lines
 * and keep every other byte, an audit of its entries, and the safe
 * replace of the file on disk (lock, temporary file in the same folder,
 * owner and mode kept, fsync, rename, fsync of the folder). A token file
 * ("NAME:sha256:HEX:CREATED[:EXPIRES]", token.h) is edited with the same
 * functions: its NAME is the first field, as a user is.
 */
#ifndef FCGI_AUTHD_PWFILE_H
#define FCGI_AUTHD_PWFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "htpasswd.h"

/* Largest password file edited or audited (as htpasswd_load reads). */
#define PWFILE_MAX ((size_t)256 * 1024 * 1024)

/* The mode of a file pwfile_commit creates. */
#define PWFILE_NEW_MODE 0640

/* ------------------------------------------------------------ user names -- */

enum pwfile_user_check {
    PWFILE_USER_OK,
    PWFILE_USER_TOO_LONG, /* longer than HTPASSWD_USER_MAX bytes */
    PWFILE_USER_ILLEGAL,  /* empty, ':', control bytes, edge spaces, '#' */
};

/*
 * Whether user[0..n) can be written as the user of a line that fcgi-authd,
 * nginx and Apache read back as that very user. *why (if not NULL) gets a
 * fixed text saying what is wrong (never containing the name).
 */
enum pwfile_user_check pwfile_user_check(const char *user, size_t n,
                                         const char **why);

/* ----------------------------------------------------------- text edits -- */

/* Where a user is defined in a file's text. */
struct pwfile_match {
    unsigned line;   /* 1-based line of the first definition; 0: none */
    size_t start;    /* that line is text[start..end), without its */
    size_t end;      /* line ending ("\n" or "\r\n") */
    size_t hash_off; /* its hash field: text[hash_off..hash_off+hash_len) */
    size_t hash_len;
    unsigned count;   /* lines defining the user */
    unsigned another; /* the line of the second definition; 0: none */
};

/*
 * Find user[0..ulen) in text[0..len): the lines "user:..." that
 * fcgi-authd reads (blank lines, '#' comments and lines without ':' never
 * match). The first definition is the one fcgi-authd, nginx and Apache
 * use. Returns the number of definitions (m->count).
 */
unsigned pwfile_find(const char *text, size_t len, const char *user,
                     size_t ulen, struct pwfile_match *m);

enum pwfile_set_result {
    PWFILE_SET_ERROR = -1, /* out of memory or sizes that overflow */
    PWFILE_SET_ADDED,      /* a new line at the end */
    PWFILE_SET_UPDATED,    /* the hash of the first definition replaced */
};

/*
 * The text with user's password hash set to hash[0..hlen), in a new buffer
 * *out of *outlen bytes plus a NUL (the caller wipes and frees it). The
 * first line defining the user keeps its user bytes, a third field (a
 * comment, expires=) and its line ending; only the hash between the first
 * and second ':' changes. Later definitions stay untouched. Without a
 * definition "user:hash" is appended with the line ending of the last line
 * that has one ("\n" when none has); a last line without an ending gets
 * the same one first. Every other byte stays. *m (if not NULL) describes the
 * definitions before the edit, and m->start/m->end the changed or added
 * line in *out.
 */
enum pwfile_set_result pwfile_set(const char *text, size_t len,
                                  const char *user, size_t ulen,
                                  const char *hash, size_t hlen, char **out,
                                  size_t *outlen, struct pwfile_match *m);

/*
 * The text without any line defining user, in a new buffer as for
 * pwfile_set. Every definition goes: deleting only the first would let a
 * forgotten second one (ignored until then) log in. Returns the number of
 * lines removed (0: *out is an unchanged copy), or -1 when out of memory.
 */
int pwfile_delete(const char *text, size_t len, const char *user, size_t ulen,
                  char **out, size_t *outlen);

/* ----------------------------------------------------------------- audit -- */

enum pwfile_finding_kind {
    PWFILE_MALFORMED, /* a line fcgi-authd refuses to load (no user shown) */
    PWFILE_LEGACY,    /* md5-crypt, $apr1$, {SHA}, {SSHA}, DES, plaintext */
    PWFILE_WEAK,      /* bcrypt cost < 10, sha-crypt rounds < 5000 */
    PWFILE_UNUSABLE,  /* never matches: htpasswd_unusable_text() says why */
    PWFILE_DUPLICATE, /* a second definition, ignored by every reader */
    PWFILE_FILE_MODE, /* line 0: the file is readable by every local user */
    PWFILE_LOCKED,    /* '!' or '*': locked on purpose (not counted) */
    PWFILE_EXPIRED,   /* expires= in the past (not counted) */
};

struct pwfile_finding {
    enum pwfile_finding_kind kind;
    unsigned line;    /* 1-based; 0 for the whole file */
    const char *user; /* the user (not NUL-terminated), or NULL */
    size_t ulen;
    const char *text; /* NUL-terminated: made of fixed words and numbers, */
                      /* never of the hash */
};

/* Receives each finding, in line order. */
typedef void pwfile_audit_fn(void *ctx, const struct pwfile_finding *f);

/*
 * The opts an audit reads a file with: every format counts as readable
 * (the audit calls {PLAIN} and DES legacy rather than unusable), the
 * default work-factor caps.
 */
#define PWFILE_AUDIT_OPTS                                                      \
    {                                                                          \
        true, true, HTPASSWD_MAX_BCRYPT_DEFAULT, HTPASSWD_MAX_ROUNDS_DEFAULT   \
    }

/*
 * Audit text[0..len) (the contents of the file called name) as fcgi-authd
 * would read it with opts (NULL: PWFILE_AUDIT_OPTS) at time now (seconds
 * since the epoch); st (if not NULL) is the file's stat, for the mode.
 * Every finding goes to fn; an entry that never matches is told with the
 * one reason the loader has (htpasswd_unusable_text). Returns the number
 * of findings that need action (all kinds but PWFILE_LOCKED and
 * PWFILE_EXPIRED, which are states an admin sets on purpose), or -1 when
 * out of memory.
 */
long pwfile_audit(const char *name, const char *text, size_t len,
                  const struct stat *st, long long now,
                  const struct htpasswd_opts *opts, pwfile_audit_fn *fn,
                  void *ctx);

/*
 * Whether text[0..len) is a token file: a line whose second field is
 * "sha256" (no password hash reads so). A password file never has one.
 */
bool pwfile_is_tokens(const char *text, size_t len);

/*
 * Audit text[0..len) as the token file called name, as fcgi-authd would
 * load it at time now; st (if not NULL) is the file's stat. Findings, in
 * line order: PWFILE_FILE_MODE (readable by every local user),
 * PWFILE_MALFORMED (a line fcgi-authd refuses, with token_parse_line's
 * reason), PWFILE_DUPLICATE (a name or digest of an earlier line: the
 * line is refused), PWFILE_EXPIRED. Never shows a digest. Returns the
 * number of findings that need action (all but PWFILE_EXPIRED), or -1
 * when out of memory.
 */
long pwfile_audit_tokens(const char *name, const char *text, size_t len,
                         const struct stat *st, long long now,
                         pwfile_audit_fn *fn, void *ctx);

/* Short name of a finding kind: "legacy", "weak", "locked", ... */
const char *pwfile_finding_name(enum pwfile_finding_kind kind);

/* ---------------------------------------------------------- safe replace -- */

enum pwfile_mode {
    PWFILE_EXISTING, /* edit a file that exists */
    PWFILE_CREATE,   /* make a file that does not exist yet */
};

/* A password file open for an edit. */
struct pwfile {
    char *path; /* the file's real path (symbolic links followed) */
    int fd;     /* open and flock()ed; -1 for a file not made yet */
    struct stat st;
    char *data; /* the contents, NUL-terminated; "" for a new file */
    size_t len;
};

/*
 * Open the file at path for an edit and read it. PWFILE_EXISTING: follow
 * symbolic links, open the regular file, take an exclusive flock() on it
 * (waiting up to wait_ms milliseconds), make sure path still names the
 * locked file (an edit that finished meanwhile renamed a new one in: lock
 * that instead), and read it whole. PWFILE_CREATE: path must not exist;
 * nothing is locked (pwfile_commit refuses to replace a file that appeared
 * since). Returns 0, or -1 with errno (EINTR: a signal arrived while
 * waiting; ETIMEDOUT: still locked after wait_ms; EEXIST, ENOENT, EFBIG,
 * ...) and a message in err. pf is always safe to pwfile_close.
 */
int pwfile_open(const char *path, enum pwfile_mode mode, unsigned wait_ms,
                struct pwfile *pf, char *err, size_t errlen);

/*
 * Replace the file with data[0..len): write it to a temporary file
 * ".NAME.XXXXXX" in the same folder (mode 0600 while written), give it the
 * old file's mode, owner and group (a new file: PWFILE_NEW_MODE and the
 * caller's ids), fsync it, rename it over the file (a new file: only if the
 * name is still free), and fsync the folder. Before the rename any failure
 * removes the temporary file and leaves the old file as it was, byte for
 * byte. Returns 0, or -1 with errno and a message in err (after a
 * successful rename only the folder's fsync can fail, and err says that
 * the file was replaced).
 */
int pwfile_commit(struct pwfile *pf, const char *data, size_t len, char *err,
                  size_t errlen);

/* Unlock and close, wipe and free the contents. Safe to repeat. */
void pwfile_close(struct pwfile *pf);

#endif
