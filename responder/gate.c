#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

/* A verification in flight, that identical ones may join. */
struct gate_flight {
    bool used;
    bool done;
    bool ok;
    unsigned joiners;
    struct cache_key key;
};

struct gate {
    pthread_mutex_t lock;
    pthread_cond_t slot_free; /* a slot came free */
    pthread_cond_t finished;  /* a flight is done */
    unsigned slots_free;
    unsigned waiting;
    unsigned max_waiting;
    struct gate_flight *flights; /* at most slots + max_waiting leaders */
    size_t nflights;
    unsigned long long runs, joined, busy;
};

struct gate *
gate_new(unsigned slots, unsigned max_waiting)
{
    struct gate *g = calloc(1, sizeof *g);

    if (g == NULL)
        return NULL;
    if (slots == 0)
        slots = 1;
    g->nflights = (size_t)slots + max_waiting;
    g->flights = calloc(g->nflights, sizeof *g->flights);
    if (g->flights == NULL) {
        free(g);
        return NULL;
    }
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->slot_free, NULL);
    pthread_cond_init(&g->finished, NULL);
    g->slots_free = slots;
    g->max_waiting = max_waiting;
    return g;
}

void
gate_free(struct gate *g)
{
    if (g == NULL)
        return;
    pthread_cond_destroy(&g->finished);
    pthread_cond_destroy(&g->slot_free);
    pthread_mutex_destroy(&g->lock);
    util_wipe(g->flights, g->nflights * sizeof *g->flights);
    free(g->flights);
    free(g);
}

/* The running (not yet done) flight of key, or NULL. Lock held. */
static struct gate_flight *
gate_find(struct gate *g, const struct cache_key *key)
{
    for (size_t i = 0; i < g->nflights; i++) {
        struct gate_flight *f = &g->flights[i];

        if (f->used && !f->done &&
            memcmp(f->key.b, key->b, CACHE_KEY_SIZE) == 0)
            return f;
    }
    return NULL;
}

/* Take the result of flight f; the last joiner frees it. Lock held. */
static enum gate_result
gate_join(struct gate *g, struct gate_flight *f)
{
    bool ok;

    f->joiners++;
    g->joined++;
    while (!f->done)
        pthread_cond_wait(&g->finished, &g->lock);
    ok = f->ok;
    if (--f->joiners == 0)
        f->used = false;
    return ok ? GATE_JOINED_OK : GATE_JOINED_FAIL;
}

enum gate_result
gate_enter(struct gate *g, const struct cache_key *key)
{
    struct gate_flight *f = NULL;
    enum gate_result r = GATE_RUN;

    pthread_mutex_lock(&g->lock);
    if (key != NULL && (f = gate_find(g, key)) != NULL) {
        r = gate_join(g, f);
        goto done;
    }
    if (g->slots_free == 0 && g->waiting >= g->max_waiting) {
        g->busy++;
        r = GATE_BUSY;
        goto done;
    }
    if (key != NULL) {
        /* There is room: leaders never exceed slots + max_waiting. */
        for (size_t i = 0; i < g->nflights && f == NULL; i++)
            if (!g->flights[i].used)
                f = &g->flights[i];
        if (f != NULL)
            *f = (struct gate_flight){true, false, false, 0, *key};
    }
    g->waiting++;
    while (g->slots_free == 0)
        pthread_cond_wait(&g->slot_free, &g->lock);
    g->waiting--;
    g->slots_free--;
    g->runs++;
done:
    pthread_mutex_unlock(&g->lock);
    return r;
}

void
gate_leave(struct gate *g, const struct cache_key *key, bool ok)
{
    struct gate_flight *f;

    pthread_mutex_lock(&g->lock);
    g->slots_free++;
    pthread_cond_signal(&g->slot_free);
    if (key != NULL && (f = gate_find(g, key)) != NULL) {
        f->done = true;
        f->ok = ok;
        if (f->joiners == 0)
            f->used = false;
        else
            pthread_cond_broadcast(&g->finished);
    }
    pthread_mutex_unlock(&g->lock);
}

void
gate_get_stats(struct gate *g, struct gate_stats *st)
{
    pthread_mutex_lock(&g->lock);
    st->runs = g->runs;
    st->joined = g->joined;
    st->busy = g->busy;
    pthread_mutex_unlock(&g->lock);
}
