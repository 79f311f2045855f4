/*
 * crypt_loop: the floor for fcgi-authd with its cache off. THREADS threads
 * call libxcrypt's crypt_rn(PASSWORD, HASH) back to back for SECONDS
 * seconds, each with its own struct crypt_data (as fcgi-authd's workers
 * do), and count the calls. No socket, no web server, no parsing: with
 * the cache off fcgi-authd cannot beat this, and the target is to
 * stay within 5% of it with as many threads as it has hashing slots.
 *
 *     crypt_loop HASH PASSWORD THREADS SECONDS
 *
 * Prints one line "hashes=N seconds=S per_second=R threads=T". Every
 * result is compared with HASH, so a wrong password or a hash libxcrypt
 * cannot compute is an error (exit 1), never a fast bogus number.
 * Built by bench/run: cc -O2 -pthread crypt_loop.c -lcrypt.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
    pthread_t thread;
    const char *hash;
    const char *password;
    double deadline;
    unsigned long count;
    int failed;
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
loop_run(void *arg)
{
    struct job *j = arg;
    struct crypt_data *cd = calloc(1, sizeof *cd);

    if (cd == NULL) {
        j->failed = 1;
        return NULL;
    }
    /* At least one call, even when SECONDS is shorter than one hash. */
    do {
        const char *out = crypt_rn(j->password, j->hash, cd, sizeof *cd);

        if (out == NULL || strcmp(out, j->hash) != 0) {
            j->failed = 1;
            break;
        }
        j->count++;
    } while (now_s() < j->deadline);
    free(cd);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct job *jobs;
    unsigned long total = 0;
    double start, elapsed, secs;
    long n;
    int failed = 0;

    if (argc != 5) {
        fprintf(stderr, "usage: %s HASH PASSWORD THREADS SECONDS\n", argv[0]);
        return 2;
    }
    n = strtol(argv[3], NULL, 10);
    secs = strtod(argv[4], NULL);
    if (n < 1 || n > 256 || !(secs > 0 && secs <= 600)) {
        fprintf(stderr, "crypt_loop: THREADS 1..256, SECONDS (0, 600]\n");
        return 2;
    }
    jobs = calloc((size_t)n, sizeof *jobs);
    if (jobs == NULL)
        return 1;
    start = now_s();
    for (long i = 0; i < n; i++) {
        jobs[i].hash = argv[1];
        jobs[i].password = argv[2];
        jobs[i].deadline = start + secs;
        if (pthread_create(&jobs[i].thread, NULL, loop_run, &jobs[i]) != 0) {
            fprintf(stderr, "crypt_loop: pthread_create failed\n");
            return 1;
        }
    }
    for (long i = 0; i < n; i++) {
        pthread_join(jobs[i].thread, NULL);
        total += jobs[i].count;
        failed |= jobs[i].failed;
    }
    elapsed = now_s() - start;
    free(jobs);
    if (failed) {
        fprintf(stderr, "crypt_loop: crypt_rn failed or did not reproduce "
                        "the hash (wrong password?)\n");
        return 1;
    }
    printf("hashes=%lu seconds=%.3f per_second=%.2f threads=%ld\n", total,
           elapsed, (double)total / elapsed, n);
    return 0;
}
