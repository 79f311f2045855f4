/*
 * timing: does a refusal tell an unknown user from a known one? Decides,
 * in process (no socket noise), many requests for an unknown user and for
 * a known yescrypt user with a wrong password, interleaved, cache off, and
 * prints both medians and their difference. The target is under 5%; this
 * reports, it never fails on a number (shared machines are noisy).
 *
 *   make timing            (builds bench/timing, runs it: ~20 s)
 *   bench/timing N         N samples of each (default 200)
 */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authz.h"
#include "conf.h"
#include "request.h"
#include "snapshot.h"

static void
quiet(void *ctx, enum log_level sev, const char *file, unsigned line,
      const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)file;
    (void)line;
    (void)msg;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One decision for "Basic b64"; returns its seconds. */
static double
decide_once(const struct authz_ctx *ctx, struct verify_ctx *v, char *hdr)
{
    char role[] = "FCGI_ROLE=RESPONDER", uri[] = "REQUEST_URI=/";
    char *envp[] = {hdr, role, uri, NULL};
    struct request r;
    struct decision d;
    double t0 = now();

    request_parse(&r, envp);
    authz_decide(ctx, &r, v, &d);
    if (d.status != 401) {
        fprintf(stderr, "timing: expected 401, got %d\n", d.status);
        exit(1);
    }
    return now() - t0;
}

int
main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    char dir[] = "/tmp/fcgi-authd-timing.XXXXXX", path[128], text[512];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
    double *known = calloc((size_t)n, sizeof *known);
    double *unknown = calloc((size_t)n, sizeof *unknown);
    struct conf conf;
    struct snapshot *snap;
    struct verify_ctx *v = verify_ctx_new();
    struct authz_ctx ctx;
    /* "alice:wrong-password" and "mallory:wrong-password" */
    char hk[] = "HTTP_AUTHORIZATION=Basic YWxpY2U6d3JvbmctcGFzc3dvcmQ=";
    char hu[] = "HTTP_AUTHORIZATION=Basic bWFsbG9yeTp3cm9uZy1wYXNzd29yZA==";
    double mk, mu;
    FILE *f;

    if (n < 10 || cd == NULL || salt == NULL || known == NULL ||
        unknown == NULL || v == NULL || mkdtemp(dir) == NULL)
        return 2;
    snprintf(path, sizeof path, "%s/users", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return 2;
    /* A real yescrypt hash at the default cost, like the dummy one. */
    fprintf(f, "alice:%s\n", crypt_rn("alice-secret", salt, cd, sizeof *cd));
    fclose(f);
    conf_init(&conf);
    snprintf(text, sizeof text, "user_file = %s\n", path);
    if (conf_parse(&conf, "timing", text, strlen(text), quiet, NULL) != 0 ||
        (snap = snapshot_load(&conf, quiet, NULL)) == NULL ||
        verify_dummy_init() < 0)
        return 2;
    ctx = (struct authz_ctx){snap, NULL, NULL, NULL, NULL};
    for (int i = 0; i < n; i++) {
        /* Interleaved, so drift in machine load hits both alike. */
        known[i] = decide_once(&ctx, v, hk);
        unknown[i] = decide_once(&ctx, v, hu);
    }
    qsort(known, (size_t)n, sizeof *known, cmp);
    qsort(unknown, (size_t)n, sizeof *unknown, cmp);
    mk = known[n / 2];
    mu = unknown[n / 2];
    printf("samples: %d each (cache off, in process, one thread)\n", n);
    printf("known user, wrong password: median %.3f ms\n", mk * 1e3);
    printf("unknown user:               median %.3f ms\n", mu * 1e3);
    printf("difference: %.2f%% (target: under 5%%)\n",
           (mu > mk ? mu - mk : mk - mu) / mk * 100);
    unlink(path);
    rmdir(dir);
    snapshot_free(snap);
    conf_free(&conf);
    verify_ctx_free(v);
    free(salt);
    free(cd);
    free(known);
    free(unknown);
    return 0;
}
