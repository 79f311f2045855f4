/*
 * check_strtab: the string table of the user and group files: lookups,
 * repeats, capacity, collisions and any seed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

/* Keys as a caller keeps them: an array of views. */
static struct bytes
key_of(const void *ctx, uint32_t idx)
{
    return ((const struct bytes *)ctx)[idx];
}

static const struct {
    size_t max;
    size_t slots; /* 0: too many */
} slots_cases[] = {
    {0, 16},
    {1, 16},
    {8, 16},
    {9, 32},
    {1000, 2048},
    {(size_t)1 << 30, (size_t)1 << 31},
    {((size_t)1 << 30) + 1, 0},
    {SIZE_MAX, 0},
};

START_TEST(strtab_slots_table)
{
    ck_assert_uint_eq(strtab_slots_for(slots_cases[_i].max),
                      slots_cases[_i].slots);
}
END_TEST

/* Seeds 0, 1 and a random one: the layout varies, the answers never. */
static const uint64_t seeds[] = {0, 1, 0x9e3779b97f4a7c15ULL};

START_TEST(strtab_put_get)
{
    enum { N = 5000 };
    static char names[N][16];
    static struct bytes keys[N];
    struct strtab_slot *slots = calloc(strtab_slots_for(N), sizeof *slots);
    struct strtab t;
    uint32_t found;
    size_t i;

    ck_assert_ptr_nonnull(slots);
    strtab_init(&t, slots, N, _i < 3 ? seeds[_i] : strtab_seed(), key_of, keys);
    for (i = 0; i < N; i++) {
        keys[i].p = names[i];
        keys[i].n = (size_t)snprintf(names[i], sizeof names[i], "u%zu", i);
        ck_assert_int_eq(
            strtab_put(&t, keys[i].p, keys[i].n, (uint32_t)i, &found),
            STRTAB_ADDED);
    }
    ck_assert_uint_eq(t.n, N);
    for (i = 0; i < N; i++)
        ck_assert_uint_eq(strtab_get(&t, keys[i].p, keys[i].n), i);
    /* Prefixes, longer names and the empty name are other keys. */
    ck_assert_uint_eq(strtab_get(&t, "u", 1), STRTAB_NONE);
    ck_assert_uint_eq(strtab_get(&t, "u10", 2), 1);
    ck_assert_uint_eq(strtab_get(&t, "u49999", 6), STRTAB_NONE);
    ck_assert_uint_eq(strtab_get(&t, "", 0), STRTAB_NONE);
    /* A repeat is found with its first index; nothing changes. */
    ck_assert_int_eq(strtab_put(&t, "u42", 3, 7, &found), STRTAB_FOUND);
    ck_assert_uint_eq(found, 42);
    ck_assert_uint_eq(strtab_get(&t, "u42", 3), 42);
    /* Full: a new key is refused, a known one still found. */
    ck_assert_int_eq(strtab_put(&t, "new", 3, N, &found), STRTAB_FULL);
    ck_assert_uint_eq(strtab_get(&t, "new", 3), STRTAB_NONE);
    ck_assert_int_eq(strtab_put(&t, "u1", 2, N, &found), STRTAB_FOUND);
    free(slots);
}
END_TEST

/* Bytes, not C strings: NUL and high bytes are part of a key. */
START_TEST(strtab_binary_keys)
{
    static struct bytes keys[3] = {{"a\0b", 3}, {"a\0c", 3}, {"\xff\xfe", 2}};
    struct strtab_slot slots[16] = {{0, 0}};
    struct strtab t;
    uint32_t found;

    strtab_init(&t, slots, 3, 0, key_of, keys);
    for (uint32_t i = 0; i < 3; i++)
        ck_assert_int_eq(strtab_put(&t, keys[i].p, keys[i].n, i, &found),
                         STRTAB_ADDED);
    ck_assert_uint_eq(strtab_get(&t, "a\0c", 3), 1);
    ck_assert_uint_eq(strtab_get(&t, "a", 1), STRTAB_NONE);
    ck_assert_uint_eq(strtab_get(&t, "\xff\xfe", 2), 2);
}
END_TEST

/* An index past STRTAB_IDX_MAX cannot be stored: refused. */
START_TEST(strtab_idx_max)
{
    static struct bytes keys[1] = {{"k", 1}};
    struct strtab_slot slots[16] = {{0, 0}};
    struct strtab t;
    uint32_t found;

    strtab_init(&t, slots, 4, 0, key_of, keys);
    ck_assert_int_eq(strtab_put(&t, "k", 1, STRTAB_IDX_MAX + 1, &found),
                     STRTAB_FULL);
    ck_assert_uint_eq(t.n, 0);
}
END_TEST

static Suite *
strtab_suite(void)
{
    Suite *s = suite_create("strtab");
    TCase *tc = tcase_create("table");

    tcase_add_loop_test(tc, strtab_slots_table, 0,
                        (int)(sizeof slots_cases / sizeof slots_cases[0]));
    tcase_add_loop_test(tc, strtab_put_get, 0, 4);
    tcase_add_test(tc, strtab_binary_keys);
    tcase_add_test(tc, strtab_idx_max);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(strtab_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
