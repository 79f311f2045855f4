#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "file.h"
#include "path.h"
#include "snapshot.h"

/* A file loaded once however many profiles name it (per kind). */
struct snap_file {
    char *path;
    long long stat_before[5]; /* snap_stat before it was read */
    enum snap_kind kind;
    struct htpasswd *users;
    struct htgroup *groups;
    struct tokfile *tokens;
    struct jwks *jwks;
    char *secret; /* SNAP_SECRET: the file's first line, wiped when freed */
    size_t secret_len;
};

struct snap_builder {
    struct snapshot *s;
    const struct conf *c;
    bool reload;
    struct diag d; /* about the configuration: c->file by default */
    bool failed;   /* a file did not load (its loader said why) */
};

/* What identifies a version of the file at path: stat(), or the error. */
static void
snap_stat(const char *path, long long v[5])
{
    struct stat st;

    memset(v, 0, 5 * sizeof v[0]);
    if (stat(path, &st) == 0) {
        v[0] = (long long)st.st_dev;
        v[1] = (long long)st.st_ino;
        v[2] = (long long)st.st_size;
        v[3] = (long long)st.st_mtim.tv_sec;
        v[4] = (long long)st.st_mtim.tv_nsec;
    } else {
        v[0] = -errno;
    }
}

/* A password file: its first line, without the line end; not empty. */
static bool
snap_read_secret(struct snap_builder *b, struct snap_file *f)
{
    char err[256];
    size_t len = 0, n;
    char *buf = file_read(f->path, 4096, &len, NULL, err, sizeof err);

    if (buf == NULL) {
        diag_report_at(&b->d, LOGL_ERROR, f->path, 0, "%s", err);
        return false;
    }
    for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
        ;
    if (n == 0 || (f->secret = malloc(n + 1)) == NULL) {
        diag_report_at(&b->d, LOGL_ERROR, f->path, 0, "%s",
                       n == 0 ? "no password on its first line"
                              : "out of memory");
        file_free(buf, len);
        return false;
    }
    memcpy(f->secret, buf, n);
    f->secret[n] = '\0';
    f->secret_len = n;
    file_free(buf, len);
    return true;
}

/* Read f->path as its kind says; false when it cannot be used. */
static bool
snap_read(struct snap_builder *b, struct snap_file *f)
{
    struct htpasswd_opts opts = {b->c->allow_plaintext, b->c->allow_des,
                                 b->c->max_bcrypt_cost, b->c->max_crypt_rounds};
    const char *path = f->path;

    switch (f->kind) {
    case SNAP_GROUPS:
        return (f->groups = htgroup_load(path, b->d.fn, b->d.ctx)) != NULL;
    case SNAP_USERS:
        f->users = htpasswd_load(path, &opts, b->d.fn, b->d.ctx);
        return f->users != NULL;
    case SNAP_TOKENS:
        return (f->tokens = tokfile_load(path, b->d.fn, b->d.ctx)) != NULL;
    case SNAP_JWKS:
        return (f->jwks = jwks_load(path, b->d.fn, b->d.ctx)) != NULL;
    case SNAP_SECRET:
        return snap_read_secret(b, f);
    }
    return false;
}

/* How many entries f has: an empty file while serving is refused. */
static size_t
snap_entries(const struct snap_file *f)
{
    switch (f->kind) {
    case SNAP_GROUPS:
        return 1; /* an empty group file is a real state */
    case SNAP_USERS:
        return htpasswd_count(f->users);
    case SNAP_TOKENS:
        /* Revoking the last token must take effect: the tool writes the
         * file whole (rename), so empty is a real state, and deny-biased. */
        return 1;
    case SNAP_JWKS:
        return jwks_count(f->jwks);
    case SNAP_SECRET:
        return 1;
    }
    return 0;
}

