/*
 * cache: verifications that succeeded, so bcrypt and yescrypt are paid once
 * per (user, password) and not on every request.
 *
 * An entry is the HMAC-SHA-256, under a random key made at start-up, of
 * (profile, user, password, stored hash): no password is kept, and a
 * changed or removed entry in the user file can never hit (its stored hash
 * is part of the key). Entries carry the generation of the credential
 * snapshot they were made under, so a reload retires them all at once, and
 * a time to live. The table is bounded and split into shards, each with
 * its own lock, so threads on the hot path rarely meet.
 */
#ifndef FCGI_AUTHD_CACHE_H
#define FCGI_AUTHD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CACHE_KEY_SIZE 32

struct cache_key {
    unsigned char b[CACHE_KEY_SIZE];
};

struct cache;

struct cache_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t inserts;
    uint64_t evictions; /* entries pushed out to make room */
    size_t entries;     /* live now (expired ones may still be counted) */
    size_t capacity;
};

/*
 * A cache of at most max_entries (rounded to the shards) that keeps an
 * entry ttl seconds. ttl 0 or max_entries 0: a cache that never stores
 * (every lookup misses). Returns NULL when memory or randomness for the
 * key is missing.
 */
struct cache *cache_new(size_t max_entries, unsigned ttl);

/* Wipe the MAC key and every entry, and free. NULL is a no-op. */
void cache_free(struct cache *c);

/* Whether the cache stores anything at all. */
bool cache_enabled(const struct cache *c);

/* The seconds an entry lives at most; 0 when disabled. */
unsigned cache_ttl(const struct cache *c);

/* A hit found beside the cache (memo.h), counted as one of its own. */
void cache_count_hit(struct cache *c);

/*
 * The key of a verification: HMAC-SHA-256 over the lengths and bytes of
 * profile, user, password and stored hash (length-prefixed, so no two
 * different tuples share an input).
 */
void cache_key(const struct cache *c, struct cache_key *k, struct bytes profile,
               struct bytes user, struct bytes password, struct bytes stored);

/*
 * True when k was inserted under generation gen less than ttl seconds
 * before now (monotonic seconds). Compares the whole key in constant time.
 */
bool cache_lookup(struct cache *c, const struct cache_key *k, uint64_t gen,
                  uint64_t now);

/* Remember a successful verification. */
void cache_insert(struct cache *c, const struct cache_key *k, uint64_t gen,
                  uint64_t now);

/* cache_insert for at most life seconds (less than the ttl: a token
 * that expires sooner); life 0 stores nothing. */
void cache_insert_for(struct cache *c, const struct cache_key *k, uint64_t gen,
                      uint64_t now, uint64_t life);

/* Counters since start. */
void cache_get_stats(struct cache *c, struct cache_stats *st);

/* Monotonic seconds, for now arguments; never 0 (0 marks an empty slot). */
uint64_t cache_now(void);

#endif
