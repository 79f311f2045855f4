/*
 * fcgi-client: a small FastCGI 1.0 client for the integration tests.
 *
 * It is written from the specification (FastCGI 1.0, Open Market 1996), not
 * from libfcgi, and shares no code with the daemon, so a bug in the daemon's
 * use of libfcgi cannot hide behind the same bug here.  Besides well-formed
 * requests in any role it can send deliberately broken conversations
 * (--malformed) and report whether the server answered, closed, or hung.
 *
 * Everything runs on one non-blocking socket under one poll() deadline, so a
 * server that stops reading or never answers costs at most --timeout seconds.
 * Exit codes: 0 complete response (or, with --malformed, an answer or a
 * close), 1 connection or protocol failure or timeout, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* FastCGI 1.0 section 8: header, record types, flags, roles. */
#define FCGI_VERSION_1     1
#define FCGI_HEADER_LEN    8
#define FCGI_MAX_CONTENT   65535
#define FCGI_KEEP_CONN     1
#define FCGI_NULL_ID       0
#define FCGI_MAX_NV_LENGTH 0x7fffffffUL

enum fcgi_type {
    FCGI_BEGIN_REQUEST = 1,
    FCGI_ABORT_REQUEST = 2,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_STDERR = 7,
    FCGI_DATA = 8,
    FCGI_GET_VALUES = 9,
    FCGI_GET_VALUES_RESULT = 10,
    FCGI_UNKNOWN_TYPE = 11,
};

enum fcgi_role {
    FCGI_RESPONDER = 1,
    FCGI_AUTHORIZER = 2,
    FCGI_FILTER = 3,
};

enum exit_code {
    EXIT_DONE = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2,
};

/* Largest record: header, 65535 content bytes, 255 padding bytes. */
#define IN_CAP (FCGI_HEADER_LEN + FCGI_MAX_CONTENT + 255)

enum malformed {
    MAL_NONE,
    MAL_BAD_VERSION,
    MAL_TRUNCATED_HEADER,
    MAL_TRUNCATED_BODY,
    MAL_HUGE_PARAM_LENGTH,
    MAL_PARAM_LENGTH_WRAP,
    MAL_PARAMS_OVERRUN,
    MAL_NO_BEGIN,
    MAL_UNKNOWN_TYPE,
    MAL_MANY_PARAMS,
    MAL_SLOWLORIS,
    MAL_GET_VALUES,
    MAL_ABORT,
    MAL_SECOND_ID,
};

static const struct {
    const char *name;
    enum malformed kind;
} malformed_kinds[] = {
    {"bad-version", MAL_BAD_VERSION},
    {"truncated-header", MAL_TRUNCATED_HEADER},
    {"truncated-body", MAL_TRUNCATED_BODY},
    {"huge-param-length", MAL_HUGE_PARAM_LENGTH},
    {"param-length-wrap", MAL_PARAM_LENGTH_WRAP},
    {"params-overrun", MAL_PARAMS_OVERRUN},
    {"no-begin", MAL_NO_BEGIN},
    {"unknown-type", MAL_UNKNOWN_TYPE},
    {"many-params", MAL_MANY_PARAMS},
    {"slowloris", MAL_SLOWLORIS},
    {"get-values", MAL_GET_VALUES},
    {"abort", MAL_ABORT},
    {"second-id", MAL_SECOND_ID},
};

#define MANY_PARAMS_COUNT 10000
#define MANY_PARAMS_VALUE 100

struct param {
    char *text; /* "NAME=VALUE", owned */
    size_t nlen;
    const char *value;
    size_t vlen;
};

struct options {
    const char *address;
    unsigned role;
    double timeout;
    unsigned repeat; /* 0: one request without FCGI_KEEP_CONN */
    const char *stdin_data;
    bool show_records;
    bool raw_stderr;
    bool print_status;
    enum malformed malformed;
    struct param *params;
    size_t nparams;
};

struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
};

struct conn {
    int fd;
    struct buf out;
    size_t out_off;
    bool shut_after_flush; /* half-close once out is drained */
    bool write_closed;     /* shut down by us or broken by the peer */
    unsigned char in[IN_CAP];
    size_t in_len;
    bool eof;
    bool reset;
};

/* What the current conversation waits for and what it has seen so far. */
struct reply {
    unsigned id;      /* request id whose FCGI_END_REQUEST ends it */
    bool want_values; /* we sent FCGI_GET_VALUES */
    bool report_mgmt; /* management replies go to stdout, not stderr */
    bool done;
    bool stdout_closed;
    bool stdout_bol; /* last byte written to stdout was '\n' (or none) */
    bool stderr_bol;
    uint32_t app_status;
    unsigned protocol_status;
};

enum conv_result {
    CONV_DONE,
    CONV_CLOSED,
    CONV_TIMEOUT,
    CONV_ERROR,
};

static const char *progname = "fcgi-client";

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
msg(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Out of memory ends a test tool; there is nothing useful to salvage. */
static void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        msg("out of memory");
        exit(EXIT_FAIL);
    }
    return q;
}

