#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "store.h"

/* A snapshot and how many requests hold it (the store holds one). */
struct store_ref {
    struct snapshot *snap;
    unsigned long refs;
};

struct store {
    /* Held for a pointer copy and a count: never across a decision. */
    pthread_mutex_t lock;
    struct store_ref *cur;
    struct store_ref *old[64]; /* retired, waiting for their last user */
};

static struct store_ref *
store_ref_new(struct snapshot *s)
{
    struct store_ref *r = calloc(1, sizeof *r);

    if (r != NULL) {
        r->snap = s;
        r->refs = 1;
    }
    return r;
}

struct store *
store_new(struct snapshot *s)
{
    struct store *st = calloc(1, sizeof *st);

    if (st == NULL)
        return NULL;
    st->cur = store_ref_new(s);
    if (st->cur == NULL) {
        free(st);
        return NULL;
    }
    pthread_mutex_init(&st->lock, NULL);
    return st;
}

void
store_free(struct store *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < sizeof st->old / sizeof st->old[0]; i++) {
        if (st->old[i] != NULL) {
            snapshot_free(st->old[i]->snap);
            free(st->old[i]);
        }
    }
    snapshot_free(st->cur->snap);
    free(st->cur);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

const struct snapshot *
store_acquire(struct store *st)
{
    const struct snapshot *s;

    pthread_mutex_lock(&st->lock);
    st->cur->refs++;
    s = st->cur->snap;
    pthread_mutex_unlock(&st->lock);
    return s;
}

/* The ref of s: current or retired. Lock held. */
static struct store_ref **
store_find(struct store *st, const struct snapshot *s)
{
    if (st->cur->snap == s)
        return &st->cur;
    for (size_t i = 0; i < sizeof st->old / sizeof st->old[0]; i++)
        if (st->old[i] != NULL && st->old[i]->snap == s)
            return &st->old[i];
    return NULL;
}

void
store_release(struct store *st, const struct snapshot *s)
{
    struct store_ref **slot, *done = NULL;

    pthread_mutex_lock(&st->lock);
    slot = store_find(st, s);
    if (slot != NULL && --(*slot)->refs == 0) {
        done = *slot;
        *slot = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    if (done != NULL) {
        snapshot_free(done->snap);
        free(done);
    }
}

void
store_swap(struct store *st, struct snapshot *s)
{
    struct store_ref *r = store_ref_new(s), *prev, *done = NULL;

    if (r == NULL) {
        snapshot_free(s); /* keep serving the old one */
        return;
    }
    pthread_mutex_lock(&st->lock);
    prev = st->cur;
    st->cur = r;
    if (--prev->refs == 0) {
        done = prev;
    } else {
        size_t i;

        for (i = 0; i < sizeof st->old / sizeof st->old[0]; i++)
            if (st->old[i] == NULL)
                break;
        /*
         * 64 generations still in use means requests stuck for a long
         * time; the oldest then stays allocated (never freed under them).
         */
        if (i < sizeof st->old / sizeof st->old[0])
            st->old[i] = prev;
    }
    pthread_mutex_unlock(&st->lock);
    if (done != NULL) {
        snapshot_free(done->snap);
        free(done);
    }
}
