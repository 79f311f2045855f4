#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "mac.h"

/* Shards, each with its own lock; a power of two. */
#define CACHE_SHARDS 64
/* Slots probed per lookup: the set an entry may live in. */
#define CACHE_WAYS 8

struct cache_entry {
    struct cache_key key;
    uint64_t gen;
    uint64_t born;  /* monotonic seconds; 0: empty slot */
    uint64_t until; /* fresh while now < until */
};

struct cache_shard {
    pthread_mutex_t lock;
    struct cache_entry *slots;
    size_t n; /* a multiple of CACHE_WAYS */
    size_t live;
};

struct cache {
    struct mac mac;
    unsigned ttl;
    size_t capacity;
    struct cache_shard shards[CACHE_SHARDS];
    uint64_t hits, misses, inserts, evictions; /* __atomic counters */
};

uint64_t
cache_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* +1 so that 0 never names a real moment: it marks empty slots. */
    return (uint64_t)ts.tv_sec + 1;
}

struct cache *
cache_new(size_t max_entries, unsigned ttl)
{
    struct cache *c = calloc(1, sizeof *c);
    size_t per = 0;

    if (c == NULL)
        return NULL;
    if (mac_init(&c->mac) < 0) {
        free(c);
        return NULL;
    }
    c->ttl = ttl;
    if (ttl > 0 && max_entries > 0) {
        per = (max_entries + CACHE_SHARDS - 1) / CACHE_SHARDS;
        per = (per + CACHE_WAYS - 1) / CACHE_WAYS * CACHE_WAYS;
    }
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        struct cache_shard *s = &c->shards[i];

        pthread_mutex_init(&s->lock, NULL);
        if (per == 0)
            continue;
        s->slots = calloc(per, sizeof *s->slots);
        if (s->slots == NULL) {
            cache_free(c);
            return NULL;
        }
        /* Touched now: memory use is its bound from the start, flat. */
        util_wipe(s->slots, per * sizeof *s->slots);
        s->n = per;
    }
    c->capacity = per * CACHE_SHARDS;
    return c;
}

void
cache_free(struct cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        struct cache_shard *s = &c->shards[i];

        if (s->slots != NULL) {
            util_wipe(s->slots, s->n * sizeof *s->slots);
            free(s->slots);
        }
        pthread_mutex_destroy(&s->lock);
    }
    util_wipe(&c->mac, sizeof c->mac);
    free(c);
}

bool
cache_enabled(const struct cache *c)
{
    return c != NULL && c->capacity > 0;
}

unsigned
cache_ttl(const struct cache *c)
{
    return cache_enabled(c) ? c->ttl : 0;
}

void
cache_count_hit(struct cache *c)
{
    if (cache_enabled(c))
        __atomic_add_fetch(&c->hits, 1, __ATOMIC_RELAXED);
}

void
cache_key(const struct cache *c, struct cache_key *k, struct bytes profile,
          struct bytes user, struct bytes password, struct bytes stored)
{
    struct mac_run m;

    mac_begin(&c->mac, &m);
    mac_field(&m, profile);
    mac_field(&m, user);
    mac_field(&m, password);
    mac_field(&m, stored);
    mac_end(&m, k->b, CACHE_KEY_SIZE);
}

/* The shard and the first slot of the set of k (the MAC is uniform). */
static struct cache_shard *
cache_place(struct cache *c, const struct cache_key *k, size_t *first)
{
    uint64_t a = 0, b = 0;
    struct cache_shard *s;

    for (size_t i = 0; i < 8; i++) {
        a |= (uint64_t)k->b[i] << (8 * i);
        b |= (uint64_t)k->b[8 + i] << (8 * i);
    }
    s = &c->shards[a & (CACHE_SHARDS - 1)];
    *first = (size_t)(b % (s->n / CACHE_WAYS)) * CACHE_WAYS;
    return s;
}

static bool
cache_fresh(const struct cache *c, const struct cache_entry *e, uint64_t now)
{
    (void)c;
    return e->born != 0 && now >= e->born && now < e->until;
}

bool
cache_lookup(struct cache *c, const struct cache_key *k, uint64_t gen,
             uint64_t now)
{
    struct cache_shard *s;
    size_t first;
    bool hit = false;

    if (!cache_enabled(c))
        return false;
    s = cache_place(c, k, &first);
    pthread_mutex_lock(&s->lock);
    for (size_t i = first; i < first + CACHE_WAYS; i++) {
        const struct cache_entry *e = &s->slots[i];

        /* Every slot of the set is compared, whole and in constant time. */
        if (util_ct_equal(e->key.b, CACHE_KEY_SIZE, k->b, CACHE_KEY_SIZE) &&
            e->gen == gen && cache_fresh(c, e, now))
            hit = true;
    }
    pthread_mutex_unlock(&s->lock);
    __atomic_add_fetch(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

/* How willingly a slot is given up: empty, then stale, then live. */
static int
cache_rank(const struct cache *c, const struct cache_entry *e, uint64_t gen,
           uint64_t now)
{
    if (e->born == 0)
        return 0;
    if (e->gen != gen || !cache_fresh(c, e, now))
        return 1;
    return 2;
}

void
cache_insert(struct cache *c, const struct cache_key *k, uint64_t gen,
             uint64_t now)
{
    cache_insert_for(c, k, gen, now, UINT64_MAX);
}

void
cache_insert_for(struct cache *c, const struct cache_key *k, uint64_t gen,
                 uint64_t now, uint64_t life)
{
    struct cache_shard *s;
    struct cache_entry *victim;
    size_t first;

    if (!cache_enabled(c) || life == 0)
        return;
    s = cache_place(c, k, &first);
    victim = &s->slots[first];
    pthread_mutex_lock(&s->lock);
    /*
     * The same key, else an empty slot, else a stale one, else the oldest
     * of the set: memory stays at capacity whatever the number of users.
     */
    for (size_t i = first; i < first + CACHE_WAYS; i++) {
        struct cache_entry *e = &s->slots[i];
        int r;

        if (e->born != 0 && memcmp(e->key.b, k->b, CACHE_KEY_SIZE) == 0) {
            victim = e;
            break;
        }
        r = cache_rank(c, e, gen, now);
        if (r < cache_rank(c, victim, gen, now) ||
            (r == cache_rank(c, victim, gen, now) && e->born < victim->born))
            victim = e;
    }
    if (victim->born == 0)
        s->live++;
    else if (cache_rank(c, victim, gen, now) == 2 &&
             memcmp(victim->key.b, k->b, CACHE_KEY_SIZE) != 0)
        __atomic_add_fetch(&c->evictions, 1, __ATOMIC_RELAXED);
    victim->key = *k;
    victim->gen = gen;
    victim->born = now;
    victim->until = now + (life < c->ttl ? life : c->ttl);
    pthread_mutex_unlock(&s->lock);
    __atomic_add_fetch(&c->inserts, 1, __ATOMIC_RELAXED);
}

void
cache_get_stats(struct cache *c, struct cache_stats *st)
{
    memset(st, 0, sizeof *st);
    if (c == NULL)
        return;
    st->hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    st->misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
    st->inserts = __atomic_load_n(&c->inserts, __ATOMIC_RELAXED);
    st->evictions = __atomic_load_n(&c->evictions, __ATOMIC_RELAXED);
    st->capacity = c->capacity;
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        pthread_mutex_lock(&c->shards[i].lock);
        st->entries += c->shards[i].live;
        pthread_mutex_unlock(&c->shards[i].lock);
    }
}
