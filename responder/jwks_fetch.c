#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jwks_fetch.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

/* A fetch gives up after this many seconds (connecting: CONNECT). */
#define JWKS_FETCH_TIMEOUT 10
#define JWKS_FETCH_CONNECT 5
/* The longest URL taken. */
#define JWKS_URL_MAX 2048

struct jwks_remote {
    char *url;
    struct store *sets; /* of struct jwks; starts empty */
    /* The rest under jf.lock, but for the two atomics. */
    long long last_try; /* monotonic seconds; -1: never */
    bool ok;            /* the last attempt gave a set (new or the same) */
    bool busy;          /* a fetch of it is under way */
    bool wanted;        /* atomic: a request met an unknown kid */
    unsigned failures;  /* in a row */
    unsigned char digest[SHA256_DIGEST_SIZE]; /* of the set in hand */
    char last_err[CURL_ERROR_SIZE + 64];
    struct jwks_remote *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct jwks_remote *list;
    char *ca_file;
    unsigned refresh;
    bool stop;    /* atomic: fetches in flight give up */
    bool running; /* the thread was started */
    bool curl_ok; /* curl_global_init done */
    pthread_t thread;
} jf = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static long long
jwks_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

/* Whether host (as curl gives it: IPv6 in brackets) is this machine. */
static bool
jwks_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char h[64];
    size_t n = strlen(host);

    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (n < 3 || n >= sizeof h || host[0] != '[' || host[n - 1] != ']')
        return false;
    memcpy(h, host + 1, n - 2);
    h[n - 2] = '\0';
    return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int
jwks_url_check(const char *url, char *err, size_t errlen)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int rc = -1;

    if (strlen(url) > JWKS_URL_MAX) {
        snprintf(err, errlen, "longer than %d bytes", JWKS_URL_MAX);
        return -1;
    }
    if ((u = curl_url()) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        snprintf(err, errlen, "not a URL (https://HOST/PATH)");
    } else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        snprintf(err, errlen, "%s: only https (or http to this host)", scheme);
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(err, errlen, "no host (https://HOST/PATH)");
    } else if (strcmp(scheme, "https") == 0) {
        rc = 0;
    } else if (!jwks_loopback(host)) {
        snprintf(err, errlen,
                 "plain http only to a loopback address (127.0.0.1, [::1], "
                 "localhost): anyone on the way could swap the keys; use "
                 "https");
    } else {
        rc = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

static void
jwks_free_obj(void *s)
{
    jwks_free(s);
}

struct jwks_remote *
jwks_remote_get(const char *url, const char *ca_file)
{
    struct jwks_remote *r;
    char *ca = ca_file ? strdup(ca_file) : NULL;

    if (ca_file != NULL && ca == NULL)
        return NULL;
    pthread_mutex_lock(&jf.lock);
    free(jf.ca_file);
    jf.ca_file = ca;
    for (r = jf.list; r != NULL; r = r->next)
        if (strcmp(r->url, url) == 0)
            break;
    if (r == NULL && (r = calloc(1, sizeof *r)) != NULL) {
        r->url = strdup(url);
        r->sets = store_new(NULL, jwks_free_obj);
        r->last_try = -1;
        if (r->url == NULL || r->sets == NULL) {
            store_free(r->sets);
            free(r->url);
            free(r);
            r = NULL;
        } else {
            r->next = jf.list;
            jf.list = r;
            /* libcurl 7.84 and later: thread-safe, and once is enough. */
            if (!jf.curl_ok)
                jf.curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
            pthread_cond_signal(&jf.cond); /* the thread fetches it */
        }
    }
    pthread_mutex_unlock(&jf.lock);
    return r;
}

const char *
jwks_remote_url(const struct jwks_remote *r)
{
    return r->url;
}

const struct jwks *
jwks_remote_acquire(struct jwks_remote *r)
{
    return store_acquire(r->sets);
}

void
jwks_remote_release(struct jwks_remote *r, const struct jwks *s)
{
    store_release(r->sets, s);
}

void
jwks_remote_want(struct jwks_remote *r)
{
    /* Both racy reads are only hints; the thread decides under the lock. */
    if (__atomic_load_n(&r->wanted, __ATOMIC_RELAXED) ||
        jwks_now() - __atomic_load_n(&r->last_try, __ATOMIC_RELAXED) <
            JWKS_FETCH_MIN_INTERVAL)
        return;
    pthread_mutex_lock(&jf.lock);
    __atomic_store_n(&r->wanted, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&jf.cond);
    pthread_mutex_unlock(&jf.lock);
}

long long
jwks_fetch_due(long long last_try, bool ok, unsigned failures, unsigned refresh,
               bool wanted)
{
    long long due = LLONG_MAX;

    if (last_try < 0)
        return 0;
    if (!ok) /* 5, 10, 20, 40, then every 60 s */
        return last_try +
               (failures >= 5 ? 60 : 5LL << (failures ? failures - 1 : 0));
    if (refresh > 0)
        due = last_try + refresh;
    if (wanted && last_try + JWKS_FETCH_MIN_INTERVAL < due)
        due = last_try + JWKS_FETCH_MIN_INTERVAL;
    return due;
}

/* The body of one fetch, capped. */
struct jwks_body {
    char *p;
    size_t n, cap;
};

static size_t
jwks_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct jwks_body *b = arg;
    size_t n = size * nmemb;

    if (n > JWKS_FETCH_MAX - b->n)
        return 0; /* too big: curl fails the transfer */
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        char *p;

        while (cap < b->n + n)
            cap *= 2;
        if ((p = malloc(cap)) == NULL)
            return 0;
        if (b->n > 0)
            memcpy(p, b->p, b->n);
        if (b->p != NULL) {
            util_wipe(b->p, b->n);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return n;
}

/* Ends a transfer under way when the daemon stops. */
static int
jwks_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
              curl_off_t un)
{
    (void)arg, (void)dt, (void)dn, (void)ut, (void)un;
    return __atomic_load_n(&jf.stop, __ATOMIC_RELAXED) ? 1 : 0;
}

