/*
 * memo: credentials verified lately, with what their check said, so that
 * the same credentials again cost an HMAC and a lookup instead of the
 * check: a JWT's base64url, JSON and claims (source_jwt), a directory's
 * search, bind and groups (source_ldap).
 *
 * Keyed like the verification cache (cache_key: an HMAC under the
 * per-process key), with the snapshot generation, so a reload never finds
 * an entry of the configuration before. An entry holds the user and the
 * groups, and for a JWT kid and jti (for the log) and the id of the key
 * that verified it, which the caller checks is still in the set. It lives
 * until the caller's end (at most cache_ttl; a JWT never past exp).
 * Credentials whose user or groups do not fit are not kept (they take the
 * long way).
 *
 * A fixed table, one entry per slot (a newer one replaces an older one),
 * with striped locks: bounded memory, never a wait longer than a copy.
 */
#ifndef FCGI_AUTHD_MEMO_H
#define FCGI_AUTHD_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"

#define MEMO_USER_MAX   128
#define MEMO_GROUPS_MAX 384
#define MEMO_KID_MAX    128 /* JWT_KID_MAX: the kid whole */
#define MEMO_JTI_MAX    64  /* jti for the log, cut to fit */

struct memo_entry {
    uint64_t generation;
    uint64_t until; /* cache_now() seconds */
    unsigned char key_id[32];
    char kid[MEMO_KID_MAX + 1];
    char jti[MEMO_JTI_MAX + 1];
    char user[MEMO_USER_MAX];
    size_t user_len;
    char groups[MEMO_GROUPS_MAX];
    size_t groups_len;
};

struct memo;

/* A table of slots entries (rounded up to a power of two). NULL: ENOMEM. */
struct memo *memo_new(size_t slots);
void memo_free(struct memo *t);

/* The entry for k of generation gen still alive at now, copied to out. */
bool memo_get(struct memo *t, const struct cache_key *k, uint64_t gen,
              uint64_t now, struct memo_entry *out);

/* Keep e under k (replacing what the slot held). */
void memo_put(struct memo *t, const struct cache_key *k,
              const struct memo_entry *e);

#endif
