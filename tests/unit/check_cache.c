/*
 * Unit tests for responder/cache.c: keys that separate every tuple, hits
 * only for the same key, generation and time window, a table whose memory
 * stays bounded whatever the number of keys, and threads that share it.
 *
 * Times are the now arguments the tests pass in; nothing here depends on
 * the wall clock or on how fast the machine is.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A view of a string literal, embedded NULs included. */
#define B(s)                                                                   \
    {                                                                          \
        (s), sizeof(s) - 1                                                     \
    }

/* 72 bytes: where bcrypt stops reading a password. */
#define A8  "aaaaaaaa"
#define A72 A8 A8 A8 A8 A8 A8 A8 A8 A8

struct tuple {
    struct bytes profile, user, password, stored;
};

static const struct tuple base = {
    B("default"),
    B("alice"),
    B("correct horse"),
    B("$2y$05$abcdefghijklmnopqrstuu5Q2/4VwDRcs5bE7ykZbBp4Q1m6u0Ng."),
};

static void
key_of(const struct cache *c, const struct tuple *t, struct cache_key *k)
{
    cache_key(c, k, t->profile, t->user, t->password, t->stored);
}

static bool
key_eq(const struct cache_key *a, const struct cache_key *b)
{
    return memcmp(a->b, b->b, CACHE_KEY_SIZE) == 0;
}

/* A new cache; the tests never run without one. */
static struct cache *
new_cache(size_t max_entries, unsigned ttl)
{
    struct cache *c = cache_new(max_entries, ttl);

    ck_assert_ptr_nonnull(c);
    return c;
}

/*
 * A fast stand-in for a MAC output, for the tests that need millions of
 * distinct keys: splitmix64 of a counter, so every byte looks random.
 */
static uint64_t
splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void
synth_key(uint64_t i, struct cache_key *k)
{
    for (size_t j = 0; j < CACHE_KEY_SIZE / 8; j++) {
        uint64_t v = splitmix64(i * (CACHE_KEY_SIZE / 8) + j);

        memcpy(k->b + 8 * j, &v, 8);
    }
}

/* ------------------------------------------------------------ cache_key -- */

static const struct {
    const char *what;
    struct tuple a, b;
    bool equal;
} key_cases[] = {
    {"same tuple",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("u"), B("pw"), B("h")},
     true},
    {"profile differs",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("q"), B("u"), B("pw"), B("h")},
     false},
    {"user differs",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("v"), B("pw"), B("h")},
     false},
    {"password differs",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("u"), B("pW"), B("h")},
     false},
    {"stored differs",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("u"), B("pw"), B("H")},
     false},
    {"password longer",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("u"), B("pw "), B("h")},
     false},
    {"password differs after byte 72",
     {B("p"), B("u"), B(A72 "x"), B("h")},
     {B("p"), B("u"), B(A72 "y"), B("h")},
     false},
    {"password extends past byte 72",
     {B("p"), B("u"), B(A72), B("h")},
     {B("p"), B("u"), B(A72 "a"), B("h")},
     false},
    /* Length-shifting: the same bytes, cut at another place. */
    {"profile|user shift",
     {B("ab"), B("c"), B("pw"), B("h")},
     {B("a"), B("bc"), B("pw"), B("h")},
     false},
    {"user|password shift",
     {B("p"), B("ab"), B("c"), B("h")},
     {B("p"), B("a"), B("bc"), B("h")},
     false},
    {"password|stored shift",
     {B("p"), B("u"), B("ab"), B("c")},
     {B("p"), B("u"), B("a"), B("bc")},
     false},
    {"stored|nothing shift",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("u"), B("pwh"), B("")},
     false},
    {"empty profile shift",
     {B(""), B("ab"), B("pw"), B("h")},
     {B("a"), B("b"), B("pw"), B("h")},
     false},
    {"empty user shift",
     {B("p"), B(""), B("u"), B("h")},
     {B("p"), B("u"), B(""), B("h")},
     false},
    /* A separator byte would not do: NUL inside a field still counts. */
    {"NUL separator lookalike",
     {B("p"), B("a\0b"), B("c"), B("h")},
     {B("p"), B("a"), B("b\0c"), B("h")},
     false},
    {"trailing NUL",
     {B("p"), B("u"), B("pw\0"), B("h")},
     {B("p"), B("u"), B("pw"), B("h")},
     false},
    {"user and password swapped",
     {B("p"), B("u"), B("pw"), B("h")},
     {B("p"), B("pw"), B("u"), B("h")},
     false},
    {"all empty",
     {B(""), B(""), B(""), B("")},
     {B(""), B(""), B(""), B("")},
     true},
    /* Only lengths and bytes count: an empty view may have no pointer. */
    {"NULL empty profile",
     {BYTES_NULL, B("u"), B("pw"), B("h")},
     {B(""), B("u"), B("pw"), B("h")},
     true},
};

