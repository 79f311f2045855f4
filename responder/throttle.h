/*
 * throttle: brute-force regulation. Failures are counted per client
 * address (within a window) and per account (consecutive, NIST SP 800-63B
 * 5.2.2: at most 100); past the threshold, attempts are refused for the
 * ban time without spending any hashing CPU. The table is bounded: when
 * it is full, the entry touched longest ago makes room.
 */
#ifndef FCGI_AUTHD_THROTTLE_H
#define FCGI_AUTHD_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct throttle_opts {
    unsigned addr_failures; /* per address within window; 0: off */
    unsigned window;        /* seconds */
    unsigned user_failures; /* consecutive per account; 0: off */
    unsigned ban;           /* seconds */
    size_t size;            /* entries */
};

enum throttle_verdict {
    THROTTLE_PASS,
    THROTTLE_ADDR, /* this client address is banned */
    THROTTLE_USER, /* this account is banned */
};

struct throttle_stats {
    uint64_t addr_bans;
    uint64_t user_bans;
    uint64_t refused; /* attempts refused while banned */
    size_t entries;
};

struct throttle;

/* NULL on ENOMEM; a throttle with both thresholds 0 passes everything. */
struct throttle *throttle_new(const struct throttle_opts *o);
void throttle_free(struct throttle *t);

/*
 * Whether an attempt from addr for (profile, user) may be checked at now
 * (monotonic seconds). On a ban, *retry (if not NULL) is the seconds left.
 * An empty addr is never banned by address.
 */
enum throttle_verdict throttle_check(struct throttle *t, struct bytes addr,
                                     struct bytes profile, struct bytes user,
                                     uint64_t now, unsigned *retry);

/* A failed attempt (wrong password, unknown user, malformed). */
void throttle_fail(struct throttle *t, struct bytes addr, struct bytes profile,
                   struct bytes user, uint64_t now);

/* A success: the account's consecutive failures start again from 0. */
void throttle_success(struct throttle *t, struct bytes profile,
                      struct bytes user);

void throttle_get_stats(struct throttle *t, struct throttle_stats *st);

#endif
