/*
 * check_store: the version in service (snapshots here), references and
 * swaps.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "snapshot.h"
#include "store.h"
#include "testutil.h"

static char users[256];
static struct conf conf;

static void
setup(void)
{
    testutil_tmpdir("check_store");
    snprintf(
        users, sizeof users, "%s",
        testutil_write_file("users", "u:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"));
    conf_init(&conf);
    ck_assert_int_eq(
        conf_set(&conf, "user_file", users, NULL, 0, testutil_quiet_diag, NULL),
        0);
}

static void
teardown(void)
{
    conf_free(&conf);
    testutil_cleanup();
}

START_TEST(store_swap_keeps_old_until_released)
{
    struct snapshot *a = snapshot_load(&conf, testutil_quiet_diag, NULL);
    struct snapshot *b = snapshot_load(&conf, testutil_quiet_diag, NULL);
    struct store *st = store_new(a, snapshot_free_obj);
    const struct snapshot *held, *now;
    uint64_t gen_a = a->generation;

    ck_assert_ptr_nonnull(st);
    held = store_acquire(st);
    ck_assert_ptr_eq(held, a);
    store_swap(st, b);
    now = store_acquire(st);
    ck_assert_ptr_eq(now, b);
    /* Still readable: a request in flight keeps its snapshot. */
    ck_assert_uint_eq(held->generation, gen_a);
    ck_assert_ptr_nonnull(held->profiles[0].users);
    store_release(st, held); /* frees a (valgrind checks) */
    store_release(st, now);
    store_free(st);
}
END_TEST

START_TEST(store_swap_without_users_frees_at_once)
{
    struct store *st = store_new(
        snapshot_load(&conf, testutil_quiet_diag, NULL), snapshot_free_obj);

    for (int i = 0; i < 100; i++)
        store_swap(st, snapshot_load(&conf, testutil_quiet_diag, NULL));
    store_free(st);
}
END_TEST

START_TEST(store_signature_follows_the_files)
{
    struct snapshot *s = snapshot_load(&conf, testutil_quiet_diag, NULL);
    FILE *f;

    ck_assert_uint_eq(snapshot_signature(s), s->signature);
    f = fopen(users, "a");
    fputs("v:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n", f);
    fclose(f);
    ck_assert_uint_ne(snapshot_signature(s), s->signature);
    unlink(users);
    ck_assert_uint_ne(snapshot_signature(s), s->signature);
    snapshot_free(s);
}
END_TEST

START_TEST(store_reload_refuses_an_empty_user_file)
{
    FILE *f = fopen(users, "w");
    struct snapshot *s;

    fclose(f);
    s = snapshot_load(&conf, testutil_quiet_diag, NULL);
    ck_assert_ptr_nonnull(s); /* at start-up: warned, allowed */
    snapshot_free(s);
    ck_assert_ptr_null(snapshot_reload(&conf, testutil_quiet_diag, NULL));
}
END_TEST

/* A store with nothing yet (a JWK Set not fetched): NULL, then versions. */
START_TEST(store_starts_empty)
{
    struct store *st = store_new(NULL, snapshot_free_obj);
    struct snapshot *a = snapshot_load(&conf, testutil_quiet_diag, NULL);
    const struct snapshot *none, *held;

    ck_assert_ptr_nonnull(st);
    none = store_acquire(st);
    ck_assert_ptr_null(none);
    store_swap(st, a);
    store_release(st, none); /* a no-op: must not touch a's count */
    held = store_acquire(st);
    ck_assert_ptr_eq(held, a);
    store_swap(st, snapshot_load(&conf, testutil_quiet_diag, NULL));
    ck_assert_ptr_nonnull(held->profiles[0].users); /* still held */
    store_release(st, held); /* frees a (valgrind checks) */
    store_free(st);
}
END_TEST

struct hammer {
    struct store *st;
    int done;
};

static void *
reader(void *arg)
{
    struct hammer *h = arg;

    for (int i = 0; i < 20000; i++) {
        const struct snapshot *s = store_acquire(h->st);

        ck_assert_ptr_nonnull(s->profiles[0].users);
        store_release(h->st, s);
    }
    return NULL;
}

/* Readers and a swapper at once (run under TSan in CI). */
START_TEST(store_concurrent_swaps)
{
    struct hammer h = {
        store_new(snapshot_load(&conf, testutil_quiet_diag, NULL),
                  snapshot_free_obj),
        0};
    pthread_t t[4];

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader, &h);
    for (int i = 0; i < 200; i++)
        store_swap(h.st, snapshot_load(&conf, testutil_quiet_diag, NULL));
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    store_free(h.st);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("swap");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, store_swap_keeps_old_until_released);
    tcase_add_test(tc, store_swap_without_users_frees_at_once);
    tcase_add_test(tc, store_signature_follows_the_files);
    tcase_add_test(tc, store_reload_refuses_an_empty_user_file);
    tcase_add_test(tc, store_concurrent_swaps);
    tcase_add_test(tc, store_starts_empty);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