START_TEST(cache_key_table)
{
    struct cache *c = new_cache(16, 60);
    struct cache_key ka, kb;

    key_of(c, &key_cases[_i].a, &ka);
    key_of(c, &key_cases[_i].b, &kb);
    ck_assert_msg(key_eq(&ka, &kb) == key_cases[_i].equal, "%s: keys %s",
                  key_cases[_i].what,
                  key_cases[_i].equal ? "differ" : "are equal");
    cache_free(c);
}
END_TEST

/* The key depends on the contents, not on where they are. */
START_TEST(cache_key_copies)
{
    struct cache *c = new_cache(16, 60);
    char user[] = "alice", pw[] = "correct horse";
    struct tuple t = base;
    struct cache_key k1, k2;

    t.user = (struct bytes){user, sizeof user - 1};
    t.password = (struct bytes){pw, sizeof pw - 1};
    key_of(c, &base, &k1);
    key_of(c, &t, &k2);
    ck_assert(key_eq(&k1, &k2));
    key_of(c, &base, &k2);
    ck_assert(key_eq(&k1, &k2));
    cache_free(c);
}
END_TEST

/* Each cache makes its own MAC key: a key says nothing outside its cache. */
START_TEST(cache_key_per_cache)
{
    struct cache *c1 = new_cache(16, 60);
    struct cache *c2 = new_cache(16, 60);
    struct cache_key k1, k2;

    key_of(c1, &base, &k1);
    key_of(c2, &base, &k2);
    ck_assert(!key_eq(&k1, &k2));
    /* Nor does a key of one cache hit in the other. */
    cache_insert(c1, &k1, 1, 100);
    ck_assert(cache_lookup(c1, &k1, 1, 100));
    ck_assert(!cache_lookup(c2, &k1, 1, 100));
    cache_free(c1);
    cache_free(c2);
}
END_TEST

/* Two processes (two starts of the daemon) never share a key either. */
START_TEST(cache_key_per_process)
{
    struct cache *c;
    struct cache_key mine, theirs;
    int fds[2];
    pid_t pid;
    int status;

    /* Fork first: the child holds nothing of ours (valgrind follows it). */
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct cache *cc = cache_new(16, 60);
        struct cache_key k;

        if (cc == NULL)
            _exit(2);
        key_of(cc, &base, &k);
        cache_free(cc);
        _exit(write(fds[1], k.b, sizeof k.b) == (ssize_t)sizeof k.b ? 0 : 3);
    }
    close(fds[1]);
    c = new_cache(16, 60);
    key_of(c, &base, &mine);
    ck_assert_int_eq(read(fds[0], theirs.b, sizeof theirs.b),
                     (ssize_t)sizeof theirs.b);
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(!key_eq(&mine, &theirs));
    cache_free(c);
}
END_TEST

/* ----------------------------------------------------------- cache_lookup --
 */

#define TTL 60
#define T0  100

/*
 * base is inserted under generation 7 at T0; each case looks up base with
 * the fields it names changed (NULL: base's) under gen at now.
 */
