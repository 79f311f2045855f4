#include "config.h"

#include <stdbool.h>

#include "b64.h"

/* 0..63 for the RFC 4648 section 4 alphabet, 0xff for anything else. */
static const unsigned char b64_value[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,
    ['G'] = 6,  ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
};

/* The table above leaves unlisted bytes at 0; 'A' is the only real 0. */
static int
b64_sextet(unsigned char c, unsigned *out)
{
    unsigned v = b64_value[c];

    if (v == 0 && c != 'A')
        return -1;
    *out = v;
    return 0;
}

int
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap,
           size_t *outlen)
{
    size_t o = 0;

    if (inlen % 4 != 0)
        return -1;
    for (size_t i = 0; i < inlen; i += 4) {
        const unsigned char *q = (const unsigned char *)in + i;
        bool last = i + 4 == inlen;
        size_t pad = 0;
        unsigned s[4];

        if (last && q[3] == '=')
            pad = q[2] == '=' ? 2 : 1;
        for (size_t k = 0; k < 4 - pad; k++)
            if (b64_sextet(q[k], &s[k]) < 0)
                return -1;
        if (o > outcap || outcap - o < 3 - pad)
            return -1;
        out[o++] = (unsigned char)(s[0] << 2 | s[1] >> 4);
        if (pad == 2) {
            /* RFC 4648 3.5: the unused bits must be zero. */
            if ((s[1] & 0x0f) != 0)
                return -1;
            break;
        }
        out[o++] = (unsigned char)((s[1] & 0x0f) << 4 | s[2] >> 2);
        if (pad == 1) {
            if ((s[2] & 0x03) != 0)
                return -1;
            break;
        }
        out[o++] = (unsigned char)((s[2] & 0x03) << 6 | s[3]);
    }
    *outlen = o;
    return 0;
}
