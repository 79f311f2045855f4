#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "htgroup.h"
#include "diag.h"
#include "htpasswd.h"
#include "strtab.h"
#include "util.h"

/*
 * Largest group file htgroup_load reads and htgroup_parse accepts. It also
 * keeps every offset and count below in 32 bits.
 */
#define HTGROUP_FILE_MAX ((size_t)64 * 1024 * 1024)

#define STR_(x) #x
#define XSTR(x) STR_(x)

/* Errors shown per parse; the rest are counted. */
#define DIAG_SHOWN_MAX 20
/* Bytes of a member name quoted in a diagnostic. */
#define DIAG_NAME_MAX 40

/* A group or a user. */
struct name {
    const char *p; /* NUL-terminated, in the table's strings */
    uint32_t len;
    uint32_t first; /* users: where its groups start in memberships */
    uint32_t count; /* users: how many groups */
};

/* Names in order of first appearance, found in O(1). */
struct index {
    struct name *names;
    struct strtab tab; /* tab.n names are in */
};

/* A slot of the membership set: group index + 1 (0: empty), user index. */
struct pair {
    uint32_t group;
    uint32_t user;
};

/*
 * The table lives in one allocation: this header, the group names and
 * slots, the user names and slots, the pairs, the memberships and the
 * strings, in that order.
 */
struct htgroup {
    uint64_t seed;
    struct index groups;
    struct index users;
    struct pair *pairs;
    size_t pairs_mask;
    uint32_t *memberships; /* per user, its groups' indexes, ascending */
    char *strings;
    size_t strings_len;
    size_t strings_cap;
};

/* What the passes over the text found, to size the table exactly. */
struct sizes {
    size_t group_lines;
    size_t members; /* member words, repeats included */
    size_t groups;  /* distinct */
    size_t users;   /* distinct */
    size_t strings; /* bytes of the distinct names, NULs included */
};

/* ---------------------------------------------------------------- lines -- */

enum line_kind {
    LINE_SKIP,  /* blank or comment */
    LINE_GROUP, /* struct line set */
    LINE_BAD,   /* struct problem set */
};

struct line {
    struct bytes group;
    struct bytes members; /* the rest of the line, after the ':' */
    size_t count;         /* member words in it */
};

struct problem {
    const char *why;
    struct bytes member; /* the member at fault, or BYTES_NULL */
};

static void
report_problem(struct diag *rep, unsigned line, const struct problem *pr)
{
    char q[4 * DIAG_NAME_MAX + 8] = "";
    size_t qlen = 0;

    if (pr->member.p == NULL) {
        diag_report(rep, LOGL_ERROR, line, "%s", pr->why);
        return;
    }
    /* Quoted and capped: the name may hold control bytes or be huge. */
    log_append_quoted(q, sizeof q, &qlen, pr->member, DIAG_NAME_MAX);
    diag_report(rep, LOGL_ERROR, line, "member %s: %s", q, pr->why);
}

/* Walks the lines of a buffer; lineno is the 1-based line just returned. */
struct cursor {
    const char *p;
    const char *end;
    unsigned lineno;
};

