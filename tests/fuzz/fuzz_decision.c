/*
 * fuzz_decision: one request from parameters to the rendered answer, with
 * an oracle that knows the fixtures.
 *
 * Input: FastCGI parameters, one "NAME=VALUE" per line (split on '\n', the
 * first '=' separates; a NUL ends a parameter early, as in libfcgi's
 * "NAME=VALUE" strings). They go through request_parse and authz_decide
 * against a snapshot built once from the fixtures below (fast hashes only:
 * {SHA}, {SSHA}, $6$ and $5$ with rounds=1000, $1$, $apr1$), with a real
 * cache and gate, trusted proxies, and no throttle; then response_write
 * renders the decision and authz_log logs it.
 *
 * The oracle, read from the parameters by this file alone:
 *  - 200 only when the decision's user is the one the request proves:
 *      no FCGI_APACHE_ROLE: exactly one HTTP_AUTHORIZATION, Basic, whose
 *        strictly decoded "user:password" is a live fixture pair of the
 *        profile (AUTH_PROFILE, first occurrence, or the default one);
 *      FCGI_APACHE_ROLE=AUTHENTICATOR: REMOTE_USER and REMOTE_PASSWD
 *        (first occurrences) are such a pair;
 *      FCGI_APACHE_ROLE=AUTHORIZER (apache_authz = yes here): Apache
 *        vouches for REMOTE_USER, which may be any name but not a locked,
 *        expired or unusable fixture;
 *    never for a locked, expired, disabled or malformed fixture, never
 *    with FCGI_ROLE or FCGI_APACHE_ROLE other than the known ones, never
 *    for an unknown AUTH_PROFILE; and only when the rules pass: profile
 *    staff needs group staff, profile admins group admins or user root,
 *    [path /admin/] user alice, [path /private] group staff, judged from an
 *    independent reading of REQUEST_URI (all path rules when it is missing,
 *    empty, has a '#' or a control byte; none asserted when the reading is
 *    unsure); REMOTE_GROUPS then lists the user's groups in file order;
 *  - the reverse for plain requests: a live fixture's right password, no
 *    Apache role, no AUTH_* parameter and a plain REQUEST_URI give 200, or
 *    403 when a path rule refuses; a wrong password gives 401;
 *  - statuses: 200, 400, 401, 403 or 500 (no throttle: never 429; one
 *    thread: never busy); nginx's RESPONDER role only 200, 401, 403, 500;
 *  - the answer starts with "Status: <the decision's status>", every header
 *    line is "Name: value" with no CR, LF or other control byte inside,
 *    Variable-* headers appear on 200 only, REMOTE_USER is the decision's
 *    user, a 401 carries one Basic challenge, and no_body means no body.
 *
 * Unknown users: authz spends a yescrypt hash (verify_dummy) on them so
 * they cost as much as known ones. That costs milliseconds, so the dummy
 * is not made unless FUZZ_DUMMY=1 is in the environment; without it those
 * requests end in 500 (fail closed), which the oracle allows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authz.h"
#include "basic.h"
#include "cache.h"
#include "conf.h"
#include "fuzz.h"
#include "gate.h"
#include "path.h"
#include "proxy.h"
#include "request.h"
#include "response.h"
#include "snapshot.h"
#include "verify.h"

/* Parameters looked at per request; the rest of the input is ignored. */
#define PARAMS_MAX 128

/* ------------------------------------------------------------ fixtures -- */

struct fixture {
    const char *user;
    const char *password;
    bool live; /* false: locked, expired, disabled or malformed entry */
};

/* The default and staff profiles' user file. */
static const struct fixture users_fx[] = {
    {"alice", "alice-pw", true},    {"bob", "bob-pw", true},
    {"carol", "carol-pw", true},    {"dave", "dave-pw", true},
    {"erin", "erin-pw", true},      {"frank", "frank-pw", true},
    {"mary ann", "mary-pw", true},  {"\xc3\xbcn\xc3\xaf", "uni-pw", true},
    {"pete", "pete-pw", true},      {"heidi", "heidi-pw", false},
    {"olga", "olga-pw", false},     {"plain", "plain-pw", false},
    {"des", "des-pw", false},       {"zed", "olga-pw", false},
    {"broken", "broken-pw", false},
};

