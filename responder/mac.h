/*
 * mac: HMAC-SHA-256 (nettle) under a random per-process key, over framed
 * fields, for every table keyed by bytes a peer chooses: the verification
 * cache and the regulation. Without the key, nobody can predict where a
 * value lands, so collisions cannot be aimed at one bucket.
 */
#ifndef FCGI_AUTHD_MAC_H
#define FCGI_AUTHD_MAC_H

#include <stdint.h>

#include <nettle/hmac.h>

#include "util.h"

/* A keyed MAC: set once, then copied for each computation. */
struct mac {
    struct hmac_sha256_ctx keyed;
};

/* Key m with 32 bytes from the kernel's CSPRNG. Returns 0, or -1. */
int mac_init(struct mac *m);

/* Key m with the given bytes (a key the caller shares, e.g. with nodes). */
void mac_init_key(struct mac *m, const void *key, size_t n);

/* A computation in progress, started from a copy of the keyed state. */
struct mac_run {
    struct hmac_sha256_ctx ctx;
};

void mac_begin(const struct mac *m, struct mac_run *r);

/*
 * Add one field: its length (8 bytes, little-endian), then its bytes, so
 * ("ab", "c") and ("a", "bc") never give the same MAC.
 */
void mac_field(struct mac_run *r, struct bytes b);

/* The first n (at most 32) bytes of the MAC into out; r is wiped. */
void mac_end(struct mac_run *r, void *out, size_t n);

/* The MAC's first 8 bytes as a number; r is wiped. */
uint64_t mac_end64(struct mac_run *r);

#endif
