/*
 * request: the FastCGI/CGI parameters of one request as bounded byte views.
 * Takes a plain envp array ("NAME=VALUE" strings), so tests need no libfcgi.
 */
#ifndef FCGI_AUTHD_REQUEST_H
#define FCGI_AUTHD_REQUEST_H

#include <stdbool.h>

#include "util.h"

/* Longest parameter value we look at; longer ones make the request invalid. */
#define REQUEST_VALUE_MAX 8192

enum request_role {
    ROLE_CGI,        /* no FCGI_ROLE: run as a plain CGI program */
    ROLE_RESPONDER,  /* nginx auth_request */
    ROLE_AUTHORIZER, /* lighttpd "mode" => "authorizer", Apache */
    ROLE_OTHER,      /* FILTER or anything else: refused */
};

enum apache_role {
    APACHE_NONE,          /* no FCGI_APACHE_ROLE */
    APACHE_AUTHENTICATOR, /* AuthBasicProvider: REMOTE_USER/REMOTE_PASSWD */
    APACHE_AUTHORIZER,    /* Require fcgi-authz: REMOTE_USER authenticated */
    APACHE_UNKNOWN,       /* a value we do not know: refused */
};

struct request {
    enum request_role role;
    enum apache_role apache;
    /* HTTP_AUTHORIZATION, client-supplied. */
    struct bytes authorization;
    unsigned authorization_count; /* > 1: duplicated by the server */
    /* Set by Apache when it parsed Basic itself (APACHE_AUTHENTICATOR). */
    struct bytes remote_user;
    struct bytes remote_passwd;
    bool has_remote_user;
    bool has_remote_passwd;
    struct bytes remote_addr;
    struct bytes request_uri;
    /*
     * Set by the server admin per location (never from a client: client
     * headers arrive as HTTP_*): the profile, a realm, an extra rule.
     */
    struct bytes auth_profile;
    struct bytes auth_realm;
    struct bytes auth_require;
    bool has_request_uri;
    bool has_auth_profile;
    bool has_auth_realm;
    bool has_auth_require;
    /* AUTH_ENDPOINT (admin-set): "metrics", "health" or "denial" instead
     * of a decision; AUTH_STATUS (admin-set, nginx's $status) the status
     * of a denial page; DOCUMENT_URI to check the location is not an auth
     * one. */
    struct bytes auth_endpoint;
    struct bytes auth_status;
    struct bytes document_uri;
    bool has_auth_endpoint;
    bool has_auth_status;
    bool has_document_uri;
    /* HTTP_X_FORWARDED_FOR, client-supplied: read only behind a trusted
     * proxy (see proxy.h); its last occurrence, at most its last
     * REQUEST_VALUE_MAX bytes from an entry boundary. */
    struct bytes accept; /* HTTP_ACCEPT: only picks a denial's format */
    struct bytes x_forwarded_for;
    unsigned x_forwarded_for_count;
    /* A value longer than REQUEST_VALUE_MAX or otherwise unusable. */
    bool invalid;
};

/*
 * Fill r from envp (NULL-terminated). Views point into envp, which must
 * outlive r. Only the first occurrence of a name counts, except
 * HTTP_AUTHORIZATION whose occurrences are counted. Never fails: problems
 * are recorded in r->invalid / r->role / r->apache for authz to judge.
 */
void request_parse(struct request *r, char *const *envp);

enum request_scheme {
    SCHEME_OTHER,     /* another scheme, or no Authorization */
    SCHEME_MALFORMED, /* this scheme, but no credential after it */
    SCHEME_OK,        /* *cred is the credential, spaces trimmed */
};

/*
 * Split an Authorization value hdr for scheme (RFC 9110 11.4): the scheme
 * compared case-insensitively, then one or more spaces, then the
 * credential, then optional trailing spaces. "Schemex" is another scheme;
 * the scheme alone, or followed by a tab, is malformed. *cred points into
 * hdr and is not empty on SCHEME_OK.
 */
enum request_scheme request_scheme(struct bytes hdr, const char *scheme,
                                   struct bytes *cred);

/* "RESPONDER", "AUTHORIZER", "CGI", "OTHER". */
const char *request_role_name(enum request_role role);

#endif
