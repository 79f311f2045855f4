#include "config.h"

#include <string.h>

#include "fcgi_guard.h"

#define GUARD_BEGIN_REQUEST 1
#define GUARD_PARAMS        4

void
fcgi_guard_reset(struct fcgi_guard *g)
{
    memset(g, 0, sizeof *g);
}

/* One byte of a pair length; false when the length is refused. */
static bool
guard_length_byte(struct fcgi_guard *g, unsigned char b)
{
    uint32_t len;

    if (g->len_have == 0)
        g->len_need = (b & 0x80) ? 4 : 1; /* FastCGI 1.0: the 4-byte form */
    g->len[g->len_have++] = b;
    if (g->len_have < g->len_need)
        return true;
    if (g->len_need == 1)
        len = g->len[0];
    else
        len = ((uint32_t)(g->len[0] & 0x7f) << 24) |
              ((uint32_t)g->len[1] << 16) | ((uint32_t)g->len[2] << 8) |
              g->len[3];
    g->len_have = 0;
    if (len > FCGI_GUARD_PAIR_MAX)
        return false;
    g->skip += len;
    g->which ^= 1;
    return true;
}

/* n bytes of PARAMS content; false when refused. */
static bool
guard_params(struct fcgi_guard *g, const unsigned char *p, size_t n)
{
    g->params += n;
    if (g->params > FCGI_GUARD_PARAMS_MAX)
        return false;
    while (n > 0) {
        if (g->which == 0 && g->skip > 0) {
            size_t k = g->skip < n ? (size_t)g->skip : n;

            g->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        if (!guard_length_byte(g, *p))
            return false;
        p++;
        n--;
    }
    return true;
}

/* The header in g->hdr is whole: start its record. */
static void
guard_record(struct fcgi_guard *g)
{
    g->type = g->hdr[1];
    g->content_left = ((size_t)g->hdr[4] << 8) | g->hdr[5];
    g->pad_left = g->hdr[6];
    g->hdr_have = 0;
    if (g->type == GUARD_BEGIN_REQUEST) {
        /* A new request: its own PARAMS budget. */
        g->begins++;
        g->params = 0;
        g->skip = 0;
        g->which = 0;
        g->len_have = 0;
    }
}

int
fcgi_guard_feed(struct fcgi_guard *g, const unsigned char *p, size_t n)
{
    while (n > 0 && !g->refused) {
        size_t k;

        if (g->content_left == 0 && g->pad_left == 0) {
            g->hdr[g->hdr_have++] = *p++;
            n--;
            if (g->hdr_have == sizeof g->hdr)
                guard_record(g);
            continue;
        }
        if (g->content_left > 0) {
            k = g->content_left < n ? g->content_left : n;
            if (g->type == GUARD_PARAMS && !guard_params(g, p, k))
                g->refused = true;
            g->content_left -= k;
        } else {
            k = g->pad_left < n ? g->pad_left : n;
            g->pad_left -= k;
        }
        p += k;
        n -= k;
    }
    return g->refused ? -1 : 0;
}
