#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_seen.h"
#include "util.h"

#define JWT_SEEN_STRIPES 64

struct jwt_seen_slot {
    struct cache_key key;
    bool used;
    struct jwt_seen_entry e;
};

struct jwt_seen {
    struct jwt_seen_slot *slots;
    size_t mask;
    pthread_mutex_t locks[JWT_SEEN_STRIPES];
};

struct jwt_seen *
jwt_seen_new(size_t slots)
{
    struct jwt_seen *t = calloc(1, sizeof *t);
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
    for (size_t i = 0; i < JWT_SEEN_STRIPES; i++)
        pthread_mutex_init(&t->locks[i], NULL);
    return t;
}

void
jwt_seen_free(struct jwt_seen *t)
{
    if (t == NULL)
        return;
    util_wipe(t->slots, (t->mask + 1) * sizeof *t->slots);
    free(t->slots);
    for (size_t i = 0; i < JWT_SEEN_STRIPES; i++)
        pthread_mutex_destroy(&t->locks[i]);
    free(t);
}

/* The slot of k: the key is an HMAC, so any of its bytes is uniform. */
static size_t
jwt_seen_index(const struct jwt_seen *t, const struct cache_key *k)
{
    uint64_t h;

    memcpy(&h, k->b, sizeof h);
    return (size_t)h & t->mask;
}

bool
jwt_seen_get(struct jwt_seen *t, const struct cache_key *k, uint64_t gen,
             uint64_t now, struct jwt_seen_entry *out)
{
    size_t i = jwt_seen_index(t, k);
    pthread_mutex_t *m = &t->locks[i % JWT_SEEN_STRIPES];
    struct jwt_seen_slot *s = &t->slots[i];
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
jwt_seen_put(struct jwt_seen *t, const struct cache_key *k,
             const struct jwt_seen_entry *e)
{
    size_t i = jwt_seen_index(t, k);
    pthread_mutex_t *m = &t->locks[i % JWT_SEEN_STRIPES];
    struct jwt_seen_slot *s = &t->slots[i];

    pthread_mutex_lock(m);
    s->key = *k;
    s->e = *e;
    s->used = true;
    pthread_mutex_unlock(m);
}
