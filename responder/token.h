/*
 * token: the API token format, and the token file (an identity source).
 *
 * A token reads "fcat_" + 32 base62 characters of random bytes from the OS
 * (190 bits) + 6 base62 characters of checksum: the first 32 bits of
 * SHA-256 over the first 37 characters, big-endian, in base62 with
 * leading zeros ("0-9A-Za-z", most significant digit first). The prefix
 * lets a secret scanner find a leaked token; the checksum refuses a typo
 * before any lookup. 43 bytes in all.
 *
 * The token file holds, per line, "NAME:sha256:HEX:CREATED[:EXPIRES]"
 * where HEX is the 64 lowercase hex digits of SHA-256 of the whole token,
 * CREATED and EXPIRES are YYYY-MM-DD (UTC; a token expires at the start of
 * its EXPIRES day). Blank lines and lines starting with '#' are ignored;
 * CRLF is accepted. It never holds a token: a line with one is refused.
 */
#ifndef FCGI_AUTHD_TOKEN_H
#define FCGI_AUTHD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "util.h"

#define TOKEN_PREFIX     "fcat_"
#define TOKEN_PREFIX_LEN 5
#define TOKEN_RANDOM_LEN 32
#define TOKEN_CHECK_LEN  6
#define TOKEN_LEN        (TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN + TOKEN_CHECK_LEN)
#define TOKEN_DIGEST_LEN 32
/* Longest token name: the REMOTE_USER it grants. */
#define TOKEN_NAME_MAX 255
/* Largest token file tokfile_load reads (as htpasswd_load). */
#define TOKEN_FILE_MAX ((size_t)256 * 1024 * 1024)
/* Longest line token_format_line writes, without its NUL. */
#define TOKEN_LINE_MAX                                                         \
    (TOKEN_NAME_MAX + sizeof ":sha256::YYYY-MM-DD:YYYY-MM-DD" - 1 +            \
     2 * TOKEN_DIGEST_LEN)

/*
 * Make a new token in out (NUL-terminated): the random characters by
 * rejection sampling, so each of the 62 is equally likely. 0, or -1
 * without randomness (out is then wiped). The caller wipes out.
 */
int token_generate(char out[TOKEN_LEN + 1]);

/* Whether t[0..n) has the prefix, the length, the alphabet and a good
 * checksum. Constant work for any t of length TOKEN_LEN. */
bool token_well_formed(const char *t, size_t n);

/* SHA-256 of t[0..n). */
void token_digest(const char *t, size_t n, unsigned char out[TOKEN_DIGEST_LEN]);

enum token_name_check {
    TOKEN_NAME_OK,
    TOKEN_NAME_TOO_LONG, /* longer than TOKEN_NAME_MAX bytes */
    TOKEN_NAME_ILLEGAL,  /* empty, ':', control bytes, whitespace, '#'... */
};

/*
 * Whether name[0..n) can be a token's name: 1..TOKEN_NAME_MAX bytes, no
 * ':', no control bytes, no ASCII whitespace, not starting with '#' (the
 * line would be a comment), and not a token itself. *why (if not NULL)
 * gets a fixed text saying what is wrong (never containing the name).
 */
enum token_name_check token_name_check(const char *name, size_t n,
                                       const char **why);

struct token_entry {
    const char *name; /* NUL-terminated in a tokfile (see token_parse_line) */
    size_t name_len;
    unsigned char digest[TOKEN_DIGEST_LEN];
    long long created; /* UTC seconds */
    long long expires; /* UTC seconds; 0: never */
    unsigned line;     /* 1-based line of the file */
};

enum token_line {
    TOKEN_LINE_SKIP,  /* blank or comment */
    TOKEN_LINE_ENTRY, /* *out set */
    TOKEN_LINE_BAD,   /* *why set */
};

/*
 * Read one line p[0..n) of a token file (without its '\n'; a '\r' before
 * it is allowed). TOKEN_LINE_ENTRY sets *out, except out->line, with
 * out->name pointing into p (not NUL-terminated). TOKEN_LINE_BAD sets *why
 * to a fixed text saying what is wrong, never quoting the line.
 */
enum token_line token_parse_line(const char *p, size_t n,
                                 struct token_entry *out, const char **why);

/*
 * The line "NAME:sha256:HEX:CREATED[:EXPIRES]" (no line ending) for name
 * and digest, dates as YYYY-MM-DD of the UTC seconds created and expires
 * (0: no EXPIRES field), into buf (capacity cap, NUL-terminated). Returns
 * its length, or -1 when name is not a token name (token_name_check), a
 * date is before 1970 or after 9999, or cap is too small.
 */
int token_format_line(char *buf, size_t cap, const char *name, size_t n,
                      const unsigned char digest[TOKEN_DIGEST_LEN],
                      long long created, long long expires);

struct tokfile;

/*
 * Parse a token file's text. Every problem (bad line, bad name, bad hex,
 * bad date, a token on the line) goes to diag as LOGL_ERROR with its line;
 * a name or a digest already on an earlier line as LOGL_WARN (the later
 * line is refused). A refused line is skipped, the rest loads. NULL only
 * when out of memory (or data is NULL with len > 0). name is the file's
 * name for diagnostics.
 */
struct tokfile *tokfile_parse(const char *name, const char *data, size_t len,
                              diag_fn *diag, void *diag_ctx);

/*
 * Read path (at most TOKEN_FILE_MAX bytes, as htpasswd_load) and parse
 * it. NULL: cannot read (told to diag), out of memory, or any line was an
 * error (all of them told): as for a user file, the whole file is refused.
 */
struct tokfile *tokfile_load(const char *path, diag_fn *diag, void *diag_ctx);

/*
 * The entry whose digest is SHA-256 of the token t[0..n), or NULL. The
 * table finds a candidate by the digest's first bytes; the digest is then
 * compared whole in constant time.
 */
const struct token_entry *tokfile_lookup(const struct tokfile *f, const char *t,
                                         size_t n);

/* The entry of a digest, found as tokfile_lookup does, or NULL. */
const struct token_entry *
tokfile_by_digest(const struct tokfile *f,
                  const unsigned char digest[TOKEN_DIGEST_LEN]);

/* The entry called name[0..n), or NULL (for the tool and audit). */
const struct token_entry *tokfile_by_name(const struct tokfile *f,
                                          const char *name, size_t n);

/*
 * Whether e has expired at now (UTC seconds): at the start of its EXPIRES
 * day, that very second.
 */
bool token_entry_expired(const struct token_entry *e, long long now);

size_t tokfile_count(const struct tokfile *f);

/* NULL is a no-op. */
void tokfile_free(struct tokfile *f);

#endif
