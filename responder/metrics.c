#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

#define METRICS_REASONS REASON_COUNT

/* Indexed by the position of the status in reason_statuses. */

static unsigned long long metrics_decisions[REASON_STATUSES][METRICS_REASONS];
static unsigned long long metrics_schemes[AUTH_SCHEME_COUNT][REASON_STATUSES];
static unsigned long long metrics_sources[AUTH_SOURCE_COUNT][REASON_STATUSES];

/* Hash time buckets, seconds (Prometheus "le"). */
static const double metrics_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,  0.5,  1,     2.5};
#define METRICS_BUCKETS (sizeof metrics_bounds / sizeof metrics_bounds[0])
static unsigned long long metrics_hash_buckets[METRICS_BUCKETS + 1];
static unsigned long long metrics_hash_micros; /* sum, in microseconds */
static unsigned long long metrics_reloads, metrics_reload_failures;
/* JWK Set fetches (jwks_fetch.h): changed, unchanged, failed. */
static unsigned long long metrics_fetches[3];

/* Directory checks: by result, and their time (up to ldap_timeout). */
#define METRICS_LDAP_RESULTS (DIR_DOWN + 1)
static const double metrics_ldap_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025,  0.05,  0.1,    0.25,  0.5,
                                             1,      2.5,   5,      10};
#define METRICS_LDAP_BUCKETS                                                   \
    (sizeof metrics_ldap_bounds / sizeof metrics_ldap_bounds[0])
static unsigned long long metrics_ldap_results[METRICS_LDAP_RESULTS];
static unsigned long long metrics_ldap_buckets[METRICS_LDAP_BUCKETS + 1];
static unsigned long long metrics_ldap_micros;

void
metrics_decision(int status, enum authz_reason reason)
{
    metrics_decision_by(status, reason, AUTH_SCHEME_NONE, AUTH_SOURCE_NONE);
}

void
metrics_decision_by(int status, enum authz_reason reason,
                    enum authz_scheme scheme, enum authz_source source)
{
    for (size_t i = 0; i < REASON_STATUSES; i++) {
        if (reason_statuses[i] == status &&
            (unsigned)reason < METRICS_REASONS) {
            __atomic_add_fetch(&metrics_decisions[i][reason], 1,
                               __ATOMIC_RELAXED);
            if ((unsigned)scheme < AUTH_SCHEME_COUNT)
                __atomic_add_fetch(&metrics_schemes[scheme][i], 1,
                                   __ATOMIC_RELAXED);
            if ((unsigned)source < AUTH_SOURCE_COUNT)
                __atomic_add_fetch(&metrics_sources[source][i], 1,
                                   __ATOMIC_RELAXED);
            return;
        }
    }
}

