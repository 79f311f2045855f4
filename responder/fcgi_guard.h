/*
 * fcgi_guard: a watch on the FastCGI bytes a peer sends, before libfcgi
 * reads them. libfcgi allocates a parameter's name and value from the
 * lengths the peer announces (up to 2 GiB each) before a byte of them has
 * arrived, and aborts the process when that allocation fails. The guard
 * follows the record headers and the name-value pair lengths of the
 * PARAMS stream and refuses a connection that announces more than any web
 * server sends, so those lengths never reach libfcgi.
 */
#ifndef FCGI_AUTHD_FCGI_GUARD_H
#define FCGI_AUTHD_FCGI_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name or value of one parameter accepted. */
#define FCGI_GUARD_PAIR_MAX (64 * 1024)
/* Most PARAMS bytes of one request accepted. */
#define FCGI_GUARD_PARAMS_MAX (1024 * 1024)

struct fcgi_guard {
    unsigned char hdr[8]; /* the record header being read */
    size_t hdr_have;
    size_t content_left; /* of the current record */
    size_t pad_left;
    unsigned char type;
    /* The PARAMS stream: name-value pairs across records. */
    unsigned char len[4]; /* a length being read */
    size_t len_have, len_need;
    unsigned which;  /* 0: the name's length next, 1: the value's */
    uint64_t skip;   /* name and value bytes still to pass */
    uint64_t params; /* PARAMS bytes of this request */
    uint64_t begins; /* BEGIN_REQUEST headers since the reset */
    bool refused;
};

/* A new connection (or a new request on a kept one may follow). */
void fcgi_guard_reset(struct fcgi_guard *g);

/*
 * Follow n more bytes of the stream. Returns 0, or -1 once the stream
 * announced a parameter longer than FCGI_GUARD_PAIR_MAX or more than
 * FCGI_GUARD_PARAMS_MAX bytes of PARAMS for one request (and from then on).
 */
int fcgi_guard_feed(struct fcgi_guard *g, const unsigned char *p, size_t n);

#endif