/* GET url into b: 0, or -1 with the reason in err. */
static int
jwks_get(const char *url, const char *ca_file, struct jwks_body *b, char *err,
         size_t errlen)
{
    static const char accept[] =
        "Accept: application/jwk-set+json, application/json";
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, accept);
    CURL *h = curl_easy_init();
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    long status = 0;

    if (h != NULL && hdr != NULL) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)JWKS_FETCH_CONNECT);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)JWKS_FETCH_TIMEOUT);
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)JWKS_FETCH_MAX);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, jwks_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, jwks_progress);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" VERSION);
        if (ca_file != NULL)
            curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
        rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
        snprintf(err, errlen, "the answer is over %d bytes", JWKS_FETCH_MAX);
    else if (rc != CURLE_OK)
        snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
    else if (status != 200)
        snprintf(err, errlen, "HTTP status %ld (200 expected)", status);
    else
        return 0;
    return -1;
}

/* Fetch r now (the caller claimed it: r->busy) and swap in what it gives. */
static void
jwks_fetch_one(struct jwks_remote *r, const char *ca_file)
{
    struct jwks_body b = {NULL, 0, 0};
    unsigned char digest[SHA256_DIGEST_SIZE];
    struct jwks *set = NULL;
    char err[sizeof r->last_err] = "";
    int result = -1;

    if (jwks_get(r->url, ca_file, &b, err, sizeof err) == 0) {
        struct sha256_ctx h;

        sha256_init(&h);
        sha256_update(&h, b.n, (const uint8_t *)(b.p ? b.p : ""));
        sha256_digest(&h, sizeof digest, digest);
        if (r->ok && memcmp(digest, r->digest, sizeof digest) == 0) {
            result = 0; /* as before: nothing to parse again */
        } else {
            set = jwks_parse(r->url, b.p ? b.p : "", b.n, log_diag, NULL);
            if (set == NULL || jwks_count(set) == 0)
                snprintf(err, sizeof err, "no usable key in the answer");
            else
                result = 1;
        }
    }
    if (b.p != NULL) {
        util_wipe(b.p, b.n);
        free(b.p);
    }
    if (result == 1) {
        size_t keys = jwks_count(set);

        store_swap(r->sets, set);
        memcpy(r->digest, digest, sizeof digest);
        log_msg(LOGL_INFO, "jwks_url %s: %zu keys in service", r->url, keys);
    } else if (result < 0) {
        const struct jwks *cur = store_acquire(r->sets);

        jwks_free(set);
        /* Once per kind of failure, and then every 10th: not a line a
         * minute for as long as the identity provider is down. */
        if (r->failures == 0 || strcmp(err, r->last_err) != 0 ||
            (r->failures + 1) % 10 == 0) {
            if (cur != NULL)
                log_msg(LOGL_WARN,
                        "jwks_url %s: %s; keeping the last good set (%zu "
                        "keys)",
                        r->url, err, jwks_count(cur));
            else
                log_msg(LOGL_ERROR,
                        "jwks_url %s: %s; no keys yet: JWTs signed by this "
                        "issuer are refused (500) until a fetch succeeds",
                        r->url, err);
        }
        store_release(r->sets, cur);
    }
    metrics_jwks_fetch(result);
    pthread_mutex_lock(&jf.lock);
    r->ok = result >= 0;
    r->failures = result >= 0 ? 0 : r->failures + 1;
    snprintf(r->last_err, sizeof r->last_err, "%s", err);
    r->busy = false;
    pthread_mutex_unlock(&jf.lock);
}