/* The loaded file at path, loading it on first use; NULL on failure. */
static struct snap_file *
snap_file(struct snap_builder *b, const char *path, enum snap_kind kind)
{
    struct snapshot *s = b->s;
    struct snap_file *f;

    for (size_t i = 0; i < s->nfiles; i++)
        if (s->files[i].kind == kind && strcmp(s->files[i].path, path) == 0)
            return &s->files[i];
    f = realloc(s->files, (s->nfiles + 1) * sizeof *f);
    if (f != NULL) {
        s->files = f;
        f = &s->files[s->nfiles];
        memset(f, 0, sizeof *f);
        f->kind = kind;
        f->path = strdup(path);
    }
    if (f == NULL || f->path == NULL) {
        diag_report_at(&b->d, LOGL_ERROR, path, 0, "out of memory");
        return NULL;
    }
    s->nfiles++;
    /* Before reading: a change while reading then shows at the next check. */
    snap_stat(path, f->stat_before);
    if (kind != SNAP_GROUPS && !b->reload) {
        struct stat st;

        /* Hashes are secrets too: offline guessing needs only the file
         * (token digests are not, but who holds which token is). */
        if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
            diag_report_at(&b->d, LOGL_WARN, path, 0,
                           "readable by every local user: chmod o-r (and let "
                           "only fcgi-authd's user or group read it)");
    }
    if (!snap_read(b, f)) {
        b->failed = true;
        return NULL;
    }
    /*
     * An empty user, token or key file while serving is far more likely a
     * file caught mid-rewrite (or truncated by mistake) than a wish to
     * lock everyone out: keep the last good one.
     */
    if (b->reload && snap_entries(f) == 0) {
        diag_report_at(&b->d, LOGL_ERROR, path, 0, "no entries");
        return NULL;
    }
    return f;
}

/* Whether nothing went wrong so far. */
static bool
snap_ok(const struct snap_builder *b)
{
    return !b->failed && b->d.errors == 0;
}

/*
 * The rule conf parsed (a copy: rules are self-contained), or valid-user
 * for a conf that never set one.
 */
static void
snap_rule(struct rule *dst, const struct rule *src)
{
    char err[64];

    if (src != NULL)
        *dst = *src;
    else
        (void)rule_parse(dst, "valid-user", 10, err, sizeof err);
}

struct snap_group_check {
    struct snap_builder *b;
    const struct htgroup *groups;
    const char *where;
};

static void
snap_warn_group(void *ctx, struct bytes name)
{
    struct snap_group_check *gc = ctx;

    if (gc->groups != NULL && htgroup_exists(gc->groups, name.p, name.n))
        return;
    diag_report(&gc->b->d, LOGL_WARN, 0,
                "%s: group '%.*s' is not defined in %s: nobody passes it",
                gc->where, (int)(name.n > 64 ? 64 : name.n), name.p,
                gc->groups ? "the group file"
                           : "any group file (no group_file)");
}

/* A profile's key: its own, else the top level's. */
#define SNAP_KEY(cp, c, m) ((cp) && (cp)->m ? (cp)->m : (c)->m)

/* The Bearer sources of p: token file, JWK Set and what JWTs must say. */
static void
snap_bearer(struct snap_builder *b, struct snap_profile *p,
            const struct conf_profile *cp, const char *where)
{
    const struct conf *c = b->c;
    const char *token_file = SNAP_KEY(cp, c, token_file);
    const char *jwks_file = SNAP_KEY(cp, c, jwks_file);
    const char *jwks_url = SNAP_KEY(cp, c, jwks_url);
    struct snap_file *f;
    char err[256];

    if (token_file != NULL && (f = snap_file(b, token_file, SNAP_TOKENS)))
        p->tokens = f->tokens;
    if (jwks_file == NULL && jwks_url == NULL)
        return;
    if (jwks_file != NULL && (f = snap_file(b, jwks_file, SNAP_JWKS)))
        p->jwks = f->jwks;
    if (jwks_url != NULL && jwks_url_check(jwks_url, err, sizeof err) < 0)
        diag_report(&b->d, LOGL_ERROR, 0, "%s: jwks_url %s: %s", where,
                    jwks_url, err);
    else if (jwks_url != NULL && (p->jwks_remote = jwks_remote_get(
                                      jwks_url, c->jwks_ca_file)) == NULL)
        diag_report(&b->d, LOGL_ERROR, 0, "out of memory");
    p->jwt = (struct jwt_policy){
        .issuer = SNAP_KEY(cp, c, jwt_issuer),
        .audience = SNAP_KEY(cp, c, jwt_audience),
        .leeway = c->jwt_leeway,
        .user_claim = SNAP_KEY(cp, c, jwt_user_claim),
        .groups_claim = SNAP_KEY(cp, c, jwt_groups_claim),
    };
    /* RFC 8725 3.8, 3.9: a token for another issuer or service is not
     * one for us, so both are required, never guessed. */
    if (p->jwt.issuer == NULL || p->jwt.audience == NULL)
        diag_report(&b->d, LOGL_ERROR, 0,
                    "%s: a JWK Set (jwks_file, jwks_url) needs jwt_issuer "
                    "and jwt_audience",
                    where);
}

