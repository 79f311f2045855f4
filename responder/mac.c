#include "config.h"

#include <string.h>

#include "mac.h"

int
mac_init(struct mac *m)
{
    unsigned char secret[32];

    if (util_random(secret, sizeof secret) < 0)
        return -1;
    hmac_sha256_set_key(&m->keyed, sizeof secret, secret);
    util_wipe(secret, sizeof secret);
    return 0;
}

void
mac_init_key(struct mac *m, const void *key, size_t n)
{
    hmac_sha256_set_key(&m->keyed, n, key);
}

void
mac_begin(const struct mac *m, struct mac_run *r)
{
    r->ctx = m->keyed;
}

void
mac_field(struct mac_run *r, struct bytes b)
{
    unsigned char len[8];
    uint64_t n = b.n;

    for (size_t i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    hmac_sha256_update(&r->ctx, sizeof len, len);
    if (b.n > 0)
        hmac_sha256_update(&r->ctx, b.n, (const uint8_t *)b.p);
}

void
mac_end(struct mac_run *r, void *out, size_t n)
{
    hmac_sha256_digest(&r->ctx, n > SHA256_DIGEST_SIZE ? SHA256_DIGEST_SIZE : n,
                       out);
    util_wipe(&r->ctx, sizeof r->ctx);
}

uint64_t
mac_end64(struct mac_run *r)
{
    unsigned char b[8];
    uint64_t v = 0;

    mac_end(r, b, sizeof b);
    for (size_t i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}