static void
buf_put(struct buf *b, const void *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;

        while (n > cap - b->len) {
            if (cap > SIZE_MAX / 2) {
                msg("out of memory");
                exit(EXIT_FAIL);
            }
            cap *= 2;
        }
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void
buf_put_byte(struct buf *b, unsigned v)
{
    unsigned char c = (unsigned char)(v & 0xffU);

    buf_put(b, &c, 1);
}

/* Section 3.3: version, type, request id, content length, padding. */
static void
put_header(struct buf *b, unsigned version, unsigned type, unsigned id,
           size_t len, size_t pad)
{
    buf_put_byte(b, version);
    buf_put_byte(b, type);
    buf_put_byte(b, id >> 8);
    buf_put_byte(b, id);
    buf_put_byte(b, (unsigned)(len >> 8));
    buf_put_byte(b, (unsigned)len);
    buf_put_byte(b, (unsigned)pad);
    buf_put_byte(b, 0);
}

/*
 * One record; len <= FCGI_MAX_CONTENT.  Content is padded to a multiple of 8
 * as the specification recommends.  `version` is a parameter only so that
 * --malformed bad-version can lie about it.
 */
static void
put_record(struct buf *b, unsigned version, unsigned type, unsigned id,
           const void *content, size_t len)
{
    static const unsigned char zeros[8];
    size_t pad = (8 - len % 8) % 8;

    put_header(b, version, type, id, len, pad);
    buf_put(b, content, len);
    buf_put(b, zeros, pad);
}

/* A whole stream: records of at most 65535 bytes, then the empty record. */
static void
put_stream(struct buf *b, unsigned type, unsigned id, const void *data,
           size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        size_t n = len < FCGI_MAX_CONTENT ? len : FCGI_MAX_CONTENT;

        put_record(b, FCGI_VERSION_1, type, id, p, n);
        p += n;
        len -= n;
    }
    put_record(b, FCGI_VERSION_1, type, id, NULL, 0);
}

static void
put_begin(struct buf *b, unsigned version, unsigned id, unsigned role,
          unsigned flags)
{
    unsigned char body[8] = {0};

    body[0] = (unsigned char)(role >> 8);
    body[1] = (unsigned char)(role & 0xffU);
    body[2] = (unsigned char)flags;
    put_record(b, version, FCGI_BEGIN_REQUEST, id, body, sizeof(body));
}

/* Section 3.4: lengths up to 127 take one byte, longer ones four. */
static void
put_nv_length(struct buf *b, unsigned long n)
{
    if (n <= 127) {
        buf_put_byte(b, (unsigned)n);
        return;
    }
    buf_put_byte(b, (unsigned)((n >> 24) | 0x80U));
    buf_put_byte(b, (unsigned)(n >> 16));
    buf_put_byte(b, (unsigned)(n >> 8));
    buf_put_byte(b, (unsigned)n);
}

static void
put_nv(struct buf *b, const void *name, size_t nlen, const void *value,
       size_t vlen)
{
    put_nv_length(b, nlen);
    put_nv_length(b, vlen);
    buf_put(b, name, nlen);
    buf_put(b, value, vlen);
}

static void
put_user_params(struct buf *nv, const struct options *o)
{
    for (size_t i = 0; i < o->nparams; i++) {
        const struct param *p = &o->params[i];

        put_nv(nv, p->text, p->nlen, p->value, p->vlen);
    }
}

/* The input streams after FCGI_PARAMS: stdin, and data for a filter. */
static void
put_inputs(struct buf *b, const struct options *o, unsigned id)
{
    const char *in = o->stdin_data ? o->stdin_data : "";

    put_stream(b, FCGI_STDIN, id, in, strlen(in));
    if (o->role == FCGI_FILTER)
        put_stream(b, FCGI_DATA, id, NULL, 0);
}

static void
put_request(struct buf *b, const struct options *o, unsigned begin_version,
            unsigned id, unsigned flags)
{
    struct buf nv = {0};

    put_begin(b, begin_version, id, o->role, flags);
    put_user_params(&nv, o);
    put_stream(b, FCGI_PARAMS, id, nv.data, nv.len);
    put_inputs(b, o, id);
    free(nv.data);
}

/* ------------------------------------------------------------- output -- */

static int
write_all(int fd, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
out_stdout(struct reply *r, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    fflush(stdout);
    if (write_all(STDOUT_FILENO, p, n) < 0) {
        msg("writing stdout: %s", strerror(errno));
        return -1;
    }
    r->stdout_bol = ((const char *)p)[n - 1] == '\n';
    return 0;
}

/* Start a report line on stdout on a line of its own. */
static int
stdout_newline(struct reply *r)
{
    return r->stdout_bol ? 0 : out_stdout(r, "\n", 1);
}

/* FCGI_STDERR: raw with --print-stderr, else each line prefixed. */
static void
out_stderr(const struct options *o, struct reply *r, const unsigned char *p,
           size_t n)
{
    static const char prefix[] = "fcgi-stderr: ";

    fflush(stderr);
    if (o->raw_stderr) {
        (void)write_all(STDERR_FILENO, p, n);
        return;
    }
    while (n > 0) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) + 1 : n;

        if (r->stderr_bol)
            (void)write_all(STDERR_FILENO, prefix, sizeof(prefix) - 1);
        (void)write_all(STDERR_FILENO, p, seg);
        r->stderr_bol = p[seg - 1] == '\n';
        p += seg;
        n -= seg;
    }
}

