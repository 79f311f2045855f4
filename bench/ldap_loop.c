/*
 * ldap_loop: the limit for fcgi-authd's uncached LDAP sign-ins. THREADS
 * threads, each with a service connection of its own (bound as BIND_DN,
 * or anonymous) and a connection of its own for user binds, repeat a
 * sign-in for SECONDS seconds: a subtree search for USER (FILTER under
 * BASE_DN, no attributes, exactly one entry), then a simple bind as the
 * DN found with PASSWORD. No web server, no FastCGI, no pools or locks:
 * with its cache off fcgi-authd cannot beat this against the same slapd.
 *
 *     ldap_loop [-D BIND_DN -y BIND_PASSWORD_FILE] [-g GROUP_FILTER]
 *               URL BASE_DN FILTER USER PASSWORD_FILE THREADS SECONDS
 *
 * FILTER has one %s, the user name escaped as RFC 4515 says (libldap's
 * ldap_bv2escaped_filter_value, as fcgi-authd does). With -g, each
 * sign-in also searches GROUP_FILTER (%s: the user's DN, escaped) for
 * the groups' cn on the service connection, as fcgi-authd does after the
 * bind. Password files: the password alone on the first line.
 *
 * Prints one line "logins=N seconds=S per_second=R threads=T". A search
 * that does not find exactly one entry, or a bind or search that fails,
 * is an error (exit 1, with libldap's message), never a fast bogus number.
 * Built by bench/run: cc -O2 -pthread ldap_loop.c -lldap -llber.
 */
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD_MAX 256
#define FILTER_MAX   1024

struct opts {
    const char *url, *base_dn, *filter, *user, *bind_dn, *group_filter;
    char password[PASSWORD_MAX], bind_pw[PASSWORD_MAX];
    double deadline;
};