/* The LDAP directory of p, when the profile names one. */
static void
snap_directory(struct snap_builder *b, struct snap_profile *p,
               const struct conf_profile *cp, const char *where)
{
    const struct conf *c = b->c;
    const char *pwfile = SNAP_KEY(cp, c, ldap_bind_password_file);
    struct directory_opts o = {
        .urls = SNAP_KEY(cp, c, ldap_url),
        .base_dn = SNAP_KEY(cp, c, ldap_base_dn),
        .filter = SNAP_KEY(cp, c, ldap_filter),
        .bind_dn = SNAP_KEY(cp, c, ldap_bind_dn),
        .ca_file = c->ldap_ca_file,
        .starttls = c->ldap_starttls,
        .timeout = c->ldap_timeout,
        .group_filter = SNAP_KEY(cp, c, ldap_group_filter),
        .group_attr = SNAP_KEY(cp, c, ldap_group_attr),
        .memberof_attr = SNAP_KEY(cp, c, ldap_memberof_attr),
        .connections = c->ldap_connections,
    };
    struct snap_file *f;
    char err[256];

    if (o.urls == NULL)
        return;
    if (pwfile != NULL) {
        if ((f = snap_file(b, pwfile, SNAP_SECRET)) == NULL)
            return;
        o.bind_pw = f->secret;
        o.bind_pw_len = f->secret_len;
    }
    if ((p->dir = directory_new(&o, err, sizeof err)) == NULL)
        diag_report(&b->d, LOGL_ERROR, 0, "%s: ldap_url: %s", where, err);
}

/* Fill profile i; cp NULL for the default profile (top-level keys). */
static void
snap_profile(struct snap_builder *b, struct snap_profile *p,
             const struct conf_profile *cp)
{
    const struct conf *c = b->c;
    const char *user_file = SNAP_KEY(cp, c, user_file);
    const char *group_file = SNAP_KEY(cp, c, group_file);
    const struct rule *require = SNAP_KEY(cp, c, require);
    /* Sources other than the user file: a profile needs one of them. */
    bool others = SNAP_KEY(cp, c, token_file) || SNAP_KEY(cp, c, jwks_file) ||
                  SNAP_KEY(cp, c, jwks_url) || SNAP_KEY(cp, c, ldap_url);
    char where[100];
    struct snap_file *f;
    struct snap_group_check gc;

    p->name = cp ? cp->name : "default";
    p->realm = SNAP_KEY(cp, c, realm);
    snprintf(where, sizeof where, "profile '%s'", p->name);
    if (user_file == NULL && !others) {
        /* Only named profiles: the default profile is then refused (500). */
        if (cp != NULL || c->nprofiles == 0)
            diag_report(&b->d, LOGL_ERROR, 0,
                        "%s: no user file, directory, token file or JWK "
                        "Set: set user_file, ldap_url, token_file, "
                        "jwks_file or jwks_url",
                        where);
    } else if (user_file != NULL &&
               (f = snap_file(b, user_file, SNAP_USERS)) != NULL) {
        p->users = f->users;
    }
    snap_bearer(b, p, cp, where);
    snap_directory(b, p, cp, where);
    if (group_file != NULL && (f = snap_file(b, group_file, SNAP_GROUPS)))
        p->groups = f->groups;
    snap_rule(&p->require, require);
    gc = (struct snap_group_check){b, p->groups, where};
    if (snap_ok(b) && p->jwks == NULL && p->jwks_remote == NULL &&
        p->dir == NULL)
        rule_each_group(&p->require, snap_warn_group, &gc);
}
#undef SNAP_KEY

