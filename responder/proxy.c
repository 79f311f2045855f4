#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

/* The address in a[0..n) as bytes; 0 or -1. */
static int
proxy_addr(struct bytes a, int *family, unsigned char out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (a.n == 0 || a.n >= sizeof buf)
        return -1;
    memcpy(buf, a.p, a.n);
    buf[a.n] = '\0';
    memset(out, 0, 16);
    if (inet_pton(AF_INET, buf, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

static bool
proxy_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

int
proxies_parse(struct proxies *p, const char *text, char *err, size_t errlen)
{
    size_t i = 0, n = strlen(text);

    memset(p, 0, sizeof *p);
    while (i < n) {
        struct proxy_net net;
        size_t start, w;
        const char *slash;
        unsigned long bits;
        struct proxy_net *grown;

        while (i < n && proxy_sep(text[i]))
            i++;
        start = i;
        while (i < n && !proxy_sep(text[i]))
            i++;
        w = i - start;
        if (w == 0)
            break;
        slash = memchr(text + start, '/', w);
        if (proxy_addr(
                (struct bytes){text + start,
                               slash ? (size_t)(slash - (text + start)) : w},
                &net.family, net.addr) < 0)
            goto bad;
        net.prefix = net.family == AF_INET ? 32 : 128;
        if (slash != NULL) {
            size_t bl = w - (size_t)(slash + 1 - (text + start));

            if (util_parse_ulong(slash + 1, bl, 0, net.prefix, &bits) < 0)
                goto bad;
            net.prefix = (unsigned)bits;
        }
        grown = realloc(p->nets, (p->n + 1) * sizeof *p->nets);
        if (grown == NULL) {
            snprintf(err, errlen, "out of memory");
            proxies_free(p);
            return -1;
        }
        p->nets = grown;
        p->nets[p->n++] = net;
        continue;
    bad:
        snprintf(err, errlen,
                 "'%.*s': expected an IPv4 or IPv6 address, optionally "
                 "with /bits",
                 (int)(w > 60 ? 60 : w), text + start);
        proxies_free(p);
        return -1;
    }
    return 0;
}

void
proxies_free(struct proxies *p)
{
    free(p->nets);
    memset(p, 0, sizeof *p);
}

static bool
proxy_in(const struct proxy_net *net, int family, const unsigned char *a)
{
    unsigned full = net->prefix / 8, rest = net->prefix % 8;

    if (net->family != family || memcmp(net->addr, a, full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((net->addr[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

bool
proxies_contains(const struct proxies *p, struct bytes addr)
{
    unsigned char a[16];
    int family;

    if (p == NULL || p->n == 0 || proxy_addr(addr, &family, a) < 0)
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (proxy_in(&p->nets[i], family, a))
            return true;
    return false;
}

/*
 * Some proxies write "192.0.2.1:5678" or "[2001:db8::1]:5678": the
 * address without the port.
 */
static struct bytes
proxy_strip_port(struct bytes w)
{
    const char *c;

    if (w.n > 2 && w.p[0] == '[' && (c = memchr(w.p, ']', w.n)) != NULL)
        return (struct bytes){w.p + 1, (size_t)(c - w.p) - 1};
    c = memchr(w.p, ':', w.n);
    if (c != NULL && memchr(c + 1, ':', w.n - (size_t)(c + 1 - w.p)) == NULL)
        return (struct bytes){w.p, (size_t)(c - w.p)};
    return w;
}

struct bytes
proxies_client(const struct proxies *p, struct bytes remote_addr,
               struct bytes xff)
{
    size_t end = xff.n;

    if (!proxies_contains(p, remote_addr))
        return remote_addr;
    /* From the right: what each trusted hop saw, until an outsider. */
    while (end > 0) {
        size_t start = end, s, e;
        struct bytes w;
        unsigned char a[16];
        int family;

        while (start > 0 && xff.p[start - 1] != ',')
            start--;
        for (s = start; s < end && (xff.p[s] == ' ' || xff.p[s] == '\t');)
            s++;
        for (e = end; e > s && (xff.p[e - 1] == ' ' || xff.p[e - 1] == '\t');)
            e--;
        w = proxy_strip_port((struct bytes){xff.p + s, e - s});
        if (proxy_addr(w, &family, a) < 0)
            break; /* not an address: stop at what we can vouch for */
        if (!proxies_contains(p, w))
            return w;
        end = start > 0 ? start - 1 : 0;
    }
    return remote_addr;
}