struct job {
    pthread_t thread;
    const struct opts *o;
    unsigned long count;
    char error[512];
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first line of path into buf (no newline); 0, or -1 with a message. */
static int
read_secret(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL || fgets(buf, (int)len, f) == NULL) {
        fprintf(stderr, "ldap_loop: cannot read %s\n", path);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    fclose(f);
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    if (n == 0) {
        fprintf(stderr, "ldap_loop: %s holds no password\n", path);
        return -1;
    }
    return 0;
}

/* template with its one %s replaced by value, escaped (RFC 4515). */
static int
make_filter(const char *template, const char *value, char *out, size_t len)
{
    struct berval in = {(ber_len_t)strlen(value), (char *)value}, esc;
    const char *s = strstr(template, "%s");
    int n;

    if (s == NULL || ldap_bv2escaped_filter_value(&in, &esc) != 0)
        return -1;
    n = snprintf(out, len, "%.*s%s%s", (int)(s - template), template,
                 esc.bv_val, s + 2);
    ber_memfree(esc.bv_val);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
fail(struct job *j, LDAP *ld, const char *what, int rc)
{
    char *diag = NULL;

    if (ld != NULL)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    snprintf(j->error, sizeof j->error, "%s: %s%s%s", what, ldap_err2string(rc),
             diag && *diag ? ": " : "", diag ? diag : "");
    ldap_memfree(diag);
    return -1;
}

/* A connection to the URL, bound as dn with pw when dn is not NULL. */
static int
open_conn(struct job *j, const char *dn, const char *pw, LDAP **out)
{
    int v3 = LDAP_VERSION3, rc;
    struct berval cred = {0, NULL};

    if ((rc = ldap_initialize(out, j->o->url)) != LDAP_SUCCESS)
        return fail(j, NULL, "ldap_initialize", rc);
    ldap_set_option(*out, LDAP_OPT_PROTOCOL_VERSION, &v3);
    ldap_set_option(*out, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (dn == NULL)
        return 0;
    cred.bv_val = (char *)pw;
    cred.bv_len = (ber_len_t)strlen(pw);
    rc = ldap_sasl_bind_s(*out, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    return rc == LDAP_SUCCESS ? 0 : fail(j, *out, "service bind", rc);
}

/* The DN of the one entry filter finds, into dn (freed by the caller). */
static int
find_user(struct job *j, LDAP *svc, const char *filter, char **dn)
{
    char no_attrs[] = LDAP_NO_ATTRS, *attrs[] = {no_attrs, NULL};
    LDAPMessage *res = NULL, *e;
    int rc;

    rc = ldap_search_ext_s(svc, j->o->base_dn, LDAP_SCOPE_SUBTREE, filter,
                           attrs, 1, NULL, NULL, NULL, 2, &res);
    if (rc != LDAP_SUCCESS) {
        ldap_msgfree(res);
        return fail(j, svc, "user search", rc);
    }
    if (ldap_count_entries(svc, res) != 1 ||
        (e = ldap_first_entry(svc, res)) == NULL ||
        (*dn = ldap_get_dn(svc, e)) == NULL) {
        ldap_msgfree(res);
        snprintf(j->error, sizeof j->error,
                 "user search: not exactly one entry for %.200s", filter);
        return -1;
    }
    ldap_msgfree(res);
    return 0;
}

/* The groups' cn of dn (-g): read and dropped, as a check would use them. */
static int
read_groups(struct job *j, LDAP *svc, const char *dn)
{
    char filter[FILTER_MAX], cn[] = "cn", *attrs[] = {cn, NULL};
    LDAPMessage *res = NULL;
    int rc;

    if (make_filter(j->o->group_filter, dn, filter, sizeof filter) < 0) {
        snprintf(j->error, sizeof j->error, "group filter too long");
        return -1;
    }
    rc = ldap_search_ext_s(svc, j->o->base_dn, LDAP_SCOPE_SUBTREE, filter,
                           attrs, 0, NULL, NULL, NULL, 1000, &res);
    if (rc == LDAP_SUCCESS) {
        for (LDAPMessage *e = ldap_first_entry(svc, res); e != NULL;
             e = ldap_next_entry(svc, e)) {
            struct berval **v = ldap_get_values_len(svc, e, cn);

            ldap_value_free_len(v);
        }
    }
    ldap_msgfree(res);
    return rc == LDAP_SUCCESS ? 0 : fail(j, svc, "group search", rc);
}

static void *
loop_run(void *arg)
{
    struct job *j = arg;
    const struct opts *o = j->o;
    char filter[FILTER_MAX];
    struct berval cred = {(ber_len_t)strlen(o->password), (char *)o->password};
    LDAP *svc = NULL, *usr = NULL;

    if (make_filter(o->filter, o->user, filter, sizeof filter) < 0) {
        snprintf(j->error, sizeof j->error, "filter too long");
        return NULL;
    }
    if (open_conn(j, o->bind_dn, o->bind_pw, &svc) < 0 ||
        open_conn(j, NULL, NULL, &usr) < 0)
        goto done;
    /* At least one sign-in, even when SECONDS is very short. */
    do {
        char *dn = NULL;
        int rc;

        if (find_user(j, svc, filter, &dn) < 0)
            break;
        rc = ldap_sasl_bind_s(usr, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
                              NULL);
        if (rc != LDAP_SUCCESS) {
            fail(j, usr, "user bind", rc);
            ldap_memfree(dn);
            break;
        }
        if (o->group_filter != NULL && read_groups(j, svc, dn) < 0) {
            ldap_memfree(dn);
            break;
        }
        ldap_memfree(dn);
        j->count++;
    } while (now_s() < o->deadline);
done:
    if (svc != NULL)
        ldap_unbind_ext_s(svc, NULL, NULL);
    if (usr != NULL)
        ldap_unbind_ext_s(usr, NULL, NULL);
    return NULL;
}

static int
usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-D BIND_DN -y BIND_PASSWORD_FILE] [-g GROUP_FILTER] "
            "URL BASE_DN FILTER USER PASSWORD_FILE THREADS SECONDS\n",
            argv0);
    return 2;
}

int
main(int argc, char **argv)
{
    static struct opts o;
    const char *bind_pw_file = NULL;
    struct job *jobs;
    unsigned long total = 0;
    double start, elapsed, secs;
    long n;
    int c, failed = 0;

    while ((c = getopt(argc, argv, "D:y:g:")) != -1) {
        switch (c) {
        case 'D':
            o.bind_dn = optarg;
            break;
        case 'y':
            bind_pw_file = optarg;
            break;
        case 'g':
            o.group_filter = optarg;
            break;
        default:
            return usage(argv[0]);
        }
    }
    if (argc - optind != 7 || (o.bind_dn == NULL) != (bind_pw_file == NULL))
        return usage(argv[0]);
    o.url = argv[optind];
    o.base_dn = argv[optind + 1];
    o.filter = argv[optind + 2];
    o.user = argv[optind + 3];
    n = strtol(argv[optind + 5], NULL, 10);
    secs = strtod(argv[optind + 6], NULL);
    if (n < 1 || n > 256 || !(secs > 0 && secs <= 600)) {
        fprintf(stderr, "ldap_loop: THREADS 1..256, SECONDS (0, 600]\n");
        return 2;
    }
    if (read_secret(argv[optind + 4], o.password, sizeof o.password) < 0 ||
        (bind_pw_file != NULL &&
         read_secret(bind_pw_file, o.bind_pw, sizeof o.bind_pw) < 0))
        return 2;
    jobs = calloc((size_t)n, sizeof *jobs);
    if (jobs == NULL)
        return 1;
    start = now_s();
    o.deadline = start + secs;
    for (long i = 0; i < n; i++) {
        jobs[i].o = &o;
        if (pthread_create(&jobs[i].thread, NULL, loop_run, &jobs[i]) != 0) {
            fprintf(stderr, "ldap_loop: pthread_create failed\n");
            return 1;
        }
    }
    for (long i = 0; i < n; i++) {
        pthread_join(jobs[i].thread, NULL);
        total += jobs[i].count;
        if (jobs[i].error[0] != '\0') {
            if (!failed)
                fprintf(stderr, "ldap_loop: thread %ld: %s\n", i,
                        jobs[i].error);
            failed = 1;
        }
    }
    elapsed = now_s() - start;
    free(jobs);
    if (failed)
        return 1;
    printf("logins=%lu seconds=%.3f per_second=%.2f threads=%ld\n", total,
           elapsed, (double)total / elapsed, n);
    return 0;
}