static const char users_file[] =
    "# fuzz_decision fixtures: one live entry per fast hash kind\n"
    "alice:{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=\n"
    "bob:$6$rounds=1000$fuzzsalt1$iVx5cEqdMWmm4v.HzRp4dvQXsvDbrnKAHrpnlU1CvrEt"
    "UZR5lClOtIk0nh6R7E/p5EtLj3l/WOYhFI7wMoC8P0\n"
    "carol:$apr1$fuzzsal4$0dIzrYWA9k3TbzQZS3QmK/:a comment\n"
    "dave:$5$rounds=1000$fuzzsalt2$"
    "bNlBhmOwJEVTP41mVpZOUMsxNWhJmQkWd7pOp4IKe69\n"
    "erin:$1$fuzzsal3$H.K0tVFIUbGs.MttmP4OD.\r\n"
    "frank:{SSHA}/SIQdmsyVhYjnE2MFiyBs/rrSRhzYWx0\n"
    "mary ann:$apr1$fuzzsal9$j/1KwcWLAQy5iJ4fLIDp7/\n"
    "\xc3\xbcn\xc3\xaf:$apr1$fuzzsal8$ajwl9CHepxd8O2fBT7scL0\n"
    "pete:$apr1$fuzzsal7$J.inVwARiUBS92qSQTWIm0:expires=2099-01-01T00:00:00Z\n"
    "heidi:!$apr1$fuzzsal5$kNr5o/AoBnKh/oVzMSuTT0\n"
    "olga:$apr1$fuzzsal6$FFj7VpVJLvQUT15kZSezi.:left expires=2001-01-01\n"
    "plain:{PLAIN}plain-pw\n"
    "des:fz5lL5/5Rd/qk\n"
    "zed:$apr1$fuzzsal6$FFj7VpVJLvQUT15kZSezi.:expires=2001-13-01\n"
    "broken:$6$truncated$\n"
    "bob:$apr1$fuzzsal7$J.inVwARiUBS92qSQTWIm0\n";

/* The admins profile's user file. */
static const struct fixture admins_fx[] = {
    {"root", "root-pw", true},
    {"alice", "alice-admin", true},
};

static const char admins_file[] =
    "root:{SHA}tGdFD3fDw8LJ3vX1fBVjrFq4xSo=\n"
    "alice:$apr1$fuzzsala$KChB4a72ql27T90UNHvkk1\n";

static const char groups_file[] = "admins: alice\n"
                                  "staff: alice bob carol pete mary\n"
                                  "ops: frank \xc3\xbcn\xc3\xaf\n"
                                  "staff: dave\n";

/* Groups in file order, and the members of each. */
static const char *const group_names[] = {"admins", "staff", "ops"};
static const char *const group_members[][8] = {
    {"alice", NULL},
    {"alice", "bob", "carol", "pete", "mary", "dave", NULL},
    {"frank", "\xc3\xbcn\xc3\xaf", NULL},
};

static const char conf_fmt[] = "user_file = %s/users\n"
                               "group_file = %s/groups\n"
                               "realm = Fuzz \"realm\" \\ here\n"
                               "apache_authz = yes\n"
                               "trusted_proxies = 127.0.0.1 10.0.0.0/8 ::1\n"
                               "cache_ttl = 300\n"
                               "[profile admins]\n"
                               "user_file = %s/admins\n"
                               "realm = Admins\n"
                               "require = group admins | user root\n"
                               "[profile staff]\n"
                               "require = group staff\n"
                               "[path /admin/]\n"
                               "require = user alice\n"
                               "[path /private]\n"
                               "require = group staff\n";

static struct conf conf;
static struct snapshot *snap;
static struct authz_ctx actx;
static struct verify_ctx *vctx;
static bool dummy_ready;

/*
 * FUZZ_STATS=1: count decisions by status and reason, and the checks of
 * the reverse direction, and print them at exit, to see how much of the
 * oracle a corpus exercises (./fuzz_decision -runs=0 CORPUS).
 */
static bool stats_on;
static unsigned long stats[600][REASON_INTERNAL + 1];
static unsigned long stats_plain;

