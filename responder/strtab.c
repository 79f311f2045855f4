#include "config.h"

#include <string.h>

#include "strtab.h"

/* Keys get 32-bit indexes; a power of two above 2 * max must fit size_t. */
#define STRTAB_KEYS_MAX ((size_t)1 << 30)

size_t
strtab_slots_for(size_t max)
{
    size_t n = 16;

    if (max > STRTAB_KEYS_MAX ||
        max > SIZE_MAX / 4 / sizeof(struct strtab_slot))
        return 0;
    while (n < 2 * max)
        n *= 2;
    return n;
}

void
strtab_init(struct strtab *t, struct strtab_slot *slots, size_t max,
            uint64_t seed, strtab_key_fn *key, const void *ctx)
{
    *t = (struct strtab){slots, strtab_slots_for(max) - 1, 0, max, seed, key,
                         ctx};
}

/*
 * The slot holding s[0..n), or the empty slot where it would go; *tag is
 * its tag. Terminates: the table is never more than half full.
 */
static struct strtab_slot *
strtab_find(const struct strtab *t, const char *s, size_t n, uint32_t *tag)
{
    uint64_t hv = util_hash64(t->seed, s, n);
    size_t i = (size_t)hv & t->mask;

    *tag = (uint32_t)(hv >> 32);
    for (;; i = (i + 1) & t->mask) {
        struct strtab_slot *sl = &t->slots[i];
        struct bytes k;

        if (sl->idx == 0)
            return sl;
        if (sl->tag != *tag)
            continue;
        k = t->key(t->ctx, sl->idx - 1);
        if (k.n == n && memcmp(k.p, s, n) == 0)
            return sl;
    }
}

uint32_t
strtab_get(const struct strtab *t, const char *s, size_t n)
{
    uint32_t tag;
    const struct strtab_slot *sl = strtab_find(t, s, n, &tag);

    return sl->idx != 0 ? sl->idx - 1 : STRTAB_NONE;
}

enum strtab_put
strtab_put(struct strtab *t, const char *s, size_t n, uint32_t idx,
           uint32_t *found)
{
    uint32_t tag;
    struct strtab_slot *sl = strtab_find(t, s, n, &tag);

    if (sl->idx != 0) {
        *found = sl->idx - 1;
        return STRTAB_FOUND;
    }
    if (t->n == t->cap || idx > STRTAB_IDX_MAX)
        return STRTAB_FULL;
    sl->idx = idx + 1;
    sl->tag = tag;
    t->n++;
    return STRTAB_ADDED;
}

uint64_t
strtab_seed(void)
{
    uint64_t seed;

    if (util_random(&seed, sizeof seed) != 0)
        seed = 0;
    return seed;
}
