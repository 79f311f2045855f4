#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "util.h"

#define MEMO_STRIPES 64

struct memo_slot {
    struct cache_key key;
    bool used;
    struct memo_entry e;
};

struct memo {
    struct memo_slot *slots;
    size_t mask;
    pthread_mutex_t locks[MEMO_STRIPES];
};

struct memo *
memo_new(size_t slots)
{
    struct memo *t = calloc(1, sizeof *t);
    size_t n = 1;

    if (t == NULL)
        return NULL;
    while (n < slots && n < ((size_t)1 << 20))
        n <<= 1;
    t->slots = calloc(n, sizeof *t->slots);
    if (t->slots == NULL) {
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    for (size_t i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_init(&t->locks[i], NULL);
    return t;
}

void
memo_free(struct memo *t)
{
    if (t == NULL)
        return;
    util_wipe(t->slots, (t->mask + 1) * sizeof *t->slots);
    free(t->slots);
    for (size_t i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_destroy(&t->locks[i]);
    free(t);
}

/* The slot of k: the key is an HMAC, so any of its bytes is uniform. */
static size_t
memo_index(const struct memo *t, const struct cache_key *k)
{
    uint64_t h;

    memcpy(&h, k->b, sizeof h);
    return (size_t)h & t->mask;
}

bool
memo_get(struct memo *t, const struct cache_key *k, uint64_t gen, uint64_t now,
         struct memo_entry *out)
{
    size_t i = memo_index(t, k);
    pthread_mutex_t *m = &t->locks[i % MEMO_STRIPES];
    struct memo_slot *s = &t->slots[i];
    bool hit;

    pthread_mutex_lock(m);
    hit = s->used && s->e.generation == gen && s->e.until > now &&
          util_ct_equal(s->key.b, sizeof s->key.b, k->b, sizeof k->b);
    if (hit)
        *out = s->e;
    pthread_mutex_unlock(m);
    return hit;
}

void
memo_put(struct memo *t, const struct cache_key *k, const struct memo_entry *e)
{
    size_t i = memo_index(t, k);
    pthread_mutex_t *m = &t->locks[i % MEMO_STRIPES];
    struct memo_slot *s = &t->slots[i];

    pthread_mutex_lock(m);
    s->key = *k;
    s->e = *e;
    s->used = true;
    pthread_mutex_unlock(m);
}