static const char *
type_name(unsigned type)
{
    static const char *const names[] = {
        NULL,
        "FCGI_BEGIN_REQUEST",
        "FCGI_ABORT_REQUEST",
        "FCGI_END_REQUEST",
        "FCGI_PARAMS",
        "FCGI_STDIN",
        "FCGI_STDOUT",
        "FCGI_STDERR",
        "FCGI_DATA",
        "FCGI_GET_VALUES",
        "FCGI_GET_VALUES_RESULT",
        "FCGI_UNKNOWN_TYPE",
    };

    if (type >= 1 && type < sizeof(names) / sizeof(names[0]))
        return names[type];
    return "?";
}

/* ------------------------------------------------------ record intake -- */

/* Reads one name-value length; returns bytes used, 0 if it does not fit. */
static size_t
get_nv_length(const unsigned char *p, size_t avail, unsigned long *len)
{
    if (avail < 1)
        return 0;
    if ((p[0] & 0x80U) == 0) {
        *len = p[0];
        return 1;
    }
    if (avail < 4)
        return 0;
    *len = ((unsigned long)(p[0] & 0x7fU) << 24) | ((unsigned long)p[1] << 16) |
           ((unsigned long)p[2] << 8) | (unsigned long)p[3];
    return 4;
}

/* FCGI_GET_VALUES_RESULT: one "NAME=VALUE" line per pair. */
static int
report_values(struct reply *r, const unsigned char *p, size_t n)
{
    while (n > 0) {
        unsigned long nlen, vlen;
        size_t u1 = get_nv_length(p, n, &nlen);
        size_t u2 = u1 ? get_nv_length(p + u1, n - u1, &vlen) : 0;

        if (u2 == 0 || nlen > n - u1 - u2 || vlen > n - u1 - u2 - nlen) {
            msg("protocol error: FCGI_GET_VALUES_RESULT pair overruns "
                "its record");
            return -1;
        }
        p += u1 + u2;
        n -= u1 + u2;
        if (out_stdout(r, p, nlen) < 0 || out_stdout(r, "=", 1) < 0 ||
            out_stdout(r, p + nlen, vlen) < 0 || out_stdout(r, "\n", 1) < 0)
            return -1;
        p += nlen + vlen;
        n -= nlen + vlen;
    }
    return 0;
}

static int
handle_mgmt(struct reply *r, unsigned type, const unsigned char *p, size_t n)
{
    if (type == FCGI_GET_VALUES_RESULT) {
        if (!r->want_values) {
            msg("protocol error: unsolicited FCGI_GET_VALUES_RESULT");
            return -1;
        }
        return report_values(r, p, n);
    }
    if (type == FCGI_UNKNOWN_TYPE && n >= 8) {
        if (r->report_mgmt) {
            char line[64];
            int k = snprintf(line, sizeof(line), "FCGI_UNKNOWN_TYPE type=%u\n",
                             (unsigned)p[0]);

            return out_stdout(r, line, (size_t)k);
        }
        msg("server sent FCGI_UNKNOWN_TYPE type=%u", (unsigned)p[0]);
        return 0;
    }
    msg("protocol error: management record type %u (%s), length %zu", type,
        type_name(type), n);
    return -1;
}

static int
handle_end(const struct options *o, struct reply *r, const unsigned char *p,
           size_t n)
{
    if (n != 8) {
        msg("protocol error: FCGI_END_REQUEST with %zu content bytes", n);
        return -1;
    }
    r->app_status = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                    (uint32_t)p[2] << 8 | (uint32_t)p[3];
    r->protocol_status = p[4];
    if (!r->stdout_closed)
        msg("warning: FCGI_END_REQUEST before the empty FCGI_STDOUT "
            "record");
    if (!r->stderr_bol)
        (void)write_all(STDERR_FILENO, "\n", 1);
    if (o->print_status)
        fprintf(stderr, "app_status=%lu protocol_status=%u\n",
                (unsigned long)r->app_status, r->protocol_status);
    r->done = true;
    return 0;
}

