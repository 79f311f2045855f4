/*
 * fcgi-authd: start-up in the order it happens: options, configuration,
 * credential file, socket, serve. Only this file exits, and only here.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authz.h"
#include "conf.h"
#include "fcgi_loop.h"
#include "htpasswd.h"
#include "cache.h"
#include "gate.h"
#include "snapshot.h"
#include "store.h"
#include "share.h"
#include "throttle.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "response.h"
#include "verify.h"

extern char **environ;

#define MAIN_MAX_OPTS 64

/* A key=value from the command line, applied after the config file. */
struct main_arg {
    const char *key;
    const char *value;
};

struct main_opts {
    const char *conf_file;
    bool test_only;
    struct main_arg args[MAIN_MAX_OPTS];
    size_t nargs;
};

/* Print text indented by 8 columns, wrapped before column 80. */
static void
main_wrap(FILE *f, const char *text)
{
    const int width = 72;
    int col = 0;

    while (*text != '\0') {
        int w = (int)strcspn(text, " ");

        if (col > 0 && col + 1 + w > width) {
            fputc('\n', f);
            col = 0;
        }
        fprintf(f, "%s%.*s", col == 0 ? "        " : " ", w, text);
        col += (col == 0 ? 0 : 1) + w;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}

static void
main_usage(FILE *f)
{
    size_t n;
    const struct conf_key *k = conf_keys(&n);

    fprintf(f,
            "Usage: fcgi-authd [-c FILE] [--listen SPEC] [--user-file FILE]\n"
            "                  [--realm TEXT] [--threads N] [OPTION...] [-t] "
            "[-V] [-h]\n"
            "A FastCGI authorizer: answers a web server's \"may this request "
            "pass?\"\nfrom htpasswd files (Basic), API tokens and JWTs "
            "(Bearer), and rules.\n\n"
            "  -c, --config FILE   read settings from FILE (key = value)\n"
            "  -t, --test          check the configuration and the files it "
            "names\n"
            "  -V, --version       print the version and exit\n"
            "  -h, --help          print this help and exit\n\n"
            "Settings (each is also a config file key, with '_' for "
            "'-'):\n");
    for (size_t i = 0; i < n; i++) {
        char opt[64], text[512];

        snprintf(opt, sizeof opt, "--%s %s", k[i].name, k[i].arg);
        for (char *p = opt + 2; *p && *p != ' '; p++)
            if (*p == '_')
                *p = '-';
        snprintf(text, sizeof text, "%s%s%s%s", k[i].help,
                 k[i].defval ? " [" : "", k[i].defval ? k[i].defval : "",
                 k[i].defval ? "]" : "");
        fprintf(f, "  %s\n", opt);
        main_wrap(f, text);
    }
    fprintf(f, "\nThe command line beats the config file, which beats the "
               "defaults.\n"
               "Socket: systemd's LISTEN_FDS, else --listen, else a listening "
               "socket on fd 0\n(spawn-fcgi). With none of these but "
               "GATEWAY_INTERFACE set, it answers once\nas a CGI program. "
               "See fcgi-authd(8) and fcgi-authd.conf(5).\n");
}

static void
main_version(void)
{
    printf("fcgi-authd %s\n", PACKAGE_VERSION);
}

/* Parse argv; returns 0, or the exit code to leave with. */
static int
main_parse_args(int argc, char **argv, struct main_opts *o)
{
    static char names[MAIN_MAX_OPTS][48];
    struct option longopts[MAIN_MAX_OPTS + 5];
    size_t n, nl = 0;
    const struct conf_key *k = conf_keys(&n);
    int c, idx;

    if (n > MAIN_MAX_OPTS)
        return 1;
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "%s", k[i].name);
        for (char *p = names[i]; *p; p++)
            if (*p == '_')
                *p = '-';
        longopts[nl++] =
            (struct option){names[i], required_argument, NULL, 256 + (int)i};
    }
    longopts[nl++] = (struct option){"config", required_argument, NULL, 'c'};
    longopts[nl++] = (struct option){"test", no_argument, NULL, 't'};
    longopts[nl++] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[nl++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[nl] = (struct option){NULL, 0, NULL, 0};

    while ((c = getopt_long(argc, argv, "c:tVh", longopts, &idx)) != -1) {
        switch (c) {
        case 'c':
            o->conf_file = optarg;
            break;
        case 't':
            o->test_only = true;
            break;
        case 'V':
            main_version();
            exit(0);
        case 'h':
            main_usage(stdout);
            exit(0);
        default:
            if (c < 256 || (size_t)(c - 256) >= n ||
                o->nargs >= MAIN_MAX_OPTS) {
                main_usage(stderr);
                return 2;
            }
            o->args[o->nargs++] = (struct main_arg){k[c - 256].name, optarg};
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fcgi-authd: unexpected argument '%s'\n", argv[optind]);
        main_usage(stderr);
        return 2;
    }
    return 0;
}

/* Config file, then the command line over it. Returns the error count. */
static int
main_configure(const struct main_opts *o, struct conf *conf)
{
    int errors = 0;

    conf_init(conf);
    if (o->conf_file != NULL) {
        int rc = conf_load(conf, o->conf_file, log_diag, NULL);

        errors += rc < 0 ? 1 : rc;
    }
    for (size_t i = 0; i < o->nargs; i++)
        if (conf_set(conf, o->args[i].key, o->args[i].value, NULL, 0, log_diag,
                     NULL) < 0)
            errors++;
    return errors;
}

/*
 * The listening socket, in order: systemd, --listen, fd 0. Returns the fd,
 * -1 on error, or -2 when there is none.
 */
static int
main_socket(const struct conf *conf)
{
    struct listen_opts lo = {conf->socket_mode, conf->socket_group};
    char err[512] = "";
    int fd = -1;

    switch (listen_systemd(&fd, err, sizeof err)) {
    case 1:
        log_msg(LOGL_INFO, "using the socket passed by systemd");
        return fd;
    case -1:
        log_msg(LOGL_ERROR, "%s", err);
        return -1;
    default:
        break;
    }
    if (conf->listen != NULL) {
        fd = listen_open(conf->listen, &lo, err, sizeof err);
        if (fd < 0)
            log_msg(LOGL_ERROR, "listen: %s", err);
        else
            log_msg(LOGL_INFO, "listening on %s", conf->listen);
        return fd;
    }
    if (listen_fd0()) {
        log_msg(LOGL_INFO, "using the listening socket on fd 0");
        return 0;
    }
    return -2;
}

static unsigned
main_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/*
 * Workers, hashing slots and the cache. More workers than slots: a request
 * that needs no hash (cached, no credentials) finds a free worker even
 * while the slots are busy; the workers that may queue for a slot are
 * capped so that a quarter of them (at least 2) always stay free for it.
 */
/* throttle_redis, checked and its files read; NULL when unset or bad. */
static struct share *
main_share(const struct conf *conf, bool *bad)
{
    struct share_opts so = {
        conf->throttle_redis,         conf->throttle_redis_password_file,
        conf->throttle_redis_prefix,  conf->throttle_redis_key_file,
        conf->throttle_addr_failures, conf->throttle_window,
        conf->throttle_user_failures, conf->throttle_ban,
    };
    struct share *s;
    char err[512];

    *bad = false;
    if (conf->throttle_redis == NULL)
        return NULL;
    if ((s = share_new(&so, err, sizeof err)) == NULL) {
        log_msg(LOGL_ERROR, "%s", err);
        *bad = true;
    }
    return s;
}

static int
main_speed(struct conf *conf, struct authz_ctx *ctx, struct share **share)
{
    unsigned cpus = main_cpus(), reserve, queue;
    const void *key = NULL;
    size_t key_len = 0;
    bool bad;

    if (conf->threads == 0)
        conf->threads = cpus * 8 < 8 ? 8 : cpus * 8 > 256 ? 256 : cpus * 8;
    if (conf->hash_slots == 0)
        conf->hash_slots = cpus;
    if (conf->hash_slots > conf->threads)
        conf->hash_slots = conf->threads;
    reserve = conf->threads / 4 < 2 ? 2 : conf->threads / 4;
    queue = conf->threads > conf->hash_slots + reserve
                ? conf->threads - conf->hash_slots - reserve
                : 0;
    ctx->gate = gate_new(conf->hash_slots, queue);
    ctx->cache = cache_new(conf->cache_size, conf->cache_ttl);
    /* Read as root, like the other files, before serving. */
    *share = main_share(conf, &bad);
    if (bad)
        return -1;
    if (*share != NULL)
        share_key(*share, &key, &key_len);
    ctx->throttle = throttle_new(&(struct throttle_opts){
        conf->throttle_addr_failures, conf->throttle_window,
        conf->throttle_user_failures, conf->throttle_ban, conf->throttle_size,
        key, key_len});
    if (ctx->gate == NULL || ctx->cache == NULL || ctx->throttle == NULL) {
        log_msg(LOGL_ERROR, "out of memory (or no randomness) for the cache");
        return -1;
    }
    log_msg(LOGL_INFO,
            "%u workers, %u hashing slots (%u may queue); cache %s (%u "
            "entries, %u s)",
            conf->threads, conf->hash_slots, queue,
            cache_enabled(ctx->cache) ? "on" : "off", conf->cache_size,
            conf->cache_ttl);
    return 0;
}

/* What the cache and the slots did, at exit. */
static void
main_report(const struct authz_ctx *ctx)
{
    struct cache_stats cs;
    struct gate_stats gs;
    struct throttle_stats ts;

    log_flush_dropped();
    cache_get_stats(ctx->cache, &cs);
    gate_get_stats(ctx->gate, &gs);
    throttle_get_stats(ctx->throttle, &ts);
    log_msg(LOGL_INFO,
            "regulation: %llu address bans, %llu account bans, %llu attempts "
            "refused",
            (unsigned long long)ts.addr_bans, (unsigned long long)ts.user_bans,
            (unsigned long long)ts.refused);
    log_msg(LOGL_INFO,
            "cache: %llu hits, %llu misses, %llu inserts, %llu evictions; "
            "hashes: %llu run, %llu joined, %llu refused busy",
            (unsigned long long)cs.hits, (unsigned long long)cs.misses,
            (unsigned long long)cs.inserts, (unsigned long long)cs.evictions,
            gs.runs, gs.joined, gs.busy);
}

/* The account conf->user names, or NULL (said so). */
static struct passwd *
main_user(const struct conf *conf)
{
    struct passwd *pw = getpwnam(conf->user);

    if (pw == NULL)
        log_msg(LOGL_ERROR, "user: no user '%s'", conf->user);
    return pw;
}

/*
 * Before the socket is opened: the user to switch to exists, and serving
 * as root is either avoided or allowed. Returns 0 or -1 (said why).
 */
static int
main_root_check(const struct conf *conf)
{
    if (conf->user != NULL && main_user(conf) == NULL)
        return -1;
    if (geteuid() == 0 && conf->user == NULL && !conf->allow_root) {
        log_msg(LOGL_ERROR,
                "refusing to serve as root: set user = NAME (switched to "
                "once the socket is open) or allow_root = yes");
        return -1;
    }
    return 0;
}

/*
 * Started as root: switch to conf->user (its uid, primary group and no
 * others) now that the socket is open. Returns 0 or -1.
 */
static int
main_drop_root(const struct conf *conf)
{
    struct passwd *pw;
    gid_t gid;

    if (geteuid() != 0 || conf->user == NULL)
        return 0;
    pw = main_user(conf);
    if (pw == NULL)
        return -1;
    gid = pw->pw_gid;
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        log_msg(LOGL_ERROR, "switching to user '%s': %s", conf->user,
                strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        log_msg(LOGL_ERROR, "could regain root after switching user");
        return -1;
    }
    log_msg(LOGL_INFO, "running as %s (uid %u, gid %u)", conf->user,
            (unsigned)pw->pw_uid, (unsigned)gid);
    return 0;
}

/* What the reload check needs between ticks. */
struct main_reload {
    const struct conf *conf;
    struct store *store;
    uint64_t failed; /* signature of the files when a reload last failed */
};

static void main_describe(FILE *f, const struct snapshot *snap);

/*
 * About once a second, and on SIGHUP: when a file of the snapshot in
 * service changed (stat: device, inode, size, time), load a new snapshot
 * from the same configuration and swap it in. A file that does not load
 * (malformed, missing, unreadable, a directory, a FIFO, torn by an
 * in-place write) keeps the last good snapshot, logged once per change of
 * the files, not once per second.
 */
static void
main_tick(void *arg, bool hup)
{
    struct main_reload *r = arg;
    const struct snapshot *cur = store_acquire(r->store);
    uint64_t sig = snapshot_signature(cur);
    bool changed = sig != cur->signature;
    struct snapshot *next;

    store_release(r->store, cur);
    if (!hup && (!changed || sig == r->failed))
        return;
    listen_notify("RELOADING=1");
    next = snapshot_reload(r->conf, log_diag, NULL);
    listen_notify("READY=1");
    metrics_reload(next != NULL);
    if (next == NULL) {
        if (sig != r->failed || hup)
            log_msg(LOGL_ERROR, "reload failed: still serving the last good "
                                "user and group files");
        r->failed = sig;
        return;
    }
    r->failed = 0;
    main_describe(NULL, next);
    log_msg(LOGL_INFO, "reloaded (%s)", hup ? "SIGHUP" : "files changed");
    store_swap(r->store, next);
}

/* "N JWT keys, " of p's file, and of its jwks_url as fetched so far. */
static void
main_keys(char *buf, size_t n, const struct snap_profile *p)
{
    size_t len = 0;

    if (p->jwks != NULL)
        len = (size_t)snprintf(buf, n, "%zu JWT keys, ", jwks_count(p->jwks));
    if (p->jwks_remote != NULL && len < n) {
        const struct jwks *set = jwks_remote_acquire(p->jwks_remote);

        if (set != NULL)
            snprintf(buf + len, n - len, "%zu JWT keys from jwks_url, ",
                     jwks_count(set));
        else
            snprintf(buf + len, n - len, "no JWT keys from jwks_url yet, ");
        jwks_remote_release(p->jwks_remote, set);
    }
}

/* One line per profile: to f (for -t), or to the log when f is NULL. */
static void
main_describe(FILE *f, const struct snapshot *snap)
{
    for (size_t i = 0; i < snap->nprofiles; i++) {
        const struct snap_profile *p = &snap->profiles[i];
        char line[RULE_TEXT_MAX + CONF_REALM_MAX + 256];

        char users[64] = "", tokens[48] = "", keys[80] = "";
        const char *dir = p->dir != NULL ? "an LDAP directory, " : "";

        if (p->users == NULL && p->tokens == NULL && p->jwks == NULL &&
            p->jwks_remote == NULL && p->dir == NULL) {
            snprintf(line, sizeof line,
                     "profile %s: no user file (requests need AUTH_PROFILE)",
                     p->name);
            goto out;
        }
        if (p->users != NULL)
            snprintf(users, sizeof users, "%zu users, %zu usable, ",
                     htpasswd_count(p->users), htpasswd_usable(p->users));
        if (p->tokens != NULL)
            snprintf(tokens, sizeof tokens, "%zu API tokens, ",
                     tokfile_count(p->tokens));
        if (p->jwks != NULL || p->jwks_remote != NULL)
            main_keys(keys, sizeof keys, p);
        snprintf(line, sizeof line,
                 "profile %s: %s%s%s%s%zu groups; realm \"%s\"; require %s",
                 p->name, users, dir, tokens, keys, htgroup_count(p->groups),
                 p->realm, p->require.text);
    out:
        if (f != NULL)
            fprintf(f, "fcgi-authd: %s\n", line);
        else
            log_msg(LOGL_INFO, "%s", line);
    }
    for (size_t i = 0; i < snap->npaths; i++) {
        if (f != NULL)
            fprintf(f, "fcgi-authd: path %s: require %s\n",
                    snap->paths[i].prefix, snap->paths[i].require.text);
        else
            log_msg(LOGL_INFO, "path %s: require %s", snap->paths[i].prefix,
                    snap->paths[i].require.text);
    }
    if (f != NULL)
        fprintf(f, "fcgi-authd: configuration OK\n");
}

/*
 * Configuration, logging, the files and the denial pages: everything -t
 * checks. Returns 0, or -1 (said why).
 */
static int
main_load(const struct main_opts *o, struct conf *conf, struct snapshot **snap)
{
    if (main_configure(o, conf) != 0)
        return -1;
    log_set_level(conf->log_level);
    log_setup(conf->log_syslog);
    log_set_rate(conf->log_rate);
    *snap = snapshot_load(conf, log_diag, NULL);
    if (*snap == NULL)
        return -1;
    if (conf->pages_dir != NULL) {
        char err[512];

        if (response_load_pages(conf->pages_dir, err, sizeof err) < 0) {
            log_msg(LOGL_ERROR, "pages_dir: %s", err);
            return -1;
        }
    }
    return 0;
}

/* -t: what serving would also need, then the description. 0 or 1. */
static int
main_test(const struct conf *conf, const struct snapshot *snap)
{
    struct listen_opts lo = {conf->socket_mode, conf->socket_group};
    char err[512];

    if (listen_check(conf->listen, &lo, err, sizeof err) < 0) {
        log_msg(LOGL_ERROR, "%s", err);
        return 1;
    }
    if (conf->user != NULL && main_user(conf) == NULL)
        return 1;
    {
        bool bad;

        share_free(main_share(conf, &bad));
        if (bad)
            return 1;
    }
    jwks_fetch_new(); /* a failure is a warning: the server may be down */
    for (size_t i = 0; i < snap->nprofiles; i++) {
        char why[600];

        /* A warning too: the directory may be down for a moment. */
        if (snap->profiles[i].dir != NULL &&
            directory_probe(snap->profiles[i].dir, why, sizeof why) < 0)
            log_msg(LOGL_WARN, "profile %s: ldap_url: %s",
                    snap->profiles[i].name, why);
    }
    main_describe(stdout, snap);
    return 0;
}

/*
 * Serve on the socket (or answer once as CGI) until stopped. The store
 * takes *snap. Returns the exit status.
 */
static int
main_serve(const struct conf *conf, const struct authz_ctx *ctx,
           struct share *share, struct snapshot **snap)
{
    bool cgi = getenv("GATEWAY_INTERFACE") != NULL;
    struct main_reload reload;
    struct store *store;
    int fd, rc;

    /* CGI mode is no server: the root rules apply to serving only. */
    if (!cgi && main_root_check(conf) < 0)
        return 1;
    fd = main_socket(conf);
    if (fd == -2 && cgi) {
        jwks_fetch_new();
        return fcgi_loop_cgi(ctx, *snap, environ) == 0 ? 0 : 1;
    }
    if (fd == -2)
        log_msg(LOGL_ERROR,
                "no socket to serve: pass --listen unix:/path or "
                "tcp:127.0.0.1:PORT, start under spawn-fcgi (socket on fd "
                "0) or systemd socket activation, or set "
                "GATEWAY_INTERFACE to answer once as CGI");
    if (fd < 0 || main_drop_root(conf) < 0)
        return 1;
    /* The first fetch before serving (as the user we serve as), so a
     * restart does not answer 500 to every JWT; later ones in the
     * background. */
    jwks_fetch_new();
    if (jwks_fetch_start(conf->jwks_refresh) < 0)
        return 1;
    if (share != NULL && share_start(share, ctx->throttle) < 0)
        return 1;
    main_describe(NULL, *snap);
    /* The store owns it now (and frees it on failure). */
    store = store_new(*snap, snapshot_free_obj);
    *snap = NULL;
    if (store == NULL) {
        log_msg(LOGL_ERROR, "out of memory");
        return 1;
    }
    reload = (struct main_reload){conf, store, 0};
    rc = fcgi_loop_run(fd, conf->threads, conf->read_timeout, ctx, store,
                       main_tick, &reload);
    main_report(ctx);
    if (listen_unix_path() != NULL)
        unlink(listen_unix_path());
    store_free(store);
    return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    struct main_opts opts = {0};
    struct conf conf;
    struct snapshot *snap = NULL;
    struct authz_ctx ctx = {NULL, NULL, NULL, NULL, NULL};
    struct share *share = NULL;
    int rc, status = 1;

    /*
     * Descriptors inherited past the four we may use (stdin, which
     * spawn-fcgi makes the socket; stdout; stderr; 3, systemd's socket)
     * are closed: libfcgi puts connections in select() sets, which end at
     * FD_SETSIZE, so our own descriptors must stay low.
     */
    close_range(4, ~0U, 0);
    rc = main_parse_args(argc, argv, &opts);
    if (rc != 0)
        return rc;
    if (main_load(&opts, &conf, &snap) < 0)
        goto done;
    if (opts.test_only) {
        status = main_test(&conf, snap);
        goto done;
    }
    if (verify_dummy_init() < 0) {
        log_msg(LOGL_ERROR, "cannot make the dummy hash (libxcrypt)");
        goto done;
    }
    if (main_speed(&conf, &ctx, &share) < 0)
        goto done;
    ctx.proxies = conf.trusted_proxies; /* parsed by conf; NULL: none */
    /* The snapshot is never kept in ctx: each request takes the current. */
    status = main_serve(&conf, &ctx, share, &snap);
done:
    share_free(share); /* its thread first: it writes to the throttle */
    cache_free(ctx.cache);
    gate_free(ctx.gate);
    throttle_free(ctx.throttle);
    snapshot_free(snap);
    jwks_fetch_stop(); /* after every snapshot naming its URLs is gone */
    conf_free(&conf);
    return status;
}
