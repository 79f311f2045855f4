/*
 * conf: settings from the config file and the command line.
 * Every key of the file is also a long option (user_file = --user-file).
 */
#ifndef FCGI_AUTHD_CONF_H
#define FCGI_AUTHD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "policy.h"
#include "proxy.h"

/* Longest realm accepted. */
#define CONF_REALM_MAX 200

/*
 * A [profile NAME] section. Unset (NULL) members inherit the top-level
 * value, which is the default profile.
 */
struct conf_profile {
    char *name;
    char *user_file;
    char *group_file;
    char *token_file;
    char *jwks_file;
    char *jwks_url;
    char *jwt_issuer;
    char *jwt_audience;
    char *jwt_user_claim;
    char *jwt_groups_claim;
    char *ldap_url;
    char *ldap_base_dn;
    char *ldap_filter;
    char *ldap_bind_dn;
    char *ldap_bind_password_file;
    char *ldap_group_filter;
    char *ldap_group_attr;
    char *ldap_memberof_attr;
    char *realm;
    struct rule *require;
    unsigned line; /* of the section header */
};

/* A [path /prefix] section: a rule for every request under the prefix. */
struct conf_path {
    char *prefix;         /* normalised with path_normalize */
    struct rule *require; /* NULL: none given (an error for the snapshot) */
    unsigned line;
};

struct conf {
    char *listen;          /* unix:/path, tcp:ADDR:PORT, tcp6:[ADDR]:PORT */
    unsigned threads;      /* request workers; 0: 8 per CPU */
    unsigned hash_slots;   /* concurrent password hashes; 0: one per CPU */
    unsigned cache_ttl;    /* seconds a verification is remembered; 0: off */
    unsigned cache_size;   /* entries */
    unsigned read_timeout; /* seconds for a connection to deliver a request */
    unsigned max_bcrypt_cost;        /* entries above: never match; 0: no cap */
    unsigned max_crypt_rounds;       /* sha-crypt rounds cap; 0: no cap */
    unsigned throttle_addr_failures; /* per address in throttle_window */
    unsigned throttle_window;
    unsigned throttle_user_failures; /* consecutive, per account */
    unsigned throttle_ban;
    unsigned throttle_size;
    char *throttle_redis; /* share.h: redis://... or unix:/path, or NULL */
    char *throttle_redis_password_file;
    char *throttle_redis_prefix;
    char *throttle_redis_key_file;
    /* Addresses/networks whose X-Forwarded-For counts; NULL: none set. */
    struct proxies *trusted_proxies;
    char *user;           /* switch to this user once the socket is open */
    char *pages_dir;      /* the admin's denial pages (STATUS.html ...) */
    bool allow_root;      /* serve as root without switching */
    unsigned socket_mode; /* unix socket permissions */
    char *socket_group;   /* unix socket group, or NULL */
    bool allow_plaintext;
    bool allow_des;
    bool apache_authz; /* answer FCGI_APACHE_ROLE=AUTHORIZER from rules */
    enum log_level log_level;
    int log_syslog;    /* also to syslog (authpriv): 1, 0, or -1 for "auto" */
    unsigned log_rate; /* decision lines a second; 0: no limit */
    /* The default profile: the keys before any section. */
    char *user_file;        /* htpasswd file */
    char *group_file;       /* htgroup file, or NULL */
    char *token_file;       /* API tokens (token.h), or NULL */
    char *jwks_file;        /* JWK Set for JWTs (jwt.h), or NULL */
    char *jwks_url;         /* JWK Set fetched (jwks_fetch.h), or NULL */
    unsigned jwks_refresh;  /* seconds between fetches of a jwks_url */
    char *jwks_ca_file;     /* CAs for jwks_url, NULL: the system's */
    char *jwt_issuer;       /* required iss with a JWK Set */
    char *jwt_audience;     /* required aud with a JWK Set */
    char *jwt_user_claim;   /* "sub" */
    char *jwt_groups_claim; /* "groups" */
    unsigned jwt_leeway;    /* seconds on exp and nbf */
    char *ldap_url;         /* directory.h: the LDAP source, or NULL */
    char *ldap_base_dn;
    char *ldap_filter;
    char *ldap_bind_dn;
    char *ldap_bind_password_file;
    char *ldap_group_filter;
    char *ldap_group_attr;
    char *ldap_memberof_attr;
    bool ldap_starttls;
    char *ldap_ca_file;
    unsigned ldap_timeout;     /* seconds for a whole check */
    unsigned ldap_connections; /* per pool */
    char *realm;               /* Basic realm */
    struct rule *require;      /* parsed when set; NULL: unset */
    struct conf_profile *profiles;
    size_t nprofiles;
    struct conf_path *paths;
    size_t npaths;
    char *file; /* the config file read by conf_load, or NULL */
};

enum conf_type {
    CONF_STRING,
    CONF_UINT,
    CONF_SECONDS, /* 0 to 86400 */
    CONF_COUNT,   /* 1 to 10 000 000 */
    CONF_MODE,
    CONF_BOOL,
    CONF_AUTOBOOL, /* yes, no or auto: stored as int 1, 0, -1 */
    CONF_LOGLEVEL,
    CONF_REALM,
    CONF_RULE, /* stored parsed: struct rule * (policy.h) */
    CONF_NETS, /* addresses and networks, stored parsed: struct proxies * */
};

/* Where a key may appear. */
enum conf_scope {
    CONF_GLOBAL,  /* command line and the top of the file only */
    CONF_PROFILE, /* also in [profile] sections; require also in [path] */
};

struct conf_key {
    const char *name; /* file key; the long option is the same with '-' */
    size_t offset;    /* of the member in struct conf */
    size_t poffset;   /* of the member in struct conf_profile (PROFILE) */
    enum conf_scope scope;
    enum conf_type type;
    const char *defval; /* built-in default as text, NULL: unset */
    const char *arg;    /* argument name for --help */
    const char *help;   /* one line */
};

/* The table of keys, in --help order; *n is set to its length. */
const struct conf_key *conf_keys(size_t *n);

/* Set every key to its built-in default. */
void conf_init(struct conf *c);

/* Release what c holds (c itself is the caller's). */
void conf_free(struct conf *c);

/*
 * Set key (a file key, or a long option name with '-') to value. Errors go
 * to diag with file and line (file NULL: "command line"). Returns 0 or -1.
 */
int conf_set(struct conf *c, const char *key, const char *value,
             const char *file, unsigned line, diag_fn *diag, void *ctx);

/*
 * Parse a config file's text: "key = value" lines, '#' comments (a whole
 * line, or after whitespace), blank lines, surrounding spaces trimmed,
 * optional double quotes around the value, and section headers
 * "[profile NAME]" (NAME: letters, digits, '.', '_', '-'; at most 64) and
 * "[path /prefix]" after which keys belong to that section. Every problem
 * goes to diag with name:line; the good lines are applied all the same.
 * Returns 0, or -1 when any line had a problem.
 */
int conf_parse(struct conf *c, const char *name, const char *data, size_t len,
               diag_fn *diag, void *ctx);

/*
 * Read the file at path and conf_parse it. Returns 0, or -1 when it cannot
 * be read or a line had a problem (told to diag).
 */
int conf_load(struct conf *c, const char *path, diag_fn *diag, void *ctx);

/*
 * Whether name is a profile name a "[profile NAME]" header takes: 1 to 64
 * letters, digits, '.', '_' or '-' ("default" passes here but is refused
 * by the header, being the top of the file).
 */
bool conf_profile_name_ok(const char *name);

#endif
