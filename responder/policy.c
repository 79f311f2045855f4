#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"

static bool
policy_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * The next word of s[*pos..n): sets *w and advances; false at the end.
 * A word in double quotes may hold spaces, '|' and '&' (directory groups
 * such as "Domain Users"); *w is what lies between the quotes. rule_parse
 * has made sure every quote is closed.
 */
static bool
policy_word(const char *s, size_t n, size_t *pos, struct bytes *w)
{
    size_t i = *pos, start;

    while (i < n && policy_space(s[i]))
        i++;
    if (i < n && s[i] == '"') {
        const char *close = memchr(s + i + 1, '"', n - i - 1);
        size_t end = close ? (size_t)(close - s) : n;

        *w = (struct bytes){s + i + 1, end - i - 1};
        *pos = end < n ? end + 1 : n;
        return true;
    }
    start = i;
    while (i < n && !policy_space(s[i]) && s[i] != '"')
        i++;
    *pos = i;
    *w = (struct bytes){s + start, i - start};
    return i > start;
}

/* Parse one term, text[0..n) between separators. */
static int
policy_term(struct rule *r, const char *s, size_t n, char *err, size_t errlen)
{
    struct rule_term *t;
    struct bytes w;
    size_t pos = 0;

    if (!policy_word(s, n, &pos, &w)) {
        snprintf(err, errlen, "empty term");
        return -1;
    }
    if (r->nterms == RULE_TERMS_MAX) {
        snprintf(err, errlen, "more than %d terms", RULE_TERMS_MAX);
        return -1;
    }
    t = &r->terms[r->nterms];
    if (util_bytes_ieq(w, "valid-user"))
        t->kind = RULE_VALID_USER;
    else if (util_bytes_ieq(w, "user"))
        t->kind = RULE_USER;
    else if (util_bytes_ieq(w, "group"))
        t->kind = RULE_GROUP;
    else {
        snprintf(err, errlen,
                 "unknown term '%.*s': expected valid-user, user or group",
                 (int)(w.n > 40 ? 40 : w.n), w.p);
        return -1;
    }
    t->first = r->nnames;
    t->count = 0;
    while (policy_word(s, n, &pos, &w)) {
        if (t->kind == RULE_VALID_USER) {
            snprintf(err, errlen, "valid-user takes no names");
            return -1;
        }
        if (r->nnames == RULE_NAMES_MAX) {
            snprintf(err, errlen, "more than %d names", RULE_NAMES_MAX);
            return -1;
        }
        if (memchr(w.p, ':', w.n) != NULL) {
            snprintf(err, errlen, "a name cannot contain ':'");
            return -1;
        }
        if (w.n == 0) {
            snprintf(err, errlen, "an empty name (\"\")");
            return -1;
        }
        /* w lies in r->text, of at most RULE_TEXT_MAX bytes. */
        r->names[r->nnames++] =
            (struct rule_name){(uint16_t)(w.p - r->text), (uint16_t)w.n};
        t->count++;
    }
    if (t->kind != RULE_VALID_USER && t->count == 0) {
        snprintf(err, errlen, "'%s' needs at least one name",
                 t->kind == RULE_USER ? "user" : "group");
        return -1;
    }
    r->nterms++;
    return 0;
}

int
rule_parse(struct rule *r, const char *text, size_t n, char *err, size_t errlen)
{
    char sep = '\0';
    size_t start = 0;
    bool quoted = false;

    memset(r, 0, sizeof *r);
    if (n > RULE_TEXT_MAX) {
        snprintf(err, errlen, "rule longer than %d bytes", RULE_TEXT_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '\t' &&
            ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)) {
            snprintf(err, errlen, "control characters in rule");
            return -1;
        }
    }
    /* Names point into our own copy, so the rule outlives the text. */
    memcpy(r->text, text, n);
    r->text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (text[i] == '"')
            quoted = !quoted;
    if (quoted) {
        snprintf(err, errlen, "unterminated quote");
        return -1;
    }
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? r->text[i] : '\0';

        if (c == '"')
            quoted = !quoted;
        if ((c != '|' && c != '&' && i < n) || quoted)
            continue;
        if (c == '|' || c == '&') {
            if (sep != '\0' && sep != c) {
                snprintf(err, errlen,
                         "'|' and '&' mixed: use one of them per rule");
                return -1;
            }
            sep = c;
        }
        if (policy_term(r, r->text + start, i - start, err, errlen) < 0)
            return -1;
        start = i + 1;
    }
    r->all = sep == '&';
    return 0;
}

/* Name i of r, as bytes of its text. */
static struct bytes
policy_name(const struct rule *r, unsigned i)
{
    return (struct bytes){r->text + r->names[i].off, r->names[i].len};
}

static bool
policy_names_has(const struct rule *r, const struct rule_term *t,
                 struct bytes user)
{
    for (unsigned i = t->first; i < t->first + t->count; i++) {
        struct bytes name = policy_name(r, i);

        if (name.n == user.n && memcmp(name.p, user.p, user.n) == 0)
            return true;
    }
    return false;
}

/* Whether name is one of the comma-separated names of list. */
static bool
policy_listed(struct bytes list, struct bytes name)
{
    size_t i = 0;

    while (i < list.n) {
        const char *comma = memchr(list.p + i, ',', list.n - i);
        size_t end = comma ? (size_t)(comma - list.p) : list.n;

        if (end - i == name.n && memcmp(list.p + i, name.p, name.n) == 0)
            return true;
        i = end + 1;
    }
    return false;
}

static bool
policy_in_groups(const struct rule *r, const struct rule_term *t,
                 struct bytes user, const struct rule_groups *g)
{
    for (unsigned i = t->first; i < t->first + t->count; i++) {
        struct bytes name = policy_name(r, i);

        if (htgroup_member(g->file, name.p, name.n, user.p, user.n) ||
            policy_listed(g->listed, name))
            return true;
    }
    return false;
}

static bool
policy_term_allows(const struct rule *r, const struct rule_term *t,
                   struct bytes user, const struct rule_groups *g)
{
    switch (t->kind) {
    case RULE_VALID_USER:
        return user.n > 0;
    case RULE_USER:
        return policy_names_has(r, t, user);
    case RULE_GROUP:
        return policy_in_groups(r, t, user, g);
    }
    return false;
}

bool
rule_allows(const struct rule *r, struct bytes user,
            const struct htgroup *groups)
{
    struct rule_groups g = {groups, BYTES_NULL};

    return rule_allows_in(r, user, &g);
}

bool
rule_allows_in(const struct rule *r, struct bytes user,
               const struct rule_groups *g)
{
    if (r->nterms == 0 || user.n == 0)
        return false;
    for (unsigned i = 0; i < r->nterms; i++) {
        bool ok = policy_term_allows(r, &r->terms[i], user, g);

        if (r->all && !ok)
            return false;
        if (!r->all && ok)
            return true;
    }
    return r->all;
}

void
rule_each_group(const struct rule *r, void (*fn)(void *ctx, struct bytes name),
                void *ctx)
{
    for (unsigned i = 0; i < r->nterms; i++) {
        const struct rule_term *t = &r->terms[i];

        if (t->kind != RULE_GROUP)
            continue;
        for (unsigned k = t->first; k < t->first + t->count; k++)
            fn(ctx, policy_name(r, k));
    }
}
