/*
 * fuzz_share: what share.h parses from outside: a ban message as Redis
 * delivers it (a peer's bytes, exactly n of them, no NUL), and a
 * throttle_redis URL (the admin's).
 *
 * Checked, from share.h's contract: a message taken is exactly
 * "K HEX SECONDS[ NODE]" with K 'a' or 'u', HEX the 64 lower-case hex
 * digits of the MAC returned, SECONDS in 1..86400 and NODE 16 hex digits
 * inside the input, so writing the parts back in canonical form gives the
 * input again but for leading zeroes of SECONDS. A URL taken names a unix
 * path that is absolute, or a host without brackets and a port in 1..65535.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "share.h"

static void
check_ban(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: reading past it is ASan's to catch. */
    char *p = malloc(size == 0 ? 1 : size);
    uint8_t mac[THROTTLE_DIGEST];
    struct bytes node;
    unsigned secs;
    char kind, canon[160];
    size_t at = 3 + 2 * THROTTLE_DIGEST, sl;
    int n;

    FUZZ_ASSERT(p != NULL);
    memcpy(p, data, size);
    if (share_parse_ban(p, size, &kind, mac, &secs, &node) == 0) {
        FUZZ_ASSERT(kind == 'a' || kind == 'u');
        FUZZ_ASSERT(secs >= 1 && secs <= 86400);
        FUZZ_ASSERT(node.n == 0 || node.n == 16);
        FUZZ_ASSERT(node.n == 0 ||
                    (node.p > p && node.p + node.n == p + size));
        n = snprintf(canon, sizeof canon, "%c ", kind);
        for (size_t i = 0; i < THROTTLE_DIGEST; i++)
            n += snprintf(canon + n, sizeof canon - (size_t)n, "%02x", mac[i]);
        FUZZ_ASSERT(memcmp(canon, p, (size_t)n) == 0);
        FUZZ_ASSERT(p[n] == ' ');
        /* The seconds: digits, their value (leading zeroes allowed). */
        sl = (node.n > 0 ? (size_t)(node.p - p) - 1 : size) - at;
        FUZZ_ASSERT(sl > 0);
        for (size_t i = 0; i < sl; i++)
            FUZZ_ASSERT(p[at + i] >= '0' && p[at + i] <= '9');
        for (size_t i = 0; i < node.n; i++)
            FUZZ_ASSERT((node.p[i] >= '0' && node.p[i] <= '9') ||
                        (node.p[i] >= 'a' && node.p[i] <= 'f'));
    }
    free(p);
}

static void
check_url(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), err[256];
    struct share_addr a;

    FUZZ_ASSERT(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    if (share_parse_url(s, &a, err, sizeof err) == 0) {
        if (a.unix_socket)
            FUZZ_ASSERT(a.path[0] == '/');
        else {
            FUZZ_ASSERT(a.host[0] != '\0');
            FUZZ_ASSERT(strpbrk(a.host, "[]") == NULL);
            FUZZ_ASSERT(a.port >= 1 && a.port <= 65535);
            FUZZ_ASSERT(a.db <= 65535);
        }
    }
    free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_ban(data, size);
    check_url(data, size);
    return 0;
}