/* Claim r for a fetch (lock held): false when one is under way. */
static bool
jwks_claim(struct jwks_remote *r, long long now)
{
    if (r->busy)
        return false;
    r->busy = true;
    __atomic_store_n(&r->last_try, now, __ATOMIC_RELAXED);
    __atomic_store_n(&r->wanted, false, __ATOMIC_RELAXED);
    return true;
}

size_t
jwks_fetch_new(void)
{
    size_t in_hand = 0;

    for (;;) {
        struct jwks_remote *r;
        char *ca = NULL;

        pthread_mutex_lock(&jf.lock);
        for (r = jf.list; r != NULL; r = r->next)
            if (r->last_try < 0 && jwks_claim(r, jwks_now()))
                break;
        if (r != NULL && jf.ca_file != NULL)
            ca = strdup(jf.ca_file);
        pthread_mutex_unlock(&jf.lock);
        if (r == NULL)
            break;
        jwks_fetch_one(r, ca);
        free(ca);
    }
    pthread_mutex_lock(&jf.lock);
    for (struct jwks_remote *r = jf.list; r != NULL; r = r->next) {
        const struct jwks *set = store_acquire(r->sets);

        in_hand += set != NULL;
        store_release(r->sets, set);
    }
    pthread_mutex_unlock(&jf.lock);
    return in_hand;
}

static void *
jwks_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&jf.lock);
    while (!jf.stop) {
        long long now = jwks_now(), next = LLONG_MAX;
        struct jwks_remote *r;
        struct timespec until;

        for (r = jf.list; r != NULL; r = r->next) {
            long long due =
                jwks_fetch_due(r->last_try, r->ok, r->failures, jf.refresh,
                               __atomic_load_n(&r->wanted, __ATOMIC_RELAXED));

            if (due <= now && jwks_claim(r, now))
                break;
            if (!r->busy && due < next)
                next = due;
        }
        if (r != NULL) {
            char *ca = jf.ca_file ? strdup(jf.ca_file) : NULL;

            pthread_mutex_unlock(&jf.lock);
            jwks_fetch_one(r, ca);
            free(ca);
            pthread_mutex_lock(&jf.lock);
            continue;
        }
        /* Wake at the next due time, at a request's call, or at stop. */
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += next - now > 3600 ? 3600 : next - now;
        pthread_cond_timedwait(&jf.cond, &jf.lock, &until);
    }
    pthread_mutex_unlock(&jf.lock);
    return NULL;
}

int
jwks_fetch_start(unsigned refresh)
{
    pthread_condattr_t ca;
    int rc;

    pthread_mutex_lock(&jf.lock);
    jf.refresh = refresh;
    rc = jf.list == NULL || jf.running ? 0 : 1;
    pthread_mutex_unlock(&jf.lock);
    if (rc == 0)
        return 0;
    /* The waits are on the monotonic clock, as the due times are. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_destroy(&jf.cond);
    pthread_cond_init(&jf.cond, &ca);
    pthread_condattr_destroy(&ca);
    if ((rc = pthread_create(&jf.thread, NULL, jwks_thread, NULL)) != 0) {
        log_msg(LOGL_ERROR, "cannot start the jwks_url thread: %s",
                strerror(rc));
        return -1;
    }
    jf.running = true;
    return 0;
}

void
jwks_fetch_stop(void)
{
    struct jwks_remote *r, *next;

    pthread_mutex_lock(&jf.lock);
    __atomic_store_n(&jf.stop, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&jf.cond);
    pthread_mutex_unlock(&jf.lock);
    if (jf.running)
        pthread_join(jf.thread, NULL);
    jf.running = false;
    for (r = jf.list; r != NULL; r = next) {
        next = r->next;
        store_free(r->sets);
        free(r->url);
        free(r);
    }
    jf.list = NULL;
    free(jf.ca_file);
    jf.ca_file = NULL;
    if (jf.curl_ok)
        curl_global_cleanup();
    jf.curl_ok = false;
    __atomic_store_n(&jf.stop, false, __ATOMIC_RELAXED);
}
