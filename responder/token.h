/*
 * token: the API token format, and the token file (an identity source).
 *
 * A token reads "fcat_" + 32 base62 characters of random bytes from the OS
 * (190 bits) + 6 base62 characters of checksum: the first 32 bits of
 * SHA-256 over the first 37 characters, big-endian, in base62 with
 * leading zeros ("0-9A-Za-z"). The prefix lets a secret scanner find a
 * leaked token; the checksum refuses a typo before any lookup. 43 bytes
 * in all.
 *
 * The token file holds, per line, "NAME:sha256:HEX:CREATED[:EXPIRES]"
 * where HEX is the 64 lowercase hex digits of SHA-256 of the whole token,
 * CREATED and EXPIRES are YYYY-MM-DD (UTC; a token expires at the start of
 * its EXPIRES day). Blank lines and lines starting with '#' are ignored.
 * It never holds a token.
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

/* Make a new token in out (NUL-terminated). 0, or -1 without randomness. */
int token_generate(char out[TOKEN_LEN + 1]);

/* Whether t[0..n) has the prefix, the length, the alphabet and a good
 * checksum. Constant work for any t of length TOKEN_LEN. */
bool token_well_formed(const char *t, size_t n);

/* SHA-256 of t[0..n). */
void token_digest(const char *t, size_t n,
                  unsigned char out[TOKEN_DIGEST_LEN]);

struct token_entry {
    const char *name;
    size_t name_len;
    unsigned char digest[TOKEN_DIGEST_LEN];
    long long created; /* UTC seconds */
    long long expires; /* UTC seconds; 0: never */
};

struct tokfile;

/*
 * Parse a token file's text. Every problem (bad line, bad name, bad hex,
 * bad date, a digest or a name twice) goes to diag with its line; a bad
 * line is skipped, the rest loads. NULL only when out of memory. name is
 * the file's name for diagnostics.
 */
struct tokfile *tokfile_parse(const char *name, const char *data, size_t len,
                              diag_fn *diag, void *diag_ctx);

/* Read path (bounded, as htpasswd_load) and parse it. NULL: cannot read. */
struct tokfile *tokfile_load(const char *path, diag_fn *diag, void *diag_ctx);

/*
 * The entry whose digest is SHA-256 of the token t[0..n), or NULL. The
 * digest is compared whole in constant time once its slot is found.
 */
const struct token_entry *tokfile_lookup(const struct tokfile *f, const char *t,
                                         size_t n);

/* The entry called name[0..n), or NULL (for the tool and audit). */
const struct token_entry *tokfile_by_name(const struct tokfile *f,
                                          const char *name, size_t n);

/* Whether e has expired at now (UTC seconds). */
bool token_entry_expired(const struct token_entry *e, long long now);

size_t tokfile_count(const struct tokfile *f);

/* NULL is a no-op. */
void tokfile_free(struct tokfile *f);

#endif
