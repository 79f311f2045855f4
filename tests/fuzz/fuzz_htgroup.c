/*
 * fuzz_htgroup: htgroup_parse on any file contents.
 *
 * The harness reads the lines itself, as htgroup.h describes them, and
 * checks: the file is refused exactly when some line is malformed; every
 * group named exists and every member listed is a member; the number of
 * groups is the number of distinct names; for a sample of names, membership
 * answers match the lines and htgroup_each_group lists the user's groups
 * once each, in the order the groups first appear in the file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "htgroup.h"
#include "htpasswd.h"

/* Names sampled for the cross checks (each costs a pass over the lines). */
#define SAMPLE_USERS  24
#define SAMPLE_GROUPS 24

struct ref_line {
    struct bytes group;   /* set on a group line */
    struct bytes members; /* the text after the ':' */
    bool group_line;
    bool bad;
};

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The next blank-separated word of *rest; false when none is left. */
static bool
next_word(struct bytes *rest, struct bytes *w)
{
    size_t i = 0;

    while (i < rest->n && is_blank(rest->p[i]))
        i++;
    w->p = rest->p + i;
    while (i < rest->n && !is_blank(rest->p[i]))
        i++;
    w->n = (size_t)(rest->p + i - w->p);
    rest->p += i;
    rest->n -= i;
    return w->n > 0;
}

static bool
group_ok(struct bytes g)
{
    return g.n > 0 && g.n <= HTGROUP_NAME_MAX && !fuzz_has_ctl(g.p, g.n) &&
           memchr(g.p, ' ', g.n) == NULL && memchr(g.p, ',', g.n) == NULL;
}

/* A member must be a name htpasswd could hold, written plainly. */
static bool
member_ok(struct bytes m)
{
    return m.n <= HTPASSWD_USER_MAX && !fuzz_has_ctl(m.p, m.n) &&
           memchr(m.p, ':', m.n) == NULL && m.p[0] != '#' && m.p[0] != '"' &&
           m.p[0] != '\'';
}

static void
ref_line(const char *p, size_t n, bool first, struct ref_line *l)
{
    const char *colon;
    struct bytes rest, w;
    size_t i;

    memset(l, 0, sizeof *l);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > HTGROUP_LINE_MAX) {
        l->bad = true;
        return;
    }
    for (i = 0; i < n && is_blank(p[i]); i++)
        ;
    if (i == n || p[0] == '#')
        return;
    /* A byte order mark would become part of the first group's name. */
    if (first && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        l->bad = true;
        return;
    }
    colon = memchr(p, ':', n);
    if (colon == NULL) {
        l->bad = true;
        return;
    }
    l->group = (struct bytes){p, (size_t)(colon - p)};
    l->members = (struct bytes){colon + 1, (size_t)(p + n - colon - 1)};
    if (!group_ok(l->group)) {
        l->bad = true;
        return;
    }
    rest = l->members;
    while (next_word(&rest, &w))
        if (!member_ok(w)) {
            l->bad = true;
            return;
        }
    l->group_line = true;
}

