/*
 * check_authz: the decision pipeline from request parameters to status,
 * with a real htpasswd table and real hashes.
 */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authz.h"
#include "conf.h"
#include "htpasswd.h"
#include "request.h"
#include "snapshot.h"
#include "verify.h"
#include "testutil.h"

static struct conf conf;
static struct snapshot *snap;
static struct verify_ctx *vctx;
static struct authz_ctx actx;
static char dir[64];

/* Hash pw with a fresh salt of the given prefix (crypt_gensalt_ra). */
static char *
make_hash(const char *prefix, unsigned long cost, const char *pw)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    char *salt = crypt_gensalt_ra(prefix, cost, NULL, 0);
    char *h, *out;

    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_nonnull(salt);
    h = crypt_rn(pw, salt, cd, sizeof *cd);
    ck_assert_ptr_nonnull(h);
    out = strdup(h);
    free(salt);
    free(cd);
    return out;
}

static void
write_file(const char *name, const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* The users, groups and configuration every case runs against. */
static void
setup(void)
{
    char *y = make_hash("$y$", 0, "alice-secret");
    char *b = make_hash("$2b$", 4, "bob-secret");
    char *s = make_hash("$6$", 1000, "carol-secret");
    char *l = make_hash("$6$", 1000, "heidi-secret");
    char *o = make_hash("$6$", 1000, "olga-secret");
    char *p = make_hash("$6$", 1000, "pete-secret");
    char *r = make_hash("$6$", 1000, "root-secret");
    char *a = make_hash("$6$", 1000, "alice-admin");
    char *q = make_hash("$6$", 1000, "quinn-secret");
    char lp[73];
    char *lh;
    char text[8192];

    memset(lp, 'p', 72);
    lp[72] = '\0';
    lh = make_hash("$2b$", 4, lp);

    snprintf(dir, sizeof dir, "/tmp/check_authz.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(text, sizeof text,
             "# test users\n"
             "alice:%s\n"
             "bob:%s\n"
             "carol:%s:a comment\n"
             "heidi:!%s\n"
             "broken:$6$truncated$\n"
             "olga:%s:expired expires=2001-01-01\n"
             "pete:%s:expires=2099-01-01T00:00:00Z\n"
             "zed:%s:expires=2001-13-01\n"
             "long:%s\n"
             "quinn:%s\n",
             y, b, s, l, o, p, p, lh, q);
    write_file("users.htpasswd", text);
    snprintf(text, sizeof text, "root:%s\nalice:%s\n", r, a);
    write_file("admins.htpasswd", text);
    write_file("groups.htgroup", "admins: alice\n"
                                 "staff: alice bob carol pete\n"
                                 "empty:\n");
    snprintf(text, sizeof text,
             "user_file = %s/users.htpasswd\n"
             "group_file = %s/groups.htgroup\n"
             "realm = Test \"Realm\"\n"
             "apache_authz = yes\n"
             "[profile admins]\n"
             "user_file = %s/admins.htpasswd\n"
             "realm = Admins\n"
             "require = group admins | user root\n"
             "[profile staff]\n"
             "require = group staff\n"
             "[path /private/]\n"
             "require = group staff\n",
             dir, dir, dir);
    conf_init(&conf);
    ck_assert_int_eq(conf_parse(&conf, "test.conf", text, strlen(text),
                                testutil_quiet_diag, NULL),
                     0);
    snap = snapshot_load(&conf, testutil_quiet_diag, NULL);
    ck_assert_ptr_nonnull(snap);
    ck_assert_int_eq(verify_dummy_init(), 0);
    vctx = verify_ctx_new();
    ck_assert_ptr_nonnull(vctx);
    /* As in production: a cache and hashing slots. */
    actx = (struct authz_ctx){snap, cache_new(1000, 300), gate_new(2, 8), NULL,
                              NULL};
    ck_assert_ptr_nonnull(actx.cache);
    ck_assert_ptr_nonnull(actx.gate);
    free(y);
    free(b);
    free(s);
    free(l);
    free(o);
    free(p);
    free(r);
    free(a);
    free(lh);
    free(q);
}

static void
teardown(void)
{
    static const char *const files[] = {"users.htpasswd", "admins.htpasswd",
                                        "groups.htgroup"};
    char path[128];

    verify_ctx_free(vctx);
    cache_free(actx.cache);
    gate_free(actx.gate);
    snapshot_free(snap);
    conf_free(&conf);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

struct decide_case {
    const char *name;
    const char *params[8]; /* NULL-terminated; "BASIC:user:pw" expands */
    int status;
    enum authz_reason reason;
    const char *user;  /* expected d.user on 200 */
    const char *realm; /* expected realm on 401; NULL: the default one */
};

static const struct decide_case decide_cases[] = {
    {"no credentials, nginx",
     {"FCGI_ROLE=RESPONDER"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    {"no credentials, lighttpd",
     {"FCGI_ROLE=AUTHORIZER"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    {"yescrypt right",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:alice-secret"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"bcrypt right",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:bob:bob-secret"},
     200,
     REASON_OK,
     "bob",
     NULL},
    {"sha512 right, comment field",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:carol:carol-secret"},
     200,
     REASON_OK,
     "carol",
     NULL},
    {"wrong password",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:alice-secreT"},
     401,
     REASON_BAD_PASSWORD,
     NULL,
     NULL},
    {"empty password",
     {"FCGI_ROLE=RESPONDER", "BASIC:alice:"},
     401,
     REASON_BAD_PASSWORD,
     NULL,
     NULL},
    {"unknown user",
     {"FCGI_ROLE=RESPONDER", "BASIC:mallory:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL,
     NULL},
    {"user case matters",
     {"FCGI_ROLE=RESPONDER", "BASIC:Alice:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL,
     NULL},
    {"locked",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:heidi:heidi-secret"},
     401,
     REASON_LOCKED,
     NULL,
     NULL},
    {"truncated hash never matches",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:broken:"},
     401,
     REASON_UNUSABLE,
     NULL,
     NULL},
    {"truncated hash, any password",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:broken:x"},
     401,
     REASON_UNUSABLE,
     NULL,
     NULL},
    {"other scheme",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTHORIZATION=Bearer abc"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    {"malformed, nginx gets 401",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTHORIZATION=Basic !!!!"},
     401,
     REASON_MALFORMED,
     NULL,
     NULL},
    {"malformed, lighttpd gets 400",
     {"FCGI_ROLE=AUTHORIZER", "HTTP_AUTHORIZATION=Basic !!!!"},
     400,
     REASON_MALFORMED,
     NULL,
     NULL},
    {"malformed, CGI gets 400",
     {"HTTP_AUTHORIZATION=Basic YWxpY2U="},
     400,
     REASON_MALFORMED,
     NULL,
     NULL},
    {"duplicate headers",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:alice:alice-secret",
      "BASIC:alice:alice-secret"},
     400,
     REASON_MALFORMED,
     NULL,
     NULL},
    {"merged headers",
     {"FCGI_ROLE=AUTHORIZER", "HTTP_AUTHORIZATION=Basic YTpi, Basic YTpi"},
     400,
     REASON_MALFORMED,
     NULL,
     NULL},
    {"filter role refused",
     {"FCGI_ROLE=FILTER", "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"unknown apache role",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=SOMETHING",
      "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"apache authz, default profile",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER",
      "REMOTE_USER=alice"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"apache authenticator",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice", "REMOTE_PASSWD=alice-secret"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"apache authenticator, wrong",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice", "REMOTE_PASSWD=nope"},
     401,
     REASON_BAD_PASSWORD,
     NULL,
     NULL},
    {"apache authenticator, no password",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=alice"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    {"apache authenticator ignores the header",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHENTICATOR",
      "REMOTE_USER=mallory", "REMOTE_PASSWD=x", "BASIC:alice:alice-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL,
     NULL},
    {"REMOTE_USER from nginx stock params is no credential",
     {"FCGI_ROLE=RESPONDER", "REMOTE_USER=alice", "REMOTE_PASSWD=alice-secret"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    {"REMOTE_USER does not rescue a wrong password",
     {"FCGI_ROLE=RESPONDER", "REMOTE_USER=alice", "BASIC:alice:wrong"},
     401,
     REASON_BAD_PASSWORD,
     NULL,
     NULL},
    /* Accounts: expiry. */
    {"expired account",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:olga:olga-secret"},
     401,
     REASON_EXPIRED,
     NULL,
     NULL},
    {"expired account, wrong password",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:olga:nope"},
     401,
     REASON_EXPIRED,
     NULL,
     NULL},
    {"expires in the future",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:pete:pete-secret"},
     200,
     REASON_OK,
     "pete",
     NULL},
    {"unreadable expiry never matches",
     {"FCGI_ROLE=AUTHORIZER", "BASIC:zed:pete-secret"},
     401,
     REASON_UNUSABLE,
     NULL,
     NULL},
    /* Profiles. */
    {"profile: own user file",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "BASIC:root:root-secret"},
     200,
     REASON_OK,
     "root",
     NULL},
    {"profile: default users are not its users",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "BASIC:bob:bob-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL,
     "Admins"},
    {"profile: its own password for alice",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "BASIC:alice:alice-secret"},
     401,
     REASON_BAD_PASSWORD,
     NULL,
     "Admins"},
    {"profile: alice in admins with the admin password",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "BASIC:alice:alice-admin"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"profile: group rule, member",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_PROFILE=staff", "BASIC:bob:bob-secret"},
     200,
     REASON_OK,
     "bob",
     NULL},
    {"profile: group rule, outsider is 403",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_PROFILE=staff",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"profile: 403 also for nginx",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "BASIC:root:root-secret",
      "AUTH_REQUIRE=user x"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"profile: unknown name is a 500",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=nope", "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"profile: empty name is a 500",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=", "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"profile: the default is not selectable by name",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=default",
      "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"profile: a client header selects nothing",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTH_PROFILE=admins",
      "BASIC:root:root-secret"},
     401,
     REASON_UNKNOWN_USER,
     NULL,
     NULL},
    {"profile: challenge with its realm",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     "Admins"},
    {"realm: AUTH_REALM replaces it",
     {"FCGI_ROLE=RESPONDER", "AUTH_PROFILE=admins", "AUTH_REALM=Elsewhere"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     "Elsewhere"},
    {"realm: a client header changes nothing",
     {"FCGI_ROLE=RESPONDER", "HTTP_AUTH_REALM=Evil"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
    /* AUTH_REQUIRE narrows. */
    {"require: narrowed to a user",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REQUIRE=user alice",
      "BASIC:bob:bob-secret"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"require: the named user passes",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REQUIRE=user alice",
      "BASIC:alice:alice-secret"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"require: cannot widen the profile",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_PROFILE=staff", "AUTH_REQUIRE=valid-user",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"require: all of",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REQUIRE=group staff & group admins",
      "BASIC:bob:bob-secret"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"require: all of, both",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REQUIRE=group staff & group admins",
      "BASIC:alice:alice-secret"},
     200,
     REASON_OK,
     "alice",
     NULL},
    {"require: an unparsable rule is a 500",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REQUIRE=group", "BASIC:alice:alice-secret"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"require: a client header narrows nothing and widens nothing",
     {"FCGI_ROLE=AUTHORIZER", "HTTP_AUTH_REQUIRE=user nobody",
      "BASIC:bob:bob-secret"},
     200,
     REASON_OK,
     "bob",
     NULL},
    {"realm: a bad AUTH_REALM is a 500",
     {"FCGI_ROLE=AUTHORIZER", "AUTH_REALM="},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    /* Path rules on the normalised REQUEST_URI. */
    {"path: member passes",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/private/x", "BASIC:bob:bob-secret"},
     200,
     REASON_OK,
     "bob",
     NULL},
    {"path: outsider refused",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/private/x",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"path: outside the prefix",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/public/x",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     200,
     REASON_OK,
     "long",
     NULL},
    {"path: encoded and dotted",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/public/..%2F%50rivate//x;y",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"path: unclear applies every rule",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI=/public/%zz",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"path: no REQUEST_URI applies every rule",
     {"FCGI_ROLE=AUTHORIZER", "REQUEST_URI_IS_MISSING",
      "BASIC:long:pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
      "pppppppppppp"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    /* Apache's authz step. */
    {"apache authz: allowed",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER", "REMOTE_USER=bob",
      "AUTH_PROFILE=staff"},
     200,
     REASON_OK,
     "bob",
     NULL},
    {"apache authz: refused",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER",
      "REMOTE_USER=mallory", "AUTH_PROFILE=staff"},
     403,
     REASON_FORBIDDEN,
     NULL,
     NULL},
    {"apache authz: an expired account stays ended",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER",
      "REMOTE_USER=olga"},
     403,
     REASON_EXPIRED,
     NULL,
     NULL},
    {"apache authz: a locked account stays locked",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER",
      "REMOTE_USER=heidi"},
     403,
     REASON_LOCKED,
     NULL,
     NULL},
    {"apache authz: an entry refused elsewhere is refused here",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER", "REMOTE_USER=zed"},
     403,
     REASON_UNUSABLE,
     NULL,
     NULL},
    {"apache authz: no REMOTE_USER",
     {"FCGI_ROLE=AUTHORIZER", "FCGI_APACHE_ROLE=AUTHORIZER"},
     500,
     REASON_MISCONFIGURED,
     NULL,
     NULL},
    {"client header spoofs are not params",
     {"FCGI_ROLE=RESPONDER", "HTTP_REMOTE_USER=alice",
      "HTTP_FCGI_APACHE_ROLE=AUTHENTICATOR", "HTTP_REMOTE_PASSWD=x"},
     401,
     REASON_NO_CREDENTIALS,
     NULL,
     NULL},
};

static void
run_case(const struct decide_case *c, struct decision *d)
{
    /* Static: the decision's realm may point into them (as into envp). */
    static char bufs[8][1200];
    char *envp[10];
    char uri[] = "REQUEST_URI=/";
    bool has_uri = false;
    size_t n = 0;
    struct request r;

    for (size_t i = 0; i < 8 && c->params[i] != NULL; i++) {
        if (strncmp(c->params[i], "BASIC:", 6) == 0) {
            const char *cred = c->params[i] + 6;

            testutil_basic_header(bufs[i], sizeof bufs[i], cred, strlen(cred));
        } else {
            snprintf(bufs[i], sizeof bufs[i], "%s", c->params[i]);
        }
        has_uri |= strncmp(bufs[i], "REQUEST_URI", 11) == 0;
        envp[n++] = bufs[i];
    }
    /* Without REQUEST_URI every path rule applies: name a neutral page. */
    if (!has_uri)
        envp[n++] = uri;
    envp[n] = NULL;
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, d);
}

START_TEST(authz_decides_table)
{
    const struct decide_case *c = &decide_cases[_i];
    struct decision d;

    run_case(c, &d);
    ck_assert_msg(d.status == c->status, "%s: status %d, expected %d", c->name,
                  d.status, c->status);
    ck_assert_msg(d.reason == c->reason, "%s: reason %s, expected %s", c->name,
                  reason_name(d.reason), reason_name(c->reason));
    if (c->user != NULL) {
        ck_assert_str_eq(d.user, c->user);
        ck_assert_uint_eq(d.user_len, strlen(c->user));
    }
    if (d.status == 401)
        ck_assert_str_eq(d.realm, c->realm ? c->realm : "Test \"Realm\"");
}
END_TEST

/* An unusable entry says why, with the token audit and the load print. */
START_TEST(authz_unusable_says_why)
{
    char hdr[200], role[] = "FCGI_ROLE=AUTHORIZER", uri[] = "REQUEST_URI=/";
    char *envp[4] = {hdr, role, uri, NULL};
    struct request r;
    struct decision d;

    testutil_basic_header(hdr, sizeof hdr, "broken:x", 8);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.reason, REASON_UNUSABLE);
    ck_assert_ptr_nonnull(d.why);
    ck_assert_str_eq(d.why, "unknown_format");
    testutil_basic_header(hdr, sizeof hdr, "alice:x", 7);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_ptr_null(d.why);
}
END_TEST

/* A password with a NUL never reaches crypt as a shorter C string. */
START_TEST(authz_nul_in_password_is_malformed)
{
    static const char cred[] = "alice:alice-secret\0tail";
    char hdr[200];
    char *envp[3] = {hdr, NULL, NULL};
    char role[] = "FCGI_ROLE=AUTHORIZER";
    struct request r;
    struct decision d;

    envp[1] = role;
    testutil_basic_header(hdr, sizeof hdr, cred, sizeof cred - 1);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_ne(d.status, 200);
    ck_assert_int_eq(d.reason, REASON_MALFORMED);
}
END_TEST

/* bcrypt reads 72 bytes: a longer password must not match on its prefix. */
START_TEST(authz_bcrypt_long_password_refused)
{
    char pw[100], cred[120], hdr[300];
    char role[] = "FCGI_ROLE=AUTHORIZER", uri[] = "REQUEST_URI=/";
    char *envp[4] = {hdr, role, uri, NULL};
    struct request r;
    struct decision d;

    memset(pw, 'p', 72);
    pw[72] = '\0';
    snprintf(cred, sizeof cred, "long:%sXYZ", pw);
    testutil_basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 401);

    snprintf(cred, sizeof cred, "long:%s", pw);
    testutil_basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 200);
}
END_TEST

START_TEST(authz_no_snapshot_fails_closed)
{
    struct authz_ctx c2 = {NULL, NULL, NULL, NULL, NULL};
    char hdr[200];
    char role[] = "FCGI_ROLE=RESPONDER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    testutil_basic_header(hdr, sizeof hdr, "alice:alice-secret", 18);
    request_parse(&r, envp);
    authz_decide(&c2, &r, vctx, &d);
    ck_assert_int_eq(d.status, 500);
    ck_assert_int_eq(d.reason, REASON_INTERNAL);
}
END_TEST

/* Without apache_authz = yes, Apache's authz step is refused. */
START_TEST(authz_apache_authz_off_is_500)
{
    char role[] = "FCGI_ROLE=AUTHORIZER",
         arole[] = "FCGI_APACHE_ROLE=AUTHORIZER";
    char user[] = "REMOTE_USER=alice";
    char *envp[4] = {role, arole, user, NULL};
    struct request r;
    struct decision d;

    snap->apache_authz = false;
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    snap->apache_authz = true;
    ck_assert_int_eq(d.status, 500);
    ck_assert_int_eq(d.reason, REASON_MISCONFIGURED);
}
END_TEST

/* On 200 the user's groups, in group-file order. */
START_TEST(authz_groups_on_allow)
{
    char hdr[200], role[] = "FCGI_ROLE=AUTHORIZER", uri[] = "REQUEST_URI=/";
    char *envp[4] = {hdr, role, uri, NULL};
    struct request r;
    struct decision d;

    testutil_basic_header(hdr, sizeof hdr, "alice:alice-secret", 18);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 200);
    ck_assert_str_eq(d.groups, "admins,staff");
    ck_assert_uint_eq(d.groups_len, 12);
    ck_assert_str_eq(d.profile, "default");

    testutil_basic_header(hdr, sizeof hdr, "long:", 5);
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_ne(d.status, 200);
    ck_assert_uint_eq(d.groups_len, 0);
}
END_TEST

