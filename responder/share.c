#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cache.h"
#include "file.h"
#include "log.h"
#include "share.h"
#include "util.h"

/* Failures and successes waiting for the thread; more are dropped. */
#define SHARE_QUEUE 4096
/* Sent in one pipelined batch at most. */
#define SHARE_BATCH 256
/* A command, or a connect, waits this long for Redis; then it is down. */
#define SHARE_TIMEOUT_MS 500
/* A quiet connection is checked (PING) this often. */
#define SHARE_PING_MS 1000
/* Reconnection: the first wait, doubled up to the last. */
#define SHARE_BACKOFF_MIN_MS 100
#define SHARE_BACKOFF_MAX_MS 5000
/* An account's count lives this long after its last failure: counts are
 * consecutive (only a success ends them) but Redis must forget them. */
#define SHARE_USER_TTL 86400
/* Bans read at (re)connection, at most. */
#define SHARE_SCAN_MAX 100000
/* A node's id in the ban messages: 16 hex digits. */
#define SHARE_NODE_HEX 16
/* Largest secret file. */
#define SHARE_FILE_MAX 4096

/*
 * KEYS: the count, the ban. ARGV: the count's TTL, the threshold, the ban
 * (seconds), whether each failure renews the TTL, the ban message, the
 * channel. Returns the seconds the ban has left, or -1 for none.
 */
static const char share_script[] =
    "local t = redis.call('TTL', KEYS[2])\n"
    "if t > 0 then return t end\n"
    "local n = redis.call('INCR', KEYS[1])\n"
    "if n == 1 or ARGV[4] == '1' then\n"
    "  redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "end\n"
    "if n >= tonumber(ARGV[2]) then\n"
    "  redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])\n"
    "  redis.call('DEL', KEYS[1])\n"
    "  redis.call('PUBLISH', ARGV[6], ARGV[5])\n"
    "  return tonumber(ARGV[3])\n"
    "end\n"
    "return -1\n";

struct share_op {
    char kind; /* 'a', 'u': a failure; 's': an account's success */
    uint8_t mac[THROTTLE_DIGEST];
};

struct share {
    struct share_opts o;
    struct share_addr addr;
    char where[300]; /* HOST:PORT or the path, for the log */
    char *prefix;
    char *password; /* the file's, else the URL's; NULL: none */
    size_t password_len;
    uint8_t *key; /* the table's MAC key */
    size_t key_len;
    struct throttle *throttle;
    /* The queue. */
    pthread_mutex_t lock;
    struct share_op *ring;
    size_t head, count;
    int wake; /* eventfd: the queue is no longer empty, or stop */
    bool stop;
    pthread_t thread;
    bool running;
    /* The thread's. */
    redisContext *cmd, *sub;
    char sha[41];                  /* of share_script */
    char node[SHARE_NODE_HEX + 1]; /* this process's id in ban messages */
    int state;                     /* -1 unknown, 0 down, 1 up */
    unsigned backoff_ms;
    /* __atomic */
    bool up;
    uint64_t sent, dropped, received;
};

