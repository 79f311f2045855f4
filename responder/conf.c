#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "diag.h"
#include "file.h"
#include "path.h"
#include "policy.h"
#include "proxy.h"
#include "util.h"

/* Largest config file read. */
#define CONF_FILE_MAX (1024 * 1024)
/* Longest line and value. */
#define CONF_LINE_MAX 4096

#define OFF(m) offsetof(struct conf, m), 0, CONF_GLOBAL
#define POFF(m)                                                                \
    offsetof(struct conf, m), offsetof(struct conf_profile, m), CONF_PROFILE
static const struct conf_key conf_table[] = {
    {"listen", OFF(listen), CONF_STRING, NULL, "SPEC",
     "where to listen: unix:/path, tcp:127.0.0.1:PORT or tcp6:[::1]:PORT "
     "(default: the socket from systemd, else fd 0)"},
    {"user_file", POFF(user_file), CONF_STRING, NULL, "FILE",
     "htpasswd file with the users"},
    {"group_file", POFF(group_file), CONF_STRING, NULL, "FILE",
     "group file (\"group: user1 user2\") for group rules"},
    {"token_file", POFF(token_file), CONF_STRING, NULL, "FILE",
     "API tokens (fcgi-authd-passwd --token): Bearer tokens that grant "
     "their name"},
    {"jwks_file", POFF(jwks_file), CONF_STRING, NULL, "FILE",
     "JWK Set (RFC 7517) whose keys sign the JWTs accepted as Bearer tokens"},
    {"jwks_url", POFF(jwks_url), CONF_STRING, NULL, "URL",
     "JWK Set fetched over https (http only to a loopback address), kept "
     "fresh in the background; with or instead of jwks_file"},
    {"jwks_refresh", OFF(jwks_refresh), CONF_SECONDS, "300", "SECONDS",
     "how often each jwks_url is fetched again (0: only when a token names "
     "a key the set lacks, at most once a minute)"},
    {"jwks_ca_file", OFF(jwks_ca_file), CONF_STRING, NULL, "FILE",
     "CA certificates (PEM) that jwks_url servers are checked against "
     "(default: the system's)"},
    {"jwt_issuer", POFF(jwt_issuer), CONF_STRING, NULL, "ISS",
     "the iss every JWT must have (required with jwks_file or jwks_url)"},
    {"jwt_audience", POFF(jwt_audience), CONF_STRING, NULL, "AUD",
     "the aud every JWT must have or list (required with jwks_file or "
     "jwks_url)"},
    {"jwt_user_claim", POFF(jwt_user_claim), CONF_STRING, "sub", "CLAIM",
     "the JWT claim that becomes REMOTE_USER"},
    {"jwt_groups_claim", POFF(jwt_groups_claim), CONF_STRING, "groups", "CLAIM",
     "the JWT claim with the user's groups (an array, or names separated by "
     "spaces) for group rules"},
    {"jwt_leeway", OFF(jwt_leeway), CONF_SECONDS, "60", "SECONDS",
     "clock skew allowed on a JWT's exp and nbf"},
    {"ldap_url", POFF(ldap_url), CONF_STRING, NULL, "URLS",
     "LDAP directory for Basic: ldap://, ldaps:// or ldapi:// URLs, "
     "separated by spaces, tried in order"},
    {"ldap_base_dn", POFF(ldap_base_dn), CONF_STRING, NULL, "DN",
     "where users and groups are searched"},
    {"ldap_filter", POFF(ldap_filter), CONF_STRING, "(uid=%s)", "FILTER",
     "finds the user: %s is the user name, escaped (RFC 4515)"},
    {"ldap_bind_dn", POFF(ldap_bind_dn), CONF_STRING, NULL, "DN",
     "the service account that searches (default: anonymous)"},
    {"ldap_bind_password_file", POFF(ldap_bind_password_file), CONF_STRING,
     NULL, "FILE", "the service account's password, alone in a file"},
    {"ldap_group_filter", POFF(ldap_group_filter), CONF_STRING,
     "(&(objectClass=groupOfNames)(member=%s))", "FILTER",
     "finds the user's groups: %s is the user's DN, escaped"},
    {"ldap_group_attr", POFF(ldap_group_attr), CONF_STRING, "cn", "ATTR",
     "the attribute of a group that names it"},
    {"ldap_memberof_attr", POFF(ldap_memberof_attr), CONF_STRING, NULL, "ATTR",
     "read the groups from this attribute of the user's entry (memberOf: "
     "groups' DNs) instead of searching with ldap_group_filter"},
    {"ldap_starttls", OFF(ldap_starttls), CONF_BOOL, "no", "yes|no",
     "upgrade ldap:// connections with StartTLS (required when set)"},
    {"ldap_ca_file", OFF(ldap_ca_file), CONF_STRING, NULL, "FILE",
     "CA certificates (PEM) the directory's certificate is checked against "
     "(default: the system's); certificates are always checked"},
    {"ldap_timeout", OFF(ldap_timeout), CONF_SECONDS, "5", "SECONDS",
     "a whole LDAP check (connect, search, bind, groups) gives up after this"},
    {"ldap_connections", OFF(ldap_connections), CONF_COUNT, "8", "N",
     "LDAP connections kept per profile for searches, and as many for binds"},
    {"realm", POFF(realm), CONF_REALM, "Restricted", "TEXT",
     "realm in the Basic and Bearer challenges"},
    {"require", POFF(require), CONF_RULE, "valid-user", "RULE",
     "who may pass: valid-user, user NAME..., group NAME..., joined by | "
     "(any) or & (all)"},
    {"threads", OFF(threads), CONF_UINT, "0", "N",
     "request worker threads (0: 8 per CPU, at least 8; at most 256)"},
    {"hash_slots", OFF(hash_slots), CONF_UINT, "0", "N",
     "password hashes computed at once (0: one per CPU); requests that "
     "need none never wait behind them"},
    {"cache_ttl", OFF(cache_ttl), CONF_SECONDS, "300", "SECONDS",
     "how long a successful verification is remembered (0: no cache)"},
    {"cache_size", OFF(cache_size), CONF_COUNT, "65536", "N",
     "most verifications remembered (about 56 bytes each)"},
    {"read_timeout", OFF(read_timeout), CONF_SECONDS, "5", "SECONDS",
     "a connection that has not sent its whole request by then is closed "
     "(0: never)"},
    {"throttle_addr_failures", OFF(throttle_addr_failures), CONF_SECONDS, "10",
     "N",
     "failed sign-ins from one client address within throttle_window "
     "before it is refused for throttle_ban (0: off)"},
    {"throttle_window", OFF(throttle_window), CONF_SECONDS, "60", "SECONDS",
     "the window in which a client address's failures are counted"},
    {"throttle_user_failures", OFF(throttle_user_failures), CONF_SECONDS, "100",
     "N",
     "consecutive failed sign-ins for one account before it is refused for "
     "throttle_ban (0: off)"},
    {"throttle_ban", OFF(throttle_ban), CONF_SECONDS, "300", "SECONDS",
     "how long a banned address or account is refused"},
    {"throttle_size", OFF(throttle_size), CONF_COUNT, "100000", "N",
     "addresses and accounts tracked (about 40 bytes each)"},
    {"throttle_redis", OFF(throttle_redis), CONF_STRING, NULL, "URL",
     "share failure counts and bans with the other nodes on Redis: "
     "redis://[:PASSWORD@]HOST:PORT/DB or unix:/path"},
    {"throttle_redis_password_file", OFF(throttle_redis_password_file),
     CONF_STRING, NULL, "FILE",
     "Redis's password (requirepass), alone in a file"},
    {"throttle_redis_prefix", OFF(throttle_redis_prefix), CONF_STRING,
     "fcgi-authd:", "TEXT", "start of every Redis key of these nodes"},
    {"throttle_redis_key_file", OFF(throttle_redis_key_file), CONF_STRING, NULL,
     "FILE",
     "a secret of at least 32 bytes the nodes share: Redis keys are its "
     "HMAC of the address or user name"},
    {"trusted_proxies", OFF(trusted_proxies), CONF_NETS, NULL, "ADDRS",
     "proxies in front of the web server (addresses or networks such as "
     "10.0.0.0/8): behind them the client is taken from X-Forwarded-For"},
    {"pages_dir", OFF(pages_dir), CONF_STRING, NULL, "DIR",
     "denial pages of your own: 401.html, 401.json, 401.txt ... (400, 401, "
     "403, 429, 500, 503); missing ones keep the built-in pages"},
    {"user", OFF(user), CONF_STRING, NULL, "USER",
     "started as root, switch to this user (and its group) once the socket "
     "is open; the files must be readable by it"},
    {"allow_root", OFF(allow_root), CONF_BOOL, "no", "yes|no",
     "serve as root without switching user (refused otherwise)"},
    {"max_bcrypt_cost", OFF(max_bcrypt_cost), CONF_SECONDS, "16", "N",
     "entries with a higher bcrypt cost never match, with a warning (0: no "
     "cap)"},
    {"max_crypt_rounds", OFF(max_crypt_rounds), CONF_COUNT, "5000000", "N",
     "entries with more sha-crypt rounds never match, with a warning"},
    {"socket_mode", OFF(socket_mode), CONF_MODE, "0660", "MODE",
     "permissions of a unix socket opened by --listen"},
    {"socket_group", OFF(socket_group), CONF_STRING, NULL, "GROUP",
     "group of a unix socket opened by --listen"},
    {"allow_plaintext", OFF(allow_plaintext), CONF_BOOL, "no", "yes|no",
     "accept {PLAIN} entries in the user file"},
    {"allow_des", OFF(allow_des), CONF_BOOL, "no", "yes|no",
     "accept traditional DES crypt entries in the user file"},
    {"apache_authz", OFF(apache_authz), CONF_BOOL, "no", "yes|no",
     "answer Apache's authz step (FCGI_APACHE_ROLE=AUTHORIZER) from the "
     "rules"},
    {"log_level", OFF(log_level), CONF_LOGLEVEL, "info", "LEVEL",
     "error, warning, info or debug"},
    {"log_syslog", OFF(log_syslog), CONF_AUTOBOOL, "auto", "yes|no|auto",
     "also log to syslog (facility authpriv); auto: when stderr is /dev/null "
     "or closed at start-up, as under spawn-fcgi"},
    {"log_rate", OFF(log_rate), CONF_SECONDS, "200", "N",
     "decision lines logged a second at most; the rest are counted (0: no "
     "limit)"},
};
#undef POFF
#undef OFF
#define CONF_NKEYS (sizeof conf_table / sizeof conf_table[0])

