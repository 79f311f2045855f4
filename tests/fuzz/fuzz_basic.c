/*
 * fuzz_basic: basic_parse on any Authorization value.
 *
 * Checked on every input: the outcome is the one basic.h's contract gives
 * (restated in fuzz_basic_ref); on BASIC_OK the user is not empty and holds
 * no ':' or control byte, the password holds no control byte, both views
 * lie inside cred->buf and are the decoded text split at its first ':';
 * on BASIC_MALFORMED nothing decoded is left in the buffer; after
 * basic_cred_wipe the buffer is zero and the views empty.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "basic.h"
#include "fuzz.h"

/* Whether the view v lies inside buf[0..cap). */
static bool
inside(struct bytes v, const char *buf, size_t cap)
{
    return v.p >= buf && v.p <= buf + cap && v.n <= (size_t)(buf + cap - v.p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* On the heap, exactly sized: ASan sees a read past the value. */
    char *hdr = malloc(size > 0 ? size : 1);
    struct basic_cred *cred = malloc(sizeof *cred);
    unsigned char ref[BASIC_DECODED_MAX + 2];
    size_t ulen = 0, dlen = 0;
    enum basic_result r;
    enum fuzz_basic want;

    if (hdr == NULL || cred == NULL)
        abort();
    memcpy(hdr, data, size);
    /* Garbage, as on a worker's stack: the parser must set what it uses. */
    memset(cred, 0xa5, sizeof *cred);

    r = basic_parse(hdr, size, cred);
    want = fuzz_basic_ref(hdr, size, BASIC_TOKEN_MAX, BASIC_DECODED_MAX, ref,
                          &ulen, &dlen);
    switch (r) {
    case BASIC_OK:
        FUZZ_ASSERT(want == FUZZ_BASIC_OK);
        FUZZ_ASSERT(cred->user.n > 0);
        FUZZ_ASSERT(inside(cred->user, cred->buf, sizeof cred->buf));
        FUZZ_ASSERT(inside(cred->password, cred->buf, sizeof cred->buf));
        FUZZ_ASSERT(cred->user.p == cred->buf);
        FUZZ_ASSERT(cred->password.p == cred->user.p + cred->user.n + 1);
        FUZZ_ASSERT(cred->buf[cred->user.n] == ':');
        FUZZ_ASSERT(memchr(cred->user.p, ':', cred->user.n) == NULL);
        FUZZ_ASSERT(!fuzz_has_ctl(cred->user.p, cred->user.n));
        FUZZ_ASSERT(!fuzz_has_ctl(cred->password.p, cred->password.n));
        FUZZ_ASSERT(cred->user.n == ulen);
        FUZZ_ASSERT(cred->user.n + 1 + cred->password.n == dlen);
        FUZZ_ASSERT(memcmp(cred->buf, ref, dlen) == 0);
        break;
    case BASIC_OTHER:
        FUZZ_ASSERT(want == FUZZ_BASIC_OTHER);
        FUZZ_ASSERT(cred->user.p == NULL && cred->user.n == 0);
        FUZZ_ASSERT(cred->password.p == NULL && cred->password.n == 0);
        break;
    case BASIC_MALFORMED:
        FUZZ_ASSERT(want == FUZZ_BASIC_MALFORMED);
        FUZZ_ASSERT(cred->user.p == NULL && cred->user.n == 0);
        FUZZ_ASSERT(cred->password.p == NULL && cred->password.n == 0);
        /* Half-decoded secrets are wiped on this path too. */
        FUZZ_ASSERT(fuzz_all_zero(cred->buf, sizeof cred->buf));
        break;
    default:
        fuzz_fail(__FILE__, __LINE__, "basic_parse: not a basic_result");
    }

    basic_cred_wipe(cred);
    FUZZ_ASSERT(fuzz_all_zero(cred->buf, sizeof cred->buf));
    FUZZ_ASSERT(cred->user.p == NULL && cred->user.n == 0);
    FUZZ_ASSERT(cred->password.p == NULL && cred->password.n == 0);
    free(cred);
    free(hdr);
    return 0;
}
