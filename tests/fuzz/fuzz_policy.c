/*
 * fuzz_policy: rule_parse and rule_allows.
 *
 * Input: the rule on the first line, a user name on the second, a group
 * file after that (parsed with htgroup_parse; when it is refused, the
 * user is in no group).
 *
 * A reference parser and evaluator written from policy.h's grammar must
 * agree with rule_parse on accepting the rule and with rule_allows for the
 * user, for every name the rule lists and for every member the group file
 * lists. A parsed rule keeps its own copy of the text: the input is freed
 * before the rule is evaluated, so ASan sees any view left pointing at it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "htgroup.h"
#include "policy.h"

#define SAMPLE_USERS 32

struct ref_term {
    int kind; /* 0 valid-user, 1 user, 2 group */
    struct bytes names[RULE_NAMES_MAX];
    size_t nnames;
};

struct ref_rule {
    bool all;
    struct ref_term terms[RULE_TERMS_MAX];
    size_t nterms;
    size_t nnames;
};

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
next_word(const char *s, size_t n, size_t *pos, struct bytes *w)
{
    size_t i = *pos;

    while (i < n && blank(s[i]))
        i++;
    w->p = s + i;
    while (i < n && !blank(s[i]))
        i++;
    w->n = (size_t)(s + i - w->p);
    *pos = i;
    return w->n > 0;
}

static bool
ieq(struct bytes w, const char *lit)
{
    return w.n == strlen(lit) && fuzz_istarts(w.p, w.n, lit);
}

/* One term s[0..n); false when policy.h says it is an error. */
static bool
ref_term(struct ref_rule *r, const char *s, size_t n)
{
    struct ref_term *t;
    struct bytes w;
    size_t pos = 0;

    if (!next_word(s, n, &pos, &w) || r->nterms == RULE_TERMS_MAX)
        return false;
    t = &r->terms[r->nterms++];
    t->nnames = 0;
    if (ieq(w, "valid-user"))
        t->kind = 0;
    else if (ieq(w, "user"))
        t->kind = 1;
    else if (ieq(w, "group"))
        t->kind = 2;
    else
        return false;
    while (next_word(s, n, &pos, &w)) {
        if (t->kind == 0 || r->nnames == RULE_NAMES_MAX ||
            memchr(w.p, ':', w.n) != NULL)
            return false;
        t->names[t->nnames++] = w;
        r->nnames++;
    }
    return t->kind == 0 || t->nnames > 0;
}

/*
 * policy.h's grammar: terms joined by '|' or by '&', never both; no
 * control byte (tabs separate words); at most RULE_TEXT_MAX bytes.
 */
static bool
ref_parse(struct ref_rule *r, const char *s, size_t n)
{
    bool bar = memchr(s, '|', n) != NULL, amp = memchr(s, '&', n) != NULL;
    size_t start = 0;

    memset(r, 0, sizeof *r);
    if (n > RULE_TEXT_MAX || (bar && amp))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\t' && fuzz_has_ctl(s + i, 1))
            return false;
    r->all = amp;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '|' && s[i] != '&')
            continue;
        if (!ref_term(r, s + start, i - start))
            return false;
        start = i + 1;
    }
    return true;
}

static bool
ref_allows(const struct ref_rule *r, struct bytes user, const struct htgroup *g)
{
    if (user.n == 0)
        return false;
    for (size_t i = 0; i < r->nterms; i++) {
        const struct ref_term *t = &r->terms[i];
        bool ok = t->kind == 0;

        for (size_t k = 0; k < t->nnames && !ok; k++) {
            struct bytes nm = t->names[k];

            ok = t->kind == 1
                     ? nm.n == user.n && memcmp(nm.p, user.p, user.n) == 0
                     : htgroup_member(g, nm.p, nm.n, user.p, user.n);
        }
        if (r->all && !ok)
            return false;
        if (!r->all && ok)
            return true;
    }
    return r->all;
}

static void
count_group(void *ctx, struct bytes name)
{
    size_t *n = ctx;

    FUZZ_ASSERT(name.n > 0);
    (*n)++;
}

/* The next '\n'-terminated line of d[*pos..n), or the rest. */
static struct bytes
take_line(const char *d, size_t n, size_t *pos)
{
    const char *nl = memchr(d + *pos, '\n', n - *pos);
    struct bytes l = {d + *pos,
                      (size_t)((nl != NULL ? nl : d + n) - (d + *pos))};

    *pos = nl != NULL ? (size_t)(nl - d) + 1 : n;
    return l;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    size_t pos = 0, nusers = 0, ngroups = 0, want_groups = 0;
    struct bytes rule_text = take_line(d, size, &pos);
    struct bytes user = take_line(d, size, &pos);
    struct htgroup *g = htgroup_parse("fuzz.htgroup", d + pos, size - pos,
                                      fuzz_diag_quiet, NULL);
    struct bytes users[SAMPLE_USERS];
    struct ref_rule *ref = malloc(sizeof *ref);
    struct rule *r = malloc(sizeof *r);
    char *copy = malloc(rule_text.n > 0 ? rule_text.n : 1);
    char err[256];
    bool ok;
    int rc;

    if (ref == NULL || r == NULL || copy == NULL)
        abort();
    memcpy(copy, rule_text.p, rule_text.n);
    err[0] = '\0';
    rc = rule_parse(r, copy, rule_text.n, err, sizeof err);
    free(copy); /* the rule must not point into the text it was given */
    FUZZ_ASSERT(rc == 0 || rc == -1);
    /*
     * The reference model predates quoted names ("Domain Users"), which
     * check_policy covers: with a quote, only the parse's own safety (ASan,
     * the rule outliving its text) is checked here.
     */
    if (memchr(rule_text.p, '"', rule_text.n) != NULL)
        goto done;
    ok = ref_parse(ref, rule_text.p, rule_text.n);
    FUZZ_ASSERT((rc == 0) == ok);
    if (rc != 0) {
        FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
        goto done;
    }
    FUZZ_ASSERT(r->nterms == ref->nterms && r->nnames == ref->nnames);
    FUZZ_ASSERT(r->all == ref->all || r->nterms == 1);

    users[nusers++] = user;
    for (size_t i = 0; i < ref->nterms && nusers < SAMPLE_USERS; i++)
        for (size_t k = 0; k < ref->terms[i].nnames && nusers < SAMPLE_USERS;
             k++)
            users[nusers++] = ref->terms[i].names[k];
    /* Members of the group file: scan its words after a ':' on each line. */
    for (size_t p = pos; p < size && nusers < SAMPLE_USERS;) {
        struct bytes l = take_line(d, size, &p);
        const char *colon = memchr(l.p, ':', l.n);
        size_t wp;
        struct bytes w;

        if (colon == NULL)
            continue;
        wp = (size_t)(colon + 1 - l.p);
        while (nusers < SAMPLE_USERS && next_word(l.p, l.n, &wp, &w))
            users[nusers++] = w;
    }
    for (size_t i = 0; i < nusers; i++) {
        FUZZ_ASSERT(rule_allows(r, users[i], g) ==
                    ref_allows(ref, users[i], g));
        /* No groups at all: group terms never pass. */
        FUZZ_ASSERT(rule_allows(r, users[i], NULL) ==
                    ref_allows(ref, users[i], NULL));
    }
    for (size_t i = 0; i < ref->nterms; i++)
        if (ref->terms[i].kind == 2)
            want_groups += ref->terms[i].nnames;
    rule_each_group(r, count_group, &ngroups);
    FUZZ_ASSERT(ngroups == want_groups);
done:
    htgroup_free(g);
    free(r);
    free(ref);
    return 0;
}