const struct conf_key *
conf_keys(size_t *n)
{
    *n = CONF_NKEYS;
    return conf_table;
}

static const struct conf_key *
conf_find(const char *key)
{
    char norm[64];
    size_t n = strlen(key);

    /* The long option spells '_' as '-'. */
    if (n >= sizeof norm)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        norm[i] = key[i] == '-' ? '_' : key[i];
    for (size_t i = 0; i < CONF_NKEYS; i++)
        if (strcmp(conf_table[i].name, norm) == 0)
            return &conf_table[i];
    return NULL;
}

static int
conf_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    struct bytes b = {v, strlen(v)};

    for (size_t i = 0; i < 4; i++) {
        if (util_bytes_ieq(b, yes[i])) {
            *out = true;
            return 0;
        }
        if (util_bytes_ieq(b, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int
conf_loglevel(const char *v, enum log_level *out)
{
    static const char *const names[] = {
        [LOGL_ERROR] = "error",
        [LOGL_WARN] = "warning",
        [LOGL_INFO] = "info",
        [LOGL_DEBUG] = "debug",
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (util_bytes_ieq((struct bytes){v, strlen(v)}, names[i])) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (util_bytes_ieq((struct bytes){v, strlen(v)}, "warn")) {
        *out = LOGL_WARN;
        return 0;
    }
    return -1;
}

static int
conf_set_string(char **dst, const char *value)
{
    char *copy = strdup(value);

    if (copy == NULL)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

/* ----------------------------------------------------------- value types -- */

/*
 * Each type reads a value (NUL-terminated, vlen bytes, no control
 * characters) into the member at m; 0, or -1 told to d at line.
 */
typedef int conf_store_fn(const struct conf_key *k, void *m, const char *value,
                          size_t vlen, struct diag *d, unsigned line);

static int
conf_nomem(const struct conf_key *k, struct diag *d, unsigned line)
{
    diag_report(d, LOGL_ERROR, line, "%s: out of memory", k->name);
    return -1;
}

static int
conf_store_string(const struct conf_key *k, void *m, const char *value,
                  size_t vlen, struct diag *d, unsigned line)
{
    if (vlen == 0) {
        diag_report(d, LOGL_ERROR, line, "%s: empty value", k->name);
        return -1;
    }
    return conf_set_string(m, value) < 0 ? conf_nomem(k, d, line) : 0;
}

static int
conf_store_realm(const struct conf_key *k, void *m, const char *value,
                 size_t vlen, struct diag *d, unsigned line)
{
    if (vlen == 0 || vlen > CONF_REALM_MAX) {
        diag_report(d, LOGL_ERROR, line, "%s: expected 1 to %d bytes, got %zu",
                    k->name, CONF_REALM_MAX, vlen);
        return -1;
    }
    return conf_set_string(m, value) < 0 ? conf_nomem(k, d, line) : 0;
}

/* CONF_UINT, CONF_SECONDS and CONF_COUNT: decimal within the type's range. */
static int
conf_store_number(const struct conf_key *k, void *m, const char *value,
                  size_t vlen, struct diag *d, unsigned line)
{
    unsigned long lo = 0, hi = 256, ul;

    if (k->type == CONF_SECONDS)
        hi = 86400;
    else if (k->type == CONF_COUNT)
        lo = 1, hi = 10000000;
    if (util_parse_ulong(value, vlen, lo, hi, &ul) < 0) {
        diag_report(d, LOGL_ERROR, line,
                    "%s: expected a number from %lu to %lu, got '%s'", k->name,
                    lo, hi, value);
        return -1;
    }
    *(unsigned *)m = (unsigned)ul;
    return 0;
}

static int
conf_store_mode(const struct conf_key *k, void *m, const char *value,
                size_t vlen, struct diag *d, unsigned line)
{
    unsigned long ul;
    char *end;

    errno = 0;
    ul = strtoul(value, &end, 8);
    if (vlen == 0 || *end != '\0' || errno != 0 || ul > 0777 ||
        value[0] == '-' || value[0] == '+' || value[0] == ' ') {
        diag_report(d, LOGL_ERROR, line,
                    "%s: expected an octal mode such as 0660, got '%s'",
                    k->name, value);
        return -1;
    }
    *(unsigned *)m = (unsigned)ul;
    return 0;
}

static int
conf_store_bool(const struct conf_key *k, void *m, const char *value,
                size_t vlen, struct diag *d, unsigned line)
{
    (void)vlen;
    if (conf_bool(value, m) < 0) {
        diag_report(d, LOGL_ERROR, line, "%s: expected yes or no, got '%s'",
                    k->name, value);
        return -1;
    }
    return 0;
}

static int
conf_store_autobool(const struct conf_key *k, void *m, const char *value,
                    size_t vlen, struct diag *d, unsigned line)
{
    bool b;

    if (util_bytes_ieq((struct bytes){value, vlen}, "auto")) {
        *(int *)m = -1;
        return 0;
    }
    if (conf_bool(value, &b) < 0) {
        diag_report(d, LOGL_ERROR, line,
                    "%s: expected yes, no or auto, got '%s'", k->name, value);
        return -1;
    }
    *(int *)m = b ? 1 : 0;
    return 0;
}

static int
conf_store_loglevel(const struct conf_key *k, void *m, const char *value,
                    size_t vlen, struct diag *d, unsigned line)
{
    (void)vlen;
    if (conf_loglevel(value, m) < 0) {
        diag_report(d, LOGL_ERROR, line,
                    "%s: expected error, warning, info or debug, got '%s'",
                    k->name, value);
        return -1;
    }
    return 0;
}

/* A rule is parsed here, once: the snapshot copies the parsed one. */
static int
conf_store_rule(const struct conf_key *k, void *m, const char *value,
                size_t vlen, struct diag *d, unsigned line)
{
    struct rule *r = malloc(sizeof *r), **dst = m;
    char err[200];

    if (r == NULL)
        return conf_nomem(k, d, line);
    if (rule_parse(r, value, vlen, err, sizeof err) < 0) {
        diag_report(d, LOGL_ERROR, line, "%s: %s", k->name, err);
        free(r);
        return -1;
    }
    free(*dst);
    *dst = r;
    return 0;
}

static void
conf_free_proxies(struct proxies *p)
{
    if (p == NULL)
        return;
    proxies_free(p);
    free(p);
}

/* Trusted proxies are parsed here, once: main hands them to authz. */
static int
conf_store_nets(const struct conf_key *k, void *m, const char *value,
                size_t vlen, struct diag *d, unsigned line)
{
    struct proxies *p = malloc(sizeof *p), **dst = m;
    char err[200];

    (void)vlen;
    if (p == NULL)
        return conf_nomem(k, d, line);
    if (proxies_parse(p, value, err, sizeof err) < 0) {
        diag_report(d, LOGL_ERROR, line, "%s: %s", k->name, err);
        free(p);
        return -1;
    }
    conf_free_proxies(*dst);
    *dst = p;
    return 0;
}

static void
conf_release_ptr(void *m)
{
    free(*(void **)m);
    *(void **)m = NULL;
}

static void
conf_release_nets(void *m)
{
    conf_free_proxies(*(struct proxies **)m);
    *(struct proxies **)m = NULL;
}

/* How each type is stored, and released (NULL: owns nothing). */
static const struct {
    conf_store_fn *store;
    void (*release)(void *m);
} conf_types[] = {
    [CONF_STRING] = {conf_store_string, conf_release_ptr},
    [CONF_UINT] = {conf_store_number, NULL},
    [CONF_SECONDS] = {conf_store_number, NULL},
    [CONF_COUNT] = {conf_store_number, NULL},
    [CONF_MODE] = {conf_store_mode, NULL},
    [CONF_BOOL] = {conf_store_bool, NULL},
    [CONF_AUTOBOOL] = {conf_store_autobool, NULL},
    [CONF_LOGLEVEL] = {conf_store_loglevel, NULL},
    [CONF_REALM] = {conf_store_realm, conf_release_ptr},
    [CONF_RULE] = {conf_store_rule, conf_release_ptr},
    [CONF_NETS] = {conf_store_nets, conf_release_nets},
};

/* Store value, of k's type, at m. */
static int
conf_store(const struct conf_key *k, void *m, const char *value, struct diag *d,
           unsigned line)
{
    size_t vlen = strlen(value);

    if (util_has_ctl(value, vlen)) {
        diag_report(d, LOGL_ERROR, line, "%s: control characters in value",
                    k->name);
        return -1;
    }
    return conf_types[k->type].store(k, m, value, vlen, d, line);
}

/* ------------------------------------------------------------------- API -- */

int
conf_set(struct conf *c, const char *key, const char *value, const char *file,
         unsigned line, diag_fn *diag, void *ctx)
{
    const struct conf_key *k = conf_find(key);
    struct diag d;

    diag_init(&d, diag, ctx, file, 0);
    if (k == NULL) {
        diag_report(&d, LOGL_ERROR, line, "unknown key '%s'", key);
        return -1;
    }
    return conf_store(k, (char *)c + k->offset, value, &d, line);
}

void
conf_init(struct conf *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < CONF_NKEYS; i++)
        if (conf_table[i].defval != NULL)
            (void)conf_set(c, conf_table[i].name, conf_table[i].defval, NULL, 0,
                           log_diag, NULL);
}

/* Release what the members of keys of scope (at least) hold in base. */
static void
conf_release(void *base, bool profile)
{
    for (size_t i = 0; i < CONF_NKEYS; i++) {
        const struct conf_key *k = &conf_table[i];

        if (conf_types[k->type].release == NULL ||
            (profile && k->scope != CONF_PROFILE))
            continue;
        conf_types[k->type].release((char *)base +
                                    (profile ? k->poffset : k->offset));
    }
}

void
conf_free(struct conf *c)
{
    conf_release(c, false);
    free(c->file);
    for (size_t i = 0; i < c->nprofiles; i++) {
        conf_release(&c->profiles[i], true);
        free(c->profiles[i].name);
    }
    free(c->profiles);
    for (size_t i = 0; i < c->npaths; i++) {
        free(c->paths[i].prefix);
        free(c->paths[i].require);
    }
    free(c->paths);
    memset(c, 0, sizeof *c);
}

bool
conf_profile_name_ok(const char *n)
{
    size_t len = strlen(n);

    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
              (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '_' ||
              n[i] == '-'))
            return false;
    return true;
}

/* --------------------------------------------------------------- parsing -- */

static bool
conf_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Which section the lines being parsed belong to. */
enum conf_sec_kind {
    SEC_TOP,
    SEC_PROFILE,
    SEC_PATH,
    SEC_BAD, /* a header that did not parse: its keys are dropped */
};

struct conf_section {
    enum conf_sec_kind kind;
    size_t index;
};

/*
 * Make a new [profile] (arg: its name) or [path] (arg: the normalised
 * prefix) section of line the current one. 0, or -1 when out of memory.
 */
static int
conf_add_section(struct conf *c, enum conf_sec_kind kind, const char *arg,
                 struct conf_section *sec, struct diag *d, unsigned line)
{
    char *copy = strdup(arg);
    void *grown;

    if (copy == NULL)
        goto oom;
    if (kind == SEC_PROFILE) {
        grown = realloc(c->profiles, (c->nprofiles + 1) * sizeof *c->profiles);
        if (grown == NULL)
            goto oom;
        c->profiles = grown;
        c->profiles[c->nprofiles] =
            (struct conf_profile){.name = copy, .line = line};
        *sec = (struct conf_section){kind, c->nprofiles++};
        return 0;
    }
    grown = realloc(c->paths, (c->npaths + 1) * sizeof *c->paths);
    if (grown == NULL)
        goto oom;
    c->paths = grown;
    c->paths[c->npaths] = (struct conf_path){.prefix = copy, .line = line};
    *sec = (struct conf_section){kind, c->npaths++};
    return 0;
oom:
    free(copy);
    diag_report(d, LOGL_ERROR, line, "out of memory");
    return -1;
}

static int
conf_new_profile(struct conf *c, const char *arg, struct conf_section *sec,
                 struct diag *d, unsigned line)
{
    if (strcmp(arg, "default") == 0) {
        diag_report(d, LOGL_ERROR, line,
                    "profile name 'default' is the top of the file: choose "
                    "another name");
        return -1;
    }
    if (!conf_profile_name_ok(arg)) {
        diag_report(d, LOGL_ERROR, line,
                    "profile name '%s': expected 1 to 64 letters, digits, "
                    "'.', '_' or '-'",
                    arg);
        return -1;
    }
    for (size_t i = 0; i < c->nprofiles; i++) {
        if (strcmp(c->profiles[i].name, arg) == 0) {
            diag_report(d, LOGL_ERROR, line,
                        "profile '%s' already defined on line %u", arg,
                        c->profiles[i].line);
            return -1;
        }
    }
    return conf_add_section(c, SEC_PROFILE, arg, sec, d, line);
}

static int
conf_new_path(struct conf *c, const char *arg, struct conf_section *sec,
              struct diag *d, unsigned line)
{
    char norm[PATH_NORM_MAX + 1];
    size_t n;

    if (arg[0] != '/' || strpbrk(arg, "?#") != NULL ||
        path_normalize(arg, strlen(arg), norm, sizeof norm, &n) != PATH_OK) {
        diag_report(d, LOGL_ERROR, line,
                    "path '%s': expected a path starting with '/' (no '?', "
                    "'#', control characters or broken %%-escapes)",
                    arg);
        return -1;
    }
    return conf_add_section(c, SEC_PATH, norm, sec, d, line);
}

/* "[profile NAME]" or "[path /prefix]": switch *sec to it. */
static int
conf_section(struct conf *c, char *s, struct conf_section *sec, struct diag *d,
             unsigned lineno)
{
    char *close = strchr(s, ']'), *kind, *arg, *end;

    sec->kind = SEC_BAD;
    if (close == NULL) {
        diag_report(d, LOGL_ERROR, lineno, "section header without ']'");
        return -1;
    }
    for (end = close + 1; conf_space(*end); end++)
        ;
    if (*end != '\0' && *end != '#') {
        diag_report(d, LOGL_ERROR, lineno, "text after the section header");
        return -1;
    }
    *close = '\0';
    for (kind = s + 1; conf_space(*kind); kind++)
        ;
    for (arg = kind; *arg != '\0' && !conf_space(*arg); arg++)
        ;
    if (*arg != '\0')
        *arg++ = '\0';
    while (conf_space(*arg))
        arg++;
    for (end = arg + strlen(arg); end > arg && conf_space(end[-1]); end--)
        ;
    *end = '\0';
    if (strcmp(kind, "profile") == 0)
        return conf_new_profile(c, arg, sec, d, lineno);
    if (strcmp(kind, "path") == 0)
        return conf_new_path(c, arg, sec, d, lineno);
    diag_report(d, LOGL_ERROR, lineno,
                "unknown section '[%s]': expected [profile NAME] or [path "
                "/prefix]",
                kind);
    return -1;
}

/* Apply key = value in the current section. */
static int
conf_section_set(struct conf *c, const struct conf_section *sec,
                 const char *key, const char *value, struct diag *d,
                 unsigned lineno)
{
    const struct conf_key *k;

    if (sec->kind == SEC_BAD)
        return -1; /* the header was already reported */
    k = conf_find(key);
    if (k == NULL) {
        diag_report(d, LOGL_ERROR, lineno, "unknown key '%s'", key);
        return -1;
    }
    if (sec->kind == SEC_PATH) {
        if (strcmp(k->name, "require") != 0) {
            diag_report(d, LOGL_ERROR, lineno,
                        "%s: a [path] section takes only 'require'", key);
            return -1;
        }
        return conf_store(k, &c->paths[sec->index].require, value, d, lineno);
    }
    if (sec->kind == SEC_TOP)
        return conf_store(k, (char *)c + k->offset, value, d, lineno);
    if (k->scope != CONF_PROFILE) {
        diag_report(d, LOGL_ERROR, lineno,
                    "%s: a global key, set it before the first section", key);
        return -1;
    }
    return conf_store(k, (char *)&c->profiles[sec->index] + k->poffset, value,
                      d, lineno);
}

/*
 * The value of a line, from just after its '=' at v (NUL-terminated in
 * place): spaces trimmed, a comment after whitespace cut, double quotes
 * taken off. NULL after telling d what is wrong.
 */
static char *
conf_value(char *v, const char *key, struct diag *d, unsigned lineno)
{
    char *value = v, *end;

    while (conf_space(*value))
        value++;
    /* "key = # note": the comment starts after whitespace, the value is "". */
    if (*value == '#' && value > v)
        *value = '\0';
    if (*value == '"') {
        char *close = strchr(value + 1, '"');

        if (close == NULL) {
            diag_report(d, LOGL_ERROR, lineno, "%s: unterminated quote", key);
            return NULL;
        }
        for (end = close + 1; conf_space(*end); end++)
            ;
        if (*end != '\0' && *end != '#') {
            diag_report(d, LOGL_ERROR, lineno,
                        "%s: unexpected text after the quoted value", key);
            return NULL;
        }
        *close = '\0';
        return value + 1;
    }
    /* A '#' after whitespace starts a comment. */
    for (end = value; *end != '\0'; end++)
        if (*end == '#' && end > value && conf_space(end[-1]))
            break;
    while (end > value && conf_space(end[-1]))
        end--;
    *end = '\0';
    return value;
}

/* Parse one line (no newline, NUL-terminated in place); 0 or -1. */
static int
conf_line(struct conf *c, struct conf_section *sec, struct diag *d,
          unsigned lineno, char *s)
{
    char *key, *value, *eq, *end;

    while (conf_space(*s))
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    if (*s == '[')
        return conf_section(c, s, sec, d, lineno);
    eq = strchr(s, '=');
    if (eq == NULL) {
        diag_report(d, LOGL_ERROR, lineno, "expected 'key = value'");
        return -1;
    }
    key = s;
    for (end = eq; end > key && conf_space(end[-1]); end--)
        ;
    *end = '\0';
    value = conf_value(eq + 1, key, d, lineno);
    if (value == NULL)
        return -1;
    if (*key == '\0') {
        diag_report(d, LOGL_ERROR, lineno, "missing key before '='");
        return -1;
    }
    if (strchr(key, '-') != NULL) {
        diag_report(d, LOGL_ERROR, lineno,
                    "unknown key '%s' (file keys use '_', as in user_file)",
                    key);
        return -1;
    }
    return conf_section_set(c, sec, key, value, d, lineno);
}

int
conf_parse(struct conf *c, const char *name, const char *data, size_t len,
           diag_fn *diag, void *ctx)
{
    char line[CONF_LINE_MAX + 1];
    struct conf_section sec = {SEC_TOP, 0};
    unsigned lineno = 0;
    bool failed = false;
    struct diag d;
    size_t pos = 0;

    diag_init(&d, diag, ctx, name, 0);
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;

        lineno++;
        if (n > 0 && data[pos + n - 1] == '\r')
            n--;
        if (n > CONF_LINE_MAX) {
            diag_report(&d, LOGL_ERROR, lineno, "line longer than %d bytes",
                        CONF_LINE_MAX);
            failed = true;
        } else if (memchr(data + pos, '\0', n) != NULL) {
            diag_report(&d, LOGL_ERROR, lineno, "NUL byte in line");
            failed = true;
        } else {
            memcpy(line, data + pos, n);
            line[n] = '\0';
            if (conf_line(c, &sec, &d, lineno, line) < 0)
                failed = true;
        }
        pos += (nl ? (size_t)(nl - (data + pos)) + 1 : len - pos);
    }
    return failed ? -1 : 0;
}

int
conf_load(struct conf *c, const char *path, diag_fn *diag, void *ctx)
{
    char err[256];
    size_t len = 0;
    char *buf = file_read(path, CONF_FILE_MAX, &len, NULL, err, sizeof err);
    int rc;

    if (buf == NULL) {
        if (diag != NULL)
            diag(ctx, LOGL_ERROR, path, 0, err);
        return -1;
    }
    rc = conf_parse(c, path, buf, len, diag, ctx);
    file_free(buf, len);
    if (conf_set_string(&c->file, path) < 0) {
        if (diag != NULL)
            diag(ctx, LOGL_ERROR, path, 0, "out of memory");
        rc = -1;
    }
    return rc;
}
