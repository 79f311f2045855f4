/*
 * fuzz_b64: b64_decode on any bytes.
 *
 * Checked: it accepts exactly what a strict RFC 4648 decoder written from
 * b64.h accepts, with the same bytes; what it decodes encodes back to the
 * very input (one value, one encoding); the output fits
 * B64_DECODED_MAX(inlen) and a buffer one byte too small is refused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t cap = B64_DECODED_MAX(size);
    char *in = malloc(size > 0 ? size : 1);
    unsigned char *out = malloc(cap > 0 ? cap : 1);
    unsigned char *ref = malloc(cap > 0 ? cap : 1);
    unsigned char *tight;
    char *back = malloc(size + 4);
    size_t outlen = (size_t)-1, again = 0;
    long reflen;
    int rc;

    if (in == NULL || out == NULL || ref == NULL || back == NULL)
        abort();
    memcpy(in, data, size);

    rc = b64_decode(in, size, out, cap, &outlen);
    reflen = fuzz_b64_ref_decode(in, size, ref);
    FUZZ_ASSERT(rc == 0 || rc == -1);
    FUZZ_ASSERT((rc == 0) == (reflen >= 0));
    if (rc == 0) {
        FUZZ_ASSERT(outlen <= cap);
        FUZZ_ASSERT(outlen == (size_t)reflen);
        FUZZ_ASSERT(memcmp(out, ref, outlen) == 0);
        /* Round trip: the decoded bytes have only this encoding. */
        FUZZ_ASSERT(fuzz_b64_encode(out, outlen, back) == size);
        FUZZ_ASSERT(memcmp(back, in, size) == 0);
        /*
         * Exactly enough room works; one byte less is refused. The buffers
         * are exactly that size, so ASan sees a write past the capacity.
         */
        tight = malloc(outlen > 0 ? outlen : 1);
        if (tight == NULL)
            abort();
        FUZZ_ASSERT(b64_decode(in, size, tight, outlen, &again) == 0);
        FUZZ_ASSERT(again == outlen);
        FUZZ_ASSERT(memcmp(tight, out, outlen) == 0);
        free(tight);
        if (outlen > 0) {
            tight = malloc(outlen > 1 ? outlen - 1 : 1);
            if (tight == NULL)
                abort();
            FUZZ_ASSERT(b64_decode(in, size, tight, outlen - 1, &again) == -1);
            free(tight);
        }
    }
    free(back);
    free(ref);
    free(out);
    free(in);
    return 0;
}
