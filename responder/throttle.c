#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"
#include "throttle.h"

#define THROTTLE_SHARDS 16
#define THROTTLE_WAYS   4

struct throttle_entry {
    uint64_t key; /* 0: empty */
    uint64_t window_start;
    uint64_t banned_until;
    uint64_t touched;
    uint32_t failures;
};

struct throttle_shard {
    pthread_mutex_t lock;
    struct throttle_entry *slots;
    size_t n;
    size_t live;
};

struct throttle {
    struct throttle_opts o;
    struct mac
        mac; /* keys are MACs of peer bytes: collisions cannot be aimed */
    struct throttle_shard shards[THROTTLE_SHARDS];
    uint64_t addr_bans, user_bans, refused; /* __atomic counters */
    uint64_t remote_bans;
    struct throttle_peer peer; /* fail NULL: none */
};

static uint64_t
throttle_key_of(const uint8_t mac[THROTTLE_DIGEST])
{
    uint64_t h = 0;

    for (size_t i = 0; i < 8; i++)
        h |= (uint64_t)mac[i] << (8 * i);
    return h == 0 ? 1 : h;
}

struct throttle *
throttle_new(const struct throttle_opts *o)
{
    struct throttle *t = calloc(1, sizeof *t);
    size_t per;

    if (t == NULL)
        return NULL;
    t->o = *o;
    if (t->o.window == 0)
        t->o.window = 1;
    t->o.key = NULL; /* the caller's: not kept */
    /* No randomness, no regulation we could trust: refuse to start. */
    if (o->key != NULL)
        mac_init_key(&t->mac, o->key, o->key_len);
    else if (mac_init(&t->mac) < 0) {
        free(t);
        return NULL;
    }
    per = (o->size + THROTTLE_SHARDS - 1) / THROTTLE_SHARDS;
    per = (per + THROTTLE_WAYS - 1) / THROTTLE_WAYS * THROTTLE_WAYS;
    if (per == 0)
        per = THROTTLE_WAYS;
    for (size_t i = 0; i < THROTTLE_SHARDS; i++) {
        pthread_mutex_init(&t->shards[i].lock, NULL);
        t->shards[i].slots = calloc(per, sizeof *t->shards[i].slots);
        if (t->shards[i].slots == NULL) {
            throttle_free(t);
            return NULL;
        }
        /* Touched now: memory use is its bound from the start, flat. */
        util_wipe(t->shards[i].slots, per * sizeof *t->shards[i].slots);
        t->shards[i].n = per;
    }
    return t;
}

void
throttle_free(struct throttle *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < THROTTLE_SHARDS; i++) {
        free(t->shards[i].slots);
        pthread_mutex_destroy(&t->shards[i].lock);
    }
    free(t);
}

/*
 * The MAC of an address ("a") or an account ("u", profile, user); its
 * first 8 bytes are the entry's key (never 0).
 */
static uint64_t
throttle_mac(const struct throttle *t, char kind, struct bytes a,
             struct bytes b, uint8_t mac[THROTTLE_DIGEST])
{
    struct mac_run m;

    mac_begin(&t->mac, &m);
    mac_field(&m, (struct bytes){&kind, 1});
    mac_field(&m, a);
    mac_field(&m, b);
    mac_end(&m, mac, THROTTLE_DIGEST);
    return throttle_key_of(mac);
}

static uint64_t
throttle_key(const struct throttle *t, char kind, struct bytes a,
             struct bytes b)
{
    uint8_t mac[THROTTLE_DIGEST];
    uint64_t k = throttle_mac(t, kind, a, b, mac);

    util_wipe(mac, sizeof mac);
    return k;
}

/* How willingly an entry gives up its slot: empty, idle, banned. */
static int
throttle_rank(const struct throttle_entry *e, uint64_t now)
{
    return e->key == 0 ? 0 : e->banned_until > now ? 2 : 1;
}

/*
 * The entry of key, locked in its shard; with create, an empty or the
 * least recently touched slot of its set is taken for it. NULL without
 * create when absent. The caller unlocks *shard.
 */
static struct throttle_entry *
throttle_find(struct throttle *t, uint64_t key, bool create, uint64_t now,
              struct throttle_shard **shard)
{
    struct throttle_shard *s = &t->shards[key % THROTTLE_SHARDS];
    size_t first =
        (size_t)((key >> 8) % (s->n / THROTTLE_WAYS)) * THROTTLE_WAYS;
    struct throttle_entry *victim = &s->slots[first];

    pthread_mutex_lock(&s->lock);
    *shard = s;
    for (size_t i = first; i < first + THROTTLE_WAYS; i++) {
        struct throttle_entry *e = &s->slots[i];

        if (e->key == key) {
            if (create)
                e->touched = now;
            return e;
        }
        /* Empty first, then the oldest not banned: a flood of new keys
         * must not push the bans it earned out of the table. */
        if (throttle_rank(e, now) < throttle_rank(victim, now) ||
            (throttle_rank(e, now) == throttle_rank(victim, now) &&
             e->touched < victim->touched))
            victim = e;
    }
    if (!create)
        return NULL;
    if (victim->key == 0)
        s->live++;
    *victim = (struct throttle_entry){key, now, 0, now, 0};
    return victim;
}