static const struct {
    const char *what;
    const char *profile, *user, *password, *stored;
    uint64_t gen;
    uint64_t now;
    bool hit;
} lookup_cases[] = {
    {"same key, same moment", NULL, NULL, NULL, NULL, 7, T0, true},
    {"one second later", NULL, NULL, NULL, NULL, 7, T0 + 1, true},
    {"last second of the ttl", NULL, NULL, NULL, NULL, 7, T0 + TTL - 1, true},
    {"ttl over", NULL, NULL, NULL, NULL, 7, T0 + TTL, false},
    {"long after", NULL, NULL, NULL, NULL, 7, T0 + 100 * TTL, false},
    {"next generation", NULL, NULL, NULL, NULL, 8, T0, false},
    {"older generation", NULL, NULL, NULL, NULL, 6, T0, false},
    {"generation 0", NULL, NULL, NULL, NULL, 0, T0, false},
    {"other password", NULL, NULL, "wrong horse", NULL, 7, T0, false},
    {"password prefix", NULL, NULL, "correct hors", NULL, 7, T0, false},
    {"password extended", NULL, NULL, "correct horse!", NULL, 7, T0, false},
    {"empty password", NULL, NULL, "", NULL, 7, T0, false},
    {"other user", NULL, "bob", NULL, NULL, 7, T0, false},
    {"user case", NULL, "Alice", NULL, NULL, 7, T0, false},
    {"other profile", "admin", NULL, NULL, NULL, 7, T0, false},
    {"changed stored hash", NULL, NULL, NULL,
     "$2y$05$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 7, T0,
     false},
    {"stored hash removed", NULL, NULL, NULL, "", 7, T0, false},
};

static struct bytes
field_or(const char *s, struct bytes dflt)
{
    return s == NULL ? dflt : (struct bytes){s, strlen(s)};
}

START_TEST(cache_lookup_table)
{
    struct cache *c = new_cache(1024, TTL);
    struct tuple t;
    struct cache_key k;

    t.profile = field_or(lookup_cases[_i].profile, base.profile);
    t.user = field_or(lookup_cases[_i].user, base.user);
    t.password = field_or(lookup_cases[_i].password, base.password);
    t.stored = field_or(lookup_cases[_i].stored, base.stored);
    key_of(c, &base, &k);
    cache_insert(c, &k, 7, T0);
    key_of(c, &t, &k);
    ck_assert_msg(cache_lookup(c, &k, lookup_cases[_i].gen,
                               lookup_cases[_i].now) == lookup_cases[_i].hit,
                  "%s: expected a %s", lookup_cases[_i].what,
                  lookup_cases[_i].hit ? "hit" : "miss");
    cache_free(c);
}
END_TEST

/* bcrypt reads 72 bytes; the cache must not stop there. */
START_TEST(cache_lookup_long_password)
{
    struct cache *c = new_cache(1024, TTL);
    struct tuple t1 = base, t2 = base;
    struct cache_key k1, k2;

    t1.password = (struct bytes)B(A72 "first tail");
    t2.password = (struct bytes)B(A72 "other tail");
    key_of(c, &t1, &k1);
    key_of(c, &t2, &k2);
    ck_assert(!key_eq(&k1, &k2));
    cache_insert(c, &k1, 1, T0);
    ck_assert(cache_lookup(c, &k1, 1, T0));
    ck_assert(!cache_lookup(c, &k2, 1, T0));
    t2.password = (struct bytes)B(A72);
    key_of(c, &t2, &k2);
    ck_assert(!cache_lookup(c, &k2, 1, T0));
    cache_free(c);
}
END_TEST

/* One user, two passwords, two profiles: each pair hits only itself. */
START_TEST(cache_lookup_profiles_apart)
{
    struct cache *c = new_cache(1024, TTL);
    struct tuple p1 = base, p2 = base, x1, x2;
    struct cache_key k;

    p1.profile = (struct bytes)B("intranet");
    p1.password = (struct bytes)B("first secret");
    p2.profile = (struct bytes)B("admin");
    p2.password = (struct bytes)B("second secret");
    key_of(c, &p1, &k);
    cache_insert(c, &k, 1, T0);
    key_of(c, &p2, &k);
    cache_insert(c, &k, 1, T0);

    x1 = p1;
    x1.password = p2.password;
    x2 = p2;
    x2.password = p1.password;
    key_of(c, &x1, &k);
    ck_assert_msg(!cache_lookup(c, &k, 1, T0), "profile 2's password hit 1");
    key_of(c, &x2, &k);
    ck_assert_msg(!cache_lookup(c, &k, 1, T0), "profile 1's password hit 2");
    key_of(c, &p1, &k);
    ck_assert(cache_lookup(c, &k, 1, T0));
    key_of(c, &p2, &k);
    ck_assert(cache_lookup(c, &k, 1, T0));
    cache_free(c);
}
END_TEST

