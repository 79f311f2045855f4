#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "util.h"

bool
util_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile unsigned char *pa = a;
    const volatile unsigned char *pb = b;
    size_t n = alen > blen ? alen : blen;
    unsigned char diff = alen != blen;

    /*
     * Walk the longer length; bytes past the end of the shorter side are
     * compared against its last byte (or 0 when empty) so the loop never
     * reads out of bounds and never stops early.
     */
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? pa[i] : (alen ? pa[alen - 1] : 0);
        unsigned char y = i < blen ? pb[i] : (blen ? pb[blen - 1] : 0);
        diff |= (unsigned char)(x ^ y);
    }
    return diff == 0;
}

void
util_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
#endif
}

int
util_parse_ulong(const char *s, size_t n, unsigned long min, unsigned long max,
                 unsigned long *out)
{
    unsigned long v = 0;

    if (s == NULL || n == 0)
        return -1;
    /* Leading zeroes do not count against the 20 digits of a 64-bit value. */
    while (n > 1 && s[0] == '0') {
        s++;
        n--;
    }
    if (n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return -1;
        d = (unsigned)(s[i] - '0');
        if (v > (~0UL - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

bool
util_bytes_ieq(struct bytes a, const char *lit)
{
    size_t n = strlen(lit);

    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.p[i];
        unsigned char y = (unsigned char)lit[i];

        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + ('a' - 'A'));
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + ('a' - 'A'));
        if (x != y)
            return false;
    }
    return true;
}

bool
util_has_ctl(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

int
util_random(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}
