/*
 * store: the version in service of something swapped whole, such as the
 * snapshot on reload or a JWK Set fetched again. Readers take a reference
 * for as long as they use it (a worker: one request); the old version is
 * freed by whoever drops its last reference, so a reader never sees a
 * version being freed, nor users of one version with groups of another.
 */
#ifndef FCGI_AUTHD_STORE_H
#define FCGI_AUTHD_STORE_H

struct store;

/* How a version is freed (NULL must be a no-op). */
typedef void store_free_fn(void *obj);

/*
 * A store serving obj (owned from now on; NULL: nothing yet, readers get
 * NULL), whose versions free_obj frees. NULL on ENOMEM (obj is then freed).
 */
struct store *store_new(void *obj, store_free_fn *free_obj);

/* Free the store and its versions; no reference may be held. */
void store_free(struct store *st);

/* The version in service, referenced until store_release. */
const void *store_acquire(struct store *st);
void store_release(struct store *st, const void *obj);

/* Put obj in service; the previous one goes when its last user is done. */
void store_swap(struct store *st, void *obj);

#endif
