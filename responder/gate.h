/*
 * gate: who may spend CPU on a password hash right now.
 *
 * A fixed number of hashing slots (default: one per CPU) below a larger
 * number of request workers, so requests that need no hash (cached, no
 * credentials, malformed) never wait behind a burst of cold or wrong
 * passwords; and identical verifications in flight at the same time (the
 * same cache key: same profile, user, password and stored hash) are
 * collapsed into one, the others taking its result.
 */
#ifndef FCGI_AUTHD_GATE_H
#define FCGI_AUTHD_GATE_H

#include <stdbool.h>

#include "cache.h"

struct gate;

enum gate_result {
    GATE_RUN,         /* hash now; then call gate_leave */
    GATE_JOINED_OK,   /* an identical verification in flight succeeded */
    GATE_JOINED_FAIL, /* ... did not succeed */
    GATE_BUSY,        /* more than max_waiting already wait: refuse */
};

/*
 * slots concurrent hashes; at most max_waiting threads queued for a slot
 * (beyond that gate_enter answers GATE_BUSY at once). NULL on ENOMEM.
 */
struct gate *gate_new(unsigned slots, unsigned max_waiting);
void gate_free(struct gate *g);

/*
 * Wait for a hashing slot. With a key, join an identical verification
 * already running instead (waiting for its result). key NULL (a dummy
 * check for an unknown user): only a slot.
 */
enum gate_result gate_enter(struct gate *g, const struct cache_key *key);

/* After GATE_RUN: free the slot and hand ok to the threads that joined. */
void gate_leave(struct gate *g, const struct cache_key *key, bool ok);

struct gate_stats {
    unsigned long long runs;
    unsigned long long joined;
    unsigned long long busy;
};
void gate_get_stats(struct gate *g, struct gate_stats *st);

#endif
