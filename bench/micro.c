/*
 * micro: the cost of one cached decision inside fcgi-authd, without a
 * socket, a web server or libfcgi: store_acquire + request_parse +
 * authz_decide + response_write (to a sink that only counts bytes) +
 * store_release, the work a worker does per request between
 * FCGX_Accept_r and FCGX_Finish_r (less the decision's log line).
 *
 *     micro [N]        N decisions per thread (default 1 000 000)
 *
 * It writes a temporary config naming a one-user htpasswd (sha512-crypt),
 * loads it as fcgi-authd does (conf_load, snapshot_load, store_new), makes
 * the cache and the hashing gate with the configured defaults, checks that
 * the first decision hashes and the second comes from the cache, then
 * times N cached decisions on 1 thread and on 2 threads (each thread its
 * own verify_ctx, as each worker has), and, for scale, a few decisions
 * with the cache off. Prints ns per decision.
 *
 * With MICRO_JWT (a token), MICRO_JWKS (its JWK Set file), MICRO_JWT_ISS
 * and MICRO_JWT_AUD set, it also times N cached decisions on that JWT, 1
 * thread, the same way (bench/run passes its own).
 *
 * Follows the internal API of responder/ (authz.h, store.h, cache.h,
 * gate.h): bench/run builds it against the headers and libauthd.a of the
 * same build, so a change there shows up as a build failure, not as a
 * wrong number.
 */
#include "config.h"

#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authz.h"
#include "cache.h"
#include "conf.h"
#include "gate.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "snapshot.h"
#include "store.h"
#include "verify.h"

#define MICRO_USER     "benchuser"
#define MICRO_PASSWORD "bench-micro-password"

/* "Basic " + base64("benchuser:bench-micro-password"), made at start;
 * then "Bearer JWT" for the cached-JWT run (MICRO_JWT). */
static char micro_auth[8192];

/*
 * The parameters nginx sends through the shipped snippet, plus the client
 * headers of a typical browser request (request_parse looks at all).
 */
static char *micro_envp[] = {
    "FCGI_ROLE=RESPONDER",
    "REQUEST_METHOD=GET",
    "REQUEST_URI=/protected/bench.txt",
    "REQUEST_SCHEME=http",
    "SERVER_PROTOCOL=HTTP/1.1",
    "SERVER_NAME=localhost",
    "SERVER_ADDR=127.0.0.1",
    "SERVER_PORT=8080",
    "REMOTE_ADDR=127.0.0.1",
    "REMOTE_PORT=40000",
    "GATEWAY_INTERFACE=CGI/1.1",
    "SERVER_SOFTWARE=nginx/1.22.1",
    "CONTENT_LENGTH=",
    "HTTP_HOST=127.0.0.1:8080",
    "HTTP_USER_AGENT=Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101",
    "HTTP_ACCEPT=text/html,application/xhtml+xml,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE=en-US,en;q=0.5",
    "HTTP_ACCEPT_ENCODING=gzip, deflate",
    micro_auth,
    NULL,
};

static void
micro_b64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        *out++ = tab[in[i] >> 2];
        *out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *out++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *out++ = tab[in[i + 2] & 63];
    }
    if (i < n) {
        *out++ = tab[in[i] >> 2];
        if (i + 1 < n) {
            *out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *out++ = tab[(in[i + 1] & 15) << 2];
        } else {
            *out++ = tab[(in[i] & 3) << 4];
            *out++ = '=';
        }
        *out++ = '=';
    }
    *out = '\0';
}

static void
micro_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
           const char *msg)
{
    (void)ctx;
    if (sev <= LOGL_WARN)
        fprintf(stderr, "micro: %s:%u: %s\n", file ? file : "-", line, msg);
}

static int
micro_count(void *ctx, const char *p, size_t n)
{
    (void)p;
    *(size_t *)ctx += n;
    return 0;
}

static double
micro_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The snapshot in service, as the workers find it. */
static struct store *micro_store;

/* One decision as a worker makes it; returns the status, sets *cached. */
static int
micro_decide(const struct authz_ctx *base, struct verify_ctx *vctx,
             bool *cached, size_t *bytes)
{
    struct authz_ctx ctx = *base;
    struct request r;
    struct decision d;
    struct sink out = {micro_count, bytes};
    int rc;

    ctx.snap = store_acquire(micro_store);
    request_parse(&r, micro_envp);
    authz_decide(&ctx, &r, vctx, &d);
    rc = response_write(&d, &out);
    store_release(micro_store, ctx.snap);
    if (rc < 0)
        return -1;
    *cached = d.cached;
    return d.status;
}