static bool
same(struct bytes a, struct bytes b)
{
    return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static int
cmp_bytes(const void *a, const void *b)
{
    const struct bytes *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n > 0 ? memcmp(x->p, y->p, n) : 0;

    return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* A group name and the first line naming it (its place in file order). */
struct first {
    struct bytes group;
    size_t line;
};

static int
cmp_first(const void *a, const void *b)
{
    const struct first *x = a, *y = b;
    int c = cmp_bytes(&x->group, &y->group);

    return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Every distinct group with its first line, sorted by name; *nf set. */
static struct first *
ref_firsts(const struct ref_line *lines, size_t n, size_t *nf)
{
    struct first *f = malloc((n + 1) * sizeof *f);
    size_t k = 0, d = 0;

    if (f == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        if (lines[i].group_line)
            f[k++] = (struct first){lines[i].group, i};
    qsort(f, k, sizeof *f, cmp_first);
    for (size_t i = 0; i < k; i++)
        if (d == 0 || !same(f[i].group, f[d - 1].group))
            f[d++] = f[i];
    *nf = d;
    return f;
}

/* The groups whose lines list user, sorted and each once; *ng set. */
static struct bytes *
ref_groups_of(const struct ref_line *lines, size_t n, struct bytes user,
              size_t *ng)
{
    struct bytes *g = malloc((n + 1) * sizeof *g);
    size_t k = 0, d = 0;

    if (g == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct bytes rest = lines[i].members, w;

        if (!lines[i].group_line)
            continue;
        while (next_word(&rest, &w))
            if (same(w, user)) {
                g[k++] = lines[i].group;
                break;
            }
    }
    qsort(g, k, sizeof *g, cmp_bytes);
    for (size_t i = 0; i < k; i++)
        if (d == 0 || !same(g[i], g[d - 1]))
            g[d++] = g[i];
    *ng = d;
    return g;
}

/* What htgroup_each_group reports, checked as it comes. */
struct walk {
    const struct first *firsts;
    size_t nfirsts;
    const struct bytes *mine; /* the user's groups, from the lines */
    size_t nmine;
    size_t calls;
    size_t last; /* first line of the group reported before */
};

static void
walk_group(void *ctx, const char *name, size_t len)
{
    struct walk *w = ctx;
    struct first key = {{name, len}, 0};
    const struct first *f;
    size_t lo = 0, hi = w->nfirsts;

    FUZZ_ASSERT(name[len] == '\0');
    FUZZ_ASSERT(bsearch(&key.group, w->mine, w->nmine, sizeof *w->mine,
                        cmp_bytes) != NULL);
    /* The first line of the group: the lowest entry with its name. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cmp_bytes(&w->firsts[mid].group, &key.group) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    FUZZ_ASSERT(lo < w->nfirsts);
    f = &w->firsts[lo];
    FUZZ_ASSERT(same(f->group, key.group));
    /* File order, each group once: first lines strictly increase. */
    FUZZ_ASSERT(w->calls == 0 || f->line > w->last);
    w->last = f->line;
    w->calls++;
}

static void
check_user(const struct htgroup *h, const struct ref_line *lines, size_t n,
           const struct first *firsts, size_t nf, struct bytes user)
{
    size_t nmine, count;
    struct bytes *mine = ref_groups_of(lines, n, user, &nmine);
    struct walk w = {firsts, nf, mine, nmine, 0, 0};

    for (size_t g = 0; g < nf && g < SAMPLE_GROUPS; g++)
        FUZZ_ASSERT(htgroup_member(h, firsts[g].group.p, firsts[g].group.n,
                                   user.p, user.n) ==
                    (bsearch(&firsts[g].group, mine, nmine, sizeof *mine,
                             cmp_bytes) != NULL));
    count = htgroup_each_group(h, user.p, user.n, walk_group, &w);
    FUZZ_ASSERT(count == w.calls);
    FUZZ_ASSERT(count == nmine);
    free(mine);
}

static void
check_table(const struct htgroup *h, const struct ref_line *lines, size_t n)
{
    struct bytes users[SAMPLE_USERS];
    size_t nu = 0, nf;
    struct first *firsts = ref_firsts(lines, n, &nf);

    for (size_t i = 0; i < n; i++) {
        struct bytes rest = lines[i].members, w;

        if (!lines[i].group_line)
            continue;
        FUZZ_ASSERT(htgroup_exists(h, lines[i].group.p, lines[i].group.n));
        while (next_word(&rest, &w)) {
            FUZZ_ASSERT(htgroup_member(h, lines[i].group.p, lines[i].group.n,
                                       w.p, w.n));
            if (nu < SAMPLE_USERS)
                users[nu++] = w;
        }
    }
    FUZZ_ASSERT(htgroup_count(h) == nf);
    /* Group names taken as users too: mostly "no group", sometimes not. */
    for (size_t i = 0; i < nf && nu < SAMPLE_USERS; i++)
        users[nu++] = firsts[i].group;
    for (size_t u = 0; u < nu; u++)
        check_user(h, lines, n, firsts, nf, users[u]);
    free(firsts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    struct ref_line *lines = calloc(size + 1, sizeof *lines);
    const char *p, *end;
    struct htgroup *h;
    size_t n = 0;
    bool bad = false;

    if (text == NULL || lines == NULL)
        abort();
    memcpy(text, data, size);
    for (p = text, end = text + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl != NULL ? nl : end) - p);

        ref_line(p, len, n == 0, &lines[n]);
        bad = bad || lines[n].bad;
        n++;
        p = nl != NULL ? nl + 1 : end;
    }

    h = htgroup_parse("fuzz.htgroup", text, size, fuzz_diag_quiet, NULL);
    FUZZ_ASSERT((h == NULL) == bad);
    if (h != NULL)
        check_table(h, lines, n);
    FUZZ_ASSERT(!htgroup_exists(h, "", 0));
    htgroup_free(h);
    free(lines);
    free(text);
    return 0;
}
