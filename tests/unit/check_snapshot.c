/*
 * check_snapshot: loading every file a configuration names into one
 * snapshot: profiles, paths, files shared between profiles, the work-factor
 * caps, the signature of the files, reloads, and errors naming file:line.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot.h"

#define SHA_SECRET "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
#define BCRYPT5    "$2y$05$fv2RwyhjztI/2j.PQcW3eODeDt7SjQuKOoy0aAcGeVd/farxdhGsq"

/* ------------------------------------------------------- diagnostics -- */

#define CAP_MAX 32

struct capture {
    size_t n, errors, warnings;
    struct {
        enum log_level sev;
        char file[256];
        unsigned line;
        char msg[512];
    } d[CAP_MAX];
};

static struct capture cap;

static void
capture_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
             const char *msg)
{
    struct capture *c = ctx;

    if (sev == LOGL_ERROR)
        c->errors++;
    else
        c->warnings++;
    if (c->n == CAP_MAX)
        return;
    c->d[c->n].sev = sev;
    snprintf(c->d[c->n].file, sizeof c->d[0].file, "%s", file ? file : "");
    c->d[c->n].line = line;
    snprintf(c->d[c->n].msg, sizeof c->d[0].msg, "%s", msg);
    c->n++;
}

/* The first diagnostic of sev whose message holds words, or -1. */
static int
capture_find(enum log_level sev, const char *words)
{
    for (size_t i = 0; i < cap.n; i++)
        if (cap.d[i].sev == sev && strstr(cap.d[i].msg, words) != NULL)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------- temp folder -- */

static char dir[64];
static struct conf conf;

static void
setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_snapshot.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    conf_init(&conf);
    memset(&cap, 0, sizeof cap);
}