/* The window is ttl seconds exactly, whatever ttl is. */
static const unsigned ttl_cases[] = {1, 2, 60, 3600, 86400, UINT_MAX};

START_TEST(cache_lookup_ttl)
{
    unsigned ttl = ttl_cases[_i];
    struct cache *c = new_cache(64, ttl);
    struct cache_key k;

    key_of(c, &base, &k);
    cache_insert(c, &k, 1, T0);
    ck_assert(cache_lookup(c, &k, 1, T0));
    ck_assert_msg(cache_lookup(c, &k, 1, T0 + (uint64_t)ttl - 1),
                  "ttl %u: miss at now + ttl - 1", ttl);
    ck_assert_msg(!cache_lookup(c, &k, 1, T0 + (uint64_t)ttl),
                  "ttl %u: hit at now + ttl", ttl);
    cache_free(c);
}
END_TEST

/* Generations are plain numbers: 0 and the largest work like any other. */
static const uint64_t gen_cases[] = {0, 1, 2, UINT64_MAX - 1, UINT64_MAX};

START_TEST(cache_lookup_generations)
{
    uint64_t gen = gen_cases[_i];
    struct cache *c = new_cache(64, TTL);
    struct cache_key k;

    key_of(c, &base, &k);
    cache_insert(c, &k, gen, T0);
    ck_assert(cache_lookup(c, &k, gen, T0));
    ck_assert(!cache_lookup(c, &k, gen + 1, T0));
    ck_assert(!cache_lookup(c, &k, gen - 1, T0));
    cache_free(c);
}
END_TEST

/*
 * After a reload (new generation) or an expiry the caller verifies again
 * and inserts the same key: that insert must count, not be dropped as a
 * duplicate of the old entry.
 */
START_TEST(cache_reinsert_refreshes)
{
    struct cache *c = new_cache(64, TTL);
    struct cache_key k;

    key_of(c, &base, &k);
    cache_insert(c, &k, 1, T0);
    ck_assert(!cache_lookup(c, &k, 2, T0 + 1));
    cache_insert(c, &k, 2, T0 + 1);
    ck_assert_msg(cache_lookup(c, &k, 2, T0 + 1), "new generation not kept");
    ck_assert_msg(!cache_lookup(c, &k, 1, T0 + 1), "old generation still hits");

    ck_assert(!cache_lookup(c, &k, 2, T0 + 1 + TTL));
    cache_insert(c, &k, 2, T0 + 1 + TTL);
    ck_assert_msg(cache_lookup(c, &k, 2, T0 + 2 * TTL), "refresh not kept");
    cache_free(c);
}
END_TEST

/* ttl 0 or max_entries 0: a cache that is there but never stores. */
static const struct {
    size_t max_entries;
    unsigned ttl;
    bool enabled;
} enabled_cases[] = {
    {0, 60, false}, {100, 0, false}, {0, 0, false},
    {1, 1, true},   {100, 60, true},
};

START_TEST(cache_enabled_table)
{
    struct cache *c =
        new_cache(enabled_cases[_i].max_entries, enabled_cases[_i].ttl);
    struct cache_stats st;
    struct cache_key k;

    ck_assert(cache_enabled(c) == enabled_cases[_i].enabled);
    key_of(c, &base, &k);
    cache_insert(c, &k, 1, T0);
    ck_assert(cache_lookup(c, &k, 1, T0) == enabled_cases[_i].enabled);
    cache_get_stats(c, &st);
    if (!enabled_cases[_i].enabled) {
        ck_assert_uint_eq(st.entries, 0);
        ck_assert_uint_eq(st.hits, 0);
    } else {
        ck_assert_uint_ge(st.capacity, 1);
        ck_assert_uint_eq(st.entries, 1);
    }
    cache_free(c);
}
END_TEST

