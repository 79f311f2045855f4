/*
 * jwks_fetch: JWK Sets fetched from a URL (jwks_url), kept fresh in the
 * background with libcurl.
 *
 * One thread fetches every URL the configuration names, at start-up, every
 * jwks_refresh seconds, and soon after a request met a kid the set lacks
 * (at most once a minute per URL: a stream of made-up kids never turns
 * into a stream of fetches). A fetch that fails, answers anything but 200,
 * is over 1 MiB or holds no usable key keeps the last good set. Requests
 * only ever read the set in hand: none waits for a fetch.
 *
 * A URL's set outlives reloads of the files (the handle for a URL is made
 * once per process), so a reload never drops keys it cannot fetch again
 * at that moment.
 *
 * Only https is fetched, with the system's CAs (or jwks_ca_file); plain
 * http only from a loopback address (127.0.0.0/8, ::1, localhost), for an
 * identity provider on the same host. Redirects are not followed.
 */
#ifndef FCGI_AUTHD_JWKS_FETCH_H
#define FCGI_AUTHD_JWKS_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "jwt.h"

/* Largest JWK Set document accepted (as jwks_load). */
#define JWKS_FETCH_MAX (1024 * 1024)
/* Least time between two fetches of one URL asked for by requests. */
#define JWKS_FETCH_MIN_INTERVAL 60

struct jwks_remote;

/*
 * Whether url may be fetched: https://HOST..., or http:// to a loopback
 * host. 0, or -1 with a reason in err.
 */
int jwks_url_check(const char *url, char *err, size_t errlen);

/*
 * The handle for url, made on first use (also on reloads: the same URL
 * gives the same handle, holding its last good set). ca_file (NULL: the
 * system's) is the one for every URL: the last one set counts. NULL on
 * ENOMEM. Not thread-safe with itself: call from the main thread only.
 */
struct jwks_remote *jwks_remote_get(const char *url, const char *ca_file);

/* The URL of r. */
const char *jwks_remote_url(const struct jwks_remote *r);

/*
 * The set in hand, referenced until jwks_remote_release; NULL when none
 * was ever fetched. Thread-safe.
 */
const struct jwks *jwks_remote_acquire(struct jwks_remote *r);
void jwks_remote_release(struct jwks_remote *r, const struct jwks *s);

/*
 * A request met a kid the set lacks: fetch again, unless r was fetched
 * less than JWKS_FETCH_MIN_INTERVAL seconds ago. Never waits.
 */
void jwks_remote_want(struct jwks_remote *r);

/*
 * Fetch every URL never tried yet, now, in this thread: at start-up (and
 * for -t) before serving. Each failure is logged. Returns how many URLs
 * have a set in hand.
 */
size_t jwks_fetch_new(void);

/*
 * Start the background thread: it refreshes each set every refresh
 * seconds (0: only when a request asks), retrying a failed fetch after 5,
 * 10, 20 ... up to 60 seconds. No-op without URLs. 0, or -1 (logged).
 */
int jwks_fetch_start(unsigned refresh);

/* Stop the thread (cutting short a fetch under way) and free every set. */
void jwks_fetch_stop(void);

/*
 * When the next fetch of a URL is due, given the time of the last attempt
 * and whether it succeeded, the failures in a row, the refresh interval
 * and whether a request asked for one: exposed for the tests.
 */
long long jwks_fetch_due(long long last_try, bool ok, unsigned failures,
                         unsigned refresh, bool wanted);

#endif