static int
handle_record(const struct options *o, struct reply *r, unsigned type,
              unsigned id, const unsigned char *p, size_t n)
{
    if (id == FCGI_NULL_ID)
        return handle_mgmt(r, type, p, n);
    if (id != r->id) {
        /* second-id: the server's refusal of the second request. */
        if (o->malformed == MAL_SECOND_ID && id == 2 &&
            type == FCGI_END_REQUEST && n == 8) {
            printf("request 2 ended: protocol_status %u\n", p[4]);
            return 0;
        }
        msg("protocol error: %s for request id %u, expected %u",
            type_name(type), id, r->id);
        return -1;
    }
    switch (type) {
    case FCGI_STDOUT:
        if (n == 0) {
            r->stdout_closed = true;
            return 0;
        }
        if (r->stdout_closed)
            msg("warning: FCGI_STDOUT data after the end of the stream");
        return out_stdout(r, p, n);
    case FCGI_STDERR:
        out_stderr(o, r, p, n);
        return 0;
    case FCGI_END_REQUEST:
        return handle_end(o, r, p, n);
    default:
        msg("protocol error: unexpected record type %u (%s) from server", type,
            type_name(type));
        return -1;
    }
}

/*
 * Consumes complete records from the input buffer until the conversation is
 * done; bytes after that stay for the next request on the connection.
 */
static int
drain_records(const struct options *o, struct conn *c, struct reply *r)
{
    size_t off = 0;
    int rc = 0;

    while (!r->done && c->in_len - off >= FCGI_HEADER_LEN) {
        const unsigned char *h = c->in + off;
        unsigned type = h[1];
        unsigned id = (unsigned)h[2] << 8 | h[3];
        size_t clen = (size_t)h[4] << 8 | h[5];
        size_t total = FCGI_HEADER_LEN + clen + h[6];

        if (h[0] != FCGI_VERSION_1) {
            msg("protocol error: record version %u", (unsigned)h[0]);
            rc = -1;
            break;
        }
        if (c->in_len - off < total)
            break;
        if (o->show_records) {
            if (!r->stderr_bol) {
                (void)write_all(STDERR_FILENO, "\n", 1);
                r->stderr_bol = true;
            }
            fprintf(stderr, "record type=%u (%s) id=%u length=%zu padding=%u\n",
                    type, type_name(type), id, clen, (unsigned)h[6]);
        }
        if (handle_record(o, r, type, id, h + FCGI_HEADER_LEN, clen) < 0) {
            rc = -1;
            break;
        }
        off += total;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return rc;
}

/* ---------------------------------------------------------- transport -- */

static int
remaining_ms(const struct timespec *deadline)
{
    struct timespec now;
    long long ns;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
         (deadline->tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    if (ns / 1000000 >= INT_MAX)
        return INT_MAX;
    return (int)((ns + 999999) / 1000000);
}

static void
conn_flush(const struct options *o, struct conn *c)
{
    while (!c->write_closed && c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off,
                         c->out.len - c->out_off, MSG_NOSIGNAL);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* The server may answer and close without reading all we
             * sent; keep reading what it said. */
            if (o->show_records || o->malformed != MAL_NONE)
                msg("send: %s (%zu bytes not sent)", strerror(errno),
                    c->out.len - c->out_off);
            c->write_closed = true;
            break;
        }
        c->out_off += (size_t)w;
    }
    if (c->out_off == c->out.len) {
        c->out.len = 0;
        c->out_off = 0;
        if (c->shut_after_flush && !c->write_closed) {
            shutdown(c->fd, SHUT_WR);
            c->write_closed = true;
        }
    }
}

static int
conn_read(struct conn *c)
{
    while (c->in_len < sizeof(c->in)) {
        ssize_t n =
            recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);

        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n == 0) {
            c->eof = true;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == ECONNRESET || errno == EPIPE) {
            c->eof = true;
            c->reset = true;
            return 0;
        }
        msg("recv: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Sends whatever is queued in c->out while reading the answer, until `r` is
 * done, the server closes, or the deadline passes.  Sending and reading run
 * together so a server that answers before reading everything (or stops
 * reading) cannot deadlock us.
 */
static enum conv_result
converse(const struct options *o, struct conn *c, struct reply *r,
         const struct timespec *deadline)
{
    conn_flush(o, c);
    for (;;) {
        struct pollfd pfd;
        int ms, n;

        if (drain_records(o, c, r) < 0)
            return CONV_ERROR;
        if (r->done)
            return CONV_DONE;
        if (c->eof) {
            if (c->in_len > 0)
                msg("connection closed inside a record (%zu bytes left)",
                    c->in_len);
            return CONV_CLOSED;
        }
        ms = remaining_ms(deadline);
        if (ms == 0)
            return CONV_TIMEOUT;
        pfd.fd = c->fd;
        pfd.events = POLLIN;
        if (!c->write_closed && c->out_off < c->out.len)
            pfd.events |= POLLOUT;
        pfd.revents = 0;
        n = poll(&pfd, 1, ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            msg("poll: %s", strerror(errno));
            return CONV_ERROR;
        }
        if (n == 0)
            continue;
        if (pfd.revents & POLLNVAL) {
            msg("poll: invalid descriptor");
            return CONV_ERROR;
        }
        if (pfd.revents & POLLOUT)
            conn_flush(o, c);
        if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && conn_read(c) < 0)
            return CONV_ERROR;
    }
}

static int
parse_port(const char *s)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno || v < 1 || v > 65535)
        return -1;
    return (int)v;
}

