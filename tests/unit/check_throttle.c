/*
 * check_throttle: bans per address (window) and per account (consecutive),
 * their expiry, and the bounded table.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "testutil.h"

#define B(s) ((struct bytes){(s), sizeof(s) - 1})

static struct throttle *
make(unsigned addr, unsigned window, unsigned user, unsigned ban, size_t size)
{
    struct throttle *t = throttle_new(
        &(struct throttle_opts){addr, window, user, ban, size, NULL, 0});

    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(throttle_address_window)
{
    struct throttle *t = make(3, 10, 0, 60, 1000);
    unsigned retry = 0;

    throttle_fail(t, B("192.0.2.1"), B("p"), B("u1"), 100);
    throttle_fail(t, B("192.0.2.1"), B("p"), B("u2"), 101);
    ck_assert_int_eq(
        throttle_check(t, B("192.0.2.1"), B("p"), B("x"), 102, &retry),
        THROTTLE_PASS);
    throttle_fail(t, B("192.0.2.1"), B("p"), B("u3"), 102);
    ck_assert_int_eq(
        throttle_check(t, B("192.0.2.1"), B("p"), B("x"), 103, &retry),
        THROTTLE_ADDR);
    ck_assert_uint_eq(retry, 59);
    /* Another address, and the ban's end. */
    ck_assert_int_eq(
        throttle_check(t, B("192.0.2.2"), B("p"), B("x"), 103, NULL),
        THROTTLE_PASS);
    ck_assert_int_eq(
        throttle_check(t, B("192.0.2.1"), B("p"), B("x"), 162, NULL),
        THROTTLE_PASS);
    throttle_free(t);
}
END_TEST

/* Failures spread wider than the window never add up to a ban. */
START_TEST(throttle_window_slides)
{
    struct throttle *t = make(3, 10, 0, 60, 1000);

    for (uint64_t now = 100; now < 200; now += 6)
        throttle_fail(t, B("192.0.2.1"), B("p"), B("u"), now);
    ck_assert_int_eq(
        throttle_check(t, B("192.0.2.1"), B("p"), B("u"), 200, NULL),
        THROTTLE_PASS);
    throttle_free(t);
}
END_TEST

START_TEST(throttle_account_consecutive)
{
    struct throttle *t = make(0, 10, 3, 60, 1000);
    struct throttle_stats st;

    throttle_fail(t, B("a1"), B("p"), B("bob"), 100);
    throttle_fail(t, B("a2"), B("p"), B("bob"), 500);
    throttle_success(t, B("p"), B("bob"), true);
    throttle_fail(t, B("a3"), B("p"), B("bob"), 900);
    throttle_fail(t, B("a4"), B("p"), B("bob"), 1300);
    ck_assert_int_eq(throttle_check(t, B("a5"), B("p"), B("bob"), 1301, NULL),
                     THROTTLE_PASS);
    throttle_fail(t, B("a5"), B("p"), B("bob"), 1700);
    ck_assert_int_eq(throttle_check(t, B("a6"), B("p"), B("bob"), 1701, NULL),
                     THROTTLE_USER);
    /* The same name in another profile is another account. */
    ck_assert_int_eq(throttle_check(t, B("a6"), B("q"), B("bob"), 1701, NULL),
                     THROTTLE_PASS);
    /* Address regulation is off: addresses are never banned. */
    ck_assert_int_eq(throttle_check(t, B("a5"), B("p"), B("x"), 1701, NULL),
                     THROTTLE_PASS);
    throttle_get_stats(t, &st);
    ck_assert_uint_eq(st.user_bans, 1);
    ck_assert_uint_eq(st.addr_bans, 0);
    ck_assert_uint_eq(st.refused, 1);
    throttle_free(t);
}
END_TEST

/* Length-shifted tuples are different accounts. */
START_TEST(throttle_keys_do_not_shift)
{
    struct throttle *t = make(0, 10, 1, 60, 1000);

    throttle_fail(t, B("a"), B("ab"), B("c"), 100);
    ck_assert_int_eq(throttle_check(t, B("a"), B("a"), B("bc"), 100, NULL),
                     THROTTLE_PASS);
    ck_assert_int_eq(throttle_check(t, B("a"), B("ab"), B("c"), 100, NULL),
                     THROTTLE_USER);
    throttle_free(t);
}
END_TEST

START_TEST(throttle_off_and_empty)
{
    struct throttle *t = make(0, 10, 0, 60, 1000);

    for (int i = 0; i < 1000; i++)
        throttle_fail(t, B("a"), B("p"), B("u"), 100);
    ck_assert_int_eq(throttle_check(t, B("a"), B("p"), B("u"), 100, NULL),
                     THROTTLE_PASS);
    throttle_free(t);
    t = make(1, 10, 1, 60, 1000);
    throttle_fail(t, BYTES_NULL, BYTES_NULL, BYTES_NULL, 100);
    ck_assert_int_eq(
        throttle_check(t, BYTES_NULL, BYTES_NULL, BYTES_NULL, 100, NULL),
        THROTTLE_PASS);
    throttle_free(t);
    ck_assert_int_eq(throttle_check(NULL, B("a"), B("p"), B("u"), 1, NULL),
                     THROTTLE_PASS);
}
END_TEST