START_TEST(authz_oversized_value_is_malformed)
{
    size_t n = REQUEST_VALUE_MAX + 100;
    char *hdr = malloc(n + 32);
    char role[] = "FCGI_ROLE=AUTHORIZER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    ck_assert_ptr_nonnull(hdr);
    strcpy(hdr, "HTTP_AUTHORIZATION=Basic ");
    memset(hdr + strlen(hdr), 'A', n);
    hdr[n + 25] = '\0';
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 400);
    free(hdr);
}
END_TEST

START_TEST(authz_long_user_is_unknown)
{
    char cred[400], hdr[700];
    char role[] = "FCGI_ROLE=RESPONDER";
    char *envp[3] = {hdr, role, NULL};
    struct request r;
    struct decision d;

    memset(cred, 'u', 300);
    strcpy(cred + 300, ":pw");
    testutil_basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    ck_assert_int_eq(d.status, 401);
    ck_assert_int_eq(d.reason, REASON_UNKNOWN_USER);
    ck_assert_uint_eq(d.user_len, HTPASSWD_USER_MAX);
}
END_TEST

START_TEST(authz_reason_names_distinct)
{
    for (int i = REASON_OK; i <= REASON_INTERNAL; i++)
        for (int j = i + 1; j <= REASON_INTERNAL; j++)
            ck_assert_str_ne(reason_name((enum authz_reason)i),
                             reason_name((enum authz_reason)j));
}
END_TEST