/* Numeric TCP address: host and port strings into a sockaddr. */
static int
resolve_numeric(int family, const char *host, const char *port,
                struct sockaddr_storage *ss, socklen_t *sslen)
{
    struct addrinfo hints = {0}, *res = NULL;
    int rc;

    if (parse_port(port) < 0) {
        msg("invalid port '%s' (expected 1..65535)", port);
        return -1;
    }
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        msg("invalid numeric address '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* unix:/path | tcp:HOST:PORT | tcp6:[ADDR]:PORT, all numeric. */
static int
parse_address(const char *a, struct sockaddr_storage *ss, socklen_t *sslen)
{
    memset(ss, 0, sizeof(*ss));
    if (strncmp(a, "unix:", 5) == 0) {
        struct sockaddr_un *su = (struct sockaddr_un *)ss;
        size_t n = strlen(a + 5);

        if (n == 0 || n >= sizeof(su->sun_path)) {
            msg("unix socket path empty or longer than %zu bytes",
                sizeof(su->sun_path) - 1);
            return -1;
        }
        su->sun_family = AF_UNIX;
        memcpy(su->sun_path, a + 5, n + 1);
        *sslen = (socklen_t)sizeof(*su);
        return 0;
    }
    if (strncmp(a, "tcp:", 4) == 0) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *colon = strrchr(a + 4, ':');
        size_t hlen = colon ? (size_t)(colon - (a + 4)) : 0;

        if (colon == NULL || hlen == 0 || hlen >= sizeof(host)) {
            msg("expected tcp:HOST:PORT, got '%s'", a);
            return -1;
        }
        memcpy(host, a + 4, hlen);
        host[hlen] = '\0';
        return resolve_numeric(AF_INET, host, colon + 1, ss, sslen);
    }
    if (strncmp(a, "tcp6:[", 6) == 0) {
        char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        const char *rb = strstr(a + 6, "]:");
        size_t hlen = rb ? (size_t)(rb - (a + 6)) : 0;

        if (rb == NULL || hlen == 0 || hlen >= sizeof(host)) {
            msg("expected tcp6:[ADDR]:PORT, got '%s'", a);
            return -1;
        }
        memcpy(host, a + 6, hlen);
        host[hlen] = '\0';
        return resolve_numeric(AF_INET6, host, rb + 2, ss, sslen);
    }
    msg("address must start with unix:, tcp: or tcp6:[, got '%s'", a);
    return -1;
}

/* Non-blocking connect bounded by the deadline; returns the socket. */
static int
connect_to(const struct sockaddr_storage *ss, socklen_t sslen,
           const char *address, const struct timespec *deadline)
{
    int fd =
        socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        msg("socket: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int err = 0, ms;
        socklen_t elen = sizeof(err);

        if (connect(fd, (const struct sockaddr *)ss, sslen) == 0)
            return fd;
        ms = remaining_ms(deadline);
        if (ms == 0) {
            msg("timeout connecting to %s", address);
            break;
        }
        if (errno == EAGAIN) {
            /* A unix socket with a full backlog: try again shortly. */
            (void)poll(NULL, 0, ms < 10 ? ms : 10);
            continue;
        }
        if (errno != EINPROGRESS && errno != EINTR) {
            msg("connect %s: %s", address, strerror(errno));
            break;
        }
        while ((err = poll(&pfd, 1, remaining_ms(deadline))) < 0 &&
               errno == EINTR)
            ;
        if (err == 0) {
            msg("timeout connecting to %s", address);
            break;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            err = errno;
        if (err == 0)
            return fd;
        msg("connect %s: %s", address, strerror(err));
        break;
    }
    close(fd);
    return -1;
}

/* ------------------------------------------------------ conversations -- */

static int
report_failure(const struct options *o, enum conv_result res,
               const struct conn *c)
{
    switch (res) {
    case CONV_DONE:
        return EXIT_DONE;
    case CONV_CLOSED:
        msg("connection %s before FCGI_END_REQUEST",
            c->reset ? "reset" : "closed");
        return EXIT_FAIL;
    case CONV_TIMEOUT:
        msg("timeout after %g s", o->timeout);
        return EXIT_FAIL;
    case CONV_ERROR:
        break;
    }
    return EXIT_FAIL;
}

static int
run_requests(const struct options *o, struct conn *c,
             const struct timespec *deadline)
{
    unsigned n = o->repeat ? o->repeat : 1;
    unsigned flags = o->repeat ? FCGI_KEEP_CONN : 0;

    for (unsigned id = 1; id <= n; id++) {
        struct reply r = {.id = id, .stdout_bol = true, .stderr_bol = true};
        enum conv_result res;

        put_request(&c->out, o, FCGI_VERSION_1, id, flags);
        res = converse(o, c, &r, deadline);
        if (res != CONV_DONE)
            return report_failure(o, res, c);
        if (o->repeat) {
            char line[64];
            int k = snprintf(line, sizeof(line), "--- end of response %u ---\n",
                             id);

            if (stdout_newline(&r) < 0 || out_stdout(&r, line, (size_t)k) < 0)
                return EXIT_FAIL;
        }
    }
    return EXIT_DONE;
}

/* Queues the broken conversation for `kind`; see usage(). */
static void
put_malformed(const struct options *o, struct conn *c, struct reply *r)
{
    struct buf *b = &c->out;
    struct buf nv = {0};
    static const unsigned char filler[] = "AAAAAAAAAAAAAAAA";

    r->id = 1;
    switch (o->malformed) {
    case MAL_NONE:
        break;
    case MAL_BAD_VERSION:
        put_request(b, o, 2, 1, 0);
        break;
    case MAL_TRUNCATED_HEADER:
        /* The first 5 of the 8 bytes of a begin record's header. */
        put_header(&nv, FCGI_VERSION_1, FCGI_BEGIN_REQUEST, 1, 8, 0);
        buf_put(b, nv.data, 5);
        c->shut_after_flush = true;
        break;
    case MAL_TRUNCATED_BODY:
        /* A params header promising 100 bytes, 10 of them, half-close. */
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        put_header(b, FCGI_VERSION_1, FCGI_PARAMS, 1, 100, 4);
        buf_put(b, filler, 10);
        c->shut_after_flush = true;
        break;
    case MAL_HUGE_PARAM_LENGTH:
    case MAL_PARAM_LENGTH_WRAP:
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        put_user_params(&nv, o);
        put_nv_length(&nv, FCGI_MAX_NV_LENGTH);
        put_nv_length(&nv, o->malformed == MAL_PARAM_LENGTH_WRAP
                               ? FCGI_MAX_NV_LENGTH
                               : 1);
        buf_put(&nv, filler, sizeof(filler) - 1);
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_inputs(b, o, 1);
        break;
    case MAL_PARAMS_OVERRUN:
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        put_user_params(&nv, o);
        put_nv_length(&nv, 100);
        put_nv_length(&nv, 100);
        buf_put(&nv, filler, 10);
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_inputs(b, o, 1);
        break;
    case MAL_NO_BEGIN:
        put_user_params(&nv, o);
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_inputs(b, o, 1);
        break;
    case MAL_UNKNOWN_TYPE:
        /* A management record of a type the server cannot know (spec 4.2:
         * answer FCGI_UNKNOWN_TYPE and carry on), with content the server
         * must skip; the request after it shows whether it stayed in step
         * with the record boundaries. */
        put_record(b, FCGI_VERSION_1, 200, FCGI_NULL_ID, filler, 8);
        put_request(b, o, FCGI_VERSION_1, 1, 0);
        break;
    case MAL_MANY_PARAMS:
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        put_user_params(&nv, o);
        for (unsigned i = 0; i < MANY_PARAMS_COUNT; i++) {
            char name[32], value[MANY_PARAMS_VALUE];
            int k = snprintf(name, sizeof(name), "MANY_%05u", i);

            memset(value, 'v', sizeof(value));
            put_nv(&nv, name, (size_t)k, value, sizeof(value));
        }
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_inputs(b, o, 1);
        break;
    case MAL_SLOWLORIS:
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        break;
    case MAL_ABORT:
        /* The whole request, then FCGI_ABORT_REQUEST before its stdin ends:
         * the server may answer or close, never hang or die. */
        put_begin(b, FCGI_VERSION_1, 1, o->role, 0);
        put_user_params(&nv, o);
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_record(b, FCGI_VERSION_1, FCGI_ABORT_REQUEST, 1, filler, 0);
        put_inputs(b, o, 1);
        break;
    case MAL_SECOND_ID:
        /* A second request id on one connection while the first is open
         * (libfcgi does not multiplex: FCGI_CANT_MPX_CONN for it). */
        put_begin(b, FCGI_VERSION_1, 1, o->role, FCGI_KEEP_CONN);
        put_begin(b, FCGI_VERSION_1, 2, o->role, 0);
        put_user_params(&nv, o);
        put_stream(b, FCGI_PARAMS, 1, nv.data, nv.len);
        put_inputs(b, o, 1);
        break;
    case MAL_GET_VALUES:
        /* libfcgi 2.4.2 answers FCGI_GET_VALUES only once the record after
         * it arrives (a lone one waits forever), so a proper request
         * follows; the conversation ends with its FCGI_END_REQUEST. */
        r->want_values = true;
        put_nv(&nv, "FCGI_MAX_CONNS", 14, "", 0);
        put_nv(&nv, "FCGI_MAX_REQS", 13, "", 0);
        put_nv(&nv, "FCGI_MPXS_CONNS", 15, "", 0);
        put_record(b, FCGI_VERSION_1, FCGI_GET_VALUES, FCGI_NULL_ID, nv.data,
                   nv.len);
        put_request(b, o, FCGI_VERSION_1, 1, 0);
        break;
    }
    free(nv.data);
}

static int
run_malformed(const struct options *o, struct conn *c,
              const struct timespec *deadline)
{
    struct reply r = {
        .report_mgmt = true, .stdout_bol = true, .stderr_bol = true};
    enum conv_result res;

    put_malformed(o, c, &r);
    res = converse(o, c, &r, deadline);
    switch (res) {
    case CONV_DONE:
        return EXIT_DONE;
    case CONV_CLOSED:
        if (stdout_newline(&r) < 0)
            return EXIT_FAIL;
        return out_stdout(&r, c->reset ? "closed (reset)\n" : "closed\n",
                          c->reset ? 15 : 7) < 0
                   ? EXIT_FAIL
                   : EXIT_DONE;
    case CONV_TIMEOUT:
    case CONV_ERROR:
        break;
    }
    return report_failure(o, res, c);
}

/* ------------------------------------------------------------ options -- */

static void
usage(FILE *f)
{
    fprintf(
        f,
        "usage: %s [options] ADDRESS [NAME=VALUE ...]\n"
        "\n"
        "Sends one FastCGI 1.0 request and writes the FCGI_STDOUT stream of\n"
        "the answer to stdout exactly as received.\n"
        "\n"
        "ADDRESS: unix:/path | tcp:HOST:PORT | tcp6:[ADDR]:PORT (numeric)\n"
        "\n"
        "options:\n"
        "  --role responder|authorizer|filter|N  role (default responder)\n"
        "  --params-file FILE   more params, one NAME=VALUE a line; empty\n"
        "                       lines and lines starting with # are skipped;\n"
        "                       sent before the command-line params, in order\n"
        "  --timeout SECONDS    overall deadline (default 5, fractions ok)\n"
        "  --repeat N           N requests (ids 1..N) on one connection with\n"
        "                       FCGI_KEEP_CONN, each followed by a line\n"
        "                       \"--- end of response N ---\"\n"
        "  --stdin-data STRING  FCGI_STDIN content (default empty)\n"
        "  --show-records       a line per received record on stderr\n"
        "  --print-stderr       copy FCGI_STDERR to stderr as is (default:\n"
        "                       each line prefixed \"fcgi-stderr: \")\n"
        "  --print-status       \"app_status=N protocol_status=N\" on stderr\n"
        "  --malformed KIND     send a broken conversation; print the answer,\n"
        "                       or \"closed\" (\"closed (reset)\") if the\n"
        "                       server closed first\n"
        "  -h, --help           this text\n"
        "\n"
        "KIND: bad-version (begin record with version 2), truncated-header\n"
        "  (5 header bytes, then half-close), truncated-body (params header\n"
        "  announcing 100 bytes, 10 sent, half-close), huge-param-length\n"
        "  (name length 0x7fffffff), param-length-wrap (name and value\n"
        "  length 0x7fffffff: their sum wraps a 32-bit int), params-overrun\n"
        "  (pair longer than the params stream), no-begin (params without\n"
        "  FCGI_BEGIN_REQUEST), unknown-type (management record of type 200\n"
        "  with 8 content bytes, then a proper request), many-params (10000\n"
        "  params with 100-byte values), slowloris (begin record only, then\n"
        "  wait), abort (FCGI_ABORT_REQUEST before stdin ends), second-id\n"
        "  (a second request id on one connection), get-values\n"
        "  (FCGI_GET_VALUES for FCGI_MAX_CONNS,\n"
        "  FCGI_MAX_REQS, FCGI_MPXS_CONNS, then a proper request; the\n"
        "  result pairs are printed as NAME=VALUE lines before the answer).\n"
        "  Management replies are printed on stdout in this mode.\n"
        "\n"
        "exit: 0 complete response (--malformed: answered or closed),\n"
        "      1 connection/protocol failure or timeout, 2 usage\n",
        progname);
}

static int
parse_role(const char *s, unsigned *role)
{
    char *end;
    unsigned long v;

    if (strcmp(s, "responder") == 0)
        *role = FCGI_RESPONDER;
    else if (strcmp(s, "authorizer") == 0)
        *role = FCGI_AUTHORIZER;
    else if (strcmp(s, "filter") == 0)
        *role = FCGI_FILTER;
    else {
        errno = 0;
        v = strtoul(s, &end, 10);
        if (*s < '0' || *s > '9' || *end != '\0' || errno || v > 65535)
            return -1;
        *role = (unsigned)v;
    }
    return 0;
}

static int
add_param(struct options *o, const char *s, size_t len)
{
    const char *eq = memchr(s, '=', len);
    struct param *p;

    if (eq == NULL)
        return -1;
    if ((unsigned long)len > FCGI_MAX_NV_LENGTH)
        return -1;
    o->params = xrealloc(o->params, (o->nparams + 1) * sizeof(*o->params));
    p = &o->params[o->nparams++];
    p->text = xrealloc(NULL, len + 1);
    memcpy(p->text, s, len);
    p->text[len] = '\0';
    p->nlen = (size_t)(eq - s);
    p->value = p->text + p->nlen + 1;
    p->vlen = len - p->nlen - 1;
    return 0;
}

static int
load_params_file(struct options *o, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int rc = 0;

    if (f == NULL) {
        msg("%s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)n;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len == 0 || line[0] == '#')
            continue;
        if (add_param(o, line, len) < 0) {
            msg("%s:%lu: expected NAME=VALUE", path, lineno);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        msg("%s: read error", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
    enum {
        OPT_ROLE = 256,
        OPT_PARAMS_FILE,
        OPT_TIMEOUT,
        OPT_REPEAT,
        OPT_STDIN_DATA,
        OPT_SHOW_RECORDS,
        OPT_PRINT_STDERR,
        OPT_PRINT_STATUS,
        OPT_MALFORMED,
    };
    static const struct option longopts[] = {
        {"role", required_argument, NULL, OPT_ROLE},
        {"params-file", required_argument, NULL, OPT_PARAMS_FILE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"repeat", required_argument, NULL, OPT_REPEAT},
        {"stdin-data", required_argument, NULL, OPT_STDIN_DATA},
        {"show-records", no_argument, NULL, OPT_SHOW_RECORDS},
        {"print-stderr", no_argument, NULL, OPT_PRINT_STDERR},
        {"print-status", no_argument, NULL, OPT_PRINT_STATUS},
        {"malformed", required_argument, NULL, OPT_MALFORMED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *params_file = NULL;
    int opt;

    o->role = FCGI_RESPONDER;
    o->timeout = 5;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        unsigned long v;

        switch (opt) {
        case 'h':
            usage(stdout);
            exit(EXIT_DONE);
        case OPT_ROLE:
            if (parse_role(optarg, &o->role) < 0) {
                msg("--role: expected responder, authorizer, filter or "
                    "0..65535, got '%s'",
                    optarg);
                return -1;
            }
            break;
        case OPT_PARAMS_FILE:
            params_file = optarg;
            break;
        case OPT_TIMEOUT:
            errno = 0;
            o->timeout = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || errno || !(o->timeout > 0) ||
                o->timeout > 86400) {
                msg("--timeout: expected seconds in (0, 86400], got '%s'",
                    optarg);
                return -1;
            }
            break;
        case OPT_REPEAT:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno ||
                v < 1 || v > 65535) {
                msg("--repeat: expected 1..65535 (request ids are 16 "
                    "bits), got '%s'",
                    optarg);
                return -1;
            }
            o->repeat = (unsigned)v;
            break;
        case OPT_STDIN_DATA:
            o->stdin_data = optarg;
            break;
        case OPT_SHOW_RECORDS:
            o->show_records = true;
            break;
        case OPT_PRINT_STDERR:
            o->raw_stderr = true;
            break;
        case OPT_PRINT_STATUS:
            o->print_status = true;
            break;
        case OPT_MALFORMED:
            o->malformed = MAL_NONE;
            for (size_t i = 0;
                 i < sizeof(malformed_kinds) / sizeof(malformed_kinds[0]); i++)
                if (strcmp(optarg, malformed_kinds[i].name) == 0)
                    o->malformed = malformed_kinds[i].kind;
            if (o->malformed == MAL_NONE) {
                msg("--malformed: unknown kind '%s'", optarg);
                return -1;
            }
            break;
        default:
            return -1;
        }
    }
    if (optind >= argc) {
        msg("missing ADDRESS");
        return -1;
    }
    if (o->malformed != MAL_NONE && o->repeat) {
        msg("--repeat and --malformed do not combine");
        return -1;
    }
    o->address = argv[optind++];
    if (params_file && load_params_file(o, params_file) < 0)
        return -1;
    for (; optind < argc; optind++) {
        if (add_param(o, argv[optind], strlen(argv[optind])) < 0) {
            msg("expected NAME=VALUE, got '%s'", argv[optind]);
            return -1;
        }
    }
    return 0;
}

static void
free_options(struct options *o)
{
    for (size_t i = 0; i < o->nparams; i++)
        free(o->params[i].text);
    free(o->params);
}

int
main(int argc, char **argv)
{
    struct options o = {0};
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct timespec deadline;
    struct conn *c;
    int rc;

    if (parse_options(argc, argv, &o) < 0 ||
        parse_address(o.address, &ss, &sslen) < 0) {
        fprintf(stderr, "Try '%s --help'.\n", progname);
        free_options(&o);
        return EXIT_USAGE;
    }
    /* A server closing early must show up as EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)o.timeout;
    deadline.tv_nsec +=
        (long)((o.timeout - (double)(time_t)o.timeout) * 1000000000.0);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    c = xrealloc(NULL, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->fd = connect_to(&ss, sslen, o.address, &deadline);
    if (c->fd < 0) {
        rc = EXIT_FAIL;
    } else {
        if (o.malformed != MAL_NONE)
            rc = run_malformed(&o, c, &deadline);
        else
            rc = run_requests(&o, c, &deadline);
        close(c->fd);
    }
    if (fflush(stdout) != 0)
        rc = EXIT_FAIL;
    free(c->out.data);
    free(c);
    free_options(&o);
    return rc;
}
