/*
 * jwt_bench: CPU time of one uncached JWT check inside fcgi-authd:
 * jwt_decode + jwks_find + jwt_verify, per algorithm, on 1 thread and on
 * as many threads as there are CPUs (the set shared, as the workers share
 * it).
 *
 *     jwt_bench [N]        N checks per algorithm and thread (default 20000)
 *
 * Keys are made at start (RSA-2048, P-256, Ed25519, a 64-byte HMAC
 * secret), put in one JWK Set parsed by jwks_parse, and one token is
 * signed per algorithm (tests/jwt/jose.h). Every check must answer
 * JWT_OK. Prints CPU microseconds per check (CLOCK_PROCESS_CPUTIME_ID,
 * so the threaded figure is CPU time too, with lock contention in it) and
 * checks per second of wall time.
 *
 * Built by hand against a build's libauthd.a (see the command below); it
 * follows responder/jwt.h, so a change there shows up as a build failure.
 *
 *   gcc -std=gnu11 -O2 -pthread -I_build -Iresponder -Itests/jwt \
 *       bench/jwt_bench.c _build/libauthd.a -ljansson -lcrypto -lnettle \
 *       -lcrypt -lfcgi -lpthread -o _build/bench/jwt_bench
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/jwt/hostile.h"
#include "jwt.h"

static const struct jwt_policy bench_policy = {
    .issuer = HOSTILE_ISS,
    .audience = HOSTILE_AUD,
    .leeway = HOSTILE_LEEWAY,
};

struct bench_alg {
    const char *alg;
    const char *kid;
    char tok[JOSE_TOKEN_MAX];
    size_t n;
};

struct bench_run {
    const struct jwks *set;
    const struct bench_alg *a;
    long iters;
    long ok;
    bool decode_only;
};

static double
bench_now(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
bench_loop(void *arg)
{
    struct bench_run *r = arg;

    for (long i = 0; i < r->iters; i++) {
        struct jwt j;
        const struct jwk *k;

        if (jwt_decode(r->a->tok, r->a->n, &bench_policy, HOSTILE_NOW, &j) !=
            JWT_OK)
            continue;
        if (r->decode_only) {
            r->ok++;
            continue;
        }
        k = jwks_find(r->set, &j, NULL);
        if (k != NULL && jwt_verify(k, &j) == JWT_OK)
            r->ok++;
    }
    return NULL;
}

/* N checks on each of nthreads threads; prints one line. */
static void
bench_one(const struct jwks *set, const struct bench_alg *a, long n,
          int nthreads, bool decode_only)
{
    struct bench_run runs[64];
    pthread_t th[64];
    double c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
    double w0 = bench_now(CLOCK_MONOTONIC), cpu, wall;
    long ok = 0;

    for (int i = 0; i < nthreads; i++) {
        runs[i] = (struct bench_run){set, a, n, 0, decode_only};
        if (pthread_create(&th[i], NULL, bench_loop, &runs[i]) != 0)
            abort();
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        ok += runs[i].ok;
    }
    cpu = bench_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    wall = bench_now(CLOCK_MONOTONIC) - w0;
    if (ok != n * nthreads) {
        fprintf(stderr, "jwt_bench: %s: %ld of %ld checks failed\n", a->alg,
                n * nthreads - ok, n * nthreads);
        exit(1);
    }
    printf("%-12s %2d thread%s %9.2f us CPU/check %10.0f checks/s\n",
           decode_only ? "decode only" : a->alg, nthreads,
           nthreads == 1 ? " " : "s", cpu * 1e6 / (double)ok,
           (double)ok / wall);
}

static struct jwks *
bench_set(EVP_PKEY *rsa, EVP_PKEY *ec, EVP_PKEY *ed, const unsigned char *hs)
{
    static char set[4 * JOSE_JWK_MAX + 32];
    char j[4][JOSE_JWK_MAX];
    struct jwks *s;

    jose_jwk(rsa, "\"kid\":\"rsa\"", j[0], sizeof j[0]);
    jose_jwk(ec, "\"kid\":\"ec\"", j[1], sizeof j[1]);
    jose_jwk(ed, "\"kid\":\"ed\"", j[2], sizeof j[2]);
    jose_jwk_oct(hs, 64, "\"kid\":\"hs\"", j[3], sizeof j[3]);
    snprintf(set, sizeof set, "{\"keys\":[%s,%s,%s,%s]}", j[0], j[1], j[2],
             j[3]);
    s = jwks_parse("bench.jwks", set, strlen(set), log_diag, NULL);
    if (s == NULL || jwks_count(s) != 4)
        abort();
    return s;
}

int
main(int argc, char **argv)
{
    static struct bench_alg algs[] = {
        {"RS256", "rsa", "", 0}, {"EdDSA", "ed", "", 0}, {"ES256", "ec", "", 0},
        {"PS256", "rsa", "", 0}, {"HS256", "hs", "", 0},
    };
    long n = argc > 1 ? atol(argv[1]) : 20000;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    EVP_PKEY *rsa = jose_gen_rsa(2048), *ec = jose_gen_ec("P-256");
    EVP_PKEY *ed = jose_gen_ed25519();
    unsigned char hs[64];
    struct jwks *set;

    memset(hs, 0x5c, sizeof hs);
    set = bench_set(rsa, ec, ed, hs);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        struct jose_key k = {
            algs[i].alg[0] == 'R' || algs[i].alg[0] == 'P'   ? rsa
            : algs[i].alg[0] == 'E' && algs[i].alg[1] == 'S' ? ec
                                                             : ed,
            hs, sizeof hs};
        char h[96];

        snprintf(h, sizeof h, "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
                 algs[i].alg, algs[i].kid);
        algs[i].n = jose_token(h, GOOD_CLAIMS, algs[i].alg, &k, algs[i].tok,
                               sizeof algs[i].tok);
    }
    printf("jwt_bench: %ld checks per algorithm and thread, %ld CPUs; "
           "token %zu bytes (RS256)\n",
           n, cpus, algs[0].n);
    bench_one(set, &algs[0], n, 1, true);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        bench_one(set, &algs[i], n / 10 + 1, 1, false); /* warm-up */
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        bench_one(set, &algs[i], n, 1, false);
    if (cpus > 1)
        for (size_t i = 0; i < 2; i++)
            bench_one(set, &algs[i], n, (int)(cpus < 64 ? cpus : 64), false);
    jwks_free(set);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ed);
    return 0;
}
