#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

/* A verification in flight, that identical ones may join. */
struct gate_flight {
    struct gate_flight *next; /* in the list of running flights */
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
    /*
     * Running flights only: a finished one leaves the list at once (so a
     * new leader for the same key starts a new flight) and is freed by
     * its last joiner.
     */
    struct gate_flight *flights;
    unsigned long long runs, joined, busy;
};

struct gate *
gate_new(unsigned slots, unsigned max_waiting)
{
    struct gate *g = calloc(1, sizeof *g);

    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->slot_free, NULL);
    pthread_cond_init(&g->finished, NULL);
    g->slots_free = slots == 0 ? 1 : slots;
    g->max_waiting = max_waiting;
    return g;
}

void
gate_free(struct gate *g)
{
    if (g == NULL)
        return;
    /* No thread may be inside: running flights have all left. */
    pthread_cond_destroy(&g->finished);
    pthread_cond_destroy(&g->slot_free);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

/* The running flight of key, or NULL. Lock held. */
static struct gate_flight **
gate_find(struct gate *g, const struct cache_key *key)
{
    for (struct gate_flight **f = &g->flights; *f != NULL; f = &(*f)->next)
        if (memcmp((*f)->key.b, key->b, CACHE_KEY_SIZE) == 0)
            return f;
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
    if (--f->joiners == 0) {
        util_wipe(f, sizeof *f);
        free(f);
    }
    return ok ? GATE_JOINED_OK : GATE_JOINED_FAIL;
}

enum gate_result
gate_enter(struct gate *g, const struct cache_key *key)
{
    struct gate_flight **found, *f;
    enum gate_result r = GATE_RUN;

    pthread_mutex_lock(&g->lock);
    if (key != NULL && (found = gate_find(g, key)) != NULL) {
        r = gate_join(g, *found);
        goto done;
    }
    if (g->slots_free == 0 && g->waiting >= g->max_waiting) {
        g->busy++;
        r = GATE_BUSY;
        goto done;
    }
    /* Out of memory for the flight: still hash, just alone. */
    if (key != NULL && (f = calloc(1, sizeof *f)) != NULL) {
        f->key = *key;
        f->next = g->flights;
        g->flights = f;
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
    struct gate_flight **found, *f;

    pthread_mutex_lock(&g->lock);
    g->slots_free++;
    pthread_cond_signal(&g->slot_free);
    if (key != NULL && (found = gate_find(g, key)) != NULL) {
        f = *found;
        *found = f->next; /* finished: no longer joinable */
        f->done = true;
        f->ok = ok;
        if (f->joiners == 0) {
            util_wipe(f, sizeof *f);
            free(f);
        } else {
            pthread_cond_broadcast(&g->finished);
        }
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