void
metrics_hash_time(double seconds)
{
    size_t b = 0;

    while (b < METRICS_BUCKETS && seconds > metrics_bounds[b])
        b++;
    __atomic_add_fetch(&metrics_hash_buckets[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&metrics_hash_micros,
                       (unsigned long long)(seconds * 1e6), __ATOMIC_RELAXED);
}

void
metrics_ldap_check(int result, double seconds)
{
    size_t b = 0;

    if (result < 0 || result >= METRICS_LDAP_RESULTS)
        return;
    while (b < METRICS_LDAP_BUCKETS && seconds > metrics_ldap_bounds[b])
        b++;
    __atomic_add_fetch(&metrics_ldap_results[result], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&metrics_ldap_buckets[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&metrics_ldap_micros,
                       (unsigned long long)(seconds * 1e6), __ATOMIC_RELAXED);
}

void
metrics_jwks_fetch(int result)
{
    if (result >= -1 && result <= 1)
        __atomic_add_fetch(&metrics_fetches[result + 1], 1, __ATOMIC_RELAXED);
}

void
metrics_reload(bool ok)
{
    __atomic_add_fetch(ok ? &metrics_reloads : &metrics_reload_failures, 1,
                       __ATOMIC_RELAXED);
}

static unsigned long long
metrics_load(const unsigned long long *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Append to buf; false once it no longer fits. */
static bool metrics_put(char *buf, size_t cap, size_t *len, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static bool
metrics_put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*len >= cap)
        return false;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len) {
        *len = cap;
        return false;
    }
    *len += (size_t)n;
    return true;
}

/*
 * A histogram's samples: cumulative _bucket{le} lines for n bounds and
 * +Inf (counts holds n + 1 buckets), _sum (kept in microseconds) and
 * _count. The HELP and TYPE lines are the caller's.
 */
static void
metrics_histogram(char *buf, size_t cap, size_t *len, const char *name,
                  const double *bounds, size_t n,
                  const unsigned long long *counts,
                  const unsigned long long *micros)
{
    unsigned long long cum = 0;

    for (size_t b = 0; b < n; b++) {
        cum += metrics_load(&counts[b]);
        metrics_put(buf, cap, len, "%s_bucket{le=\"%g\"} %llu\n", name,
                    bounds[b], cum);
    }
    cum += metrics_load(&counts[n]);
    metrics_put(buf, cap, len,
                "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n",
                name, cum, name, (double)metrics_load(micros) / 1e6, name, cum);
}

size_t
metrics_render(char *buf, size_t cap, struct cache *cache, struct gate *gate,
               struct throttle *throttle)
{
    struct cache_stats cs;
    struct gate_stats gs = {0, 0, 0};
    struct throttle_stats ts;
    size_t len = 0;

    cache_get_stats(cache, &cs);
    if (gate != NULL)
        gate_get_stats(gate, &gs);
    throttle_get_stats(throttle, &ts);

    metrics_put(buf, cap, &len,
                "# HELP fcgi_authd_build_info Version of fcgi-authd.\n"
                "# TYPE fcgi_authd_build_info gauge\n"
                "fcgi_authd_build_info{version=\"%s\"} 1\n"
                "# HELP fcgi_authd_decisions_total Answers, by status and "
                "reason.\n"
                "# TYPE fcgi_authd_decisions_total counter\n",
                PACKAGE_VERSION);
    for (size_t i = 0; i < REASON_STATUSES; i++)
        for (size_t r = 0; r < METRICS_REASONS; r++) {
            unsigned long long v = metrics_load(&metrics_decisions[i][r]);

            if (v > 0)
                metrics_put(buf, cap, &len,
                            "fcgi_authd_decisions_total{status=\"%d\","
                            "reason=\"%s\"} %llu\n",
                            reason_statuses[i],
                            reason_name((enum authz_reason)r), v);
        }
    metrics_put(buf, cap, &len,
                "# HELP fcgi_authd_scheme_decisions_total Answers, by the "
                "credential scheme judged (none: no credential) and status.\n"
                "# TYPE fcgi_authd_scheme_decisions_total counter\n");
    for (size_t sc = 0; sc < AUTH_SCHEME_COUNT; sc++)
        for (size_t i = 0; i < REASON_STATUSES; i++) {
            unsigned long long v = metrics_load(&metrics_schemes[sc][i]);

            if (v > 0)
                metrics_put(buf, cap, &len,
                            "fcgi_authd_scheme_decisions_total{scheme=\"%s\","
                            "status=\"%d\"} %llu\n",
                            scheme_name((enum authz_scheme)sc),
                            reason_statuses[i], v);
        }
    metrics_put(buf, cap, &len,
                "# HELP fcgi_authd_source_decisions_total Answers, by the "
                "identity source that judged the credential (none: no "
                "credential, a malformed one, or regulated) and status.\n"
                "# TYPE fcgi_authd_source_decisions_total counter\n");
    for (size_t so = 0; so < AUTH_SOURCE_COUNT; so++)
        for (size_t i = 0; i < REASON_STATUSES; i++) {
            unsigned long long v = metrics_load(&metrics_sources[so][i]);

            if (v > 0)
                metrics_put(buf, cap, &len,
                            "fcgi_authd_source_decisions_total{source=\"%s\","
                            "status=\"%d\"} %llu\n",
                            source_name((enum authz_source)so),
                            reason_statuses[i], v);
        }
    metrics_put(
        buf, cap, &len,
        "# HELP fcgi_authd_cache_lookups_total Verification cache lookups.\n"
        "# TYPE fcgi_authd_cache_lookups_total counter\n"
        "fcgi_authd_cache_lookups_total{result=\"hit\"} %llu\n"
        "fcgi_authd_cache_lookups_total{result=\"miss\"} %llu\n"
        "# HELP fcgi_authd_cache_evictions_total Live entries pushed out.\n"
        "# TYPE fcgi_authd_cache_evictions_total counter\n"
        "fcgi_authd_cache_evictions_total %llu\n"
        "# HELP fcgi_authd_cache_entries Entries held.\n"
        "# TYPE fcgi_authd_cache_entries gauge\n"
        "fcgi_authd_cache_entries %zu\n"
        "# HELP fcgi_authd_hashes_total Password hashes: run, shared by an "
        "identical one in flight, refused as too busy.\n"
        "# TYPE fcgi_authd_hashes_total counter\n"
        "fcgi_authd_hashes_total{outcome=\"run\"} %llu\n"
        "fcgi_authd_hashes_total{outcome=\"joined\"} %llu\n"
        "fcgi_authd_hashes_total{outcome=\"busy\"} %llu\n"
        "# HELP fcgi_authd_hash_seconds Time of one password hash.\n"
        "# TYPE fcgi_authd_hash_seconds histogram\n",
        (unsigned long long)cs.hits, (unsigned long long)cs.misses,
        (unsigned long long)cs.evictions, cs.entries, gs.runs, gs.joined,
        gs.busy);
    metrics_histogram(buf, cap, &len, "fcgi_authd_hash_seconds", metrics_bounds,
                      METRICS_BUCKETS, metrics_hash_buckets,
                      &metrics_hash_micros);
    metrics_put(
        buf, cap, &len,
        "# HELP fcgi_authd_bans_total Regulation bans.\n"
        "# TYPE fcgi_authd_bans_total counter\n"
        "fcgi_authd_bans_total{kind=\"address\"} %llu\n"
        "fcgi_authd_bans_total{kind=\"account\"} %llu\n"
        "# HELP fcgi_authd_throttled_total Attempts refused while "
        "banned.\n"
        "# TYPE fcgi_authd_throttled_total counter\n"
        "fcgi_authd_throttled_total %llu\n"
        "# HELP fcgi_authd_reloads_total Reloads of the user and "
        "group files.\n"
        "# TYPE fcgi_authd_reloads_total counter\n"
        "fcgi_authd_reloads_total{result=\"ok\"} %llu\n"
        "fcgi_authd_reloads_total{result=\"failed\"} %llu\n"
        "# HELP fcgi_authd_jwks_fetches_total Fetches of the JWK Sets of "
        "jwks_url.\n"
        "# TYPE fcgi_authd_jwks_fetches_total counter\n"
        "fcgi_authd_jwks_fetches_total{result=\"changed\"} %llu\n"
        "fcgi_authd_jwks_fetches_total{result=\"unchanged\"} %llu\n"
        "fcgi_authd_jwks_fetches_total{result=\"failed\"} %llu\n",
        (unsigned long long)ts.addr_bans, (unsigned long long)ts.user_bans,
        (unsigned long long)ts.refused, metrics_load(&metrics_reloads),
        metrics_load(&metrics_reload_failures),
        metrics_load(&metrics_fetches[2]), metrics_load(&metrics_fetches[1]),
        metrics_load(&metrics_fetches[0]));
    metrics_put(buf, cap, &len,
                "# HELP fcgi_authd_ldap_checks_total Checks against a "
                "directory that went to it (not answered from the memo), by "
                "result: ldap_down and ldap_busy are its errors.\n"
                "# TYPE fcgi_authd_ldap_checks_total counter\n");
    for (int r = 0; r < METRICS_LDAP_RESULTS; r++)
        metrics_put(buf, cap, &len,
                    "fcgi_authd_ldap_checks_total{result=\"%s\"} %llu\n",
                    directory_result_name((enum directory_result)r),
                    metrics_load(&metrics_ldap_results[r]));
    metrics_put(buf, cap, &len,
                "# HELP fcgi_authd_ldap_check_seconds Time of one check "
                "against a directory (search, bind, groups).\n"
                "# TYPE fcgi_authd_ldap_check_seconds histogram\n");
    metrics_histogram(buf, cap, &len, "fcgi_authd_ldap_check_seconds",
                      metrics_ldap_bounds, METRICS_LDAP_BUCKETS,
                      metrics_ldap_buckets, &metrics_ldap_micros);
    if (ts.shared)
        metrics_put(
            buf, cap, &len,
            "# HELP fcgi_authd_throttle_redis_up Whether the regulation is "
            "shared on Redis now (0: this node regulates alone).\n"
            "# TYPE fcgi_authd_throttle_redis_up gauge\n"
            "fcgi_authd_throttle_redis_up %d\n"
            "# HELP fcgi_authd_throttle_redis_sent_total Failures and "
            "successes told to Redis.\n"
            "# TYPE fcgi_authd_throttle_redis_sent_total counter\n"
            "fcgi_authd_throttle_redis_sent_total %llu\n"
            "# HELP fcgi_authd_throttle_redis_dropped_total Failures and "
            "successes not told (Redis down, or the queue full).\n"
            "# TYPE fcgi_authd_throttle_redis_dropped_total counter\n"
            "fcgi_authd_throttle_redis_dropped_total %llu\n"
            "# HELP fcgi_authd_throttle_redis_received_total Ban messages "
            "received from the other nodes.\n"
            "# TYPE fcgi_authd_throttle_redis_received_total counter\n"
            "fcgi_authd_throttle_redis_received_total %llu\n"
            "# HELP fcgi_authd_throttle_remote_bans_total Bans set here "
            "because Redis said so.\n"
            "# TYPE fcgi_authd_throttle_remote_bans_total counter\n"
            "fcgi_authd_throttle_remote_bans_total %llu\n",
            ts.shared_up ? 1 : 0, (unsigned long long)ts.shared_sent,
            (unsigned long long)ts.shared_dropped,
            (unsigned long long)ts.shared_received,
            (unsigned long long)ts.remote_bans);
    return len < cap ? len : 0;
}
