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
    /* The MAC key of the table (shared by nodes on Redis); NULL: random. */
    const void *key;
    size_t key_len;
};

/* A table's MAC of a key: 'a' an address, 'u' an account. */
#define THROTTLE_DIGEST 32

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
    /* With a peer (share.h): the regulation shared with other nodes. */
    bool shared;
    bool shared_up;
    uint64_t shared_sent, shared_dropped, shared_received;
    uint64_t remote_bans; /* bans applied from other nodes */
};

struct throttle;

/*
 * Told of every failure and success, with the MAC that keys it, by the
 * thread that counts it: it must never wait (share.h queues them).
 */
struct throttle_peer {
    void (*fail)(void *arg, char kind, const uint8_t mac[THROTTLE_DIGEST]);
    void (*success)(void *arg, const uint8_t mac[THROTTLE_DIGEST]);
    void (*stats)(void *arg, struct throttle_stats *st);
    void *arg;
};

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

/*
 * A success: the account's consecutive failures start again from 0.
 * checked: the password was checked now (not a cached answer); the peer
 * hears of those, and of any that ends failures counted here.
 */
void throttle_success(struct throttle *t, struct bytes profile,
                      struct bytes user, bool checked);

void throttle_get_stats(struct throttle *t, struct throttle_stats *st);

/* Set once, before any request: the peer told of each outcome. */
void throttle_set_peer(struct throttle *t, const struct throttle_peer *p);

/*
 * A ban decided elsewhere (another node): the entry of mac is refused for
 * seconds from now, unless it is already banned for longer. True when
 * it was not banned before.
 */
bool throttle_ban(struct throttle *t, const uint8_t mac[THROTTLE_DIGEST],
                  unsigned seconds, uint64_t now);

#endif