/* ------------------------------------------------------------- cache -- */

/* Decide for "user:password" with extra params; returns the decision. */
static struct decision
decide(const struct authz_ctx *ctx, const char *cred, const char *extra)
{
    char hdr[300], role[] = "FCGI_ROLE=AUTHORIZER", uri[] = "REQUEST_URI=/";
    char x[100];
    char *envp[5] = {hdr, role, uri, NULL, NULL};
    struct request r;
    struct decision d;

    if (extra != NULL) {
        snprintf(x, sizeof x, "%s", extra);
        envp[3] = x;
    }
    testutil_basic_header(hdr, sizeof hdr, cred, strlen(cred));
    request_parse(&r, envp);
    authz_decide(ctx, &r, vctx, &d);
    return d;
}

START_TEST(authz_cache_hit_after_success)
{
    struct cache_stats st;
    /* quinn: used nowhere else, so not cached yet even with CK_FORK=no. */
    struct decision d = decide(&actx, "quinn:quinn-secret", NULL);

    ck_assert_int_eq(d.status, 200);
    ck_assert(!d.cached);
    d = decide(&actx, "quinn:quinn-secret", NULL);
    ck_assert_int_eq(d.status, 200);
    ck_assert(d.cached);
    cache_get_stats(actx.cache, &st);
    ck_assert_uint_ge(st.hits, 1);
}
END_TEST

