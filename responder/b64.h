/*
 * b64: strict RFC 4648 section 4 base64 decoding of untrusted input.
 */
#ifndef FCGI_AUTHD_B64_H
#define FCGI_AUTHD_B64_H

#include <stddef.h>

/* Bytes needed to hold the decoding of inlen input bytes. */
#define B64_DECODED_MAX(inlen) (((inlen) / 4) * 3)

/*
 * Decode in[0..inlen) into out (capacity outcap). Strict: the standard
 * alphabet only, inlen a multiple of 4, "=" padding required and only at the
 * end, no whitespace, and the unused bits before padding must be zero (so one
 * value has exactly one encoding). An empty input decodes to 0 bytes.
 * Returns 0 and sets *outlen, or -1 on any violation or when outcap is too
 * small. On -1 out may hold partial output: the caller wipes it.
 */
int b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap,
               size_t *outlen);

#endif