/* Whether key is banned at now; *left gets the seconds remaining. */
static bool
throttle_banned(struct throttle *t, uint64_t key, uint64_t now, unsigned *left)
{
    struct throttle_shard *s;
    struct throttle_entry *e = throttle_find(t, key, false, now, &s);
    bool banned = e != NULL && e->banned_until > now;

    if (banned && left != NULL)
        *left = (unsigned)(e->banned_until - now);
    pthread_mutex_unlock(&s->lock);
    return banned;
}

enum throttle_verdict
throttle_check(struct throttle *t, struct bytes addr, struct bytes profile,
               struct bytes user, uint64_t now, unsigned *retry)
{
    enum throttle_verdict v = THROTTLE_PASS;

    if (t == NULL)
        return THROTTLE_PASS;
    if (t->o.addr_failures > 0 && addr.n > 0 &&
        throttle_banned(t, throttle_key(t, 'a', addr, BYTES_NULL), now, retry))
        v = THROTTLE_ADDR;
    else if (t->o.user_failures > 0 && user.n > 0 &&
             throttle_banned(t, throttle_key(t, 'u', profile, user), now,
                             retry))
        v = THROTTLE_USER;
    if (v != THROTTLE_PASS)
        __atomic_add_fetch(&t->refused, 1, __ATOMIC_RELAXED);
    return v;
}

void
throttle_fail(struct throttle *t, struct bytes addr, struct bytes profile,
              struct bytes user, uint64_t now)
{
    struct throttle_shard *s;
    struct throttle_entry *e;
    uint8_t mac[THROTTLE_DIGEST];

    if (t == NULL)
        return;
    if (t->o.addr_failures > 0 && addr.n > 0) {
        e = throttle_find(t, throttle_mac(t, 'a', addr, BYTES_NULL, mac), true,
                          now, &s);
        if (now - e->window_start >= t->o.window) {
            e->window_start = now;
            e->failures = 0;
        }
        if (++e->failures >= t->o.addr_failures && e->banned_until <= now &&
            t->o.ban > 0) {
            e->banned_until = now + t->o.ban;
            e->failures = 0;
            __atomic_add_fetch(&t->addr_bans, 1, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&s->lock);
        if (t->peer.fail != NULL)
            t->peer.fail(t->peer.arg, 'a', mac);
    }
    if (t->o.user_failures > 0 && user.n > 0) {
        e = throttle_find(t, throttle_mac(t, 'u', profile, user, mac), true,
                          now, &s);
        /* Consecutive: no window; only a success starts it again. */
        if (++e->failures >= t->o.user_failures && e->banned_until <= now &&
            t->o.ban > 0) {
            e->banned_until = now + t->o.ban;
            e->failures = 0;
            __atomic_add_fetch(&t->user_bans, 1, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&s->lock);
        if (t->peer.fail != NULL)
            t->peer.fail(t->peer.arg, 'u', mac);
    }
    util_wipe(mac, sizeof mac);
}

void
throttle_success(struct throttle *t, struct bytes profile, struct bytes user,
                 bool checked)
{
    struct throttle_shard *s;
    struct throttle_entry *e;
    uint8_t mac[THROTTLE_DIGEST];
    bool had = false;

    if (t == NULL || t->o.user_failures == 0)
        return;
    e = throttle_find(t, throttle_mac(t, 'u', profile, user, mac), false, 0,
                      &s);
    if (e != NULL) {
        had = e->failures > 0;
        e->failures = 0;
    }
    pthread_mutex_unlock(&s->lock);
    /* Not on every cached answer: a request must not cost the peer work. */
    if (t->peer.success != NULL && (checked || had))
        t->peer.success(t->peer.arg, mac);
    util_wipe(mac, sizeof mac);
}

void
throttle_get_stats(struct throttle *t, struct throttle_stats *st)
{
    memset(st, 0, sizeof *st);
    if (t == NULL)
        return;
    st->addr_bans = __atomic_load_n(&t->addr_bans, __ATOMIC_RELAXED);
    st->user_bans = __atomic_load_n(&t->user_bans, __ATOMIC_RELAXED);
    st->refused = __atomic_load_n(&t->refused, __ATOMIC_RELAXED);
    for (size_t i = 0; i < THROTTLE_SHARDS; i++) {
        pthread_mutex_lock(&t->shards[i].lock);
        st->entries += t->shards[i].live;
        pthread_mutex_unlock(&t->shards[i].lock);
    }
    st->remote_bans = __atomic_load_n(&t->remote_bans, __ATOMIC_RELAXED);
    if (t->peer.stats != NULL)
        t->peer.stats(t->peer.arg, st);
}

void
throttle_set_peer(struct throttle *t, const struct throttle_peer *p)
{
    t->peer = *p;
}

bool
throttle_ban(struct throttle *t, const uint8_t mac[THROTTLE_DIGEST],
             unsigned seconds, uint64_t now)
{
    struct throttle_shard *s;
    struct throttle_entry *e;
    bool fresh;

    if (t == NULL || seconds == 0)
        return false;
    e = throttle_find(t, throttle_key_of(mac), true, now, &s);
    fresh = e->banned_until <= now;
    if (e->banned_until < now + seconds)
        e->banned_until = now + seconds;
    pthread_mutex_unlock(&s->lock);
    if (fresh)
        __atomic_add_fetch(&t->remote_bans, 1, __ATOMIC_RELAXED);
    return fresh;
}