struct micro_job {
    pthread_t thread;
    const struct authz_ctx *ctx;
    unsigned long n;
    unsigned long bad;
    size_t bytes;
};

static void *
micro_run(void *arg)
{
    struct micro_job *j = arg;
    struct verify_ctx *vctx = verify_ctx_new();

    if (vctx == NULL) {
        j->bad = j->n;
        return NULL;
    }
    for (unsigned long i = 0; i < j->n; i++) {
        bool cached = false;

        if (micro_decide(j->ctx, vctx, &cached, &j->bytes) != 200 || !cached)
            j->bad++;
    }
    verify_ctx_free(vctx);
    return NULL;
}

/* n decisions on each of k threads; prints and returns 0 if all hit. */
static int
micro_threads(const struct authz_ctx *ctx, unsigned k, unsigned long n,
              const char *what)
{
    struct micro_job jobs[16];
    unsigned long bad = 0;
    double t0, t;

    if (k > 16)
        return -1;
    memset(jobs, 0, sizeof jobs);
    t0 = micro_now();
    for (unsigned i = 0; i < k; i++) {
        jobs[i].ctx = ctx;
        jobs[i].n = n;
        if (pthread_create(&jobs[i].thread, NULL, micro_run, &jobs[i]) != 0)
            return -1;
    }
    for (unsigned i = 0; i < k; i++) {
        pthread_join(jobs[i].thread, NULL);
        bad += jobs[i].bad;
    }
    t = micro_now() - t0;
    printf("%s, %u thread%s: %lu decisions in %.3f s: %.0f ns/decision per "
           "thread, %.0f decisions/s\n",
           what, k, k == 1 ? "" : "s", n * k, t, t * 1e9 / (double)n,
           (double)(n * k) / t);
    if (bad != 0) {
        fprintf(stderr, "micro: %lu decisions were not cached 200s\n", bad);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    char dir[] = "/tmp/fcgi-authd-micro.XXXXXX";
    char users[64], cfg[64], cred[64];
    unsigned long n = 1000000;
    struct conf conf;
    struct snapshot *snap;
    struct authz_ctx ctx;
    struct verify_ctx *vctx;
    const char *salt, *hash;
    FILE *f;
    int rc = 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *jwt = getenv("MICRO_JWT"), *jwks = getenv("MICRO_JWKS");
    const char *iss = getenv("MICRO_JWT_ISS"), *aud = getenv("MICRO_JWT_AUD");

    if (jwt != NULL && (jwks == NULL || iss == NULL || aud == NULL ||
                        strlen(jwt) > sizeof micro_auth - 64)) {
        fprintf(stderr, "micro: MICRO_JWT needs MICRO_JWKS, MICRO_JWT_ISS "
                        "and MICRO_JWT_AUD\n");
        return 2;
    }
    if (argc > 1)
        n = strtoul(argv[1], NULL, 10);
    if (n == 0 || n > 1000000000UL) {
        fprintf(stderr, "usage: micro [N]  (1 <= N <= 1e9)\n");
        return 2;
    }
    log_set_level(LOGL_WARN);
    umask(077); /* the user file readable by us alone, as it should be */
    snprintf(micro_auth, sizeof micro_auth, "HTTP_AUTHORIZATION=Basic ");
    snprintf(cred, sizeof cred, "%s:%s", MICRO_USER, MICRO_PASSWORD);
    micro_b64((const unsigned char *)cred, strlen(cred),
              micro_auth + strlen(micro_auth));

    if (mkdtemp(dir) == NULL) {
        perror("micro: mkdtemp");
        return 1;
    }
    snprintf(users, sizeof users, "%s/users", dir);
    snprintf(cfg, sizeof cfg, "%s/conf", dir);
    salt = crypt_gensalt("$6$", 0, NULL, 0);
    hash = salt ? crypt(MICRO_PASSWORD, salt) : NULL;
    if (hash == NULL || hash[0] != '$') {
        fprintf(stderr, "micro: cannot make a sha512-crypt hash\n");
        goto out_dir;
    }
    f = fopen(users, "w");
    if (f == NULL || fprintf(f, "%s:%s\n", MICRO_USER, hash) < 0 ||
        fclose(f) != 0) {
        perror("micro: users file");
        goto out_dir;
    }
    f = fopen(cfg, "w");
    if (f == NULL || fprintf(f, "user_file = %s\nrealm = micro\n", users) < 0 ||
        (jwt != NULL &&
         fprintf(f, "jwks_file = %s\njwt_issuer = %s\njwt_audience = %s\n",
                 jwks, iss, aud) < 0) ||
        fclose(f) != 0) {
        perror("micro: config file");
        goto out_dir;
    }

    conf_init(&conf);
    if (conf_load(&conf, cfg, micro_diag, NULL) != 0)
        goto out_conf;
    snap = snapshot_load(&conf, micro_diag, NULL);
    if (snap == NULL || verify_dummy_init() < 0)
        goto out_conf;
    micro_store = store_new(snap, snapshot_free_obj);
    if (micro_store == NULL)
        goto out_conf;
    ctx.snap = NULL; /* taken from the store per decision */
    ctx.cache = cache_new(conf.cache_size, conf.cache_ttl);
    ctx.gate = gate_new(cpus < 1 ? 1 : (unsigned)cpus, 64);
    vctx = verify_ctx_new();
    if (ctx.cache == NULL || ctx.gate == NULL || vctx == NULL)
        goto out_ctx;
    printf("cache: %u entries, ttl %u s; %ld CPUs\n", conf.cache_size,
           conf.cache_ttl, cpus);

    {
        bool cached = true;
        size_t bytes = 0;
        int st = micro_decide(&ctx, vctx, &cached, &bytes);

        if (st != 200 || cached) {
            fprintf(stderr,
                    "micro: first decision: %d%s, expected a hashed "
                    "200\n",
                    st, cached ? " (cached)" : "");
            goto out_ctx;
        }
        st = micro_decide(&ctx, vctx, &cached, &bytes);
        if (st != 200 || !cached) {
            fprintf(stderr,
                    "micro: second decision: %d%s, expected a cached "
                    "200\n",
                    st, cached ? " (cached)" : "");
            goto out_ctx;
        }
    }
    if (micro_threads(&ctx, 1, n, "cached sha512-crypt user") < 0 ||
        micro_threads(&ctx, 2, n, "cached sha512-crypt user") < 0)
        goto out_ctx;
    if (jwt != NULL) {
        bool cached = true;
        size_t bytes = 0;
        char basic[sizeof micro_auth];

        memcpy(basic, micro_auth, sizeof basic);
        snprintf(micro_auth, sizeof micro_auth, "HTTP_AUTHORIZATION=Bearer %s",
                 jwt);
        if (micro_decide(&ctx, vctx, &cached, &bytes) != 200 ||
            micro_decide(&ctx, vctx, &cached, &bytes) != 200 || !cached) {
            fprintf(stderr, "micro: the JWT is not a cached 200\n");
            goto out_ctx;
        }
        if (micro_threads(&ctx, 1, n, "cached JWT") < 0)
            goto out_ctx;
        memcpy(micro_auth, basic, sizeof basic);
    }

    /* For scale: the same decision with a cache that never stores. */
    {
        struct authz_ctx off = ctx;
        unsigned long k = n / 10000 < 20 ? 20 : n / 10000;
        double t0, t;

        off.cache = cache_new(0, 0);
        if (off.cache == NULL)
            goto out_ctx;
        t0 = micro_now();
        for (unsigned long i = 0; i < k; i++) {
            bool cached = true;
            size_t bytes = 0;

            if (micro_decide(&off, vctx, &cached, &bytes) != 200 || cached) {
                fprintf(stderr, "micro: cache-off decision failed\n");
                cache_free(off.cache);
                goto out_ctx;
            }
        }
        t = micro_now() - t0;
        printf("cache off (sha512-crypt, 5000 rounds), 1 thread: %lu "
               "decisions: %.0f ns/decision\n",
               k, t * 1e9 / (double)k);
        cache_free(off.cache);
    }
    rc = 0;

out_ctx:
    verify_ctx_free(vctx);
    gate_free(ctx.gate);
    cache_free(ctx.cache);
    store_free(micro_store);
out_conf:
    conf_free(&conf);
out_dir:
    unlink(users);
    unlink(cfg);
    rmdir(dir);
    return rc;
}
