/*
 * fuzz: what the libFuzzer targets share: the entry points, a check that
 * aborts with a message (libFuzzer then keeps the input as crash-*), a
 * diag receiver that stays quiet, and small reference helpers written from
 * the headers' contracts rather than from the code they check.
 */
#ifndef FCGI_AUTHD_FUZZ_H
#define FCGI_AUTHD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Where failure messages go: stderr, unless a target moved it (the
 * decision target keeps a copy of stderr before libFuzzer's
 * -close_fd_mask=2 silences the daemon's log).
 */
static int fuzz_report_fd = 2;

__attribute__((noreturn)) static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    dprintf(fuzz_report_fd, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

/* An invariant of the code under test; on failure the input is kept. */
#define FUZZ_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)

/* A diag_fn that drops everything: parsers report to it at every line. */
static inline void
fuzz_diag_quiet(void *ctx, enum log_level sev, const char *file, unsigned line,
                const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)file;
    (void)line;
    (void)msg;
}

/* True when p[0..n) holds a byte < 0x20 or 0x7f (RFC 7617's CTL). */
static inline bool
fuzz_has_ctl(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return true;
    return false;
}

static inline bool
fuzz_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

/* ASCII case-insensitive: does p[0..n) start with the lower-case lit? */
static inline bool
fuzz_istarts(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);

    if (n < l)
        return false;
    for (size_t i = 0; i < l; i++) {
        char c = p[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* -------------------------------------- reference base64 (RFC 4648 4) -- */

static const char fuzz_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline int
fuzz_b64_value(char c)
{
    const char *p = c != '\0' ? strchr(fuzz_b64_alphabet, c) : NULL;

    return p != NULL ? (int)(p - fuzz_b64_alphabet) : -1;
}

/*
 * Strict decoding as b64.h states it, written out quartet by quartet:
 * length a multiple of 4, "=" only as the last one or two characters,
 * unused bits zero. Returns the decoded length, or -1. out must hold
 * in_len / 4 * 3 bytes.
 */
static inline long
fuzz_b64_ref_decode(const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;

    if (n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        size_t pad = 0;
        bool last = i + 4 == n;

        if (last && in[i + 3] == '=')
            pad = in[i + 2] == '=' ? 2 : 1;
        for (size_t k = 0; k < 4 - pad; k++) {
            v[k] = fuzz_b64_value(in[i + k]);
            if (v[k] < 0)
                return -1;
        }
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (pad == 2) {
            if ((v[1] & 0x0f) != 0)
                return -1;
            break;
        }
        out[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
        if (pad == 1) {
            if ((v[2] & 0x03) != 0)
                return -1;
            break;
        }
        out[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
    }
    return (long)o;
}

/* Encode in[0..n) with padding into out (4 * ceil(n / 3) bytes). */
static inline size_t
fuzz_b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i;

    for (i = 0; i + 3 <= n; i += 3) {
        unsigned v =
            (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = fuzz_b64_alphabet[v >> 18 & 63];
        out[o++] = fuzz_b64_alphabet[v >> 12 & 63];
        out[o++] = fuzz_b64_alphabet[v >> 6 & 63];
        out[o++] = fuzz_b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;

        out[o++] = fuzz_b64_alphabet[v >> 18 & 63];
        out[o++] = fuzz_b64_alphabet[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

        out[o++] = fuzz_b64_alphabet[v >> 18 & 63];
        out[o++] = fuzz_b64_alphabet[v >> 12 & 63];
        out[o++] = fuzz_b64_alphabet[v >> 6 & 63];
        out[o++] = '=';
    }
    return o;
}

/* ------------------------------------------- reference Basic (RFC 7617) -- */

enum fuzz_basic {
    FUZZ_BASIC_OK,
    FUZZ_BASIC_OTHER,
    FUZZ_BASIC_MALFORMED,
};

/*
 * basic.h's contract, restated: "Basic" (any case), then one or more
 * spaces (a tab right after the scheme is a malformed Basic, any other
 * byte another scheme), a strict base64 token of at most token_max bytes,
 * optional trailing spaces; the decoded text (at most decoded_max bytes)
 * split at its first ':', the user not empty, no CTL anywhere. On
 * FUZZ_BASIC_OK the decoded text is in out (decoded_max + 2 bytes) and
 * *ulen, *dlen say where the user ends and the text ends.
 */
static inline enum fuzz_basic
fuzz_basic_ref(const char *h, size_t n, size_t token_max, size_t decoded_max,
               unsigned char *out, size_t *ulen, size_t *dlen)
{
    size_t i, end;
    long d;
    const unsigned char *colon;

    if (!fuzz_istarts(h, n, "basic"))
        return FUZZ_BASIC_OTHER;
    if (n == 5 || h[5] == '\t')
        return FUZZ_BASIC_MALFORMED;
    if (h[5] != ' ')
        return FUZZ_BASIC_OTHER;
    for (i = 5; i < n && h[i] == ' '; i++)
        ;
    for (end = n; end > i && h[end - 1] == ' '; end--)
        ;
    if (end == i || end - i > token_max)
        return FUZZ_BASIC_MALFORMED;
    d = fuzz_b64_ref_decode(h + i, end - i, out);
    if (d < 0 || (size_t)d > decoded_max)
        return FUZZ_BASIC_MALFORMED;
    colon = memchr(out, ':', (size_t)d);
    if (colon == NULL || colon == out ||
        fuzz_has_ctl((const char *)out, (size_t)d))
        return FUZZ_BASIC_MALFORMED;
    *ulen = (size_t)(colon - out);
    *dlen = (size_t)d;
    return FUZZ_BASIC_OK;
}

#endif
