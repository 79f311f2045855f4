#include "config.h"

#include <errno.h>
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory.h"
#include "log.h"

/* Longest backoff of a server that failed, in seconds. */
#define DIR_BACKOFF_MAX 30
/* Most groups entries read for one user. */
#define DIR_GROUPS_ENTRIES 1000

struct dir_conn {
    LDAP *ld;   /* NULL: not connected */
    int server; /* index of the server it is connected to */
    bool busy;
};

struct dir_pool {
    struct dir_conn *c;
    unsigned n;
    bool service; /* bound as the service account */
};

struct dir_server {
    char *url;
    long long retry_at; /* monotonic ms; before it the server is skipped */
    unsigned failures;  /* in a row */
    bool down;          /* said so in the log */
};

struct directory {
    char *base_dn, *filter, *bind_dn, *bind_pw, *ca_file;
    char *group_filter, *group_attr;
    char *memberof_attr; /* NULL: groups by group_filter */
    size_t bind_pw_len;
    bool starttls;
    unsigned timeout;
    struct dir_server servers[DIRECTORY_URLS_MAX];
    size_t nservers;
    pthread_mutex_t lock; /* the pools' busy flags and the servers */
    pthread_cond_t freed; /* a connection was given back */
    struct dir_pool svc, usr;
};

static long long
dir_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (monotonic ms); <= 0: none. */
static long long
dir_left(long long deadline)
{
    return deadline - dir_now_ms();
}

static struct timeval
dir_tv(long long ms)
{
    if (ms < 1)
        ms = 1;
    return (struct timeval){(time_t)(ms / 1000),
                            (suseconds_t)(ms % 1000) * 1000};
}

const char *
directory_result_name(enum directory_result r)
{
    switch (r) {
    case DIR_OK:
        return "ok";
    case DIR_NO_USER:
        return "no_user";
    case DIR_BAD_PASSWORD:
        return "bad_password";
    case DIR_EMPTY_PASSWORD:
        return "empty_password";
    case DIR_BUSY:
        return "ldap_busy";
    case DIR_DOWN:
        return "ldap_down";
    }
    return "ldap_down";
}

/* ------------------------------------------------------------- filters -- */

/* "1.1": no attributes (RFC 4511 4.5.1.8); libldap wants char **. */
static char dir_no_attrs[] = LDAP_NO_ATTRS;

/* Whether text has "%s" exactly where a value may go (at least once). */
static bool
dir_template_ok(const char *text)
{
    const char *p = strstr(text, "%s");

    return p != NULL && text[0] == '(' && text[strlen(text) - 1] == ')' &&
           strlen(text) < DIRECTORY_FILTER_MAX / 2;
}

int
directory_filter(const char *filter, struct bytes value, char *out,
                 size_t outlen)
{
    char copy[DIRECTORY_DN_MAX]; /* libldap takes no const */
    struct berval in = {(ber_len_t)value.n, copy}, esc = {0, NULL};
    size_t o = 0;
    int rc = -1;

    if (value.n > sizeof copy)
        return -1;
    if (value.n > 0)
        memcpy(copy, value.p, value.n);
    rc = ldap_bv2escaped_filter_value(&in, &esc);
    util_wipe(copy, value.n);
    if (rc != 0)
        return -1;
    rc = -1;
    for (const char *p = filter; *p != '\0';) {
        const char *part = p;
        size_t n = 1;

        if (p[0] == '%' && p[1] == 's') {
            part = esc.bv_val;
            n = esc.bv_len;
            p += 2;
        } else {
            p++;
        }
        if (n >= outlen - o)
            goto out;
        memcpy(out + o, part, n);
        o += n;
    }
    out[o] = '\0';
    rc = 0;
out:
    ber_memfree(esc.bv_val);
    return rc;
}

/* --------------------------------------------------------------- setup -- */

static char *
dir_dup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static bool
dir_pool_init(struct dir_pool *p, unsigned n, bool service)
{
    p->c = calloc(n, sizeof *p->c);
    p->n = n;
    p->service = service;
    return p->c != NULL;
}

