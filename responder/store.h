/*
 * store: the snapshot in service, swapped whole on reload. Workers take a
 * reference for the length of one request; the old snapshot is freed by
 * whoever drops its last reference, so a request never sees a snapshot
 * being freed, nor users of one version with groups of another.
 */
#ifndef FCGI_AUTHD_STORE_H
#define FCGI_AUTHD_STORE_H

#include "snapshot.h"

struct store;

/* A store serving s (owned from now on). NULL on ENOMEM. */
struct store *store_new(struct snapshot *s);

/* Free the store and its snapshot; no reference may be held. */
void store_free(struct store *st);

/* The snapshot in service, referenced until store_release. */
const struct snapshot *store_acquire(struct store *st);
void store_release(struct store *st, const struct snapshot *s);

/* Put s in service; the previous one goes when its last user is done. */
void store_swap(struct store *st, struct snapshot *s);

#endif
