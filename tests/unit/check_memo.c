/*
 * check_memo: the table of credentials verified lately. An entry is found
 * only by its whole key, in its generation, before its end; a slot holds
 * the newest; readers and writers at once (run under TSan in CI).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <string.h>

#include "memo.h"
#include "testutil.h"

static struct cache_key
key_of(unsigned char fill, unsigned char last)
{
    struct cache_key k;

    memset(k.b, fill, sizeof k.b);
    k.b[sizeof k.b - 1] = last;
    return k;
}

static struct memo_entry
entry(uint64_t gen, uint64_t until, const char *user)
{
    struct memo_entry e;

    memset(&e, 0, sizeof e);
    e.generation = gen;
    e.until = until;
    e.user_len = strlen(user);
    memcpy(e.user, user, e.user_len);
    memcpy(e.groups, "a,b", 3);
    e.groups_len = 3;
    strcpy(e.kid, "k1");
    return e;
}

START_TEST(memo_put_get)
{
    struct memo *t = memo_new(16);
    struct cache_key k = key_of(7, 1), other = key_of(7, 2);
    struct memo_entry e = entry(5, 100, "alice"), out;

    ck_assert_ptr_nonnull(t);
    ck_assert(!memo_get(t, &k, 5, 10, &out));
    memo_put(t, &k, &e);
    ck_assert(memo_get(t, &k, 5, 10, &out));
    ck_assert_uint_eq(out.user_len, 5);
    ck_assert_int_eq(memcmp(out.user, "alice", 5), 0);
    ck_assert_str_eq(out.kid, "k1");
    /* Same slot (same first bytes), another key: never its entry. */
    ck_assert(!memo_get(t, &other, 5, 10, &out));
    /* Another generation (a reload): gone. */
    ck_assert(!memo_get(t, &k, 6, 10, &out));
    /* At its end: gone. */
    ck_assert(memo_get(t, &k, 5, 99, &out));
    ck_assert(!memo_get(t, &k, 5, 100, &out));
    /* The slot holds the newest. */
    e = entry(5, 200, "bob");
    memo_put(t, &other, &e);
    ck_assert(!memo_get(t, &k, 5, 10, &out));
    ck_assert(memo_get(t, &other, 5, 10, &out));
    ck_assert_int_eq(memcmp(out.user, "bob", 3), 0);
    memo_free(t);
}
END_TEST

START_TEST(memo_sizes)
{
    struct memo *t = memo_new(0);
    struct cache_key k = key_of(1, 1);
    struct memo_entry e = entry(1, 10, "u"), out;

    ck_assert_ptr_nonnull(t); /* one slot */
    memo_put(t, &k, &e);
    ck_assert(memo_get(t, &k, 1, 1, &out));
    memo_free(t);
    memo_free(NULL);
}
END_TEST

struct hammer {
    struct memo *t;
    unsigned char id;
};

static void *
hammer(void *arg)
{
    struct hammer *h = arg;
    struct memo_entry out;

    for (int i = 0; i < 20000; i++) {
        struct cache_key k = key_of((unsigned char)(i & 63), h->id);
        struct memo_entry e = entry(1, 1000, h->id ? "writer" : "reader");

        if (i % 3 == 0)
            memo_put(h->t, &k, &e);
        if (memo_get(h->t, &k, 1, 1, &out))
            ck_assert(out.user_len == 6);
    }
    return NULL;
}

START_TEST(memo_concurrent)
{
    struct memo *t = memo_new(64);
    struct hammer h[4];
    pthread_t th[4];

    for (int i = 0; i < 4; i++) {
        h[i] = (struct hammer){t, (unsigned char)i};
        pthread_create(&th[i], NULL, hammer, &h[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    memo_free(t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("memo");
    TCase *tc = tcase_create("memo");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, memo_put_get);
    tcase_add_test(tc, memo_sizes);
    tcase_add_test(tc, memo_concurrent);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