START_TEST(cache_free_null)
{
    cache_free(NULL);
}
END_TEST

/* The clock the daemon hands in never goes back. */
START_TEST(cache_now_monotonic)
{
    uint64_t a = cache_now();
    uint64_t b = cache_now();

    ck_assert_uint_ge(b, a);
}
END_TEST

/* ------------------------------------------------------------ cache_stats --
 */

START_TEST(cache_stats_count)
{
    struct cache *c = new_cache(1024, TTL);
    struct cache_stats st;
    struct cache_key k1, k2;
    struct tuple t = base;

    cache_get_stats(c, &st);
    ck_assert_uint_eq(st.hits, 0);
    ck_assert_uint_eq(st.misses, 0);
    ck_assert_uint_eq(st.inserts, 0);
    ck_assert_uint_eq(st.evictions, 0);
    ck_assert_uint_eq(st.entries, 0);
    ck_assert_uint_ge(st.capacity, 1024 / 2);
    ck_assert_uint_le(st.capacity, 2 * 1024);

    t.user = (struct bytes)B("bob");
    key_of(c, &base, &k1);
    key_of(c, &t, &k2);
    ck_assert(!cache_lookup(c, &k1, 1, T0));       /* miss 1 */
    cache_insert(c, &k1, 1, T0);                   /* insert 1 */
    ck_assert(cache_lookup(c, &k1, 1, T0));        /* hit 1 */
    ck_assert(cache_lookup(c, &k1, 1, T0));        /* hit 2 */
    ck_assert(!cache_lookup(c, &k2, 1, T0));       /* miss 2 */
    cache_insert(c, &k2, 1, T0);                   /* insert 2 */
    ck_assert(cache_lookup(c, &k2, 1, T0));        /* hit 3 */
    ck_assert(!cache_lookup(c, &k1, 2, T0));       /* miss 3: generation */
    ck_assert(!cache_lookup(c, &k1, 1, T0 + TTL)); /* miss 4: expired */

    cache_get_stats(c, &st);
    ck_assert_uint_eq(st.hits, 3);
    ck_assert_uint_eq(st.misses, 4);
    ck_assert_uint_eq(st.inserts, 2);
    ck_assert_uint_eq(st.evictions, 0);
    ck_assert_uint_eq(st.entries, 2);
    cache_free(c);
}
END_TEST

/* --------------------------------------------------------------- eviction --
 */

/* Resident bytes of this process, from /proc/self/statm. */
static size_t
rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu %lu", &size, &resident), 2);
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

#define MANY       1000000
#define MANY_SLOTS 10000
#define RECENT     1000

/*
 * A million distinct successful logins into a cache of ten thousand: the
 * table never grows past its capacity, every entry pushed out is counted,
 * the process does not grow, and what was inserted last is still there.
 */
START_TEST(cache_eviction_bounds_memory)
{
    size_t before = rss_bytes(), after;
    struct cache *c = new_cache(MANY_SLOTS, 3600);
    struct cache_stats st;
    struct cache_key k;
    unsigned recent_hits = 0;

    for (uint64_t i = 0; i < MANY; i++) {
        synth_key(i, &k);
        cache_insert(c, &k, 1, T0);
        if (i % 4096 == 0 || i == MANY - 1) {
            cache_get_stats(c, &st);
            ck_assert_msg(st.entries <= st.capacity,
                          "after %llu inserts: %zu entries > capacity %zu",
                          (unsigned long long)i + 1, st.entries, st.capacity);
        }
    }
    after = rss_bytes();

    cache_get_stats(c, &st);
    ck_assert_uint_ge(st.capacity, MANY_SLOTS / 2);
    ck_assert_uint_le(st.capacity, 2 * MANY_SLOTS);
    ck_assert_uint_eq(st.inserts, MANY);
    ck_assert_uint_ge(st.evictions, MANY - st.capacity);
    /* No expiries and distinct keys: every removal was an eviction. */
    ck_assert_uint_eq(st.entries + st.evictions, MANY);
    ck_assert_msg(after < before + 64u * 1024 * 1024,
                  "RSS grew from %zu to %zu bytes", before, after);

    synth_key(MANY - 1, &k);
    ck_assert_msg(cache_lookup(c, &k, 1, T0), "the last key was evicted");
    for (uint64_t i = MANY - RECENT; i < MANY; i++) {
        synth_key(i, &k);
        recent_hits += cache_lookup(c, &k, 1, T0);
    }
    ck_assert_msg(recent_hits >= RECENT / 2, "only %u of the last %u hit",
                  recent_hits, RECENT);
    synth_key(0, &k);
    ck_assert_msg(!cache_lookup(c, &k, 1, T0), "the first key never left");
    cache_free(c);
}
END_TEST

