/*
 * Unit tests for responder/gate.c: hashing slots, collapsing identical
 * verifications, and refusing beyond max_waiting.
 *
 * Every assertion is about order (who got in before whom, what a thread
 * saw when gate_enter returned), never about how long something took.
 * Deadlines are hang guards only; the few short sleeps give a thread the
 * chance to reach its wait inside the gate, so that a wrong gate is caught
 * more often; a right gate passes however they fall.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Hang guard for anything a thread waits for: generous for valgrind. */
#define GUARD_S 60
/* Time given to a thread to reach its wait in the gate (not asserted). */
#define SETTLE_MS 50

static struct cache_key
key_n(unsigned n)
{
    struct cache_key k;

    /* Keys that differ in the first and the last byte. */
    memset(k.b, 0x5a, sizeof k.b);
    k.b[0] = (unsigned char)n;
    k.b[CACHE_KEY_SIZE - 1] = (unsigned char)(n >> 8);
    return k;
}

static struct gate *
new_gate(unsigned slots, unsigned max_waiting)
{
    struct gate *g = gate_new(slots, max_waiting);

    ck_assert_ptr_nonnull(g);
    return g;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static struct timespec
deadline(int seconds, clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    ts.tv_sec += seconds;
    return ts;
}

/* A counter threads raise and others wait on, with a deadline. */
struct latch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n;
};

static void
latch_init(struct latch *l)
{
    pthread_condattr_t a;

    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &a);
    pthread_condattr_destroy(&a);
    l->n = 0;
}

static void
latch_destroy(struct latch *l)
{
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
}

