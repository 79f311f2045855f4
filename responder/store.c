#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "store.h"

/* A version and how many readers hold it (the store holds one). */
struct store_ref {
    void *obj;
    unsigned long refs;
};

struct store {
    /* Held for a pointer copy and a count: never across a decision. */
    pthread_mutex_t lock;
    struct store_ref *cur;
    struct store_ref *old[64]; /* retired, waiting for their last user */
    store_free_fn *free_obj;
};

static struct store_ref *
store_ref_new(void *obj)
{
    struct store_ref *r = calloc(1, sizeof *r);

    if (r != NULL) {
        r->obj = obj;
        r->refs = 1;
    }
    return r;
}

struct store *
store_new(void *obj, store_free_fn *free_obj)
{
    struct store *st = calloc(1, sizeof *st);

    if (st == NULL || (st->cur = store_ref_new(obj)) == NULL) {
        free(st);
        free_obj(obj);
        return NULL;
    }
    st->free_obj = free_obj;
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
            st->free_obj(st->old[i]->obj);
            free(st->old[i]);
        }
    }
    st->free_obj(st->cur->obj);
    free(st->cur);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

const void *
store_acquire(struct store *st)
{
    const void *obj;

    pthread_mutex_lock(&st->lock);
    obj = st->cur->obj;
    if (obj != NULL) /* nothing to free: NULL is never referenced */
        st->cur->refs++;
    pthread_mutex_unlock(&st->lock);
    return obj;
}

/* The ref of obj: current or retired. Lock held. */
static struct store_ref **
store_find(struct store *st, const void *obj)
{
    if (st->cur->obj == obj)
        return &st->cur;
    for (size_t i = 0; i < sizeof st->old / sizeof st->old[0]; i++)
        if (st->old[i] != NULL && st->old[i]->obj == obj)
            return &st->old[i];
    return NULL;
}

void
store_release(struct store *st, const void *obj)
{
    struct store_ref **slot, *done = NULL;

    if (obj == NULL)
        return;
    pthread_mutex_lock(&st->lock);
    slot = store_find(st, obj);
    if (slot != NULL && --(*slot)->refs == 0) {
        done = *slot;
        *slot = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    if (done != NULL) {
        st->free_obj(done->obj);
        free(done);
    }
}

void
store_swap(struct store *st, void *obj)
{
    struct store_ref *r = store_ref_new(obj), *prev, *done = NULL;

    if (r == NULL) {
        st->free_obj(obj); /* keep serving the old one */
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
        st->free_obj(done->obj);
        free(done);
    }
}