int
share_parse_url(const char *url, struct share_addr *a, char *err, size_t errlen)
{
    const char *p, *host, *end;
    size_t hn;
    unsigned long v;

    memset(a, 0, sizeof *a);
    a->port = 6379;
    if (strncmp(url, "unix:", 5) == 0) {
        p = url + 5;
        if (p[0] != '/' || strlen(p) >= sizeof a->path) {
            snprintf(err, errlen, "%s: unix: needs an absolute path", url);
            return -1;
        }
        a->unix_socket = true;
        memcpy(a->path, p, strlen(p) + 1);
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        snprintf(err, errlen, "%s: redis://HOST:PORT/DB or unix:/path expected",
                 url);
        return -1;
    }
    p = url + 8;
    if ((end = strchr(p, '@')) != NULL) {
        /* ":PASSWORD@" (Redis has no user names before ACLs: none here). */
        if (p[0] != ':' || (size_t)(end - p - 1) >= sizeof a->password ||
            end == p + 1) {
            snprintf(err, errlen,
                     "throttle_redis: the password goes as :PASSWORD@ (or in "
                     "throttle_redis_password_file)");
            return -1;
        }
        memcpy(a->password, p + 1, (size_t)(end - p - 1));
        p = end + 1;
    }
    if (p[0] == '[') {
        host = p + 1;
        if ((end = strchr(host, ']')) == NULL) {
            snprintf(err, errlen, "throttle_redis: no ] after the address");
            return -1;
        }
        hn = (size_t)(end - host);
        p = end + 1;
    } else {
        host = p;
        hn = strcspn(p, ":/");
        p += hn;
    }
    if (hn == 0 || hn >= sizeof a->host) {
        snprintf(err, errlen, "throttle_redis: no host");
        return -1;
    }
    /* A name or an IPv4 address; in brackets, an IPv6 address. */
    for (size_t i = 0; i < hn; i++) {
        char c = host[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F') || c == '.' ||
                  (host[-1] == '['
                       ? c == ':'
                       : (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') ||
                             c == '-' || c == '_');

        if (!ok) {
            snprintf(err, errlen, "throttle_redis: bad host \"%.*s\"", (int)hn,
                     host);
            return -1;
        }
    }
    memcpy(a->host, host, hn);
    a->host[hn] = '\0';
    if (*p == ':') {
        hn = strcspn(++p, "/");
        if (util_parse_ulong(p, hn, 1, 65535, &v) < 0) {
            snprintf(err, errlen, "throttle_redis: bad port");
            return -1;
        }
        a->port = (unsigned)v;
        p += hn;
    }
    if (*p == '/' && p[1] != '\0') {
        if (util_parse_ulong(p + 1, strlen(p + 1), 0, 65535, &v) < 0) {
            snprintf(err, errlen, "throttle_redis: bad database number");
            return -1;
        }
        a->db = (unsigned)v;
    } else if (*p != '\0' && strcmp(p, "/") != 0) {
        snprintf(err, errlen, "throttle_redis: unexpected \"%s\"", p);
        return -1;
    }
    return 0;
}

int
share_parse_ban(const char *p, size_t n, char *kind,
                uint8_t mac[THROTTLE_DIGEST], unsigned *seconds,
                struct bytes *node)
{
    const size_t at = 3 + 2 * THROTTLE_DIGEST; /* the seconds */
    const char *sp;
    unsigned long v;

    /* "a " + 64 hex + " " + 1..5 digits [+ " " + the node's id] */
    if (n < at + 1 || (p[0] != 'a' && p[0] != 'u') || p[1] != ' ' ||
        p[at - 1] != ' ')
        return -1;
    if (util_hex_decode((struct bytes){p + 2, 2 * THROTTLE_DIGEST}, mac,
                        THROTTLE_DIGEST) < 0)
        return -1;
    sp = memchr(p + at, ' ', n - at);
    if (util_parse_ulong(p + at, (size_t)((sp != NULL ? sp : p + n) - p) - at,
                         1, 86400, &v) < 0)
        return -1;
    *node = BYTES_NULL;
    if (sp != NULL) {
        node->p = sp + 1;
        node->n = (size_t)(p + n - sp - 1);
        uint8_t id[SHARE_NODE_HEX / 2];

        if (util_hex_decode(*node, id, sizeof id) < 0)
            return -1;
    }
    *kind = p[0];
    *seconds = (unsigned)v;
    return 0;
}

size_t
share_redis_key(const struct share *s, const char *what,
                const uint8_t mac[THROTTLE_DIGEST], char *out, size_t cap)
{
    char hex[2 * THROTTLE_DIGEST + 1];
    int n;

    util_hex_encode(mac, THROTTLE_DIGEST, hex);
    n = snprintf(out, cap, "%s%s%s", s->prefix, what, hex);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* A secret alone in a file, without the line's end. NULL with err. */
static uint8_t *
share_secret(const char *path, const char *key, size_t *len, char *err,
             size_t errlen)
{
    char why[256];
    char *buf = file_read(path, SHARE_FILE_MAX, len, NULL, why, sizeof why);
    size_t n;
    uint8_t *out;

    if (buf == NULL) {
        snprintf(err, errlen, "%s: %s", key, why);
        return NULL;
    }
    n = *len;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    out = malloc(n + 1);
    if (out != NULL) {
        memcpy(out, buf, n);
        out[n] = '\0';
    } else
        snprintf(err, errlen, "out of memory");
    file_free(buf, *len);
    *len = n;
    return out;
}

struct share *
share_new(const struct share_opts *o, char *err, size_t errlen)
{
    struct share *s = calloc(1, sizeof *s);

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    s->wake = -1;
    s->state = -1;
    pthread_mutex_init(&s->lock, NULL);
    if (share_parse_url(o->url, &s->addr, err, errlen) < 0)
        goto fail;
    if (s->addr.unix_socket)
        snprintf(s->where, sizeof s->where, "unix:%s", s->addr.path);
    else
        snprintf(s->where, sizeof s->where,
                 strchr(s->addr.host, ':') != NULL ? "[%s]:%u" : "%s:%u",
                 s->addr.host, s->addr.port);
    s->prefix = strdup(o->prefix != NULL ? o->prefix : "fcgi-authd:");
    s->ring = calloc(SHARE_QUEUE, sizeof *s->ring);
    if (s->prefix == NULL || s->ring == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (util_has_ctl(s->prefix, strlen(s->prefix)) ||
        strpbrk(s->prefix, " *?[") != NULL) {
        snprintf(err, errlen,
                 "throttle_redis_prefix: no spaces, controls or * ? [");
        goto fail;
    }
    if (o->password_file != NULL) {
        s->password = (char *)share_secret(o->password_file,
                                           "throttle_redis_password_file",
                                           &s->password_len, err, errlen);
        if (s->password == NULL)
            goto fail;
        if (s->password_len == 0) {
            snprintf(err, errlen, "throttle_redis_password_file: empty");
            goto fail;
        }
    } else if (s->addr.password[0] != '\0') {
        s->password_len = strlen(s->addr.password);
        if ((s->password = strdup(s->addr.password)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    util_wipe(s->addr.password, sizeof s->addr.password);
    if (o->key_file != NULL) {
        s->key = share_secret(o->key_file, "throttle_redis_key_file",
                              &s->key_len, err, errlen);
        if (s->key == NULL)
            goto fail;
        if (s->key_len < SHARE_KEY_MIN) {
            snprintf(err, errlen,
                     "throttle_redis_key_file: %zu bytes; at least %d "
                     "(e.g. openssl rand -hex 32)",
                     s->key_len, SHARE_KEY_MIN);
            goto fail;
        }
    } else {
        /* An unkeyed hash: anyone can compute it. Said at start. */
        s->key_len = strlen(s->prefix);
        if ((s->key = (uint8_t *)strdup(s->prefix)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return s;
fail:
    share_free(s);
    return NULL;
}

void
share_key(const struct share *s, const void **key, size_t *len)
{
    *key = s->key;
    *len = s->key_len;
}

/* --- the queue: any thread --- */

static void
share_push(void *arg, char kind, const uint8_t mac[THROTTLE_DIGEST])
{
    struct share *s = arg;
    bool was_empty;
    uint64_t one = 1;

    /* Down: the local table has it, and Redis would be told too late. */
    if (!__atomic_load_n(&s->up, __ATOMIC_RELAXED)) {
        __atomic_add_fetch(&s->dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    pthread_mutex_lock(&s->lock);
    if (s->count == SHARE_QUEUE) {
        pthread_mutex_unlock(&s->lock);
        __atomic_add_fetch(&s->dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    was_empty = s->count == 0;
    s->ring[(s->head + s->count) % SHARE_QUEUE].kind = kind;
    memcpy(s->ring[(s->head + s->count) % SHARE_QUEUE].mac, mac,
           THROTTLE_DIGEST);
    s->count++;
    pthread_mutex_unlock(&s->lock);
    if (was_empty && write(s->wake, &one, sizeof one) < 0) {
        /* The counter cannot overflow in practice; the next ping sends. */
    }
}

static void
share_fail(void *arg, char kind, const uint8_t mac[THROTTLE_DIGEST])
{
    struct share *s = arg;

    if (s->o.ban > 0)
        share_push(arg, kind, mac);
}

static void
share_success(void *arg, const uint8_t mac[THROTTLE_DIGEST])
{
    share_push(arg, 's', mac);
}

static void
share_stats(void *arg, struct throttle_stats *st)
{
    struct share *s = arg;

    st->shared = true;
    st->shared_up = __atomic_load_n(&s->up, __ATOMIC_RELAXED);
    st->shared_sent = __atomic_load_n(&s->sent, __ATOMIC_RELAXED);
    st->shared_dropped = __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
    st->shared_received = __atomic_load_n(&s->received, __ATOMIC_RELAXED);
}

/* --- the thread --- */

static struct timeval
share_tv(unsigned ms)
{
    return (struct timeval){(time_t)(ms / 1000),
                            (suseconds_t)(ms % 1000) * 1000};
}

static void
share_close(struct share *s)
{
    if (s->cmd != NULL)
        redisFree(s->cmd);
    if (s->sub != NULL)
        redisFree(s->sub);
    s->cmd = s->sub = NULL;
}

/* The state changes: say so once, and tell requests. */
static void
share_state(struct share *s, bool up, const char *why)
{
    int now = up ? 1 : 0;

    __atomic_store_n(&s->up, up, __ATOMIC_RELAXED);
    if (now == s->state)
        return;
    s->state = now;
    if (up)
        log_msg(LOGL_INFO,
                "throttle_redis: connected to %s; regulation is shared",
                s->where);
    else
        log_msg(LOGL_WARN, "throttle_redis: %s: %s; regulating locally",
                s->where, why);
}

/* Why c failed, in words for the log. */
static void
share_why(const redisContext *c, char *why, size_t n)
{
    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
        snprintf(why, n, "no answer within %d ms", SHARE_TIMEOUT_MS);
    else if (c->err == REDIS_ERR_EOF)
        snprintf(why, n, "the server closed the connection");
    else
        snprintf(why, n, "%s", c->errstr[0] != '\0' ? c->errstr : "no reply");
}

/* A reply that must not be an error; NULL (why in buf) if it is. */
static redisReply *
share_reply(redisContext *c, redisReply *r, char *why, size_t n)
{
    if (r == NULL) {
        share_why(c, why, n);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        size_t len = r->len > 200 ? 200 : r->len;

        while (len > 0 && (r->str[len - 1] == '.' || r->str[len - 1] == ' '))
            len--; /* "...is disabled." ends no sentence of ours */
        snprintf(why, n, "%.*s", (int)len, r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* Run a command, expecting no error; 0, or -1 with why. */
static int
share_do(redisContext *c, char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    va_start(ap, fmt);
    r = share_reply(c, redisvCommand(c, fmt, ap), why, n);
    va_end(ap);
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

static redisContext *
share_connect(struct share *s, char *why, size_t n)
{
    struct timeval tv = share_tv(SHARE_TIMEOUT_MS);
    redisContext *c =
        s->addr.unix_socket
            ? redisConnectUnixWithTimeout(s->addr.path, tv)
            : redisConnectWithTimeout(s->addr.host, (int)s->addr.port, tv);

    if (c == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    if (c->err != 0) {
        share_why(c, why, n);
        redisFree(c);
        return NULL;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK ||
        (!s->addr.unix_socket && redisEnableKeepAlive(c) != REDIS_OK)) {
        share_why(c, why, n);
        redisFree(c);
        return NULL;
    }
    if (s->password != NULL &&
        share_do(c, why, n, "AUTH %b", s->password, s->password_len) < 0) {
        redisFree(c);
        return NULL;
    }
    return c;
}

/* A ban told by Redis: into the local table. */
static void
share_apply(struct share *s, const uint8_t mac[THROTTLE_DIGEST],
            long long seconds)
{
    if (seconds > 0)
        throttle_ban(s->throttle, mac,
                     seconds > 86400 ? 86400 : (unsigned)seconds, cache_now());
}

/* A ban key "PREFIXban:K:HEX" back to its MAC; 0, or -1. */
static int
share_ban_key(const struct share *s, const char *k, size_t n,
              uint8_t mac[THROTTLE_DIGEST])
{
    size_t pl = strlen(s->prefix);
    char msg[2 + 2 * THROTTLE_DIGEST + 3];
    char kind;
    unsigned secs;
    struct bytes node;

    if (n != pl + 6 + 2 * THROTTLE_DIGEST || memcmp(k, s->prefix, pl) != 0 ||
        memcmp(k + pl, "ban:", 4) != 0 || k[pl + 5] != ':')
        return -1;
    msg[0] = k[pl + 4];
    msg[1] = ' ';
    memcpy(msg + 2, k + pl + 6, 2 * THROTTLE_DIGEST);
    memcpy(msg + 2 + 2 * THROTTLE_DIGEST, " 1", 2);
    return share_parse_ban(msg, sizeof msg - 1, &kind, mac, &secs, &node);
}

/*
 * The bans Redis holds now (a node that starts or comes back must apply
 * those set meanwhile): SCAN, then their TTLs, pipelined.
 */
static int
share_load_bans(struct share *s, char *why, size_t n)
{
    char cursor[32] = "0", pattern[300];
    size_t seen = 0;

    snprintf(pattern, sizeof pattern, "%sban:*", s->prefix);
    do {
        redisReply *r =
            share_reply(s->cmd,
                        redisCommand(s->cmd, "SCAN %s MATCH %s COUNT 1000",
                                     cursor, pattern),
                        why, n);
        redisReply *keys;

        if (r == NULL)
            return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[0]->len >= sizeof cursor ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            snprintf(why, n, "unexpected answer to SCAN");
            return -1;
        }
        memcpy(cursor, r->element[0]->str, r->element[0]->len);
        cursor[r->element[0]->len] = '\0';
        keys = r->element[1];
        for (size_t i = 0; i < keys->elements; i++)
            if (keys->element[i]->type == REDIS_REPLY_STRING)
                redisAppendCommand(s->cmd, "TTL %b", keys->element[i]->str,
                                   keys->element[i]->len);
        for (size_t i = 0; i < keys->elements; i++) {
            redisReply *t;
            uint8_t mac[THROTTLE_DIGEST];

            if (keys->element[i]->type != REDIS_REPLY_STRING)
                continue;
            if (redisGetReply(s->cmd, (void **)&t) != REDIS_OK) {
                share_why(s->cmd, why, n);
                freeReplyObject(r);
                return -1;
            }
            if (t->type == REDIS_REPLY_INTEGER &&
                share_ban_key(s, keys->element[i]->str, keys->element[i]->len,
                              mac) == 0)
                share_apply(s, mac, t->integer);
            freeReplyObject(t);
        }
        seen += keys->elements;
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0 && seen < SHARE_SCAN_MAX);
    return 0;
}

/* Both connections, the script, the subscription, the bans. 0 or -1. */
static int
share_open(struct share *s, char *why, size_t n)
{
    char channel[300];
    redisReply *r;

    snprintf(channel, sizeof channel, "%sbans", s->prefix);
    if ((s->cmd = share_connect(s, why, n)) == NULL)
        return -1;
    if (s->addr.db != 0 &&
        share_do(s->cmd, why, n, "SELECT %u", s->addr.db) < 0)
        return -1;
    r = share_reply(
        s->cmd, redisCommand(s->cmd, "SCRIPT LOAD %s", share_script), why, n);
    if (r == NULL)
        return -1;
    if (r->type != REDIS_REPLY_STRING || r->len != 40) {
        freeReplyObject(r);
        snprintf(why, n, "unexpected answer to SCRIPT LOAD");
        return -1;
    }
    memcpy(s->sha, r->str, 40);
    s->sha[40] = '\0';
    freeReplyObject(r);
    if ((s->sub = share_connect(s, why, n)) == NULL)
        return -1;
    if (share_do(s->sub, why, n, "SUBSCRIBE %s", channel) < 0)
        return -1;
    return share_load_bans(s, why, n);
}

/* Forget what is queued (counted as dropped): Redis is gone, or new. */
static void
share_drop_queue(struct share *s)
{
    size_t n;

    pthread_mutex_lock(&s->lock);
    n = s->count;
    s->count = 0;
    util_wipe(s->ring, SHARE_QUEUE * sizeof *s->ring);
    pthread_mutex_unlock(&s->lock);
    __atomic_add_fetch(&s->dropped, n, __ATOMIC_RELAXED);
}

/* Take up to max queued operations. */
static size_t
share_take(struct share *s, struct share_op *ops, size_t max)
{
    size_t k = 0;

    pthread_mutex_lock(&s->lock);
    while (k < max && s->count > 0) {
        ops[k++] = s->ring[s->head];
        s->head = (s->head + 1) % SHARE_QUEUE;
        s->count--;
    }
    pthread_mutex_unlock(&s->lock);
    return k;
}

static void
share_append(struct share *s, const struct share_op *op)
{
    char count[400], ban[400], msg[2 + 2 * THROTTLE_DIGEST + 32], hex[65];
    char channel[300];
    bool user = op->kind != 'a';

    share_redis_key(s, user ? "u:" : "a:", op->mac, count, sizeof count);
    if (op->kind == 's') {
        redisAppendCommand(s->cmd, "DEL %s", count);
        return;
    }
    share_redis_key(s, user ? "ban:u:" : "ban:a:", op->mac, ban, sizeof ban);
    util_hex_encode(op->mac, THROTTLE_DIGEST, hex);
    snprintf(msg, sizeof msg, "%c %s %u %s", op->kind, hex, s->o.ban, s->node);
    snprintf(channel, sizeof channel, "%sbans", s->prefix);
    redisAppendCommand(s->cmd, "EVALSHA %s 2 %s %s %u %u %u %s %s %s", s->sha,
                       count, ban, user ? SHARE_USER_TTL : s->o.window,
                       user ? s->o.user_failures : s->o.addr_failures, s->o.ban,
                       user ? "1" : "0", msg, channel);
}

/* Send what is queued, pipelined; 0, or -1 (down) with why. */
static int
share_flush(struct share *s, char *why, size_t n)
{
    struct share_op ops[SHARE_BATCH];
    size_t k;

    while ((k = share_take(s, ops, SHARE_BATCH)) > 0) {
        for (size_t i = 0; i < k; i++)
            share_append(s, &ops[i]);
        for (size_t i = 0; i < k; i++) {
            redisReply *r = NULL;

            if (redisGetReply(s->cmd, (void **)&r) != REDIS_OK ||
                (r = share_reply(s->cmd, r, why, n)) == NULL) {
                if (r == NULL && s->cmd->err != 0)
                    share_why(s->cmd, why, n);
                util_wipe(ops, sizeof ops);
                __atomic_add_fetch(&s->dropped, k - i, __ATOMIC_RELAXED);
                return -1;
            }
            __atomic_add_fetch(&s->sent, 1, __ATOMIC_RELAXED);
            if (ops[i].kind != 's' && r->type == REDIS_REPLY_INTEGER)
                share_apply(s, ops[i].mac, r->integer);
            freeReplyObject(r);
        }
        util_wipe(ops, sizeof ops);
    }
    return 0;
}

/* Messages of the channel that have arrived; 0, or -1 with why. */
static int
share_read_bans(struct share *s, char *why, size_t n)
{
    void *v;

    if (redisBufferRead(s->sub) != REDIS_OK) {
        share_why(s->sub, why, n);
        return -1;
    }
    for (;;) {
        redisReply *r;
        uint8_t mac[THROTTLE_DIGEST];
        unsigned secs;
        char kind;
        struct bytes node;

        v = NULL;
        if (redisGetReplyFromReader(s->sub, &v) != REDIS_OK) {
            share_why(s->sub, why, n);
            return -1;
        }
        if (v == NULL)
            return 0;
        r = v;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
            r->element[0]->type == REDIS_REPLY_STRING &&
            r->element[0]->len == 7 &&
            memcmp(r->element[0]->str, "message", 7) == 0 &&
            r->element[2]->type == REDIS_REPLY_STRING &&
            share_parse_ban(r->element[2]->str, r->element[2]->len, &kind, mac,
                            &secs, &node) == 0 &&
            /* Ours: the script's answer applied it already. */
            (node.n != strlen(s->node) ||
             memcmp(node.p, s->node, node.n) != 0)) {
            __atomic_add_fetch(&s->received, 1, __ATOMIC_RELAXED);
            share_apply(s, mac, secs);
        }
        freeReplyObject(r);
    }
}

static uint64_t
share_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
share_stopping(struct share *s)
{
    return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

/* Wait ms for the wake descriptor (stop, or work); true when woken. */
static bool
share_wait(struct share *s, int sub_fd, unsigned ms, bool *sub_ready)
{
    struct pollfd pf[2] = {{s->wake, POLLIN, 0}, {sub_fd, POLLIN, 0}};
    uint64_t v;
    int rc;

    *sub_ready = false;
    rc = poll(pf, sub_fd >= 0 ? 2 : 1, (int)ms);
    if (rc <= 0)
        return false;
    if (sub_fd >= 0 && (pf[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0)
        *sub_ready = true;
    if ((pf[0].revents & POLLIN) != 0) {
        if (read(s->wake, &v, sizeof v) < 0) {
            /* EAGAIN: another read took it */
        }
        return true;
    }
    return false;
}

static void *
share_thread(void *arg)
{
    struct share *s = arg;
    char why[256];
    bool sub_ready;

    while (!share_stopping(s)) {
        uint64_t last = share_ms();

        if (share_open(s, why, sizeof why) < 0) {
            share_close(s);
            share_state(s, false, why);
            share_wait(s, -1, s->backoff_ms, &sub_ready);
            s->backoff_ms = s->backoff_ms * 2 > SHARE_BACKOFF_MAX_MS
                                ? SHARE_BACKOFF_MAX_MS
                                : s->backoff_ms * 2;
            continue;
        }
        s->backoff_ms = SHARE_BACKOFF_MIN_MS;
        share_state(s, true, NULL);
        for (;;) {
            /* Queued meanwhile (a push wakes us only from empty): now. */
            if (share_flush(s, why, sizeof why) < 0)
                break;
            share_wait(s, s->sub->fd, SHARE_PING_MS, &sub_ready);
            if (share_stopping(s))
                break;
            if (sub_ready && share_read_bans(s, why, sizeof why) < 0)
                break;
            if (share_flush(s, why, sizeof why) < 0)
                break;
            if (share_ms() - last >= SHARE_PING_MS) {
                if (share_do(s->cmd, why, sizeof why, "PING") < 0)
                    break;
                last = share_ms();
            }
        }
        share_close(s);
        if (!share_stopping(s))
            share_state(s, false, why);
        /* Told late is told wrong: a count's window may be over. */
        share_drop_queue(s);
    }
    share_close(s);
    return NULL;
}

int
share_start(struct share *s, struct throttle *t)
{
    sigset_t all, old;
    int rc;

    uint8_t id[8];

    s->throttle = t;
    s->backoff_ms = SHARE_BACKOFF_MIN_MS;
    if (util_random(id, sizeof id) < 0) {
        log_msg(LOGL_ERROR, "throttle_redis: no randomness for the node's id");
        return -1;
    }
    util_hex_encode(id, sizeof id, s->node);
    if (s->o.key_file == NULL)
        log_msg(LOGL_WARN,
                "throttle_redis: no throttle_redis_key_file: Redis keys are "
                "an unkeyed hash of the address or user name, which anyone "
                "who guesses one can compute");
    s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake < 0) {
        log_msg(LOGL_ERROR, "throttle_redis: eventfd: %s", strerror(errno));
        return -1;
    }
    /* A peer's close must not kill us while we write to it. */
    signal(SIGPIPE, SIG_IGN);
    throttle_set_peer(
        t, &(struct throttle_peer){share_fail, share_success, share_stats, s});
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&s->thread, NULL, share_thread, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_msg(LOGL_ERROR, "cannot start the throttle_redis thread: %s",
                strerror(rc));
        throttle_set_peer(t, &(struct throttle_peer){NULL, NULL, NULL, NULL});
        return -1;
    }
    s->running = true;
    return 0;
}

void
share_free(struct share *s)
{
    uint64_t one = 1;

    if (s == NULL)
        return;
    if (s->running) {
        __atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
        if (write(s->wake, &one, sizeof one) < 0) {
            /* the thread also wakes within SHARE_PING_MS */
        }
        pthread_join(s->thread, NULL);
    }
    if (s->wake >= 0)
        close(s->wake);
    if (s->password != NULL) {
        util_wipe(s->password, s->password_len);
        free(s->password);
    }
    if (s->key != NULL) {
        util_wipe(s->key, s->key_len);
        free(s->key);
    }
    if (s->ring != NULL)
        util_wipe(s->ring, SHARE_QUEUE * sizeof *s->ring);
    free(s->ring);
    free(s->prefix);
    pthread_mutex_destroy(&s->lock);
    util_wipe(s, sizeof *s);
    free(s);
}