/* Small and odd sizes: the bound holds and the newest entry is kept. */
static const size_t small_sizes[] = {1, 2, 3, 7, 8, 63, 64, 65, 1000};

START_TEST(cache_eviction_small)
{
    struct cache *c = new_cache(small_sizes[_i], TTL);
    struct cache_stats st;
    struct cache_key k;
    uint64_t n, first = 1000000000ULL;

    first *= (unsigned)_i; /* each size its own keys */
    cache_get_stats(c, &st);
    ck_assert_uint_ge(st.capacity, 1);
    n = 10 * (uint64_t)st.capacity + 10;
    for (uint64_t i = 0; i < n; i++) {
        synth_key(first + i, &k);
        cache_insert(c, &k, 1, T0);
        ck_assert_msg(cache_lookup(c, &k, 1, T0), "size %zu: key %llu lost",
                      small_sizes[_i], (unsigned long long)i);
    }
    cache_get_stats(c, &st);
    ck_assert_uint_le(st.entries, st.capacity);
    ck_assert_uint_eq(st.inserts, n);
    ck_assert_uint_eq(st.entries + st.evictions, n);
    ck_assert_uint_eq(st.hits, n);
    cache_free(c);
}
END_TEST

/*
 * After a reload the table is full of entries of the old generation: the
 * entries of the new one must not push each other out while those remain.
 */
#define BATCH 32

START_TEST(cache_eviction_stale_first)
{
    struct cache *c = new_cache(256, TTL);
    struct cache_stats st;
    struct cache_key k;
    size_t cap;

    cache_get_stats(c, &st);
    cap = st.capacity;
    for (uint64_t i = 0; i < 4 * cap; i++) {
        synth_key(i, &k);
        cache_insert(c, &k, 1, T0);
    }
    for (uint64_t i = 0; i < 2 * BATCH; i++) {
        synth_key(10 * cap + i, &k);
        cache_insert(c, &k, 2, i < BATCH ? T0 + 1 : T0 + 2);
    }
    for (uint64_t i = 0; i < 2 * BATCH; i++) {
        synth_key(10 * cap + i, &k);
        ck_assert_msg(cache_lookup(c, &k, 2, T0 + 2),
                      "new-generation key %llu lost", (unsigned long long)i);
    }
    cache_get_stats(c, &st);
    ck_assert_uint_le(st.entries, cap);
    cache_free(c);
}
END_TEST

/* ------------------------------------------------------------ concurrency --
 */

#define THREADS    8
#define ITERATIONS 4000
#define POOL       256

struct worker {
    pthread_t tid;
    struct cache *c;
    unsigned id;
    unsigned pool; /* keys are drawn from this many tuples */
    uint64_t lookups;
    uint64_t inserts;
    uint64_t own_misses;     /* own insert, then a miss right after */
    uint64_t wrong_gen_hits; /* must stay 0 */
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    uint64_t x = splitmix64(w->id);

