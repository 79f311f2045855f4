/*
 * share: the regulation shared by several nodes on Redis (throttle_redis).
 *
 * Each node keeps regulating on its own (throttle.h); share adds the
 * other nodes' view. Every failure the local table counts is queued here
 * (a request never waits: a full queue drops, and counts it); a thread of
 * our own owns the connections (hiredis), sends the queue in pipelined
 * batches, and runs a Lua script per failure that adds it to the count of
 * every node and sets a ban when the sum reaches the threshold. Bans come
 * back on pub/sub (and in the script's answer) into the local table, the
 * only thing requests read. Redis keys are the table's own MACs, under a
 * key the nodes share (throttle_redis_key_file), so Redis never holds an
 * address or a user name; every key has a TTL.
 *
 * Redis down, hung or refusing us: the node regulates alone, logs it once,
 * and reconnects with backoff.
 */
#ifndef FCGI_AUTHD_SHARE_H
#define FCGI_AUTHD_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "throttle.h"

/* Shortest shared key accepted, in bytes. */
#define SHARE_KEY_MIN 32

struct share_opts {
    const char *url;           /* throttle_redis */
    const char *password_file; /* throttle_redis_password_file, or NULL */
    const char *prefix;        /* throttle_redis_prefix */
    const char *key_file;      /* throttle_redis_key_file, or NULL */
    unsigned addr_failures;    /* the throttle_* settings */
    unsigned window;
    unsigned user_failures;
    unsigned ban;
};

/* Where Redis is: a parsed throttle_redis. */
struct share_addr {
    bool unix_socket;
    char host[256]; /* a name or an address, without brackets */
    char path[108]; /* unix_socket */
    unsigned port;
    unsigned db;
    char password[256]; /* from the URL; "" when none */
};

/*
 * Parse redis://[:PASSWORD@]HOST[:PORT][/DB] (HOST may be [IPv6]; port
 * 6379, db 0 by default) or unix:/PATH. Returns 0, or -1 with err.
 */
int share_parse_url(const char *url, struct share_addr *a, char *err,
                    size_t errlen);

/*
 * A ban message of the channel: "a HEX SECONDS NODE" or "u HEX SECONDS
 * NODE", HEX the 64 hex digits of a MAC, NODE the 16 hex digits naming the node
 * that set it (optional: *node is then empty). Returns 0 with the parts
 * (*node points into p), or -1. (Bytes of the server: bounded, never
 * trusted to be a string.)
 */
int share_parse_ban(const char *p, size_t n, char *kind,
                    uint8_t mac[THROTTLE_DIGEST], unsigned *seconds,
                    struct bytes *node);

struct share;

/*
 * Check the settings and read the files (as root, before serving); the
 * MAC key for the throttle table comes from share_key (the shared key,
 * SHARE_KEY_MIN bytes or more; or the prefix when no key file, with a
 * warning at start: an unkeyed hash).
 * NULL with err on a bad setting or file, or ENOMEM.
 */
struct share *share_new(const struct share_opts *o, char *err, size_t errlen);
void share_key(const struct share *s, const void **key, size_t *len);

/* Start the thread, telling t's peer; 0, or -1 (logged). */
int share_start(struct share *s, struct throttle *t);

/* Stop the thread (if started) and free. NULL is a no-op. */
void share_free(struct share *s);

/* The Redis keys of a MAC ("PREFIX" "a:" HEX ...), for tests. */
size_t share_redis_key(const struct share *s, const char *what,
                       const uint8_t mac[THROTTLE_DIGEST], char *out,
                       size_t cap);

#endif
