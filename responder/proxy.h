/*
 * proxy: who the client is when trusted proxies stand in front of the web
 * server. REMOTE_ADDR is the client unless it is a trusted proxy; then the
 * client is the rightmost address of X-Forwarded-For that is not a
 * trusted proxy (what the nearest trusted proxy saw), never an address the
 * client wrote itself further left.
 */
#ifndef FCGI_AUTHD_PROXY_H
#define FCGI_AUTHD_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct proxy_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned prefix; /* bits */
};

struct proxies {
    struct proxy_net *nets;
    size_t n;
};

/*
 * Parse "127.0.0.1 ::1 10.0.0.0/8 fd00::/8" (spaces or commas between).
 * Returns 0, or -1 with the offending word in err.
 */
int proxies_parse(struct proxies *p, const char *text, char *err,
                  size_t errlen);
void proxies_free(struct proxies *p);

/* Whether addr (numeric IPv4 or IPv6 text) is one of p's networks. */
bool proxies_contains(const struct proxies *p, struct bytes addr);

/*
 * The client's address: remote_addr, or when it is a trusted proxy the
 * rightmost valid, untrusted address of xff (X-Forwarded-For). A view
 * into remote_addr or xff.
 */
struct bytes proxies_client(const struct proxies *p, struct bytes remote_addr,
                            struct bytes xff);

#endif
