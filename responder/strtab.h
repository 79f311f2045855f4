/*
 * strtab: the string hash table of the admin's files (users, groups):
 * open addressing over util_hash64 with a random seed, at most half full,
 * each slot holding the key's index + 1 and the high half of its hash (a
 * tag), so most probes that miss never touch a key. The table stores no
 * keys: the caller keeps them (entries, names) and says how to read key
 * number idx, which keeps one slot at 8 bytes. The slots live in memory
 * the caller allocates with its data, so a table stays one allocation.
 */
#ifndef FCGI_AUTHD_STRTAB_H
#define FCGI_AUTHD_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct strtab_slot {
    uint32_t idx; /* the key's index + 1; 0: empty */
    uint32_t tag; /* the high half of its hash */
};

/* Key number idx (one that was put), as the caller stores it. */
typedef struct bytes strtab_key_fn(const void *ctx, uint32_t idx);

struct strtab {
    struct strtab_slot *slots;
    size_t mask; /* number of slots - 1 (a power of two - 1) */
    size_t n;    /* keys put */
    size_t cap;  /* keys allowed (at most half the slots) */
    uint64_t seed;
    strtab_key_fn *key;
    const void *ctx;
};

/* The largest index strtab_put takes. */
#define STRTAB_IDX_MAX (UINT32_MAX - 2)
/* strtab_get's "not there". */
#define STRTAB_NONE UINT32_MAX

/*
 * The number of slots for up to max keys: a power of two, at least 16 and
 * at least 2 * max. 0 when max is too large for 32-bit indexes or the
 * slots' size would overflow.
 */
size_t strtab_slots_for(size_t max);

/*
 * Set t up over slots[0..strtab_slots_for(max)), which the caller
 * allocated and zeroed, for up to max keys read through key(ctx, idx).
 * seed varies the layout (strtab_seed(); any value works).
 */
void strtab_init(struct strtab *t, struct strtab_slot *slots, size_t max,
                 uint64_t seed, strtab_key_fn *key, const void *ctx);

/* The index of s[0..n), or STRTAB_NONE. */
uint32_t strtab_get(const struct strtab *t, const char *s, size_t n);

enum strtab_put {
    STRTAB_ADDED, /* s is now key idx */
    STRTAB_FOUND, /* s was there: *found is its index, nothing changed */
    STRTAB_FULL,  /* s is new but max keys are in (or idx too large) */
};

/*
 * Add s[0..n) as key idx (<= STRTAB_IDX_MAX) unless it is there. Once
 * added, key(ctx, idx) must return s before the next call.
 */
enum strtab_put strtab_put(struct strtab *t, const char *s, size_t n,
                           uint32_t idx, uint32_t *found);

/*
 * A random seed from the kernel; 0 without randomness (tables still work,
 * their layout is only less varied).
 */
uint64_t strtab_seed(void);

#endif
