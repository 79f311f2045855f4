/*
 * jwt_seen: JWTs verified lately, with what they said, so that a token
 * presented again costs an HMAC and a lookup instead of base64url, two
 * JSON parses and the claims (what a cached JWT spent beyond a cached
 * password).
 *
 * Keyed like the verification cache (cache_key: an HMAC of the token
 * under the per-process key), with the snapshot generation, so a reload
 * never finds an entry of the configuration before. An entry holds the
 * user, the groups, kid and jti (for the log) and the id of the key that
 * verified it, which the caller checks is still in the set. It lives
 * until the caller's end (at most cache_ttl, never past exp). Tokens whose
 * user or groups do not fit are not kept (they take the long way).
 *
 * A fixed table, one entry per slot (a newer token replaces an older one),
 * with striped locks: bounded memory, never a wait longer than a copy.
 */
#ifndef FCGI_AUTHD_JWT_SEEN_H
#define FCGI_AUTHD_JWT_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"

#define JWT_SEEN_USER_MAX   128
#define JWT_SEEN_GROUPS_MAX 384
#define JWT_SEEN_KID_MAX    128 /* JWT_KID_MAX: the kid whole */
#define JWT_SEEN_JTI_MAX    64  /* jti for the log, cut to fit */

struct jwt_seen_entry {
    uint64_t generation;
    uint64_t until; /* cache_now() seconds */
    unsigned char key_id[32];
    char kid[JWT_SEEN_KID_MAX + 1];
    char jti[JWT_SEEN_JTI_MAX + 1];
    char user[JWT_SEEN_USER_MAX];
    size_t user_len;
    char groups[JWT_SEEN_GROUPS_MAX];
    size_t groups_len;
};

struct jwt_seen;

/* A table of slots entries (rounded up to a power of two). NULL: ENOMEM. */
struct jwt_seen *jwt_seen_new(size_t slots);
void jwt_seen_free(struct jwt_seen *t);

/* The entry for k of generation gen still alive at now, copied to out. */
bool jwt_seen_get(struct jwt_seen *t, const struct cache_key *k, uint64_t gen,
                  uint64_t now, struct jwt_seen_entry *out);

/* Keep e under k (replacing what the slot held). */
void jwt_seen_put(struct jwt_seen *t, const struct cache_key *k,
                  const struct jwt_seen_entry *e);

#endif