/* A cached user with a wrong password is refused, and nothing is cached. */
START_TEST(authz_cache_wrong_password_refused)
{
    struct decision d = decide(&actx, "carol:carol-secret", NULL);

    ck_assert_int_eq(d.status, 200);
    d = decide(&actx, "carol:carol-secreT", NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert(!d.cached);
    d = decide(&actx, "carol:carol-secreT", NULL);
    ck_assert_int_eq(d.status, 401);
}
END_TEST

/* bcrypt's 72 bytes: the cache key covers the whole password. */
START_TEST(authz_cache_after_byte_72_refused)
{
    char cred[120];
    struct decision d;

    memset(cred, 'p', sizeof cred);
    memcpy(cred, "long:", 5);
    cred[5 + 72] = '\0';
    ck_assert_int_eq(decide(&actx, cred, NULL).status, 200);
    ck_assert(decide(&actx, cred, NULL).cached);
    strcpy(cred + 5 + 72, "X");
    d = decide(&actx, cred, NULL);
    ck_assert_int_eq(d.status, 401);
    ck_assert(!d.cached);
}
END_TEST

/* A hit still goes through the rules. */
START_TEST(authz_cache_hit_still_applies_rules)
{
    char cred[120];

    memset(cred, 'p', sizeof cred);
    memcpy(cred, "long:", 5);
    cred[5 + 72] = '\0';
    ck_assert_int_eq(decide(&actx, cred, NULL).status, 200);
    ck_assert_int_eq(decide(&actx, cred, "AUTH_REQUIRE=user alice").status,
                     403);
    ck_assert_int_eq(decide(&actx, cred, "AUTH_PROFILE=staff").status, 403);
}
END_TEST

/* The same user with two passwords in two profiles never cross-hits. */
START_TEST(authz_cache_profiles_never_cross)
{
    ck_assert_int_eq(decide(&actx, "alice:alice-secret", NULL).status, 200);
    ck_assert_int_eq(
        decide(&actx, "alice:alice-admin", "AUTH_PROFILE=admins").status, 200);
    ck_assert_int_eq(
        decide(&actx, "alice:alice-secret", "AUTH_PROFILE=admins").status, 401);
    ck_assert_int_eq(decide(&actx, "alice:alice-admin", NULL).status, 401);
    ck_assert(decide(&actx, "alice:alice-secret", NULL).cached);
    ck_assert(decide(&actx, "alice:alice-admin", "AUTH_PROFILE=admins").cached);
}
END_TEST

/* A new snapshot (a reload) retires every entry at once. */
START_TEST(authz_cache_new_generation_misses)
{
    struct snapshot *s2 = snapshot_load(&conf, testutil_quiet_diag, NULL);
    struct authz_ctx c2 = {s2, actx.cache, actx.gate, NULL, NULL};

    ck_assert_ptr_nonnull(s2);
    ck_assert_uint_ne(s2->generation, snap->generation);
    ck_assert_int_eq(decide(&actx, "carol:carol-secret", NULL).status, 200);
    ck_assert(decide(&actx, "carol:carol-secret", NULL).cached);
    ck_assert(!decide(&c2, "carol:carol-secret", NULL).cached);
    snapshot_free(s2);
}
END_TEST

/* With the cache off, nothing is remembered. */
START_TEST(authz_cache_off)
{
    struct authz_ctx c2 = {snap, cache_new(1000, 0), NULL, NULL, NULL};

    ck_assert(!cache_enabled(c2.cache));
    ck_assert_int_eq(decide(&c2, "carol:carol-secret", NULL).status, 200);
    ck_assert(!decide(&c2, "carol:carol-secret", NULL).cached);
    cache_free(c2.cache);
}
END_TEST

/* Locked and expired users never enter the cache. */
START_TEST(authz_cache_never_for_dead_accounts)
{
    struct cache_stats before, after;

    cache_get_stats(actx.cache, &before);
    ck_assert_int_eq(decide(&actx, "olga:olga-secret", NULL).status, 401);
    ck_assert_int_eq(decide(&actx, "heidi:heidi-secret", NULL).status, 401);
    cache_get_stats(actx.cache, &after);
    ck_assert_uint_eq(after.inserts, before.inserts);
    ck_assert_uint_eq(after.hits + after.misses, before.hits + before.misses);
}
END_TEST

/*
 * Behind a trusted proxy, a client that sends its own X-Forwarded-For
 * line next to the proxy's is still regulated by the address the proxy
 * saw: before, two occurrences made the client unknown and unregulated.
 */
START_TEST(authz_xff_twice_still_regulated)
{
    struct proxies px = {NULL, 0};
    struct authz_ctx c = actx;
    char err[100], hdr[200], uri[] = "REQUEST_URI=/";
    char role[] = "FCGI_ROLE=RESPONDER", ra[] = "REMOTE_ADDR=127.0.0.1";
    char x1[] = "HTTP_X_FORWARDED_FOR=6.6.6.6";
    char x2[] = "HTTP_X_FORWARDED_FOR=203.0.113.9";
    char *envp[] = {hdr, role, uri, ra, x1, x2, NULL};
    struct request r;
    struct decision d;

    ck_assert_int_eq(proxies_parse(&px, "127.0.0.1", err, sizeof err), 0);
    c.proxies = &px;
    c.throttle =
        throttle_new(&(struct throttle_opts){3, 60, 0, 60, 1024, NULL, 0});
    ck_assert_ptr_nonnull(c.throttle);
    testutil_basic_header(hdr, sizeof hdr, "nobody:x", 8);
    for (int i = 0; i < 3; i++) {
        request_parse(&r, envp);
        authz_decide(&c, &r, vctx, &d);
        ck_assert_int_eq(d.status, 401);
        ck_assert(d.client_known);
        ck_assert_uint_eq(d.client.n, 11);
        ck_assert(memcmp(d.client.p, "203.0.113.9", 11) == 0);
    }
    request_parse(&r, envp);
    authz_decide(&c, &r, vctx, &d);
    ck_assert_int_eq(d.reason, REASON_THROTTLED);
    throttle_free(c.throttle);
    proxies_free(&px);
}
END_TEST

static Suite *
authz_suite(void)
{
    Suite *s = suite_create("authz");
    TCase *tc = tcase_create("decide");

    tcase_set_timeout(tc, 60);
    /* Once per run (hashing is slow under valgrind); cases only read it. */
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, authz_decides_table, 0,
                        (int)(sizeof decide_cases / sizeof decide_cases[0]));
    tcase_add_test(tc, authz_nul_in_password_is_malformed);
    tcase_add_test(tc, authz_unusable_says_why);
    tcase_add_test(tc, authz_bcrypt_long_password_refused);
    tcase_add_test(tc, authz_no_snapshot_fails_closed);
    tcase_add_test(tc, authz_apache_authz_off_is_500);
    tcase_add_test(tc, authz_groups_on_allow);
    tcase_add_test(tc, authz_cache_hit_after_success);
    tcase_add_test(tc, authz_cache_wrong_password_refused);
    tcase_add_test(tc, authz_cache_after_byte_72_refused);
    tcase_add_test(tc, authz_cache_hit_still_applies_rules);
    tcase_add_test(tc, authz_cache_profiles_never_cross);
    tcase_add_test(tc, authz_cache_new_generation_misses);
    tcase_add_test(tc, authz_cache_off);
    tcase_add_test(tc, authz_cache_never_for_dead_accounts);
    tcase_add_test(tc, authz_oversized_value_is_malformed);
    tcase_add_test(tc, authz_long_user_is_unknown);
    tcase_add_test(tc, authz_reason_names_distinct);
    tcase_add_test(tc, authz_xff_twice_still_regulated);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(authz_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
