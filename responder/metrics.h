/*
 * metrics: counters for the Prometheus text exposition, and the page that
 * shows them. Counting is lock-free (atomic adds); rendering reads them.
 */
#ifndef FCGI_AUTHD_METRICS_H
#define FCGI_AUTHD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"
#include "directory.h"
#include "gate.h"
#include "reason.h"
#include "throttle.h"

/* One decision answered with status for reason. */
void metrics_decision(int status, enum authz_reason reason);

/* metrics_decision, also counted by the scheme and the source. */
void metrics_decision_by(int status, enum authz_reason reason,
                         enum authz_scheme scheme, enum authz_source source);

/* One check against a directory (a directory_result) took seconds. */
void metrics_ldap_check(int result, double seconds);

/* One password hash took seconds. */
void metrics_hash_time(double seconds);

/* A reload of the files: succeeded or kept the last good ones. */
void metrics_reload(bool ok);

/* A fetch of a JWK Set: 1 a new set, 0 the same as before, -1 failed. */
void metrics_jwks_fetch(int result);

/*
 * The text exposition (version 0.0.4) into buf: decisions by status and
 * reason, cache hits/misses/evictions/entries, hashes run/joined/refused,
 * the hash time histogram, regulation bans, reloads, build info. Returns
 * the length, or 0 when it does not fit. cache, gate and throttle may be
 * NULL (shown as zero).
 */
size_t metrics_render(char *buf, size_t cap, struct cache *cache,
                      struct gate *gate, struct throttle *throttle);

#endif