    for (unsigned i = 0; i < ITERATIONS; i++) {
        char user[32];
        struct tuple t = base;
        struct cache_key k;
        struct cache_stats st;
        int n;

        x = splitmix64(x);
        n = snprintf(user, sizeof user, "user%u", (unsigned)(x % w->pool));
        t.user = (struct bytes){user, (size_t)n};
        cache_key(w->c, &k, t.profile, t.user, t.password, t.stored);
        /* What the daemon does: look up, and insert after a miss. */
        w->lookups++;
        if (!cache_lookup(w->c, &k, 3, T0)) {
            cache_insert(w->c, &k, 3, T0);
            w->inserts++;
        }
        w->lookups++;
        if (!cache_lookup(w->c, &k, 3, T0))
            w->own_misses++;
        /* Nobody inserts generation 4. */
        w->lookups++;
        if (cache_lookup(w->c, &k, 4, T0))
            w->wrong_gen_hits++;
        if (i % 512 == 0)
            cache_get_stats(w->c, &st);
    }
    return NULL;
}

/* Join with a deadline: a hang guard only, never a timing assertion. */
static bool
join_by(pthread_t t, int seconds)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

static const struct {
    size_t max_entries;
    unsigned pool;
    bool evicts; /* pool larger than the table */
} hammer_cases[] = {
    {1u << 14, POOL, false},
    {64, 4 * 1024, true},
    {1, 64, true},
};

START_TEST(cache_threads_hammer)
{
    struct cache *c = new_cache(hammer_cases[_i].max_entries, TTL);
    struct worker w[THREADS];
    struct cache_stats st;
    uint64_t lookups = 0, inserts = 0, own_misses = 0;

    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.c = c, .id = i, .pool = hammer_cases[_i].pool};
        ck_assert_int_eq(pthread_create(&w[i].tid, NULL, worker_run, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        ck_assert_msg(join_by(w[i].tid, 120), "worker %u hangs", i);
    for (unsigned i = 0; i < THREADS; i++) {
        ck_assert_uint_eq(w[i].wrong_gen_hits, 0);
        lookups += w[i].lookups;
        inserts += w[i].inserts;
        own_misses += w[i].own_misses;
    }
    cache_get_stats(c, &st);
    ck_assert_uint_eq(st.hits + st.misses, lookups);
    ck_assert_uint_eq(st.inserts, inserts);
    ck_assert_uint_le(st.entries, st.capacity);
    if (!hammer_cases[_i].evicts) {
        /* Room for every key: nothing may be lost. */
        ck_assert_uint_eq(st.evictions, 0);
        ck_assert_uint_eq(own_misses, 0);
        ck_assert_uint_le(st.entries, POOL);
    }
    cache_free(c);
}
END_TEST

static Suite *
cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc;

    tc = tcase_create("key");
    tcase_add_loop_test(tc, cache_key_table, 0, N_ELEMS(key_cases));
    tcase_add_test(tc, cache_key_copies);
    tcase_add_test(tc, cache_key_per_cache);
    tcase_add_test(tc, cache_key_per_process);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookup");
    tcase_add_loop_test(tc, cache_lookup_table, 0, N_ELEMS(lookup_cases));
    tcase_add_test(tc, cache_lookup_long_password);
    tcase_add_test(tc, cache_lookup_profiles_apart);
    tcase_add_loop_test(tc, cache_lookup_ttl, 0, N_ELEMS(ttl_cases));
    tcase_add_loop_test(tc, cache_lookup_generations, 0, N_ELEMS(gen_cases));
    tcase_add_test(tc, cache_reinsert_refreshes);
    tcase_add_loop_test(tc, cache_enabled_table, 0, N_ELEMS(enabled_cases));
    tcase_add_test(tc, cache_free_null);
    tcase_add_test(tc, cache_now_monotonic);
    tcase_add_test(tc, cache_stats_count);
    suite_add_tcase(s, tc);

    /* Hang guards for slow builds (valgrind, TSan), not timings. */
    tc = tcase_create("eviction");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cache_eviction_bounds_memory);
    tcase_add_loop_test(tc, cache_eviction_small, 0, N_ELEMS(small_sizes));
    tcase_add_test(tc, cache_eviction_stale_first);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, cache_threads_hammer, 0, N_ELEMS(hammer_cases));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(cache_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
