/*
 * Unit tests for responder/b64.c: strict RFC 4648 section 4 decoding.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

/* RFC 4648 section 10 test vectors, plus bytes that use every bit. */
static const struct {
    const char *in;
    const char *out;
    size_t outlen;
} good[] = {
    {"", "", 0},
    {"Zg==", "f", 1},
    {"Zm8=", "fo", 2},
    {"Zm9v", "foo", 3},
    {"Zm9vYg==", "foob", 4},
    {"Zm9vYmE=", "fooba", 5},
    {"Zm9vYmFy", "foobar", 6},
    {"AAAA", "\0\0\0", 3},
    {"////", "\xff\xff\xff", 3},
    {"+/+/", "\xfb\xff\xbf", 3},
    {"AA==", "\0", 1},
    {"AAA=", "\0\0", 2},
    {"QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin:open sesame", 19},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
     "\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51\x55"
     "\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a\xab\xb2"
     "\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
     48},
};

START_TEST(b64_decode_vectors)
{
    const char *in = good[_i].in;
    unsigned char out[64];
    size_t outlen = 999;

    ck_assert_msg(b64_decode(in, strlen(in), out, sizeof out, &outlen) == 0,
                  "'%s' rejected", in);
    ck_assert_uint_eq(outlen, good[_i].outlen);
    ck_assert_mem_eq(out, good[_i].out, good[_i].outlen);
    ck_assert_uint_le(outlen, B64_DECODED_MAX(strlen(in)));
}
END_TEST

/* Exactly the decoded size is enough room. */
START_TEST(b64_decode_exact_capacity)
{
    const char *in = good[_i].in;
    unsigned char *out = malloc(good[_i].outlen + 1);
    size_t outlen = 999;

    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(b64_decode(in, strlen(in), out, good[_i].outlen, &outlen),
                     0);
    ck_assert_uint_eq(outlen, good[_i].outlen);
    ck_assert_mem_eq(out, good[_i].out, good[_i].outlen);
    free(out);
}
END_TEST

/* One byte less than the decoded size is refused. */
START_TEST(b64_decode_outcap_too_small)
{
    const char *in = good[_i].in;
    size_t need = good[_i].outlen;
    unsigned char *out;
    size_t outlen = 999;

    if (need == 0)
        return;
    out = malloc(need);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(b64_decode(in, strlen(in), out, need - 1, &outlen), -1);
    ck_assert_uint_eq(outlen, 999);
    free(out);
}
END_TEST

static const char *const bad[] = {
    "Zg",  /* missing padding */
    "Zg=", /* short padding, length not a multiple of 4 */
    "Zm9", /* length not a multiple of 4 */
    "Z",        "Zm9vY",    "Zm9vYg",   "Zm9vYg=",
    "Zm9vYmE",  "Zg==Zg==",         /* '=' in the middle */
    "Zg==Zm9v", "Zm8=Zm9v", "Zm=v", /* '=' before a data character */
    "Z=8=",     "Z===",             /* three pads */
    "====",     "=Zm9",     "Zm9v====", "Zh==",  /* non-zero unused bits */
    "Zm9=",     "Zm9vYh==", "Zm9vYmF=", "Zm 9v", /* whitespace inside */
    "Zm9 ",     " Zm9",     "Zm9v\n",   "Zm9v\r\nZm9v",
    "Zm\t9",    "Zm-v", /* base64url alphabet is not accepted */
    "Zm_v",     "-_-_",     "Zm9v.AAA", "Zm9v*AAA",
    "Zm9\x80", /* bytes outside ASCII */
    "Zm9\xff",  "Zg=\xff",
};

START_TEST(b64_decode_rejects)
{
    const char *in = bad[_i];
    unsigned char out[64];
    size_t outlen = 999;

    ck_assert_msg(b64_decode(in, strlen(in), out, sizeof out, &outlen) == -1,
                  "case %d '%s' accepted", _i, in);
    ck_assert_uint_eq(outlen, 999);
}
END_TEST

/* A NUL is not in the alphabet, and in[0..inlen) is the whole input. */
START_TEST(b64_decode_nul_and_length)
{
    unsigned char out[16];
    size_t outlen = 0;

    ck_assert_int_eq(b64_decode("Zm\0v", 4, out, sizeof out, &outlen), -1);
    ck_assert_int_eq(b64_decode("AAAA", 4, out, sizeof out, &outlen), 0);
    ck_assert_uint_eq(outlen, 3);
    /* Bytes past inlen are not read as input. */
    ck_assert_int_eq(b64_decode("Zm9vZZZ", 4, out, sizeof out, &outlen), 0);
    ck_assert_uint_eq(outlen, 3);
    ck_assert_mem_eq(out, "foo", 3);
    /* An empty input needs no room at all. */
    ck_assert_int_eq(b64_decode("", 0, out, 0, &outlen), 0);
    ck_assert_uint_eq(outlen, 0);
}
END_TEST

/* Every byte value round-trips through a hand-made encoding. */
START_TEST(b64_decode_all_bytes)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[258], out[258];
    char enc[344 + 1];
    size_t o = 0, outlen = 0;

    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof raw; i += 3) {
        unsigned v =
            (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];

        enc[o++] = alphabet[v >> 18 & 63];
        enc[o++] = alphabet[v >> 12 & 63];
        enc[o++] = alphabet[v >> 6 & 63];
        enc[o++] = alphabet[v & 63];
    }
    enc[o] = '\0';
    ck_assert_uint_eq(o, 344);
    ck_assert_int_eq(b64_decode(enc, o, out, sizeof out, &outlen), 0);
    ck_assert_uint_eq(outlen, sizeof raw);
    ck_assert_mem_eq(out, raw, sizeof raw);
}
END_TEST

START_TEST(b64_decoded_max_macro)
{
    ck_assert_uint_eq(B64_DECODED_MAX(0), 0);
    ck_assert_uint_eq(B64_DECODED_MAX(4), 3);
    ck_assert_uint_eq(B64_DECODED_MAX(8), 6);
    ck_assert_uint_eq(B64_DECODED_MAX(1368), 1026);
}
END_TEST

static Suite *
b64_suite(void)
{
    Suite *s = suite_create("b64");
    TCase *tc;
    int ngood = (int)(sizeof good / sizeof good[0]);

    tc = tcase_create("vectors");
    tcase_add_loop_test(tc, b64_decode_vectors, 0, ngood);
    tcase_add_loop_test(tc, b64_decode_exact_capacity, 0, ngood);
    tcase_add_loop_test(tc, b64_decode_outcap_too_small, 0, ngood);
    tcase_add_test(tc, b64_decode_all_bytes);
    tcase_add_test(tc, b64_decoded_max_macro);
    suite_add_tcase(s, tc);

    tc = tcase_create("strict");
    tcase_add_loop_test(tc, b64_decode_rejects, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, b64_decode_nul_and_length);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(b64_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
