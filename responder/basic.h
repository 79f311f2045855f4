/*
 * basic: the HTTP Basic scheme (RFC 7617) from an Authorization value.
 */
#ifndef FCGI_AUTHD_BASIC_H
#define FCGI_AUTHD_BASIC_H

#include <stddef.h>

#include "util.h"

/* Longest decoded "user:password" accepted. */
#define BASIC_DECODED_MAX 1024
/* Longest token68 accepted (its base64 form). */
#define BASIC_TOKEN_MAX (((BASIC_DECODED_MAX + 2) / 3) * 4)

enum basic_result {
    BASIC_OK,        /* user and password set */
    BASIC_OTHER,     /* a different scheme (Bearer, Digest ...) */
    BASIC_MALFORMED, /* Basic, but not a valid credential */
};

struct basic_cred {
    struct bytes user;     /* points into the caller's buffer */
    struct bytes password; /* idem; may be empty */
    char buf[BASIC_DECODED_MAX];
};

/*
 * Parse the Authorization value hdr[0..n). The scheme is compared
 * case-insensitively and followed by one or more spaces; the token68 must be
 * strict base64 (see b64_decode) of at most BASIC_TOKEN_MAX bytes, with
 * nothing after it but optional trailing spaces. The decoded bytes are split
 * at the first ':' (RFC 7617 2: the user-id cannot contain ':'); an empty
 * user, a missing ':' or any control byte (NUL included) in user or password
 * is BASIC_MALFORMED. The decoded text lives in cred->buf: the caller must
 * call basic_cred_wipe() on every path once done.
 */
enum basic_result basic_parse(const char *hdr, size_t n,
                              struct basic_cred *cred);

struct request;

/*
 * The Basic credential scheme: the claim a request carries, wherever its
 * server put it. Apache's authn step (FCGI_APACHE_ROLE=AUTHENTICATOR)
 * parsed Basic itself and passes REMOTE_USER/REMOTE_PASSWD, held to the
 * same rules; everyone else passes the raw HTTP_AUTHORIZATION, which must
 * come once (twice is BASIC_MALFORMED). REMOTE_USER without
 * FCGI_APACHE_ROLE is never a credential: nginx's stock fastcgi_params
 * fills it from the unverified header. BASIC_OTHER: no Basic credential.
 * Wipe cred on every path, as for basic_parse.
 */
enum basic_result basic_from_request(const struct request *r,
                                     struct basic_cred *cred);

/* Wipe the decoded credential. */
void basic_cred_wipe(struct basic_cred *cred);

#endif