/* The next line, without its '\n'; false at the end of the buffer. */
static bool
next_line(struct cursor *c, struct bytes *line)
{
    const char *nl;

    if (c->p >= c->end)
        return false;
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    line->p = c->p;
    line->n = (size_t)((nl != NULL ? nl : c->end) - c->p);
    c->p = nl != NULL ? nl + 1 : c->end;
    c->lineno++;
    return true;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
only_blanks(struct bytes b)
{
    size_t i;

    for (i = 0; i < b.n; i++)
        if (!is_blank(b.p[i]))
            return false;
    return true;
}

/* The next member word of *rest, or false when only blanks are left. */
static bool
next_member(struct bytes *rest, struct bytes *m)
{
    const char *p = rest->p, *end = rest->p + rest->n;

    while (p < end && is_blank(*p))
        p++;
    m->p = p;
    while (p < end && !is_blank(*p))
        p++;
    m->n = (size_t)(p - m->p);
    rest->p = p;
    rest->n = (size_t)(end - p);
    return m->n > 0;
}

static const char *
group_problem(struct bytes g)
{
    if (g.n == 0)
        return "empty group name";
    if (g.n > HTGROUP_NAME_MAX)
        return "group name longer than " XSTR(HTGROUP_NAME_MAX) " bytes";
    /* Apache would keep "admins " with its space; say so rather than guess. */
    if (memchr(g.p, ' ', g.n) != NULL || memchr(g.p, '\t', g.n) != NULL)
        return "space or tab in the group name";
    if (util_has_ctl(g.p, g.n))
        return "control character in the group name";
    /* REMOTE_GROUPS lists groups with commas: a comma would forge one. */
    if (memchr(g.p, ',', g.n) != NULL)
        return "',' in the group name";
    return NULL;
}

/*
 * A member must be a name htpasswd accepts as a user, or it can never
 * match: a typo there should stop the load, not lock someone out quietly.
 */
static const char *
member_problem(struct bytes m)
{
    if (m.n > HTPASSWD_USER_MAX)
        return "longer than " XSTR(HTPASSWD_USER_MAX) " bytes";
    if (util_has_ctl(m.p, m.n))
        return "control character in the name";
    if (memchr(m.p, ':', m.n) != NULL)
        return "':' cannot be part of a user name (one group per line)";
    /* An htpasswd line starting with '#' is a comment, never a user. */
    if (m.p[0] == '#')
        return "'#' cannot start a user name (comments go on lines of "
               "their own)";
    /* Apache unquotes these (ap_getword_conf); we do not: refuse. */
    if (m.p[0] == '"' || m.p[0] == '\'')
        return "quoted names are not supported";
    return NULL;
}

/*
 * Split one line (without its '\n') into group and members, checking every
 * name. Line 1 is also checked for a byte order mark, which would otherwise
 * become part of the first group's name.
 */
static enum line_kind
parse_line(struct bytes l, unsigned lineno, struct line *out,
           struct problem *pr)
{
    const char *colon;
    struct bytes rest, m;

    pr->member = BYTES_NULL;
    if (l.n > 0 && l.p[l.n - 1] == '\r')
        l.n--;
    if (l.n > HTGROUP_LINE_MAX) {
        pr->why = "line longer than " XSTR(HTGROUP_LINE_MAX) " bytes";
        return LINE_BAD;
    }
    if (only_blanks(l) || l.p[0] == '#')
        return LINE_SKIP;
    if (lineno == 1 && l.n >= 3 && memcmp(l.p, "\xef\xbb\xbf", 3) == 0) {
        pr->why = "UTF-8 byte order mark at the start of the file (save it "
                  "without one)";
        return LINE_BAD;
    }
    colon = memchr(l.p, ':', l.n);
    if (colon == NULL) {
        pr->why = "expected \"group: member ...\" (no ':' on the line)";
        return LINE_BAD;
    }
    out->group = (struct bytes){l.p, (size_t)(colon - l.p)};
    pr->why = group_problem(out->group);
    if (pr->why != NULL)
        return LINE_BAD;
    out->members = (struct bytes){colon + 1, (size_t)(l.p + l.n - colon - 1)};
    out->count = 0;
    rest = out->members;
    while (next_member(&rest, &m)) {
        pr->why = member_problem(m);
        if (pr->why != NULL) {
            pr->member = m;
            return LINE_BAD;
        }
        out->count++;
    }
    return LINE_GROUP;
}

/* Pass 1: report every malformed line; count group lines and members. */
static int
check_lines(const char *data, size_t len, struct diag *rep, struct sizes *sz)
{
    struct cursor c = {data, data + len, 0};
    struct problem pr;
    struct bytes l;
    struct line pl;

    while (next_line(&c, &l)) {
        switch (parse_line(l, c.lineno, &pl, &pr)) {
        case LINE_SKIP:
            break;
        case LINE_GROUP:
            sz->group_lines++;
            sz->members += pl.count;
            break;
        case LINE_BAD:
            report_problem(rep, c.lineno, &pr);
            break;
        }
    }
    return rep->errors > 0 ? -1 : 0;
}

/* ---------------------------------------------------- counting names -- */

/*
 * Pass 2 only counts distinct names, so its sets are lean and short-lived:
 * a key is the offset of the name's first occurrence in the text, and the
 * name runs from there to the first byte no name holds (a group name ends
 * at its ':', a member at a blank or the line's end; parse_line refused
 * names with blanks, ':' or control bytes).
 */
static struct bytes
text_name(const void *ctx, uint32_t pos)
{
    const struct bytes *text = ctx;
    const char *p = text->p + pos, *end = text->p + text->n;
    const char *q = p;

    while (q < end && *q != ':' && !is_blank(*q) && *q != '\r' && *q != '\n')
        q++;
    return (struct bytes){p, (size_t)(q - p)};
}

/* Add b (inside text) to s; true when it was not there yet. */
static bool
seen_add(struct strtab *s, const struct bytes *text, struct bytes b)
{
    uint32_t first;

    /* Sized for every name of pass 1: never full. */
    return strtab_put(s, b.p, b.n, (uint32_t)(b.p - text->p), &first) ==
           STRTAB_ADDED;
}

/* Pass 2: count distinct groups and users and their bytes. -1: ENOMEM. */
static int
count_distinct(const char *data, size_t len, struct sizes *sz)
{
    size_t ngs = strtab_slots_for(sz->group_lines);
    size_t nus = strtab_slots_for(sz->members);
    const struct bytes text = {data, len};
    struct cursor c = {data, data + len, 0};
    uint64_t seed = strtab_seed();
    struct strtab_slot *slots;
    struct strtab gs, us;
    struct problem pr;
    struct bytes l, rest, m;
    struct line pl;

    if (ngs == 0 || nus == 0)
        return -1;
    /* calloc: empty slots are zero. */
    slots = calloc(ngs + nus, sizeof *slots);
    if (slots == NULL)
        return -1;
    strtab_init(&gs, slots, sz->group_lines, seed, text_name, &text);
    strtab_init(&us, slots + ngs, sz->members, seed, text_name, &text);
    while (next_line(&c, &l)) {
        if (parse_line(l, c.lineno, &pl, &pr) != LINE_GROUP)
            continue;
        if (seen_add(&gs, &text, pl.group)) {
            sz->groups++;
            sz->strings += pl.group.n + 1;
        }
        rest = pl.members;
        while (next_member(&rest, &m)) {
            if (seen_add(&us, &text, m)) {
                sz->users++;
                sz->strings += m.n + 1;
            }
        }
    }
    free(slots);
    return 0;
}

/* ---------------------------------------------------------------- table -- */

/* Reserve n objects of size bytes at the aligned end of *total. */
static bool
reserve(size_t *total, size_t n, size_t size, size_t *off)
{
    const size_t align = _Alignof(max_align_t);
    size_t start;

    if (*total > SIZE_MAX - align)
        return false;
    start = (*total + align - 1) & ~(align - 1);
    if (size != 0 && n > (SIZE_MAX - start) / size)
        return false;
    *off = start;
    *total = start + n * size;
    return true;
}

static struct bytes
index_name(const void *ctx, uint32_t idx)
{
    const struct name *e = (const struct name *)ctx + idx;

    return (struct bytes){e->p, e->len};
}

/* One allocation sized from sz; every slot empty. */
static struct htgroup *
table_new(const struct sizes *sz)
{
    size_t ngs = strtab_slots_for(sz->groups);
    size_t nus = strtab_slots_for(sz->users);
    size_t nps = strtab_slots_for(sz->members), total = sizeof(struct htgroup);
    size_t o_gn, o_gs, o_un, o_us, o_p, o_m, o_s;
    struct htgroup *h;
    char *mem;

    if (ngs == 0 || nus == 0 || nps == 0 ||
        !reserve(&total, sz->groups, sizeof(struct name), &o_gn) ||
        !reserve(&total, ngs, sizeof(struct strtab_slot), &o_gs) ||
        !reserve(&total, sz->users, sizeof(struct name), &o_un) ||
        !reserve(&total, nus, sizeof(struct strtab_slot), &o_us) ||
        !reserve(&total, nps, sizeof(struct pair), &o_p) ||
        !reserve(&total, sz->members, sizeof(uint32_t), &o_m) ||
        !reserve(&total, sz->strings, 1, &o_s))
        return NULL;
    /* calloc: empty slots are zero, names start with count 0. */
    mem = calloc(1, total);
    if (mem == NULL)
        return NULL;
    h = (struct htgroup *)(void *)mem;
    h->seed = strtab_seed();
    h->groups.names = (struct name *)(void *)(mem + o_gn);
    strtab_init(&h->groups.tab, (struct strtab_slot *)(void *)(mem + o_gs),
                sz->groups, h->seed, index_name, h->groups.names);
    h->users.names = (struct name *)(void *)(mem + o_un);
    strtab_init(&h->users.tab, (struct strtab_slot *)(void *)(mem + o_us),
                sz->users, h->seed, index_name, h->users.names);
    h->pairs = (struct pair *)(void *)(mem + o_p);
    h->pairs_mask = nps - 1;
    h->memberships = (uint32_t *)(void *)(mem + o_m);
    h->strings = mem + o_s;
    h->strings_cap = sz->strings;
    return h;
}

/* The index of b in ix: true and *idx set, or false. */
static bool
index_get(const struct index *ix, struct bytes b, uint32_t *idx)
{
    *idx = strtab_get(&ix->tab, b.p, b.n);
    return *idx != STRTAB_NONE;
}

/*
 * Set *idx to the index of b in ix, adding it (copied into the strings)
 * when new. Pass 2 sized names and strings for exactly the names pass 3
 * adds; false if the two passes ever disagree (the table is then thrown
 * away).
 */
static bool
intern(struct htgroup *h, struct index *ix, struct bytes b, uint32_t *idx)
{
    uint32_t n = (uint32_t)ix->tab.n;
    struct name *e;
    char *d;

    switch (strtab_put(&ix->tab, b.p, b.n, n, idx)) {
    case STRTAB_FOUND:
        return true;
    case STRTAB_FULL:
        return false;
    case STRTAB_ADDED:
        break;
    }
    if (b.n >= h->strings_cap - h->strings_len)
        return false;
    d = h->strings + h->strings_len;
    memcpy(d, b.p, b.n);
    d[b.n] = '\0';
    h->strings_len += b.n + 1;
    e = &ix->names[n];
    e->p = d;
    e->len = (uint32_t)b.n;
    *idx = n;
    return true;
}

/* The pair slot of (group g, user u), or the empty slot where it would go. */
static struct pair *
pair_find(const struct htgroup *h, uint32_t g, uint32_t u)
{
    uint64_t key = (uint64_t)g << 32 | u;
    size_t i = (size_t)util_hash64(h->seed, &key, sizeof key) & h->pairs_mask;

    /* Terminates: the set is never more than half full. */
    for (;; i = (i + 1) & h->pairs_mask) {
        struct pair *s = &h->pairs[i];

        if (s->group == 0 || (s->group == g + 1 && s->user == u))
            return s;
    }
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/*
 * Give each user its slice of memberships, holding its groups in the order
 * they first appear in the file (their index order). The pair set is
 * unordered and a group may come back on a later line, so sort each slice.
 */
static void
table_order(struct htgroup *h)
{
    struct name *users = h->users.names, *e;
    uint32_t off = 0;
    size_t i;

    for (i = 0; i < h->users.tab.n; i++) {
        users[i].first = off;
        off += users[i].count;
        users[i].count = 0;
    }
    for (i = 0; i <= h->pairs_mask; i++) {
        if (h->pairs[i].group == 0)
            continue;
        e = &users[h->pairs[i].user];
        h->memberships[e->first + e->count++] = h->pairs[i].group - 1;
    }
    for (i = 0; i < h->users.tab.n; i++)
        if (users[i].count > 1)
            qsort(h->memberships + users[i].first, users[i].count,
                  sizeof(uint32_t), cmp_u32);
}

/* Pass 3: the text is known good; fill the table. -1: see intern(). */
static int
table_fill(struct htgroup *h, const char *data, size_t len)
{
    struct cursor c = {data, data + len, 0};
    struct problem pr;
    struct bytes l, rest, m;
    struct line pl;
    struct pair *s;
    uint32_t g, u;

    while (next_line(&c, &l)) {
        if (parse_line(l, c.lineno, &pl, &pr) != LINE_GROUP)
            continue;
        if (!intern(h, &h->groups, pl.group, &g))
            return -1;
        rest = pl.members;
        while (next_member(&rest, &m)) {
            if (!intern(h, &h->users, m, &u))
                return -1;
            s = pair_find(h, g, u);
            /* A member listed twice counts once. */
            if (s->group != 0)
                continue;
            s->group = g + 1;
            s->user = u;
            h->users.names[u].count++;
        }
    }
    table_order(h);
    return 0;
}

/* ------------------------------------------------------------------ API -- */

struct htgroup *
htgroup_parse(const char *name, const char *data, size_t len, diag_fn *diag,
              void *diag_ctx)
{
    struct diag rep;
    struct sizes sz = {0, 0, 0, 0, 0};
    struct htgroup *h = NULL;

    diag_init(&rep, diag, diag_ctx, name, DIAG_SHOWN_MAX);
    if (data == NULL && len > 0) {
        diag_report(&rep, LOGL_ERROR, 0, "no data");
        goto done;
    }
    if (data == NULL)
        data = "";
    if (len > HTGROUP_FILE_MAX) {
        diag_report(&rep, LOGL_ERROR, 0, "larger than %zu MiB (%zu bytes)",
                    HTGROUP_FILE_MAX >> 20, len);
        goto done;
    }
    if (check_lines(data, len, &rep, &sz) != 0)
        goto done;
    if (count_distinct(data, len, &sz) == 0)
        h = table_new(&sz);
    if (h == NULL) {
        diag_report(&rep, LOGL_ERROR, 0,
                    "out of memory for %zu groups and %zu members",
                    sz.group_lines, sz.members);
        goto done;
    }
    if (table_fill(h, data, len) != 0) {
        diag_report(&rep, LOGL_ERROR, 0,
                    "internal error: the table was sized too small");
        htgroup_free(h);
        h = NULL;
    }
done:
    diag_finish(&rep);
    return h;
}

struct htgroup *
htgroup_load(const char *path, diag_fn *diag, void *diag_ctx)
{
    struct htgroup *h;
    char err[256];
    size_t len = 0;
    char *buf = file_read(path, HTGROUP_FILE_MAX, &len, NULL, err, sizeof err);

    if (buf == NULL) {
        if (diag != NULL)
            diag(diag_ctx, LOGL_ERROR, path, 0, err);
        return NULL;
    }
    h = htgroup_parse(path, buf, len, diag, diag_ctx);
    file_free(buf, len);
    return h;
}

bool
htgroup_exists(const struct htgroup *g, const char *group, size_t glen)
{
    uint32_t gi;

    if (g == NULL || group == NULL || glen == 0 || glen > HTGROUP_NAME_MAX)
        return false;
    return index_get(&g->groups, (struct bytes){group, glen}, &gi);
}

bool
htgroup_member(const struct htgroup *g, const char *group, size_t glen,
               const char *user, size_t ulen)
{
    uint32_t gi, ui;

    if (g == NULL || group == NULL || glen == 0 || glen > HTGROUP_NAME_MAX ||
        user == NULL || ulen == 0 || ulen > HTPASSWD_USER_MAX)
        return false;
    if (!index_get(&g->groups, (struct bytes){group, glen}, &gi) ||
        !index_get(&g->users, (struct bytes){user, ulen}, &ui))
        return false;
    return pair_find(g, gi, ui)->group != 0;
}

size_t
htgroup_each_group(const struct htgroup *g, const char *user, size_t ulen,
                   void (*fn)(void *ctx, const char *name, size_t n), void *ctx)
{
    const struct name *u, *gn;
    uint32_t ui, k;

    if (g == NULL || user == NULL || ulen == 0 || ulen > HTPASSWD_USER_MAX ||
        !index_get(&g->users, (struct bytes){user, ulen}, &ui))
        return 0;
    u = &g->users.names[ui];
    for (k = 0; fn != NULL && k < u->count; k++) {
        gn = &g->groups.names[g->memberships[u->first + k]];
        fn(ctx, gn->p, gn->len);
    }
    return u->count;
}

size_t
htgroup_count(const struct htgroup *g)
{
    return g != NULL ? g->groups.tab.n : 0;
}

void
htgroup_free(struct htgroup *g)
{
    free(g);
}
