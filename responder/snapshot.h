/*
 * snapshot: everything a decision reads that comes from files, loaded
 * together from a configuration: per profile its users, groups, realm and
 * rule, and the path rules. Immutable once built, so a later reload can
 * swap a whole new snapshot in and no request ever sees users of one
 * version with groups of another.
 */
#ifndef FCGI_AUTHD_SNAPSHOT_H
#define FCGI_AUTHD_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "directory.h"
#include "htgroup.h"
#include "htpasswd.h"
#include "jwks_fetch.h"
#include "jwt.h"
#include "log.h"
#include "policy.h"
#include "token.h"

/* What a file of a snapshot holds. */
enum snap_kind {
    SNAP_USERS,  /* user_file: htpasswd */
    SNAP_GROUPS, /* group_file: htgroup */
    SNAP_TOKENS, /* token_file: API tokens */
    SNAP_JWKS,   /* jwks_file: JWT signing keys */
    SNAP_SECRET, /* ldap_bind_password_file: one password */
};

struct snap_profile {
    const char *name; /* "default" for the top level */
    const char *realm;
    /* The identity sources; NULL: not configured. A profile has at least
     * one (the default one may have none when named ones exist: 500). */
    const struct htpasswd *users;    /* Basic */
    struct directory *dir;           /* Basic: LDAP (owned), after users */
    const struct tokfile *tokens;    /* Bearer: API tokens */
    const struct jwks *jwks;         /* Bearer: JWTs, judged by jwt */
    struct jwks_remote *jwks_remote; /* JWTs: the keys of jwks_url */
    struct jwt_policy jwt;
    const struct htgroup *groups; /* NULL: no group file */
    struct rule require;
};

struct snap_path {
    const char *prefix; /* normalised */
    size_t len;
    struct rule require;
};

struct snapshot {
    struct snap_profile *profiles; /* [0] is the default profile */
    size_t nprofiles;
    struct snap_path *paths;
    size_t npaths;
    bool apache_authz;
    uint64_t generation; /* cache entries of other generations never hit */
    uint64_t signature;  /* of the files' stat() before they were read */
    /* Owned storage, freed by snapshot_free. */
    struct snap_file *files;
    size_t nfiles;
};

/*
 * Load every file the configuration names (a file named by several
 * profiles is read once) and build the snapshot. Every problem goes to
 * diag; NULL when any file cannot be used or a profile has no user file
 * (the default profile may have none when named profiles exist). The
 * snapshot points at c's strings (names, realms, prefixes): c must outlive
 * it.
 */
struct snapshot *snapshot_load(const struct conf *c, diag_fn *diag,
                               void *diag_ctx);

/*
 * snapshot_load for a reload while serving: also refuses a user file
 * without entries (most likely one caught mid-rewrite), so the caller
 * keeps the snapshot it has.
 */
struct snapshot *snapshot_reload(const struct conf *c, diag_fn *diag,
                                 void *diag_ctx);

/*
 * A digest of the stat() (device, inode, size, modification time, or the
 * error) of every file s was loaded from, as they are now. Differs from
 * s->signature when a file was replaced, rewritten, removed or touched.
 */
uint64_t snapshot_signature(const struct snapshot *s);

/* The profile called name[0..n), or NULL. */
const struct snap_profile *snapshot_profile(const struct snapshot *s,
                                            const char *name, size_t n);

/* Free s and everything it loaded. NULL is a no-op. */
void snapshot_free(struct snapshot *s);

/* snapshot_free, as a store's free function (store.h). */
void snapshot_free_obj(void *s);

#endif
