/*
 * policy: who may pass. A rule is a list of terms joined by "|" (any of) or
 * "&" (all of), never both:
 *
 *     valid-user
 *     user alice bob
 *     group admins | user alice
 *     group staff & group vpn
 *
 * Keywords are case-insensitive; names are case-sensitive and separated by
 * spaces or tabs.
 */
#ifndef FCGI_AUTHD_POLICY_H
#define FCGI_AUTHD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "htgroup.h"
#include "util.h"

#define RULE_TEXT_MAX  1024
#define RULE_TERMS_MAX 16
#define RULE_NAMES_MAX 64

enum rule_kind {
    RULE_VALID_USER,
    RULE_USER,
    RULE_GROUP,
};

struct rule_term {
    enum rule_kind kind;
    unsigned first; /* index of the first name in rule.names */
    unsigned count;
};

/* A name of a rule: text[off..off+len) of the rule's own copy. */
struct rule_name {
    uint16_t off;
    uint16_t len;
};

/*
 * A parsed rule; self-contained (names are offsets into its own text
 * copy), so it may be copied by value and outlives the text it came from.
 */
struct rule {
    bool all; /* "&": every term; else any term */
    unsigned nterms;
    struct rule_term terms[RULE_TERMS_MAX];
    unsigned nnames;
    struct rule_name names[RULE_NAMES_MAX];
    char text[RULE_TEXT_MAX + 1];
};

/*
 * Parse text[0..n) into *r. Returns 0, or -1 with a message naming the
 * problem in err: empty rule or term, an unknown keyword, "user" or
 * "group" without names, "valid-user" with names, "|" mixed with "&", a
 * name with a control byte or ':', more than RULE_TERMS_MAX terms or
 * RULE_NAMES_MAX names, text longer than RULE_TEXT_MAX.
 */
int rule_parse(struct rule *r, const char *text, size_t n, char *err,
               size_t errlen);

/*
 * Whether the authenticated user[0..) passes r, with group membership from
 * groups (NULL: the user is in no group).
 */
bool rule_allows(const struct rule *r, struct bytes user,
                 const struct htgroup *groups);

/* Where a user's groups come from: a group file, and a list a token
 * carried ("a,b"); either may be empty. */
struct rule_groups {
    const struct htgroup *file; /* NULL: none */
    struct bytes listed;        /* comma-separated names */
};

/* rule_allows, a member of a group when either source says so. */
bool rule_allows_in(const struct rule *r, struct bytes user,
                    const struct rule_groups *g);

/*
 * Call fn(ctx, name) for every group r names, so a configuration check can
 * warn about groups no group file defines.
 */
void rule_each_group(const struct rule *r,
                     void (*fn)(void *ctx, struct bytes name), void *ctx);

#endif
