#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"

static uint64_t
mac2(const struct mac *m, const char *a, const char *b)
{
    struct mac_run r;

    mac_begin(m, &r);
    mac_field(&r, (struct bytes){a, strlen(a)});
    mac_field(&r, (struct bytes){b, strlen(b)});
    return mac_end64(&r);
}

START_TEST(mac_same_key_same_value)
{
    struct mac m;

    ck_assert_int_eq(mac_init(&m), 0);
    ck_assert(mac2(&m, "192.0.2.1", "alice") == mac2(&m, "192.0.2.1", "alice"));
}
END_TEST

/* Fields are framed by their length: moving a byte across changes it. */
START_TEST(mac_fields_framed)
{
    struct mac m;

    ck_assert_int_eq(mac_init(&m), 0);
    ck_assert(mac2(&m, "ab", "c") != mac2(&m, "a", "bc"));
    ck_assert(mac2(&m, "", "abc") != mac2(&m, "abc", ""));
}
END_TEST

/* Two processes (two keys) place the same bytes differently. */
START_TEST(mac_keyed)
{
    struct mac a, b;

    ck_assert_int_eq(mac_init(&a), 0);
    ck_assert_int_eq(mac_init(&b), 0);
    ck_assert(mac2(&a, "198.51.100.7", "bob") !=
              mac2(&b, "198.51.100.7", "bob"));
}
END_TEST

/* It is HMAC-SHA-256: the RFC 4231 test case 2 key gives its digest. */
START_TEST(mac_is_hmac_sha256)
{
    static const unsigned char want[8] = {0x5b, 0xdc, 0xc1, 0x46,
                                          0xbf, 0x60, 0x75, 0x4e};
    struct mac m;
    struct mac_run r;
    unsigned char out[8];

    hmac_sha256_set_key(&m.keyed, 4, (const uint8_t *)"Jefe");
    mac_begin(&m, &r);
    hmac_sha256_update(&r.ctx, 28,
                       (const uint8_t *)"what do ya want for nothing?");
    mac_end(&r, out, sizeof out);
    ck_assert_mem_eq(out, want, sizeof want);
}
END_TEST

static Suite *
mac_suite(void)
{
    Suite *s = suite_create("mac");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, mac_same_key_same_value);
    tcase_add_test(tc, mac_fields_framed);
    tcase_add_test(tc, mac_keyed);
    tcase_add_test(tc, mac_is_hmac_sha256);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(mac_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
