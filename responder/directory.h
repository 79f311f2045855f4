/*
 * directory: users and groups in an LDAP directory (OpenLDAP's libldap),
 * for Basic credentials: OpenLDAP, Active Directory, anything that speaks
 * LDAPv3.
 *
 * A check is: search for the user with the service account (exactly one
 * entry, or refuse), bind as that entry's DN with the password on a
 * connection used for nothing else, then read the groups with the service
 * account. Both kinds of connection are pooled (bounded, reused, dropped
 * on any error) and never take a hashing slot: they wait on the network.
 *
 * Every step shares one deadline (timeout seconds from the start of the
 * check): a directory down or stopped answers DIR_DOWN within it, never
 * later. URLs are tried in order; one that fails is left alone for a
 * backoff (1, 2, 4 ... 30 s), and its going down and coming back are each
 * logged once. Certificates are always verified; referrals are not
 * followed.
 */
#ifndef FCGI_AUTHD_DIRECTORY_H
#define FCGI_AUTHD_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Longest DN and filter handled, in bytes. */
#define DIRECTORY_DN_MAX     1024
#define DIRECTORY_FILTER_MAX 2048
/* Longest user name sent to the directory. */
#define DIRECTORY_USER_MAX 256
/* Longest password sent (a longer one is refused without a bind). */
#define DIRECTORY_PASSWORD_MAX 1024
/* The groups of one user, as "a,b" (names with ',' are left out). */
#define DIRECTORY_GROUPS_MAX 4096
/* Most URLs of one directory. */
#define DIRECTORY_URLS_MAX 8

struct directory_opts {
    const char *urls;         /* ldap://, ldaps://, ldapi://; space-separated */
    const char *base_dn;      /* where users (and groups) are searched */
    const char *filter;       /* "(uid=%s)": %s is the escaped user name */
    const char *bind_dn;      /* the service account; NULL: anonymous */
    const char *bind_pw;      /* its password (copied, wiped when freed) */
    size_t bind_pw_len;       /* bytes of bind_pw */
    const char *ca_file;      /* CA certificates (PEM); NULL: the system's */
    bool starttls;            /* ldap:// upgraded with StartTLS, required */
    unsigned timeout;         /* seconds for a whole check */
    const char *group_filter; /* %s: the user's escaped DN */
    const char *group_attr;   /* the group's name attribute ("cn") */
    const char *memberof_attr; /* groups' DNs on the user entry; NULL: none */
    unsigned connections;      /* per pool (service, user binds) */
};

struct directory;

/*
 * Check the options (URLs, filters with their %s, the DN lengths) and make
 * a directory; nothing is connected until the first check. NULL with the
 * reason in err.
 */
struct directory *directory_new(const struct directory_opts *o, char *err,
                                size_t errlen);

/* Close every connection and free d (no check may be running). */
void directory_free(struct directory *d);

enum directory_result {
    DIR_OK,
    DIR_NO_USER,        /* no entry for the name, or more than one */
    DIR_BAD_PASSWORD,   /* the bind was refused */
    DIR_EMPTY_PASSWORD, /* refused before any bind */
    DIR_BUSY,           /* every connection in use until the deadline */
    DIR_DOWN,           /* no server answered in time, or an error */
};

/* "ok", "no_user", ...: for the log's why= field. */
const char *directory_result_name(enum directory_result r);

/*
 * Check user's password; on DIR_OK, groups holds the user's groups ("a,b",
 * NUL-terminated, at most DIRECTORY_GROUPS_MAX bytes with the NUL) and
 * *ambiguous is false; DIR_NO_USER sets *ambiguous when several entries
 * matched. Thread-safe.
 */
enum directory_result directory_check(struct directory *d, struct bytes user,
                                      struct bytes password,
                                      char groups[DIRECTORY_GROUPS_MAX],
                                      bool *ambiguous);

/*
 * For -t: connect, bind the service account and read the base DN. 0, or
 * -1 with the reason (and the server) in err.
 */
int directory_probe(struct directory *d, char *err, size_t errlen);

/*
 * filter with every "%s" replaced by value, escaped as RFC 4515 says
 * (by libldap). 0, or -1 when out doesn't hold it. Exposed for the tests.
 */
int directory_filter(const char *filter, struct bytes value, char *out,
                     size_t outlen);

#endif
