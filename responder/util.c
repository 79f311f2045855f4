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

static int
util_hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
util_hex_decode(struct bytes s, unsigned char *out, size_t n)
{
    if (s.n != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = util_hex_nibble(s.p[2 * i]);
        int lo = util_hex_nibble(s.p[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

void
util_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The fixed-width decimal field s[0..w) into *out; 0 or -1. */
static int
util_digits(const char *s, size_t w, unsigned long min, unsigned long max,
            unsigned long *out)
{
    return util_parse_ulong(s, w, min, max, out);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static long long
util_days(unsigned long y, unsigned long m, unsigned long d)
{
    /* Count March-based years so the leap day ends the year. */
    long long yy = (long long)y - (m <= 2);
    long long era = yy / 400;
    long long yoe = yy - era * 400;
    long long mp = ((long long)m + 9) % 12;
    long long doy = (153 * mp + 2) / 5 + (long long)d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

int
util_parse_utc(const char *s, size_t n, long long *out)
{
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
    unsigned long y, m, d, hh = 0, mm = 0, ss = 0;

    if ((n != 10 && n != 20) || s[4] != '-' || s[7] != '-')
        return -1;
    if (util_digits(s, 4, 1970, 9999, &y) < 0 ||
        util_digits(s + 5, 2, 1, 12, &m) < 0 ||
        util_digits(s + 8, 2, 1, mdays[m - 1], &d) < 0)
        return -1;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    if (n == 20) {
        if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
            util_digits(s + 11, 2, 0, 23, &hh) < 0 ||
            util_digits(s + 14, 2, 0, 59, &mm) < 0 ||
            util_digits(s + 17, 2, 0, 59, &ss) < 0)
            return -1;
    }
    *out = util_days(y, m, d) * 86400 + (long long)(hh * 3600 + mm * 60 + ss);
    return 0;
}

uint64_t
util_hash64(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    h ^= n;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
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

bool
util_expired(long long expires, long long now)
{
    return expires != 0 && now >= expires;
}