/* Split the URLs and check each with libldap's own parser. */
static int
dir_urls(struct directory *d, const char *urls, char *err, size_t errlen)
{
    char *copy = strdup(urls), *save = NULL;

    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (char *u = strtok_r(copy, " \t,", &save); u != NULL;
         u = strtok_r(NULL, " \t,", &save)) {
        LDAPURLDesc *lud = NULL;

        if (d->nservers == DIRECTORY_URLS_MAX) {
            snprintf(err, errlen, "more than %d URLs", DIRECTORY_URLS_MAX);
            goto fail;
        }
        if (ldap_url_parse(u, &lud) != LDAP_URL_SUCCESS ||
            (strcmp(lud->lud_scheme, "ldap") != 0 &&
             strcmp(lud->lud_scheme, "ldaps") != 0 &&
             strcmp(lud->lud_scheme, "ldapi") != 0)) {
            snprintf(err, errlen,
                     "%.200s: not an ldap://, ldaps:// or ldapi:// URL", u);
            if (lud != NULL)
                ldap_free_urldesc(lud);
            goto fail;
        }
        ldap_free_urldesc(lud);
        if ((d->servers[d->nservers].url = strdup(u)) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        d->nservers++;
    }
    free(copy);
    if (d->nservers == 0) {
        snprintf(err, errlen, "no URL");
        return -1;
    }
    return 0;
fail:
    free(copy);
    return -1;
}

struct directory *
directory_new(const struct directory_opts *o, char *err, size_t errlen)
{
    struct directory *d = calloc(1, sizeof *d);
    pthread_condattr_t ca;
    unsigned n = o->connections ? o->connections : 1;

    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->freed, &ca);
    pthread_condattr_destroy(&ca);
    d->starttls = o->starttls;
    d->timeout = o->timeout ? o->timeout : 1;
    if (dir_urls(d, o->urls, err, errlen) < 0)
        goto fail;
    if (o->base_dn == NULL || strlen(o->base_dn) >= DIRECTORY_DN_MAX) {
        snprintf(err, errlen, "ldap_base_dn is needed (at most %d bytes)",
                 DIRECTORY_DN_MAX - 1);
        goto fail;
    }
    if (!dir_template_ok(o->filter)) {
        snprintf(err, errlen,
                 "ldap_filter must be a filter in parentheses with %%s for "
                 "the user name");
        goto fail;
    }
    if (!dir_template_ok(o->group_filter)) {
        snprintf(err, errlen,
                 "ldap_group_filter must be a filter in parentheses with %%s "
                 "for the user's DN");
        goto fail;
    }
    if (o->bind_dn != NULL && o->bind_pw == NULL) {
        snprintf(err, errlen, "ldap_bind_dn needs ldap_bind_password_file");
        goto fail;
    }
    d->base_dn = dir_dup(o->base_dn);
    d->filter = dir_dup(o->filter);
    d->group_filter = dir_dup(o->group_filter);
    d->group_attr = dir_dup(o->group_attr ? o->group_attr : "cn");
    d->memberof_attr = dir_dup(o->memberof_attr);
    d->bind_dn = dir_dup(o->bind_dn);
    d->ca_file = dir_dup(o->ca_file);
    if (o->bind_pw != NULL) {
        d->bind_pw = malloc(o->bind_pw_len + 1);
        if (d->bind_pw != NULL) {
            memcpy(d->bind_pw, o->bind_pw, o->bind_pw_len);
            d->bind_pw[o->bind_pw_len] = '\0';
            d->bind_pw_len = o->bind_pw_len;
        }
    }
    if (d->base_dn == NULL || d->filter == NULL || d->group_filter == NULL ||
        d->group_attr == NULL || (o->memberof_attr && !d->memberof_attr) ||
        (o->bind_dn && !d->bind_dn) || (o->ca_file && !d->ca_file) ||
        (o->bind_pw && !d->bind_pw) || !dir_pool_init(&d->svc, n, true) ||
        !dir_pool_init(&d->usr, n, false)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return d;
fail:
    directory_free(d);
    return NULL;
}

static void
dir_pool_free(struct dir_pool *p)
{
    for (unsigned i = 0; p->c != NULL && i < p->n; i++)
        if (p->c[i].ld != NULL)
            ldap_unbind_ext_s(p->c[i].ld, NULL, NULL);
    free(p->c);
}

void
directory_free(struct directory *d)
{
    if (d == NULL)
        return;
    dir_pool_free(&d->svc);
    dir_pool_free(&d->usr);
    for (size_t i = 0; i < d->nservers; i++)
        free(d->servers[i].url);
    if (d->bind_pw != NULL) {
        util_wipe(d->bind_pw, d->bind_pw_len);
        free(d->bind_pw);
    }
    free(d->base_dn);
    free(d->filter);
    free(d->group_filter);
    free(d->group_attr);
    free(d->memberof_attr);
    free(d->bind_dn);
    free(d->ca_file);
    pthread_cond_destroy(&d->freed);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* --------------------------------------------------------------- pools -- */

/* An idle connection of p, waiting for one until deadline; NULL: busy. */
static struct dir_conn *
dir_acquire(struct directory *d, struct dir_pool *p, long long deadline)
{
    struct timespec until = {(time_t)(deadline / 1000),
                             (long)(deadline % 1000) * 1000000};
    struct dir_conn *c = NULL;

    pthread_mutex_lock(&d->lock);
    for (;;) {
        for (unsigned i = 0; i < p->n; i++)
            if (!p->c[i].busy) {
                c = &p->c[i];
                c->busy = true;
                break;
            }
        if (c != NULL ||
            pthread_cond_timedwait(&d->freed, &d->lock, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&d->lock);
    return c;
}

static void dir_server_ok(struct directory *d, int i);

/*
 * Give c back; a connection that failed is closed first, one that worked
 * says its server answers (it may have been marked down meanwhile).
 */
static void
dir_release(struct directory *d, struct dir_conn *c, bool ok)
{
    bool was_down;

    if (!ok && c->ld != NULL) {
        ldap_unbind_ext_s(c->ld, NULL, NULL);
        c->ld = NULL;
    }
    pthread_mutex_lock(&d->lock);
    was_down = ok && c->ld != NULL && d->servers[c->server].down;
    c->busy = false;
    pthread_cond_signal(&d->freed);
    pthread_mutex_unlock(&d->lock);
    if (was_down)
        dir_server_ok(d, c->server);
}

/* ------------------------------------------------------------- servers -- */

/* Server i failed for why: back off, and say so when it goes down. */
static void
dir_server_failed(struct directory *d, int i, const char *why)
{
    struct dir_server *s = &d->servers[i];
    bool tell;
    unsigned backoff;

    pthread_mutex_lock(&d->lock);
    s->failures++;
    backoff = s->failures >= 6 ? DIR_BACKOFF_MAX : 1U << (s->failures - 1);
    if (backoff > DIR_BACKOFF_MAX)
        backoff = DIR_BACKOFF_MAX;
    s->retry_at = dir_now_ms() + (long long)backoff * 1000;
    tell = !s->down;
    s->down = true;
    pthread_mutex_unlock(&d->lock);
    if (tell)
        log_msg(LOGL_ERROR, "ldap %s: %s; retried after a backoff", s->url,
                why);
}

static void
dir_server_ok(struct directory *d, int i)
{
    struct dir_server *s = &d->servers[i];
    bool tell;

    pthread_mutex_lock(&d->lock);
    tell = s->down;
    s->down = false;
    s->failures = 0;
    s->retry_at = 0;
    pthread_mutex_unlock(&d->lock);
    if (tell)
        log_msg(LOGL_INFO, "ldap %s: answering again", s->url);
}

/* Whether rc means the connection or the server failed (not the input). */
static bool
dir_broken(int rc)
{
    return rc < 0 || rc == LDAP_BUSY || rc == LDAP_UNAVAILABLE ||
           rc == LDAP_OTHER || rc == LDAP_ADMINLIMIT_EXCEEDED ||
           rc == LDAP_UNWILLING_TO_PERFORM;
}

/* Set the per-operation timeouts of ld to what is left. */
static void
dir_timeouts(LDAP *ld, long long deadline)
{
    struct timeval tv = dir_tv(dir_left(deadline));

    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
}

/* Open a connection to server i (and bind it when service). */
static int
dir_open(struct directory *d, int i, bool service, long long deadline,
         LDAP **out, char *why, size_t whylen)
{
    const char *url = d->servers[i].url;
    int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;
    LDAP *ld = NULL;

    if ((rc = ldap_initialize(&ld, url)) != LDAP_SUCCESS) {
        snprintf(why, whylen, "%s", ldap_err2string(rc));
        return -1;
    }
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (d->ca_file != NULL)
        ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, d->ca_file);
    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    dir_timeouts(ld, deadline);
    rc = ldap_connect(ld);
    if (rc == LDAP_SUCCESS && d->starttls && strncmp(url, "ldap://", 7) == 0)
        rc = ldap_start_tls_s(ld, NULL, NULL);
    if (rc == LDAP_SUCCESS && service && d->bind_dn != NULL) {
        struct berval cred = {(ber_len_t)d->bind_pw_len, d->bind_pw};

        dir_timeouts(ld, deadline);
        rc = ldap_sasl_bind_s(ld, d->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
                              NULL, NULL);
        if (rc == LDAP_INVALID_CREDENTIALS) {
            snprintf(why, whylen,
                     "the service account (ldap_bind_dn) was refused: %s",
                     ldap_err2string(rc));
            ldap_unbind_ext_s(ld, NULL, NULL);
            return -1;
        }
    }
    if (rc != LDAP_SUCCESS) {
        char *diag = NULL;
        bool tls = strncmp(url, "ldaps://", 8) == 0 ||
                   (d->starttls && strncmp(url, "ldap://", 7) == 0);

        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
        /* libldap says "(unknown error code)" when it has nothing more. */
        if (diag != NULL && strstr(diag, "unknown error") != NULL)
            diag[0] = '\0';
        snprintf(why, whylen, "%s%s%.200s%s", ldap_err2string(rc),
                 diag && *diag ? ": " : "", diag ? diag : "",
                 tls && rc != LDAP_TIMEOUT
                     ? " (or the TLS handshake failed: check ldap_ca_file "
                       "and the server's certificate and name)"
                     : "");
        ldap_memfree(diag);
        ldap_unbind_ext_s(ld, NULL, NULL);
        return -1;
    }
    *out = ld;
    return 0;
}

/* Connect c if it is not: the first server not backing off that answers. */
static int
dir_connect(struct directory *d, struct dir_conn *c, bool service,
            long long deadline)
{
    bool tried = false;

    if (c->ld != NULL)
        return 0;
    for (size_t i = 0; i < d->nservers && dir_left(deadline) > 0; i++) {
        char why[512];
        long long retry;

        pthread_mutex_lock(&d->lock);
        retry = d->servers[i].retry_at;
        pthread_mutex_unlock(&d->lock);
        if (retry > dir_now_ms())
            continue;
        tried = true;
        if (dir_open(d, (int)i, service, deadline, &c->ld, why, sizeof why) ==
            0) {
            c->server = (int)i;
            dir_server_ok(d, (int)i);
            return 0;
        }
        dir_server_failed(d, (int)i, why);
    }
    if (!tried)
        log_msg(LOGL_DEBUG, "ldap: every server is backing off after failures");
    return -1;
}

/* An operation on c failed with rc: the server is at fault when broken. */
static void
dir_op_failed(struct directory *d, struct dir_conn *c, int rc, const char *op)
{
    char why[256];

    if (!dir_broken(rc))
        return;
    snprintf(why, sizeof why, "%s: %s", op, ldap_err2string(rc));
    dir_server_failed(d, c->server, why);
}

/* ---------------------------------------------------------- operations -- */

/* Append name[0..n) to the "a,b" list when it can be one of its names. */
static void
dir_add_group(char *groups, size_t *len, const char *name, size_t n)
{
    if (n == 0 || memchr(name, ',', n) != NULL)
        return;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return;
    if (*len + (*len > 0) + n + 1 > DIRECTORY_GROUPS_MAX)
        return;
    if (*len > 0)
        groups[(*len)++] = ',';
    memcpy(groups + *len, name, n);
    *len += n;
    groups[*len] = '\0';
}

/*
 * The groups of a user entry's memberof_attr (AD's memberOf): each value
 * is a group's DN, and the group's name is the value of its first RDN
 * ("CN=Web Staff,OU=Groups,..." is "Web Staff").
 */
static void
dir_memberof_groups(struct directory *d, struct dir_conn *c, LDAPMessage *e,
                    char groups[DIRECTORY_GROUPS_MAX])
{
    struct berval **v = ldap_get_values_len(c->ld, e, d->memberof_attr);
    size_t len = 0;

    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        LDAPDN dn = NULL;

        if (ldap_bv2dn(v[i], &dn, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
            dn != NULL && dn[0] != NULL && dn[0][0] != NULL)
            dir_add_group(groups, &len, dn[0][0]->la_value.bv_val,
                          dn[0][0]->la_value.bv_len);
        ldap_dnfree(dn);
    }
    ldap_value_free_len(v);
}

/*
 * The DN of the one entry user's filter finds, into dn. DIR_OK,
 * DIR_NO_USER (*ambiguous when several), or DIR_DOWN.
 */
static enum directory_result
dir_find(struct directory *d, struct dir_conn *c, struct bytes user,
         long long deadline, char dn[DIRECTORY_DN_MAX], bool *ambiguous,
         char groups[DIRECTORY_GROUPS_MAX])
{
    char filter[DIRECTORY_FILTER_MAX];
    char *attrs[] = {d->memberof_attr ? d->memberof_attr : dir_no_attrs, NULL};
    struct timeval tv = dir_tv(dir_left(deadline));
    LDAPMessage *res = NULL, *e;
    enum directory_result r = DIR_NO_USER;
    int rc, n;

    if (directory_filter(d->filter, user, filter, sizeof filter) < 0)
        return DIR_NO_USER; /* a name too long for any entry */
    rc = ldap_search_ext_s(c->ld, d->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
                           d->memberof_attr == NULL, NULL, NULL, &tv, 2, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        dir_op_failed(d, c, rc, "searching for a user");
        if (!dir_broken(rc))
            log_msg(LOGL_ERROR, "ldap search under \"%s\": %s", d->base_dn,
                    ldap_err2string(rc));
        ldap_msgfree(res);
        return DIR_DOWN;
    }
    n = ldap_count_entries(c->ld, res);
    if (n > 1 || rc == LDAP_SIZELIMIT_EXCEEDED) {
        *ambiguous = true;
    } else if (n == 1 && (e = ldap_first_entry(c->ld, res)) != NULL) {
        char *s = ldap_get_dn(c->ld, e);

        if (s != NULL && strlen(s) < DIRECTORY_DN_MAX) {
            strcpy(dn, s);
            r = DIR_OK;
            /* Kept until the bind succeeds; told to nobody before. */
            if (d->memberof_attr != NULL)
                dir_memberof_groups(d, c, e, groups);
        }
        ldap_memfree(s);
    }
    ldap_msgfree(res);
    return r;
}

/* Bind as dn with password on a user-bind connection. */
static enum directory_result
dir_bind(struct directory *d, const char *dn, struct bytes password,
         long long deadline)
{
    char pw[DIRECTORY_PASSWORD_MAX]; /* libldap takes no const */
    struct berval cred = {(ber_len_t)password.n, pw};
    struct dir_conn *c;
    enum directory_result r;
    int rc;

    if (password.n > sizeof pw)
        return DIR_BAD_PASSWORD;
    if ((c = dir_acquire(d, &d->usr, deadline)) == NULL)
        return DIR_BUSY;
    if (dir_connect(d, c, false, deadline) < 0) {
        dir_release(d, c, false);
        return DIR_DOWN;
    }
    memcpy(pw, password.p, password.n);
    dir_timeouts(c->ld, deadline);
    rc = ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    util_wipe(pw, password.n);
    if (rc == LDAP_SUCCESS)
        r = DIR_OK;
    else if (dir_broken(rc))
        r = DIR_DOWN;
    else
        r = DIR_BAD_PASSWORD; /* invalid credentials, locked, expired ... */
    dir_op_failed(d, c, rc, "binding as a user");
    dir_release(d, c, !dir_broken(rc));
    return r;
}

/* The groups whose group_filter names dn. */
static enum directory_result
dir_read_groups(struct directory *d, struct dir_conn *c, const char *dn,
                long long deadline, char groups[DIRECTORY_GROUPS_MAX])
{
    char filter[DIRECTORY_FILTER_MAX];
    char *attrs[] = {d->group_attr, NULL};
    struct timeval tv = dir_tv(dir_left(deadline));
    LDAPMessage *res = NULL;
    size_t len = 0;
    int rc;

    groups[0] = '\0';
    if (directory_filter(d->group_filter, (struct bytes){dn, strlen(dn)},
                         filter, sizeof filter) < 0)
        return DIR_OK; /* a DN too long for the filter: no groups */
    rc = ldap_search_ext_s(c->ld, d->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
                           0, NULL, NULL, &tv, DIR_GROUPS_ENTRIES, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        dir_op_failed(d, c, rc, "reading groups");
        ldap_msgfree(res);
        return DIR_DOWN;
    }
    for (LDAPMessage *e = ldap_first_entry(c->ld, res); e != NULL;
         e = ldap_next_entry(c->ld, e)) {
        struct berval **v = ldap_get_values_len(c->ld, e, d->group_attr);

        for (size_t i = 0; v != NULL && v[i] != NULL; i++)
            dir_add_group(groups, &len, v[i]->bv_val, v[i]->bv_len);
        ldap_value_free_len(v);
    }
    ldap_msgfree(res);
    return DIR_OK;
}

/*
 * On a service connection: find user's DN (user not NULL), or read the
 * groups of dn (user NULL).
 */
static enum directory_result
dir_service(struct directory *d, const struct bytes *user, long long deadline,
            char dn[DIRECTORY_DN_MAX], bool *ambiguous,
            char groups[DIRECTORY_GROUPS_MAX])
{
    struct dir_conn *c = dir_acquire(d, &d->svc, deadline);
    enum directory_result r;

    if (c == NULL)
        return DIR_BUSY;
    if (dir_connect(d, c, true, deadline) < 0) {
        dir_release(d, c, false);
        return DIR_DOWN;
    }
    if (user != NULL)
        r = dir_find(d, c, *user, deadline, dn, ambiguous, groups);
    else
        r = dir_read_groups(d, c, dn, deadline, groups);
    dir_release(d, c, r != DIR_DOWN);
    return r;
}

enum directory_result
directory_check(struct directory *d, struct bytes user, struct bytes password,
                char groups[DIRECTORY_GROUPS_MAX], bool *ambiguous)
{
    long long deadline = dir_now_ms() + (long long)d->timeout * 1000;
    char dn[DIRECTORY_DN_MAX];
    enum directory_result r;

    *ambiguous = false;
    groups[0] = '\0';
    /* An empty password binds as nobody, and many servers say "success". */
    if (password.n == 0)
        return DIR_EMPTY_PASSWORD;
    if (user.n == 0 || user.n > DIRECTORY_USER_MAX)
        return DIR_NO_USER;
    if ((r = dir_service(d, &user, deadline, dn, ambiguous, groups)) != DIR_OK)
        return r;
    if ((r = dir_bind(d, dn, password, deadline)) != DIR_OK) {
        groups[0] = '\0';
        return r;
    }
    /* Groups after the bind: nobody learns them without the password. */
    if (d->memberof_attr != NULL)
        return DIR_OK; /* read with the entry */
    return dir_service(d, NULL, deadline, dn, ambiguous, groups);
}

int
directory_probe(struct directory *d, char *err, size_t errlen)
{
    long long deadline = dir_now_ms() + (long long)d->timeout * 1000;
    char why[512] = "no server tried";

    for (size_t i = 0; i < d->nservers; i++) {
        LDAP *ld = NULL;
        LDAPMessage *res = NULL;
        char *attrs[] = {dir_no_attrs, NULL};
        struct timeval tv = dir_tv(dir_left(deadline));
        int rc;

        if (dir_open(d, (int)i, true, deadline, &ld, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: %s", d->servers[i].url, why);
            continue;
        }
        rc = ldap_search_ext_s(ld, d->base_dn, LDAP_SCOPE_BASE,
                               "(objectClass=*)", attrs, 1, NULL, NULL, &tv, 1,
                               &res);
        ldap_msgfree(res);
        ldap_unbind_ext_s(ld, NULL, NULL);
        if (rc == LDAP_SUCCESS)
            return 0;
        snprintf(err, errlen, "%s: reading ldap_base_dn \"%.200s\": %s",
                 d->servers[i].url, d->base_dn, ldap_err2string(rc));
        return -1;
    }
    return -1;
}
