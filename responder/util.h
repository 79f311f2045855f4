/*
 * util: leaf helpers with no project dependencies: byte views, constant-time
 * comparison, wiping secrets, bounded number parsing.
 */
#ifndef FCGI_AUTHD_UTIL_H
#define FCGI_AUTHD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view of bytes that are not NUL-terminated and may come from a peer. */
struct bytes {
    const char *p;
    size_t n;
};

#define BYTES_NULL ((struct bytes){NULL, 0})

/*
 * True when a and b hold the same bytes. The time taken depends only on the
 * two lengths, never on where the contents differ. Different lengths are
 * unequal (the contents are still all read, so a short stored value does not
 * shortcut the loop).
 */
bool util_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Overwrite n bytes at p with zeroes in a way the compiler cannot drop. */
void util_wipe(void *p, size_t n);

/*
 * Parse the whole of s[0..n) as a decimal unsigned number in [min, max].
 * No sign, no spaces, no leading "+"; leading zeroes allowed.
 * Returns 0 and sets *out, or -1 (nothing written) when s is not such a number.
 */
int util_parse_ulong(const char *s, size_t n, unsigned long min,
                     unsigned long max, unsigned long *out);

/* Case-insensitive ASCII comparison of a with the NUL-terminated lit. */
bool util_bytes_ieq(struct bytes a, const char *lit);

/* True when b holds a byte < 0x20 or 0x7f. */
bool util_has_ctl(const char *p, size_t n);

/*
 * s, exactly 2 * n lower-case hex digits, into out[0..n). Returns 0, or -1
 * (out may be partly written) when s is not that.
 */
int util_hex_decode(struct bytes s, unsigned char *out, size_t n);

/* in[0..n) as 2 * n lower-case hex digits and a NUL into out. */
void util_hex_encode(const unsigned char *in, size_t n, char *out);

/*
 * Parse s[0..n) as a UTC moment: "YYYY-MM-DD" (00:00:00 of that day) or
 * "YYYY-MM-DDTHH:MM:SSZ", years 1970 to 9999, every field range-checked
 * (February 30th is refused). Returns 0 and sets *out to seconds since the
 * epoch, or -1.
 */
int util_parse_utc(const char *s, size_t n, long long *out);

/* The one expiry test: an end time (UTC seconds, 0: never) reached at now. */
bool util_expired(long long expires, long long now);

/*
 * A seeded 64-bit hash of p[0..n) for the tables of admin files (FNV-1a,
 * then the murmur3 finaliser so the low bits depend on every byte). Not
 * for peer-chosen keys at scale: the seed only varies the layout.
 */
uint64_t util_hash64(uint64_t seed, const void *p, size_t n);

/* Fill buf with n bytes from the kernel's CSPRNG. Returns 0 or -1. */
int util_random(void *buf, size_t n);

#endif