/* Each snapshot gets the next number: cached verifications name theirs. */
static uint64_t snapshot_generations;

static struct snapshot *
snapshot_build(const struct conf *c, bool reload, diag_fn *diag, void *diag_ctx)
{
    struct snap_builder b = {.c = c, .reload = reload};
    struct snapshot *s = calloc(1, sizeof *s);

    if (s == NULL)
        return NULL;
    b.s = s;
    diag_init(&b.d, diag, diag_ctx, c->file ? c->file : "configuration", 0);
    s->apache_authz = c->apache_authz;
    s->generation =
        __atomic_add_fetch(&snapshot_generations, 1, __ATOMIC_RELAXED);
    s->profiles = calloc(c->nprofiles + 1, sizeof *s->profiles);
    s->paths = calloc(c->npaths + 1, sizeof *s->paths);
    if (s->profiles == NULL || s->paths == NULL) {
        snapshot_free(s);
        return NULL;
    }
    s->nprofiles = c->nprofiles + 1;
    snap_profile(&b, &s->profiles[0], NULL);
    for (size_t i = 0; i < c->nprofiles; i++)
        snap_profile(&b, &s->profiles[i + 1], &c->profiles[i]);
    s->npaths = c->npaths;
    for (size_t i = 0; i < c->npaths; i++) {
        char where[PATH_NORM_MAX + 16];

        snprintf(where, sizeof where, "[path %s]", c->paths[i].prefix);
        s->paths[i].prefix = c->paths[i].prefix;
        s->paths[i].len = strlen(c->paths[i].prefix);
        if (c->paths[i].require == NULL) {
            diag_report(&b.d, LOGL_ERROR, c->paths[i].line,
                        "%s: no 'require' rule", where);
        } else {
            struct snap_group_check gc = {&b, s->profiles[0].groups, where};

            s->paths[i].require = *c->paths[i].require;
            /* Path rules judge with the chosen profile's groups; warn with
             * the default profile's, the usual case. */
            if (snap_ok(&b))
                rule_each_group(&s->paths[i].require, snap_warn_group, &gc);
        }
    }
    if (!snap_ok(&b)) {
        snapshot_free(s);
        return NULL;
    }
    for (size_t i = 0; i < s->nfiles; i++)
        s->signature = util_hash64(s->signature, s->files[i].stat_before,
                                   sizeof s->files[i].stat_before);
    return s;
}

struct snapshot *
snapshot_load(const struct conf *c, diag_fn *diag, void *diag_ctx)
{
    return snapshot_build(c, false, diag, diag_ctx);
}

struct snapshot *
snapshot_reload(const struct conf *c, diag_fn *diag, void *diag_ctx)
{
    return snapshot_build(c, true, diag, diag_ctx);
}

uint64_t
snapshot_signature(const struct snapshot *s)
{
    uint64_t h = 0;

    for (size_t i = 0; i < s->nfiles; i++) {
        long long v[5];

        snap_stat(s->files[i].path, v);
        h = util_hash64(h, v, sizeof v);
    }
    return h;
}

const struct snap_profile *
snapshot_profile(const struct snapshot *s, const char *name, size_t n)
{
    for (size_t i = 1; i < s->nprofiles; i++)
        if (strlen(s->profiles[i].name) == n &&
            memcmp(s->profiles[i].name, name, n) == 0)
            return &s->profiles[i];
    return NULL;
}

void
snapshot_free(struct snapshot *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        htpasswd_free(s->files[i].users);
        htgroup_free(s->files[i].groups);
        tokfile_free(s->files[i].tokens);
        jwks_free(s->files[i].jwks);
        if (s->files[i].secret != NULL) {
            util_wipe(s->files[i].secret, s->files[i].secret_len);
            free(s->files[i].secret);
        }
    }
    for (size_t i = 0; s->profiles != NULL && i < s->nprofiles; i++)
        directory_free(s->profiles[i].dir);
    free(s->files);
    free(s->profiles);
    free(s->paths);
    free(s);
}

void
snapshot_free_obj(void *s)
{
    snapshot_free(s);
}