/* A million distinct addresses: the table stays within its size. */
START_TEST(throttle_bounded)
{
    struct throttle *t = make(2, 10, 0, 60, 1000);
    struct throttle_stats st;
    char a[32];

    for (int i = 0; i < 1000000; i++) {
        int n = snprintf(a, sizeof a, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
                         i & 255);

        throttle_fail(t, (struct bytes){a, (size_t)n}, B("p"), B("u"),
                      (uint64_t)(100 + i / 1000));
    }
    throttle_get_stats(t, &st);
    ck_assert_uint_le(st.entries, 1024);
    throttle_free(t);
}
END_TEST

/* What a peer is told: the last failure's kind and MAC. */
struct told {
    char kind;
    uint8_t mac[THROTTLE_DIGEST];
    unsigned fails, successes;
};

static void
told_fail(void *arg, char kind, const uint8_t mac[THROTTLE_DIGEST])
{
    struct told *w = arg;

    w->kind = kind;
    memcpy(w->mac, mac, THROTTLE_DIGEST);
    w->fails++;
}

static void
told_success(void *arg, const uint8_t mac[THROTTLE_DIGEST])
{
    struct told *w = arg;

    memcpy(w->mac, mac, THROTTLE_DIGEST);
    w->successes++;
}

/*
 * Two tables under one key (two nodes): the MAC one tells its peer is the
 * one the other keys the same address by, so a ban passed on by that MAC
 * refuses the address there, and only that address.
 */
START_TEST(throttle_shared_key_bans_across_tables)
{
    static const char key[] = "0123456789abcdef0123456789abcdef";
    struct throttle_opts o = {3, 10, 5, 60, 1000, key, sizeof key - 1};
    struct throttle *a = throttle_new(&o), *b = throttle_new(&o);
    struct told w = {0};
    struct throttle_stats st;
    unsigned retry = 0;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    throttle_set_peer(
        a, &(struct throttle_peer){told_fail, told_success, NULL, &w});
    throttle_fail(a, B("192.0.2.1"), B("p"), BYTES_NULL, 100);
    ck_assert_uint_eq(w.fails, 1);
    ck_assert_int_eq(w.kind, 'a');
    ck_assert(throttle_ban(b, w.mac, 30, 101));
    ck_assert(!throttle_ban(b, w.mac, 10, 101)); /* already, and longer */
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.1"), B("p"), B("x"), 102, &retry),
        THROTTLE_ADDR);
    ck_assert_uint_eq(retry, 29);
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.2"), B("p"), B("x"), 102, NULL),
        THROTTLE_PASS);
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.1"), B("p"), B("x"), 131, NULL),
        THROTTLE_PASS);
    /* An account: the peer hears of the failure and of the success. */
    throttle_fail(a, BYTES_NULL, B("p"), B("bob"), 100);
    ck_assert_int_eq(w.kind, 'u');
    throttle_ban(b, w.mac, 30, 101);
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.3"), B("p"), B("bob"), 102, NULL),
        THROTTLE_USER);
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.3"), B("q"), B("bob"), 102, NULL),
        THROTTLE_PASS); /* another profile's bob */
    throttle_success(a, B("p"), B("bob"), true);
    ck_assert_uint_eq(w.successes, 1);
    /* A cached answer with no failures counted here: the peer is spared. */
    throttle_success(a, B("p"), B("bob"), false);
    ck_assert_uint_eq(w.successes, 1);
    throttle_fail(a, BYTES_NULL, B("p"), B("bob"), 103);
    throttle_success(a, B("p"), B("bob"), false); /* ends a count: told */
    ck_assert_uint_eq(w.successes, 2);
    throttle_get_stats(b, &st);
    ck_assert_uint_eq(st.remote_bans, 2);
    ck_assert(!st.shared); /* b has no peer */
    throttle_free(a);
    throttle_free(b);
}
END_TEST

/* Random keys (no shared key): one table's MAC means nothing to another. */
START_TEST(throttle_random_keys_differ)
{
    struct throttle *a = make(3, 10, 0, 60, 1000),
                    *b = make(3, 10, 0, 60, 1000);
    struct told w = {0};

    throttle_set_peer(a, &(struct throttle_peer){told_fail, NULL, NULL, &w});
    throttle_fail(a, B("192.0.2.1"), B("p"), BYTES_NULL, 100);
    throttle_ban(b, w.mac, 30, 101);
    ck_assert_int_eq(
        throttle_check(b, B("192.0.2.1"), B("p"), B("x"), 102, NULL),
        THROTTLE_PASS);
    throttle_free(a);
    throttle_free(b);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("bans");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, throttle_address_window);
    tcase_add_test(tc, throttle_window_slides);
    tcase_add_test(tc, throttle_account_consecutive);
    tcase_add_test(tc, throttle_keys_do_not_shift);
    tcase_add_test(tc, throttle_off_and_empty);
    tcase_add_test(tc, throttle_bounded);
    tcase_add_test(tc, throttle_shared_key_bans_across_tables);
    tcase_add_test(tc, throttle_random_keys_differ);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