static void
latch_add(struct latch *l)
{
    pthread_mutex_lock(&l->mu);
    l->n++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* Whether n was reached before the guard ran out. */
static bool
latch_wait(struct latch *l, unsigned n)
{
    struct timespec until = deadline(GUARD_S, CLOCK_MONOTONIC);
    bool reached;

    pthread_mutex_lock(&l->mu);
    while (l->n < n &&
           pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
        ;
    reached = l->n >= n;
    pthread_mutex_unlock(&l->mu);
    return reached;
}

static unsigned
latch_count(struct latch *l)
{
    unsigned n;

    pthread_mutex_lock(&l->mu);
    n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

static bool
join_by(pthread_t t)
{
    struct timespec until = deadline(GUARD_S, CLOCK_REALTIME);

    return pthread_timedjoin_np(t, NULL, &until) == 0;
}

/*
 * A thread that enters the gate, records what it got and what it saw, and
 * when it got a slot holds it until released, then leaves with leave_ok.
 */
#define NOT_YET (-1)

struct entrant {
    pthread_t tid;
    struct gate *g;
    const struct cache_key *key; /* may be NULL */
    bool leave_ok;
    struct latch *started; /* raised just before gate_enter */
    struct latch *entered; /* raised when gate_enter returned */
    atomic_uint *left;     /* raised by holders just before gate_leave */
    struct latch go;       /* a holder leaves once this is raised */
    atomic_int result;     /* enum gate_result, or NOT_YET */
    unsigned left_seen;    /* *left when gate_enter returned */
};

static void *
entrant_run(void *arg)
{
    struct entrant *e = arg;
    enum gate_result r;

    latch_add(e->started);
    r = gate_enter(e->g, e->key);
    e->left_seen = atomic_load(e->left);
    atomic_store(&e->result, (int)r);
    latch_add(e->entered);
    if (r != GATE_RUN)
        return NULL;
    /* Leave even when the guard runs out: a stuck test must not hang. */
    (void)latch_wait(&e->go, 1);
    atomic_fetch_add(e->left, 1);
    gate_leave(e->g, e->key, e->leave_ok);
    return NULL;
}

/* Shared state of one test: the latches every entrant raises. */
struct crowd {
    struct latch started, entered;
    atomic_uint left;
};

static void
crowd_init(struct crowd *cr)
{
    latch_init(&cr->started);
    latch_init(&cr->entered);
    atomic_init(&cr->left, 0);
}

static void
crowd_destroy(struct crowd *cr)
{
    latch_destroy(&cr->started);
    latch_destroy(&cr->entered);
}

static void
entrant_start(struct entrant *e, struct crowd *cr, struct gate *g,
              const struct cache_key *key, bool leave_ok)
{
    e->g = g;
    e->key = key;
    e->leave_ok = leave_ok;
    e->started = &cr->started;
    e->entered = &cr->entered;
    e->left = &cr->left;
    latch_init(&e->go);
    atomic_init(&e->result, NOT_YET);
    e->left_seen = 0;
    ck_assert_int_eq(pthread_create(&e->tid, NULL, entrant_run, e), 0);
}

static int
entrant_result(struct entrant *e)
{
    return atomic_load(&e->result);
}

/* Let a holder leave, and reap the thread. */
static void
entrant_finish(struct entrant *e)
{
    latch_add(&e->go);
    ck_assert_msg(join_by(e->tid), "an entrant hangs in the gate");
    latch_destroy(&e->go);
}

static void
check_stats(struct gate *g, unsigned long long runs, unsigned long long joined,
            unsigned long long busy)
{
    struct gate_stats st;

    gate_get_stats(g, &st);
    ck_assert_uint_eq(st.runs, runs);
    ck_assert_uint_eq(st.joined, joined);
    ck_assert_uint_eq(st.busy, busy);
}

/* ----------------------------------------------------------- one caller -- */

START_TEST(gate_single_runs)
{
    struct gate *g = new_gate(1, 4);
    struct cache_key k = key_n(1);

    ck_assert_int_eq(gate_enter(g, NULL), GATE_RUN);
    gate_leave(g, NULL, true);
    /* The slot came back. */
    ck_assert_int_eq(gate_enter(g, NULL), GATE_RUN);
    gate_leave(g, NULL, false);
    ck_assert_int_eq(gate_enter(g, &k), GATE_RUN);
    gate_leave(g, &k, true);
    /* A finished verification is not joined: its result is not a cache. */
    ck_assert_int_eq(gate_enter(g, &k), GATE_RUN);
    gate_leave(g, &k, false);
    ck_assert_int_eq(gate_enter(g, &k), GATE_RUN);
    gate_leave(g, &k, true);
    check_stats(g, 5, 0, 0);
    gate_free(g);
}
END_TEST

/* With a slot free nobody is refused, max_waiting 0 or not. */
START_TEST(gate_free_slot_never_busy)
{
    struct gate *g = new_gate(2, 0);
    struct cache_key k1 = key_n(1), k2 = key_n(2);

    for (unsigned i = 0; i < 100; i++) {
        ck_assert_int_eq(gate_enter(g, &k1), GATE_RUN);
        ck_assert_int_eq(gate_enter(g, i % 2 ? NULL : &k2), GATE_RUN);
        gate_leave(g, i % 2 ? NULL : &k2, true);
        gate_leave(g, &k1, true);
    }
    check_stats(g, 200, 0, 0);
    gate_free(g);
}
END_TEST

/* ---------------------------------------------------------------- slots -- */

/*
 * slots=2: two holders, a third with another key waits, and gets in only
 * after one of them left.
 */
START_TEST(gate_slots_wait)
{
    struct gate *g = new_gate(2, 8);
    struct cache_key ka = key_n(1), kb = key_n(2), kc = key_n(3);
    struct entrant a, b, c;
    struct crowd cr;

    crowd_init(&cr);
    entrant_start(&a, &cr, g, &ka, true);
    entrant_start(&b, &cr, g, &kb, true);
    ck_assert(latch_wait(&cr.entered, 2));
    ck_assert_int_eq(entrant_result(&a), GATE_RUN);
    ck_assert_int_eq(entrant_result(&b), GATE_RUN);

    entrant_start(&c, &cr, g, &kc, true);
    ck_assert(latch_wait(&cr.started, 3));
    sleep_ms(SETTLE_MS);
    ck_assert_msg(entrant_result(&c) == NOT_YET,
                  "a third caller got %d while both slots were held",
                  entrant_result(&c));

    latch_add(&a.go);
    ck_assert(latch_wait(&cr.entered, 3));
    ck_assert_int_eq(entrant_result(&c), GATE_RUN);
    ck_assert_msg(c.left_seen >= 1, "the third got in before anyone left");

    entrant_finish(&a);
    entrant_finish(&c);
    entrant_finish(&b);
    check_stats(g, 3, 0, 0);
    crowd_destroy(&cr);
    gate_free(g);
}
END_TEST

/* ------------------------------------------------------------- collapse -- */

/* Wait (bounded) until the gate counted n joins; false if it never did. */
static bool
wait_joined(struct gate *g, unsigned long long n)
{
    struct gate_stats st;

    for (unsigned i = 0; i < 5000; i++) {
        gate_get_stats(g, &st);
        if (st.joined >= n)
            return true;
        sleep_ms(1);
    }
    return false;
}

#define JOINERS 5

static const struct {
    unsigned slots, max_waiting;
} collapse_cases[] = {
    {1, 8},
    {1, 0}, /* joiners wait for a result, not for a slot: never busy */
    {4, 0},
    {4, 2},
};

/*
 * A leader with key K holds GATE_RUN; five more with K take its result:
 * JOINED_OK after leave(true), JOINED_FAIL after leave(false).
 */
START_TEST(gate_collapse_joins)
{
    struct gate *g =
        new_gate(collapse_cases[_i].slots, collapse_cases[_i].max_waiting);
    struct cache_key k = key_n(7);
    struct entrant j[JOINERS];
    struct crowd cr;

    for (int round = 0; round < 2; round++) {
        bool ok = round == 0;

        crowd_init(&cr);
        ck_assert_int_eq(gate_enter(g, &k), GATE_RUN);
        for (unsigned i = 0; i < JOINERS; i++)
            entrant_start(&j[i], &cr, g, &k, true);
        ck_assert(latch_wait(&cr.started, JOINERS));
        /* Counted at join time, this is exact; else it only gives time. */
        (void)wait_joined(g, (unsigned long long)(round + 1) * JOINERS);
        ck_assert_msg(latch_count(&cr.entered) == 0,
                      "a joiner returned before the leader left");
        atomic_fetch_add(&cr.left, 1);
        gate_leave(g, &k, ok);
        ck_assert(latch_wait(&cr.entered, JOINERS));
        for (unsigned i = 0; i < JOINERS; i++) {
            ck_assert_msg(entrant_result(&j[i]) ==
                              (ok ? GATE_JOINED_OK : GATE_JOINED_FAIL),
                          "round %d joiner %u: %d", round, i,
                          entrant_result(&j[i]));
            entrant_finish(&j[i]);
        }
        crowd_destroy(&cr);
    }
    check_stats(g, 2, 2 * JOINERS, 0);
    gate_free(g);
}
END_TEST

/* key NULL: two dummy checks run side by side when there are two slots. */
START_TEST(gate_null_key_runs_beside)
{
    struct gate *g = new_gate(2, 4);
    struct entrant e;
    struct crowd cr;
    bool in;

    crowd_init(&cr);
    ck_assert_int_eq(gate_enter(g, NULL), GATE_RUN);
    entrant_start(&e, &cr, g, NULL, true);
    in = latch_wait(&cr.entered, 1);
    gate_leave(g, NULL, true); /* unblocks e if it wrongly joined */
    ck_assert_msg(in, "a NULL key waited for another NULL key");
    ck_assert_int_eq(entrant_result(&e), GATE_RUN);
    entrant_finish(&e);
    check_stats(g, 2, 0, 0);
    crowd_destroy(&cr);
    gate_free(g);
}
END_TEST

/*
 * slots=1: behind a NULL leader a NULL key gets the slot (RUN), never the
 * leader's result; the same for two different keys.
 */
static const struct {
    unsigned leader, follower; /* key numbers, 0: NULL */
} nojoin_cases[] = {
    {0, 0},
    {0, 1},
    {1, 0},
    {1, 2},
};

START_TEST(gate_no_join_across_keys)
{
    struct gate *g = new_gate(1, 4);
    struct cache_key kl = key_n(nojoin_cases[_i].leader);
    struct cache_key kf = key_n(nojoin_cases[_i].follower);
    const struct cache_key *lk = nojoin_cases[_i].leader ? &kl : NULL;
    const struct cache_key *fk = nojoin_cases[_i].follower ? &kf : NULL;
    struct entrant e;
    struct crowd cr;

    crowd_init(&cr);
    ck_assert_int_eq(gate_enter(g, lk), GATE_RUN);
    entrant_start(&e, &cr, g, fk, true);
    ck_assert(latch_wait(&cr.started, 1));
    sleep_ms(SETTLE_MS);
    ck_assert_msg(entrant_result(&e) == NOT_YET,
                  "got %d while the only slot was held", entrant_result(&e));
    atomic_fetch_add(&cr.left, 1);
    gate_leave(g, lk, true);
    ck_assert(latch_wait(&cr.entered, 1));
    ck_assert_int_eq(entrant_result(&e), GATE_RUN);
    entrant_finish(&e);
    check_stats(g, 2, 0, 0);
    crowd_destroy(&cr);
    gate_free(g);
}
END_TEST

/* ----------------------------------------------------------------- busy -- */

static const struct {
    unsigned slots, max_waiting;
} busy_cases[] = {
    {1, 2},
    {1, 0},
    {2, 1},
    {3, 3},
};

/*
 * Every slot held and max_waiting callers queued: one more is refused at
 * once, while the slots are still held. Which of the callers is refused
 * depends on who comes last; that exactly one is does not.
 */
START_TEST(gate_busy_beyond_max_waiting)
{
    unsigned slots = busy_cases[_i].slots;
    unsigned waiting = busy_cases[_i].max_waiting;
    struct gate *g = new_gate(slots, waiting);
    struct cache_key held[4], keys[4];
    struct entrant e[4];
    struct crowd cr;
    unsigned busy = 0, run = 0;

    crowd_init(&cr);
    for (unsigned i = 0; i < slots; i++) {
        held[i] = key_n(100 + i);
        ck_assert_int_eq(gate_enter(g, &held[i]), GATE_RUN);
    }
    for (unsigned i = 0; i < waiting + 1; i++) {
        keys[i] = key_n(200 + i);
        entrant_start(&e[i], &cr, g, &keys[i], true);
        latch_add(&e[i].go); /* leave at once when let in */
    }
    ck_assert(latch_wait(&cr.started, waiting + 1));
    ck_assert_msg(latch_wait(&cr.entered, 1), "nobody was refused");
    sleep_ms(SETTLE_MS);
    ck_assert_uint_eq(latch_count(&cr.entered), 1);
    for (unsigned i = 0; i < waiting + 1; i++)
        busy += entrant_result(&e[i]) == GATE_BUSY;
    ck_assert_uint_eq(busy, 1);
    check_stats(g, slots, 0, 1);

    for (unsigned i = 0; i < slots; i++) {
        atomic_fetch_add(&cr.left, 1);
        gate_leave(g, &held[i], true);
    }
    ck_assert(latch_wait(&cr.entered, waiting + 1));
    for (unsigned i = 0; i < waiting + 1; i++) {
        run += entrant_result(&e[i]) == GATE_RUN;
        entrant_finish(&e[i]);
    }
    ck_assert_uint_eq(run, waiting);
    check_stats(g, slots + waiting, 0, 1);
    crowd_destroy(&cr);
    gate_free(g);
}
END_TEST

/* -------------------------------------------------------------- threads -- */

#define THREADS    8
#define ITERATIONS 2000
#define MAX_KEYS   8

struct hammer {
    struct gate *g;
    unsigned slots;
    unsigned nkeys; /* key index nkeys stands for NULL */
    struct cache_key keys[MAX_KEYS];
    atomic_uint running;               /* holders of a slot now */
    atomic_uint running_key[MAX_KEYS]; /* ... per key */
    atomic_uint max_running;
    atomic_uint twice; /* a key run twice at the same time */
    atomic_uint wrong; /* a joiner got the other result */
    atomic_ullong runs, joined, busy;
};

struct hammer_thread {
    pthread_t tid;
    struct hammer *h;
    unsigned id;
};

/* Key i succeeds when even: a joiner knows which result it must get. */
static bool
key_ok(unsigned i)
{
    return i % 2 == 0;
}

static void
hammer_hold(struct hammer *h, unsigned i)
{
    unsigned now = atomic_fetch_add(&h->running, 1) + 1;
    unsigned max = atomic_load(&h->max_running);

    while (now > max &&
           !atomic_compare_exchange_weak(&h->max_running, &max, now))
        ;
    if (i < h->nkeys && atomic_fetch_add(&h->running_key[i], 1) != 0)
        atomic_fetch_add(&h->twice, 1);
    sched_yield();
    if (i < h->nkeys)
        atomic_fetch_sub(&h->running_key[i], 1);
    atomic_fetch_sub(&h->running, 1);
}

static void *
hammer_run(void *arg)
{
    struct hammer_thread *t = arg;
    struct hammer *h = t->h;
    unsigned x = t->id * 2654435761u + 1;

    for (unsigned n = 0; n < ITERATIONS; n++) {
        unsigned i;
        const struct cache_key *k;
        enum gate_result r;

        x = x * 1103515245u + 12345u;
        i = (x >> 16) % (h->nkeys + 1);
        k = i < h->nkeys ? &h->keys[i] : NULL;
        r = gate_enter(h->g, k);
        switch (r) {
        case GATE_RUN:
            atomic_fetch_add(&h->runs, 1);
            hammer_hold(h, i);
            gate_leave(h->g, k, key_ok(i));
            break;
        case GATE_JOINED_OK:
        case GATE_JOINED_FAIL:
            atomic_fetch_add(&h->joined, 1);
            if (k == NULL || (r == GATE_JOINED_OK) != key_ok(i))
                atomic_fetch_add(&h->wrong, 1);
            break;
        case GATE_BUSY:
            atomic_fetch_add(&h->busy, 1);
            break;
        }
        if (n % 256 == 0) {
            struct gate_stats st;

            gate_get_stats(h->g, &st);
        }
    }
    return NULL;
}

static const struct {
    unsigned slots, max_waiting, nkeys;
} hammer_cases[] = {
    {2, THREADS, 3}, /* never busy: everyone fits in the queue */
    {2, 0, 4},       /* busy often; flights come and go fast */
    {1, 0, 2},       {3, 1, 5},
    {1, THREADS, 1}, /* one key: nearly everyone joins */
};

/* Whether all n slots can be taken at once (none was lost). */
static bool
slots_come_back(struct gate *g, unsigned n)
{
    struct entrant e[8];
    struct crowd cr;
    bool all;
    unsigned run = 0;

    ck_assert_uint_le(n, 8);
    crowd_init(&cr);
    for (unsigned i = 0; i < n; i++)
        entrant_start(&e[i], &cr, g, NULL, true);
    all = latch_wait(&cr.entered, n);
    for (unsigned i = 0; i < n; i++) {
        run += entrant_result(&e[i]) == GATE_RUN;
        entrant_finish(&e[i]);
    }
    crowd_destroy(&cr);
    return all && run == n;
}

/*
 * Eight threads on a few keys: never more holders than slots, never the
 * same key hashed twice at once, joiners get their key's result, and the
 * counters add up.
 */
START_TEST(gate_threads_hammer)
{
    static struct hammer h;
    struct hammer_thread t[THREADS];
    struct gate_stats st;
    bool back;

    memset(&h, 0, sizeof h);
    h.slots = hammer_cases[_i].slots;
    h.nkeys = hammer_cases[_i].nkeys;
    h.g = new_gate(h.slots, hammer_cases[_i].max_waiting);
    for (unsigned i = 0; i < h.nkeys; i++)
        h.keys[i] = key_n(i + 1);
    for (unsigned i = 0; i < THREADS; i++) {
        t[i] = (struct hammer_thread){.h = &h, .id = i};
        ck_assert_int_eq(pthread_create(&t[i].tid, NULL, hammer_run, &t[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        ck_assert_msg(join_by(t[i].tid), "thread %u hangs in the gate", i);
    gate_get_stats(h.g, &st);
    back = slots_come_back(h.g, h.slots);
    gate_free(h.g);

    ck_assert_msg(back, "a slot was lost");
    ck_assert_msg(atomic_load(&h.max_running) <= h.slots,
                  "%u holders for %u slots", atomic_load(&h.max_running),
                  h.slots);
    ck_assert_uint_eq(atomic_load(&h.wrong), 0);
    ck_assert_msg(atomic_load(&h.twice) == 0,
                  "a key was hashed twice at the same time (%u times)",
                  atomic_load(&h.twice));
    ck_assert_uint_eq(atomic_load(&h.runs) + atomic_load(&h.joined) +
                          atomic_load(&h.busy),
                      (unsigned long long)THREADS * ITERATIONS);
    if (hammer_cases[_i].max_waiting >= THREADS)
        ck_assert_uint_eq(atomic_load(&h.busy), 0);
    ck_assert_uint_eq(st.runs, atomic_load(&h.runs));
    ck_assert_uint_eq(st.joined, atomic_load(&h.joined));
    ck_assert_uint_eq(st.busy, atomic_load(&h.busy));
}
END_TEST

static Suite *
gate_suite(void)
{
    Suite *s = suite_create("gate");
    TCase *tc;

    /* Timeouts are hang guards for slow builds (valgrind, TSan). */
    tc = tcase_create("slots");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, gate_single_runs);
    tcase_add_test(tc, gate_free_slot_never_busy);
    tcase_add_test(tc, gate_slots_wait);
    suite_add_tcase(s, tc);

    tc = tcase_create("collapse");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, gate_collapse_joins, 0, N_ELEMS(collapse_cases));
    tcase_add_test(tc, gate_null_key_runs_beside);
    tcase_add_loop_test(tc, gate_no_join_across_keys, 0, N_ELEMS(nojoin_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("busy");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, gate_busy_beyond_max_waiting, 0,
                        N_ELEMS(busy_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, gate_threads_hammer, 0, N_ELEMS(hammer_cases));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(gate_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