static void
stats_print(void)
{
    for (int st = 0; st < 600; st++)
        for (int r = 0; r <= REASON_INTERNAL; r++)
            if (stats[st][r] > 0)
                dprintf(fuzz_report_fd, "stats: %d %-15s %lu\n", st,
                        reason_name((enum authz_reason)r), stats[st][r]);
    dprintf(fuzz_report_fd, "stats: plain requests checked both ways: %lu\n",
            stats_plain);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static void
remove_file(const char *dir, const char *name)
{
    char path[256];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Start-up diagnostics: the fixtures' deliberate warnings stay quiet. */
static void
errors_only(void *ctx, enum log_level sev, const char *file, unsigned line,
            const char *msg)
{
    if (sev == LOGL_ERROR)
        log_diag(ctx, sev, file, line, msg);
}

/* Every live fixture verifies with its password: the oracle's ground. */
static void
self_test(void)
{
    const struct snap_profile *p[2] = {&snap->profiles[0],
                                       snapshot_profile(snap, "admins", 6)};
    const struct fixture *fx[2] = {users_fx, admins_fx};
    size_t nfx[2] = {sizeof users_fx / sizeof users_fx[0],
                     sizeof admins_fx / sizeof admins_fx[0]};

    FUZZ_ASSERT(p[1] != NULL);
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < nfx[k]; i++) {
            const struct fixture *f = &fx[k][i];
            const struct htpasswd_entry *e =
                htpasswd_lookup(p[k]->users, f->user, strlen(f->user));

            FUZZ_ASSERT(e != NULL);
            if (!f->live)
                continue;
            FUZZ_ASSERT(e->unusable == HTPASSWD_USABLE);
            FUZZ_ASSERT(verify_password(vctx, e->kind, e->hash, f->password,
                                        strlen(f->password)) == VERIFY_OK);
        }
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[] = "/tmp/fuzz_decision.XXXXXX";
    char text[2048];
    const char *dummy = getenv("FUZZ_DUMMY");

    (void)argc;
    (void)argv;
    /* Failure reports survive -close_fd_mask=2 (done after this). */
    fuzz_report_fd = dup(2);
    if (fuzz_report_fd < 0)
        fuzz_report_fd = 2;
    /* Files only we read, as an admin would have them. */
    umask(077);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    write_file(dir, "users", users_file);
    write_file(dir, "admins", admins_file);
    write_file(dir, "groups", groups_file);
    snprintf(text, sizeof text, conf_fmt, dir, dir, dir);
    conf_init(&conf);
    if (conf_parse(&conf, "fuzz_decision.conf", text, strlen(text), errors_only,
                   NULL) != 0)
        abort();
    snap = snapshot_load(&conf, errors_only, NULL);
    /* The snapshot holds the files' contents: the folder can go. */
    remove_file(dir, "users");
    remove_file(dir, "admins");
    remove_file(dir, "groups");
    rmdir(dir);
    if (snap == NULL || conf.trusted_proxies == NULL)
        abort();
    vctx = verify_ctx_new();
    actx = (struct authz_ctx){snap, cache_new(1000, 300), gate_new(1, 8), NULL,
                              conf.trusted_proxies};
    if (vctx == NULL || actx.cache == NULL || actx.gate == NULL)
        abort();
    if (dummy != NULL && strcmp(dummy, "1") == 0) {
        if (verify_dummy_init() != 0)
            abort();
        dummy_ready = true;
    }
    self_test();
    if (getenv("FUZZ_STATS") != NULL) {
        stats_on = true;
        atexit(stats_print);
    }
    return 0;
}

/* -------------------------------------------------------------- oracle -- */

/* What the parameters say, read independently of request.c. */
struct said {
    const char *fcgi_role, *apache_role, *authorization, *remote_user,
        *remote_passwd, *profile, *uri;
    unsigned nauth;
    bool any_auth_param; /* AUTH_PROFILE, AUTH_REALM or AUTH_REQUIRE */
    bool long_value;     /* a parameter longer than REQUEST_VALUE_MAX */
};

static bool
named(const char *kv, const char *name)
{
    size_t n = strlen(name);

    return strncmp(kv, name, n) == 0 && kv[n] == '=';
}

/* The value of the first kv named name into *slot. */
static void
first(const char **slot, const char *kv, const char *name)
{
    if (*slot == NULL && named(kv, name))
        *slot = kv + strlen(name) + 1;
}

static void
read_params(char *const *envp, struct said *s)
{
    memset(s, 0, sizeof *s);
    for (; *envp != NULL; envp++) {
        const char *kv = *envp;

        if (strlen(kv) > REQUEST_VALUE_MAX)
            s->long_value = true;
        first(&s->fcgi_role, kv, "FCGI_ROLE");
        first(&s->apache_role, kv, "FCGI_APACHE_ROLE");
        first(&s->remote_user, kv, "REMOTE_USER");
        first(&s->remote_passwd, kv, "REMOTE_PASSWD");
        first(&s->profile, kv, "AUTH_PROFILE");
        first(&s->uri, kv, "REQUEST_URI");
        if (named(kv, "AUTH_PROFILE") || named(kv, "AUTH_REALM") ||
            named(kv, "AUTH_REQUIRE"))
            s->any_auth_param = true;
        if (named(kv, "HTTP_AUTHORIZATION")) {
            if (s->nauth++ == 0)
                s->authorization = kv + strlen("HTTP_AUTHORIZATION=");
        }
    }
}

/* v equals the lower-case lit, ignoring ASCII case. */
static bool
ieq(const char *v, const char *lit)
{
    return strlen(v) == strlen(lit) && fuzz_istarts(v, strlen(v), lit);
}

static bool
bytes_is(const char *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* The fixture user[0..n) of a profile, or NULL. */
static const struct fixture *
fixture(const char *profile, const char *user, size_t n)
{
    bool admins = profile != NULL && strcmp(profile, "admins") == 0;
    const struct fixture *fx = admins ? admins_fx : users_fx;
    size_t nfx = admins ? sizeof admins_fx / sizeof admins_fx[0]
                        : sizeof users_fx / sizeof users_fx[0];

    for (size_t i = 0; i < nfx; i++)
        if (bytes_is(user, n, fx[i].user))
            return &fx[i];
    return NULL;
}

static bool
live_pair(const char *profile, const char *user, size_t ulen, const char *pw,
          size_t pwlen)
{
    const struct fixture *f = fixture(profile, user, ulen);

    return f != NULL && f->live && bytes_is(pw, pwlen, f->password);
}

static bool
in_group(size_t g, const char *user, size_t n)
{
    for (size_t i = 0; group_members[g][i] != NULL; i++)
        if (bytes_is(user, n, group_members[g][i]))
            return true;
    return false;
}

/* REMOTE_GROUPS for user: its groups in file order, "a,b". */
static void
groups_of(const char *user, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t g = 0; g < sizeof group_names / sizeof group_names[0]; g++)
        if (in_group(g, user, n))
            o += (size_t)snprintf(out + o, cap - o, "%s%s", o > 0 ? "," : "",
                                  group_names[g]);
}

/* How the oracle reads REQUEST_URI for the path rules. */
enum reading {
    READ_UNSURE, /* assert nothing */
    READ_ALL,    /* every path rule applies (path.h: PATH_UNCLEAR) */
    READ_PATH,   /* first holds the first segment */
};

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Read the target like a server would, deny-biased, from path.h's rules
 * but by another route: decode, then split into segments, keeping only
 * the first one that survives (lower-cased, ";params" cut).
 */
static enum reading
read_uri(const struct said *s, char *seg, size_t cap)
{
    char buf[4 * PATH_NORM_MAX];
    const char *u = s->uri, *q;
    size_t n, len, i;
    bool climb_ok, popped = false;
    int rounds = 0;
    size_t nseg = 0;
    char segs[64][64];

    if (u == NULL || u[0] == '\0')
        return READ_ALL;
    q = strchr(u, '?');
    n = q != NULL ? (size_t)(q - u) : strlen(u);
    if (memchr(u, '#', n) != NULL || fuzz_has_ctl(u, n))
        return READ_ALL;
    if (n == 0 || u[0] != '/' || n > sizeof buf)
        return READ_UNSURE;
    climb_ok = memchr(u, '%', n) == NULL && memchr(u, '\\', n) == NULL &&
               memchr(u, ';', n) == NULL && memmem(u, n, "//", 2) == NULL;
    memcpy(buf, u, n);
    len = n;
    while (memchr(buf, '%', len) != NULL) {
        size_t w = 0;

        if (++rounds > 8)
            return READ_UNSURE;
        for (i = 0; i < len;) {
            int hi, lo;

            if (buf[i] != '%') {
                buf[w++] = buf[i++];
                continue;
            }
            if (len - i < 3 || (hi = hexval(buf[i + 1])) < 0 ||
                (lo = hexval(buf[i + 2])) < 0)
                return READ_UNSURE;
            buf[w++] = (char)(hi << 4 | lo);
            i += 3;
        }
        len = w;
    }
    for (i = 0; i < len; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
            return READ_UNSURE;
    /* Segments: '\' separates too, ";params" go, "" and "." vanish. */
    for (i = 0; i < len;) {
        size_t start = ++i, end;

        while (i < len && buf[i] != '/' && buf[i] != '\\')
            i++;
        end = start;
        while (end < i && buf[end] != ';')
            end++;
        if (end == start || (end - start == 1 && buf[start] == '.'))
            continue;
        if (end - start == 2 && buf[start] == '.' && buf[start + 1] == '.') {
            if (nseg > 0) {
                nseg--;
                popped = true;
            }
            continue;
        }
        if (nseg == sizeof segs / sizeof segs[0])
            return READ_UNSURE;
        snprintf(segs[nseg++], sizeof segs[0], "%.*s",
                 (int)(end - start < 63 ? end - start : 63), buf + start);
    }
    /* path.h: a ".." that removes a segment of a non-plain path: unclear. */
    if (popped && !climb_ok)
        return READ_ALL;
    if (nseg == 0) {
        seg[0] = '\0';
        return READ_PATH;
    }
    snprintf(seg, cap, "%s", segs[0]);
    for (i = 0; seg[i] != '\0'; i++)
        if (seg[i] >= 'A' && seg[i] <= 'Z')
            seg[i] = (char)(seg[i] - 'A' + 'a');
    return READ_PATH;
}

/* Whether the path rules let user through, as far as the oracle can say. */
static bool
paths_may_allow(const struct said *s, const char *user, size_t n)
{
    char seg[64];
    bool alice = bytes_is(user, n, "alice");

    switch (read_uri(s, seg, sizeof seg)) {
    case READ_UNSURE:
        return true;
    case READ_ALL:
        return alice && in_group(1, user, n);
    case READ_PATH:
        break;
    }
    if (strcmp(seg, "admin") == 0 && !alice)
        return false;
    if (strncmp(seg, "private", 7) == 0 && !in_group(1, user, n))
        return false;
    return true;
}

/* What may be allowed, from the parameters alone; see the top comment. */
static void
check_allow(const struct said *s, const struct decision *d)
{
    const char *profile = s->profile;
    const char *user = d->user;
    size_t ulen = d->user_len;
    unsigned char dec[BASIC_DECODED_MAX + 2];
    size_t cu = 0, cl = 0;
    char groups[AUTHZ_GROUPS_MAX];
    const struct fixture *f;

    FUZZ_ASSERT(d->reason == REASON_OK);
    FUZZ_ASSERT(ulen > 0 && ulen <= HTPASSWD_USER_MAX && user[ulen] == '\0');
    FUZZ_ASSERT(s->fcgi_role == NULL || ieq(s->fcgi_role, "responder") ||
                ieq(s->fcgi_role, "authorizer"));
    FUZZ_ASSERT(profile == NULL || strcmp(profile, "admins") == 0 ||
                strcmp(profile, "staff") == 0);
    /* Apache's check_authn sends no REMOTE_PASSWD: the header counts. */
    if (s->apache_role == NULL ||
        (ieq(s->apache_role, "authenticator") && s->remote_passwd == NULL)) {
        FUZZ_ASSERT(s->nauth == 1);
        FUZZ_ASSERT(fuzz_basic_ref(s->authorization, strlen(s->authorization),
                                   BASIC_TOKEN_MAX, BASIC_DECODED_MAX, dec, &cu,
                                   &cl) == FUZZ_BASIC_OK);
        FUZZ_ASSERT(cu == ulen && memcmp(dec, user, ulen) == 0);
        FUZZ_ASSERT(live_pair(profile, (const char *)dec, cu,
                              (const char *)dec + cu + 1, cl - cu - 1));
    } else if (ieq(s->apache_role, "authenticator")) {
        FUZZ_ASSERT(s->remote_user != NULL && s->remote_passwd != NULL);
        FUZZ_ASSERT(strcmp(s->remote_user, user) == 0);
        FUZZ_ASSERT(live_pair(profile, user, ulen, s->remote_passwd,
                              strlen(s->remote_passwd)));
    } else {
        FUZZ_ASSERT(ieq(s->apache_role, "authorizer"));
        FUZZ_ASSERT(s->remote_user != NULL);
        FUZZ_ASSERT(strcmp(s->remote_user, user) == 0);
        f = fixture(profile, user, ulen);
        FUZZ_ASSERT(f == NULL || f->live);
    }
    /* The rules. */
    if (profile != NULL && strcmp(profile, "staff") == 0)
        FUZZ_ASSERT(in_group(1, user, ulen));
    if (profile != NULL && strcmp(profile, "admins") == 0)
        FUZZ_ASSERT(in_group(0, user, ulen) || bytes_is(user, ulen, "root"));
    FUZZ_ASSERT(paths_may_allow(s, user, ulen));
    groups_of(user, ulen, groups, sizeof groups);
    FUZZ_ASSERT(d->groups_len == strlen(groups));
    FUZZ_ASSERT(strcmp(d->groups, groups) == 0);
}

/* A URI so plain every reading agrees: "/[a-z0-9._-/]*", no "." or "..". */
static bool
plain_uri(const char *u)
{
    if (u == NULL || u[0] != '/')
        return false;
    for (size_t i = 0; u[i] != '\0'; i++) {
        char c = u[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
              c == '-' || c == '_' || (c == '.' && u[i - 1] != '/')))
            return false;
        if (c == '/' && u[i + 1] == '/')
            return false;
    }
    return true;
}

/*
 * The reverse direction, for plain requests: the right password of a live
 * fixture passes (403 when a path rule refuses), a wrong one is 401.
 */
static void
check_plain(const struct said *s, const struct decision *d)
{
    unsigned char dec[BASIC_DECODED_MAX + 2];
    size_t cu = 0, cl = 0;
    const struct fixture *f;
    const char *user, *pw;
    size_t pwlen;

    if (s->apache_role != NULL || s->any_auth_param || s->long_value ||
        s->nauth != 1 || !plain_uri(s->uri) ||
        !(s->fcgi_role == NULL || ieq(s->fcgi_role, "responder") ||
          ieq(s->fcgi_role, "authorizer")))
        return;
    if (fuzz_basic_ref(s->authorization, strlen(s->authorization),
                       BASIC_TOKEN_MAX, BASIC_DECODED_MAX, dec, &cu,
                       &cl) != FUZZ_BASIC_OK)
        return;
    user = (const char *)dec;
    pw = user + cu + 1;
    pwlen = cl - cu - 1;
    f = fixture(NULL, user, cu);
    if (f == NULL || !f->live)
        return;
    stats_plain++;
    if (bytes_is(pw, pwlen, f->password))
        FUZZ_ASSERT(d->status == (paths_may_allow(s, user, cu) ? 200 : 403));
    else
        FUZZ_ASSERT(d->status == 401 && d->reason == REASON_BAD_PASSWORD);
}

/* ------------------------------------------------------------ response -- */

struct out {
    char buf[8192];
    size_t len;
    bool overflow;
};

static int
sink_write(void *ctx, const char *p, size_t n)
{
    struct out *o = ctx;

    if (n > sizeof o->buf - o->len) {
        o->overflow = true;
        return -1;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return 0;
}

static bool
token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void
check_response(const struct decision *d, const struct out *o)
{
    const char *p = o->buf, *end, *body;
    char status[16];
    unsigned challenges = 0, users = 0;
    int want = d->status;

    if (!(want == 200 || want == 400 || want == 401 || want == 403 ||
          want == 429 || want == 503))
        want = 500;
    snprintf(status, sizeof status, "Status: %d ", want);
    FUZZ_ASSERT(!o->overflow);
    FUZZ_ASSERT(o->len > strlen(status) &&
                memcmp(p, status, strlen(status)) == 0);
    body = memmem(p, o->len, "\r\n\r\n", 4);
    FUZZ_ASSERT(body != NULL);
    end = body + 2; /* the header block, every line with its CRLF */
    while (p < end) {
        const char *crlf = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *colon;
        size_t n;

        FUZZ_ASSERT(crlf != NULL);
        n = (size_t)(crlf - p);
        /* No bare CR or LF, nor any other control byte, inside a line. */
        FUZZ_ASSERT(!fuzz_has_ctl(p, n));
        colon = memchr(p, ':', n);
        FUZZ_ASSERT(colon != NULL && colon > p && colon + 1 < crlf &&
                    colon[1] == ' ');
        for (const char *c = p; c < colon; c++)
            FUZZ_ASSERT(token_char(*c));
        if (n > 9 && memcmp(p, "Variable-", 9) == 0)
            FUZZ_ASSERT(want == 200);
        if (n > 22 && memcmp(p, "Variable-REMOTE_USER: ", 22) == 0) {
            users++;
            FUZZ_ASSERT(n - 22 == d->user_len &&
                        memcmp(p + 22, d->user, d->user_len) == 0);
        }
        if (n > 18 && memcmp(p, "WWW-Authenticate: ", 18) == 0) {
            challenges++;
            FUZZ_ASSERT(want == 401);
            FUZZ_ASSERT(n > 31 && memcmp(p + 18, "Basic realm=\"", 13) == 0);
        }
        p = crlf + 2;
    }
    FUZZ_ASSERT(users == (want == 200));
    FUZZ_ASSERT(challenges == (want == 401));
    if (d->no_body)
        FUZZ_ASSERT(body + 4 == o->buf + o->len);
}

/* --------------------------------------------------------------- input -- */

/* Split data into at most PARAMS_MAX "NAME=VALUE" strings (NULL-ended). */
static size_t
split_params(const uint8_t *data, size_t size, char **envp)
{
    size_t n = 0, pos = 0;

    while (pos < size && n < PARAMS_MAX) {
        const char *start = (const char *)data + pos;
        const char *nl = memchr(start, '\n', size - pos);
        size_t len = nl != NULL ? (size_t)(nl - start) : size - pos;

        /* Exactly sized: ASan sees a read past the terminating NUL. */
        envp[n] = malloc(len + 1);
        if (envp[n] == NULL)
            abort();
        memcpy(envp[n], start, len);
        envp[n][len] = '\0';
        n++;
        pos += len + 1;
    }
    envp[n] = NULL;
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *envp[PARAMS_MAX + 1];
    size_t n = split_params(data, size, envp);
    struct request r;
    struct decision d;
    struct said s;
    struct out *o = calloc(1, sizeof *o);
    struct sink sink = {sink_write, o};

    if (o == NULL)
        abort();
    request_parse(&r, envp);
    authz_decide(&actx, &r, vctx, &d);
    read_params(envp, &s);

    FUZZ_ASSERT(d.status == 200 || d.status == 400 || d.status == 401 ||
                d.status == 403 || d.status == 500);
    FUZZ_ASSERT(d.reason != REASON_BUSY && d.reason != REASON_THROTTLED);
    if (r.role == ROLE_RESPONDER)
        FUZZ_ASSERT(d.status != 400);
    FUZZ_ASSERT(d.user_len < sizeof d.user && d.user[d.user_len] == '\0');
    if (d.status == 200)
        check_allow(&s, &d);
    check_plain(&s, &d);
    if (stats_on && d.status >= 0 && d.status < 600 &&
        (unsigned)d.reason <= REASON_INTERNAL)
        stats[d.status][d.reason]++;
    if (dummy_ready && d.status == 500)
        FUZZ_ASSERT(d.reason == REASON_MISCONFIGURED);

    FUZZ_ASSERT(response_write(&d, &sink) == 0);
    check_response(&d, o);
    authz_log(&d);

    for (size_t i = 0; i < n; i++)
        free(envp[i]);
    free(o);
    return 0;
}