static void
teardown(void)
{
    char cmd[128];

    conf_free(&conf);
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* dir/name, in a static buffer of its own per call site's slot. */
static const char *
path_of(const char *name)
{
    static char bufs[8][128];
    static unsigned next;
    char *b = bufs[next++ % 8];

    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* Write dir/name, mode 0600. */
static void
put_file(const char *name, const char *text)
{
    const char *path = path_of(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t n = strlen(text);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    ck_assert_int_eq(close(fd), 0);
}

/* Parse a config whose "@" stands for the temp folder. */
static void
configure(const char *text)
{
    char buf[4096];
    size_t o = 0;

    for (const char *p = text; *p != '\0' && o < sizeof buf - 80; p++) {
        if (*p == '@')
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", dir);
        else
            buf[o++] = *p;
    }
    buf[o] = '\0';
    ck_assert_int_eq(conf_parse(&conf, "test.conf", buf, o, capture_diag, &cap),
                     0);
}

#define USERS  "alice:" SHA_SECRET "\nbob:" SHA_SECRET "\n"
#define GROUPS "staff: alice bob\nadmins: alice\n"

/* ------------------------------------------------------------- loading -- */

START_TEST(snapshot_loads_profiles_and_paths)
{
    struct snapshot *s;
    const struct snap_profile *p;

    put_file("users", USERS);
    put_file("admins", "root:" SHA_SECRET "\n");
    put_file("groups", GROUPS);
    configure("user_file = @/users\n"
              "group_file = @/groups\n"
              "realm = Top\n"
              "require = group staff\n"
              "apache_authz = yes\n"
              "[profile ops]\n"
              "user_file = @/admins\n"
              "realm = Ops\n"
              "[profile audit]\n"
              "require = user bob\n"
              "[path /Reports//x/]\n"
              "require = group admins\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_msg(s != NULL, "%s", cap.n ? cap.d[0].msg : "");
    ck_assert_uint_eq(cap.errors, 0);
    ck_assert(s->apache_authz);
    ck_assert_uint_eq(s->nprofiles, 3);
    p = &s->profiles[0];
    ck_assert_str_eq(p->name, "default");
    ck_assert_str_eq(p->realm, "Top");
    ck_assert_uint_eq(htpasswd_count(p->users), 2);
    ck_assert_uint_eq(htgroup_count(p->groups), 2);
    ck_assert_str_eq(p->require.text, "group staff");
    /* A named profile inherits what it does not set. */
    p = snapshot_profile(s, "ops", 3);
    ck_assert_ptr_eq(p, &s->profiles[1]);
    ck_assert_str_eq(p->realm, "Ops");
    ck_assert_ptr_nonnull(htpasswd_lookup(p->users, "root", 4));
    ck_assert_ptr_null(htpasswd_lookup(p->users, "alice", 5));
    ck_assert_ptr_eq(p->groups, s->profiles[0].groups);
    ck_assert_str_eq(p->require.text, "group staff");
    p = snapshot_profile(s, "audit", 5);
    ck_assert_ptr_eq(p->users, s->profiles[0].users);
    ck_assert(rule_allows(&p->require, (struct bytes){"bob", 3}, p->groups));
    ck_assert(!rule_allows(&p->require, (struct bytes){"alice", 5}, NULL));
    /* "default" is the top of the file, never a named profile. */
    ck_assert_ptr_null(snapshot_profile(s, "default", 7));
    ck_assert_ptr_null(snapshot_profile(s, "op", 2));
    ck_assert_uint_eq(s->npaths, 1);
    ck_assert_str_eq(s->paths[0].prefix, "/reports/x/");
    ck_assert_uint_eq(s->paths[0].len, strlen("/reports/x/"));
    ck_assert(rule_allows(&s->paths[0].require, (struct bytes){"alice", 5},
                          s->profiles[0].groups));
    ck_assert(!rule_allows(&s->paths[0].require, (struct bytes){"bob", 3},
                           s->profiles[0].groups));
    snapshot_free(s);
}
END_TEST

/* The snapshot's rules are its own: they outlive a later change of conf. */
START_TEST(snapshot_rules_are_copies)
{
    struct snapshot *s;

    put_file("users", USERS);
    configure("user_file = @/users\nrequire = user alice\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    configure("require = user bob\n");
    ck_assert_str_eq(s->profiles[0].require.text, "user alice");
    ck_assert(
        rule_allows(&s->profiles[0].require, (struct bytes){"alice", 5}, NULL));
    snapshot_free(s);
}
END_TEST

/* A file named by several profiles is read once and shared. */
START_TEST(snapshot_file_named_twice_read_once)
{
    struct snapshot *s;

    put_file("users", USERS);
    put_file("groups", GROUPS);
    configure("user_file = @/users\n"
              "group_file = @/groups\n"
              "[profile a]\n"
              "user_file = @/users\n"
              "[profile b]\n"
              "group_file = @/groups\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->nfiles, 2);
    ck_assert_ptr_eq(s->profiles[1].users, s->profiles[0].users);
    ck_assert_ptr_eq(s->profiles[2].users, s->profiles[0].users);
    ck_assert_ptr_eq(s->profiles[2].groups, s->profiles[0].groups);
    snapshot_free(s);
}
END_TEST

/* The config's work-factor caps reach the user file's entries. */
START_TEST(snapshot_caps_from_conf)
{
    struct snapshot *s;
    const struct htpasswd_entry *e;

    put_file("users", "slow:" BCRYPT5 "\nok:" SHA_SECRET "\n");
    configure("user_file = @/users\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    e = htpasswd_lookup(s->profiles[0].users, "slow", 4);
    ck_assert_int_eq(e->unusable, HTPASSWD_USABLE);
    snapshot_free(s);

    configure("max_bcrypt_cost = 4\n");
    memset(&cap, 0, sizeof cap);
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    e = htpasswd_lookup(s->profiles[0].users, "slow", 4);
    ck_assert_int_eq(e->unusable, HTPASSWD_BCRYPT_CAP);
    ck_assert_int_ge(capture_find(LOGL_WARN, "max_bcrypt_cost"), 0);
    ck_assert_uint_eq(htpasswd_usable(s->profiles[0].users), 1);
    snapshot_free(s);
}
END_TEST

/* A user file others may read loads, with a warning naming it. */
START_TEST(snapshot_warns_world_readable)
{
    struct snapshot *s;
    int w;

    put_file("users", USERS);
    ck_assert_int_eq(chmod(path_of("users"), 0644), 0);
    configure("user_file = @/users\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    w = capture_find(LOGL_WARN, "readable by every local user");
    ck_assert_int_ge(w, 0);
    ck_assert_str_eq(cap.d[w].file, path_of("users"));
    snapshot_free(s);
}
END_TEST

/* ------------------------------------------------------------- signature -- */

enum sig_change { SIG_NONE, SIG_TOUCH, SIG_REPLACE, SIG_REMOVE, SIG_REWRITE };

static const struct {
    enum sig_change change;
    const char *file;
} sig_cases[] = {
    {SIG_NONE, "users"},     {SIG_TOUCH, "users"},   {SIG_TOUCH, "groups"},
    {SIG_REPLACE, "users"},  {SIG_REMOVE, "groups"}, {SIG_REMOVE, "users"},
    {SIG_REWRITE, "groups"},
};

START_TEST(snapshot_signature_table)
{
    const char *file = sig_cases[_i].file;
    struct timespec later[2] = {{2000000000, 0}, {2000000000, 0}};
    struct snapshot *s;

    put_file("users", USERS);
    put_file("groups", GROUPS);
    configure("user_file = @/users\ngroup_file = @/groups\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    ck_assert(snapshot_signature(s) == s->signature);
    switch (sig_cases[_i].change) {
    case SIG_NONE:
        break;
    case SIG_TOUCH:
        ck_assert_int_eq(utimensat(AT_FDCWD, path_of(file), later, 0), 0);
        break;
    case SIG_REPLACE:
        /* A new inode, same bytes and time: an atomic rename. */
        put_file("new", USERS);
        ck_assert_int_eq(rename(path_of("new"), path_of(file)), 0);
        break;
    case SIG_REMOVE:
        ck_assert_int_eq(unlink(path_of(file)), 0);
        break;
    case SIG_REWRITE:
        put_file(file, GROUPS "more: bob\n");
        break;
    }
    if (sig_cases[_i].change == SIG_NONE)
        ck_assert(snapshot_signature(s) == s->signature);
    else
        ck_assert(snapshot_signature(s) != s->signature);
    snapshot_free(s);
}
END_TEST

/* --------------------------------------------------------------- reload -- */

/* Empty at start-up is a choice; empty while serving is a torn rewrite. */
START_TEST(snapshot_reload_refuses_empty_user_file)
{
    struct snapshot *s;
    int e;

    put_file("users", "# nobody yet\n");
    configure("user_file = @/users\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(htpasswd_count(s->profiles[0].users), 0);
    snapshot_free(s);

    memset(&cap, 0, sizeof cap);
    ck_assert_ptr_null(snapshot_reload(&conf, capture_diag, &cap));
    e = capture_find(LOGL_ERROR, "no entries");
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(cap.d[e].file, path_of("users"));

    put_file("users", USERS);
    s = snapshot_reload(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    snapshot_free(s);
}
END_TEST

/* Revoking the last token is no torn rewrite: it takes effect. */
START_TEST(snapshot_reload_takes_empty_token_file)
{
    struct snapshot *s;

    put_file("tokens", "# none left\n");
    configure("token_file = @/tokens\n");
    s = snapshot_reload(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(s->profiles[0].tokens);
    ck_assert_uint_eq(tokfile_count(s->profiles[0].tokens), 0);
    snapshot_free(s);
}
END_TEST

/* Each snapshot gets a new generation, so cache entries never cross. */
START_TEST(snapshot_generations_differ)
{
    struct snapshot *a, *b;

    put_file("users", USERS);
    configure("user_file = @/users\n");
    a = snapshot_load(&conf, capture_diag, &cap);
    b = snapshot_reload(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(a->generation != b->generation);
    ck_assert(a->signature == b->signature);
    snapshot_free(a);
    snapshot_free(b);
}
END_TEST

/* --------------------------------------------------------------- errors -- */

/* A malformed file: NULL, and the diagnostic names file and line. */
START_TEST(snapshot_bad_file_names_line)
{
    int e;

    put_file("users", USERS "broken line\n");
    put_file("groups", GROUPS);
    configure("user_file = @/users\ngroup_file = @/groups\n");
    ck_assert_ptr_null(snapshot_load(&conf, capture_diag, &cap));
    e = capture_find(LOGL_ERROR, "no ':'");
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(cap.d[e].file, path_of("users"));
    ck_assert_uint_eq(cap.d[e].line, 3);

    put_file("users", USERS);
    put_file("groups", GROUPS "bad group name: x\n");
    memset(&cap, 0, sizeof cap);
    ck_assert_ptr_null(snapshot_load(&conf, capture_diag, &cap));
    e = capture_find(LOGL_ERROR, "group name");
    ck_assert_int_ge(e, 0);
    ck_assert_str_eq(cap.d[e].file, path_of("groups"));
    ck_assert_uint_eq(cap.d[e].line, 3);
}
END_TEST

/* Problems of the configuration itself, told with the config's name. */
static const struct {
    const char *conf;
    const char *words;
    unsigned line;
    bool loads; /* a warning only */
} conf_cases[] = {
    {"realm = x\n", "no user file", 0, false},
    {"user_file = @/missing\n", "cannot open", 0, false},
    {"user_file = @/users\n[path /a/]\n", "no 'require' rule", 2, false},
    {"user_file = @/users\nrequire = group nope\n", "group 'nope'", 0, true},
    {"user_file = @/users\ngroup_file = @/groups\n[path /a/]\n"
     "require = group ghosts\n",
     "group 'ghosts' is not defined in the group file", 0, true},
    {"[profile a]\nuser_file = @/users\n", NULL, 0, true},
    {"[profile a]\nrealm = A\n", "profile 'a': no user file", 0, false},
    {"jwks_url = https://idp.example/jwks\n",
     "needs jwt_issuer and jwt_audience", 0, false},
    {"jwks_url = https://idp.example/jwks\njwt_issuer = i\n",
     "needs jwt_issuer and jwt_audience", 0, false},
    {"jwks_url = http://idp.example/jwks\njwt_issuer = i\njwt_audience = "
     "a\n",
     "plain http only to a loopback address", 0, false},
    {"jwks_url = file:///etc/passwd\njwt_issuer = i\njwt_audience = a\n",
     "only https", 0, false},
    {"ldap_url = ldap://127.0.0.1:1/\n", "ldap_base_dn is needed", 0, false},
    {"ldap_url = http://127.0.0.1/\nldap_base_dn = dc=x\n", "not an ldap://", 0,
     false},
    {"ldap_url = ldap://127.0.0.1:1/\nldap_base_dn = dc=x\n"
     "ldap_filter = (uid=alice)\n",
     "ldap_filter must be", 0, false},
    {"ldap_url = ldap://127.0.0.1:1/\nldap_base_dn = dc=x\n"
     "ldap_bind_dn = cn=r,dc=x\n",
     "ldap_bind_dn needs ldap_bind_password_file", 0, false},
    {"ldap_url = ldap://127.0.0.1:1/\nldap_base_dn = dc=x\n"
     "ldap_bind_dn = cn=r,dc=x\nldap_bind_password_file = @/missing\n",
     "cannot open", 0, false},
    {"ldap_url = ldap://127.0.0.1:1/\nldap_base_dn = dc=x\n", NULL, 0, true},
};

START_TEST(snapshot_conf_errors_table)
{
    struct snapshot *s;
    int e;

    put_file("users", USERS);
    put_file("groups", GROUPS);
    configure(conf_cases[_i].conf);
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_msg((s != NULL) == conf_cases[_i].loads, "case %d", _i);
    if (conf_cases[_i].words != NULL) {
        e = capture_find(conf_cases[_i].loads ? LOGL_WARN : LOGL_ERROR,
                         conf_cases[_i].words);
        ck_assert_msg(e >= 0, "case %d: no '%s' (%s)", _i, conf_cases[_i].words,
                      cap.n ? cap.d[0].msg : "");
        ck_assert_uint_eq(cap.d[e].line, conf_cases[_i].line);
        if (strstr(conf_cases[_i].words, "cannot open") == NULL)
            ck_assert_str_eq(cap.d[e].file, "configuration");
    } else {
        ck_assert_uint_eq(cap.n, 0);
        /* Only named profiles: the default one has no users (a 500). */
        ck_assert_ptr_null(s->profiles[0].users);
    }
    snapshot_free(s);
}
END_TEST

/* A jwks_url alone offers Bearer; its handle is the same at a reload. */
START_TEST(snapshot_jwks_url_profile)
{
    struct snapshot *s, *again;

    configure("jwks_url = https://idp.example/jwks\njwt_issuer = i\n"
              "jwt_audience = a\n[profile api]\n"
              "jwks_url = http://127.0.0.1:9/keys\n");
    s = snapshot_load(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(cap.errors, 0);
    ck_assert_ptr_null(s->profiles[0].users);
    ck_assert_ptr_null(s->profiles[0].jwks);
    ck_assert_ptr_nonnull(s->profiles[0].jwks_remote);
    ck_assert_str_eq(jwks_remote_url(s->profiles[0].jwks_remote),
                     "https://idp.example/jwks");
    ck_assert_str_eq(jwks_remote_url(s->profiles[1].jwks_remote),
                     "http://127.0.0.1:9/keys");
    ck_assert_str_eq(s->profiles[1].jwt.issuer, "i"); /* inherited */
    again = snapshot_reload(&conf, capture_diag, &cap);
    ck_assert_ptr_nonnull(again);
    ck_assert_ptr_eq(again->profiles[0].jwks_remote,
                     s->profiles[0].jwks_remote);
    snapshot_free(again);
    snapshot_free(s);
    jwks_fetch_stop();
}
END_TEST

static Suite *
snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("load");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, snapshot_loads_profiles_and_paths);
    tcase_add_test(tc, snapshot_rules_are_copies);
    tcase_add_test(tc, snapshot_file_named_twice_read_once);
    tcase_add_test(tc, snapshot_caps_from_conf);
    tcase_add_test(tc, snapshot_warns_world_readable);
    tcase_add_loop_test(tc, snapshot_signature_table, 0,
                        (int)(sizeof sig_cases / sizeof sig_cases[0]));
    tcase_add_test(tc, snapshot_reload_refuses_empty_user_file);
    tcase_add_test(tc, snapshot_reload_takes_empty_token_file);
    tcase_add_test(tc, snapshot_generations_differ);
    tcase_add_test(tc, snapshot_bad_file_names_line);
    tcase_add_test(tc, snapshot_jwks_url_profile);
    tcase_add_loop_test(tc, snapshot_conf_errors_table, 0,
                        (int)(sizeof conf_cases / sizeof conf_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(snapshot_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
