/*
 * fuzz_htpasswd: htpasswd_parse on any file contents.
 *
 * The harness reads the lines itself, as htpasswd.h describes them, and
 * checks: the file is refused exactly when some line is malformed; every
 * entry line's user is found by htpasswd_lookup, with the hash of its first
 * line (a repeated user keeps the first entry); the counts match; the kind
 * is verify_classify's; locked, invalid and (by default) {PLAIN} and DES
 * entries never match; every lookup answers with the very bytes asked for;
 * no diagnostic quotes a hash. The file is parsed with the default options
 * and with everything allowed, which may only make more entries usable.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "htpasswd.h"
#include "verify.h"

/* What the diagnostics said, to search for hashes in afterwards. */
struct said {
    char text[16384];
    size_t len;
};

static void
collect(void *ctx, enum log_level sev, const char *file, unsigned line,
        const char *msg)
{
    struct said *s = ctx;
    size_t n = strlen(msg);

    (void)sev;
    (void)file;
    (void)line;
    if (n > sizeof s->text - s->len)
        n = sizeof s->text - s->len;
    memcpy(s->text + s->len, msg, n);
    s->len += n;
}

/* One line as htpasswd.h describes it. */
struct ref_line {
    const char *p; /* without '\n' and a trailing '\r' */
    size_t n;
    bool entry;
    bool bad;
    bool split; /* user and hash below are set (the line has a ':') */
    const char *user;
    size_t ulen;
    const char *hash;
    size_t hlen;
};

static bool
blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

static void
ref_line(struct ref_line *l)
{
    const char *colon, *hend;

    l->entry = l->bad = l->split = false;
    if (l->n > HTPASSWD_LINE_MAX) {
        l->bad = true;
        return;
    }
    if (blank(l->p, l->n) || l->p[0] == '#')
        return;
    colon = memchr(l->p, ':', l->n);
    if (colon == NULL) {
        l->bad = true;
        return;
    }
    l->user = l->p;
    l->ulen = (size_t)(colon - l->p);
    l->hash = colon + 1;
    hend = memchr(l->hash, ':', (size_t)(l->p + l->n - l->hash));
    l->hlen = (size_t)((hend != NULL ? hend : l->p + l->n) - l->hash);
    l->split = true;
    /*
     * The comment after a second ':' is not checked for control bytes:
     * only the user and the hash are ever used.
     */
    l->bad = l->ulen == 0 || l->ulen > HTPASSWD_USER_MAX ||
             fuzz_has_ctl(l->user, l->ulen) || fuzz_has_ctl(l->hash, l->hlen) ||
             l->user[0] == ' ' || l->user[l->ulen - 1] == ' ';
    l->entry = !l->bad;
}

/* Split data into lines; returns how many, *bad set if any is malformed. */
static size_t
ref_lines(const char *data, size_t len, struct ref_line *lines, bool *bad)
{
    size_t n = 0;
    const char *p = data, *end = data + len;

    *bad = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct ref_line *l = &lines[n++];

        l->p = p;
        l->n = (size_t)((nl != NULL ? nl : end) - p);
        if (l->n > 0 && l->p[l->n - 1] == '\r')
            l->n--;
        ref_line(l);
        *bad = *bad || l->bad;
        p = nl != NULL ? nl + 1 : end;
    }
    return n;
}

/* Whether the text of some user name contains needle. */
static bool
in_some_user(const struct ref_line *lines, size_t n, const char *needle,
             size_t nlen)
{
    for (size_t i = 0; i < n; i++)
        if (lines[i].split && lines[i].ulen >= nlen &&
            memmem(lines[i].user, lines[i].ulen, needle, nlen) != NULL)
            return true;
    return false;
}

/*
 * Diagnostics never quote a hash, of a good line or a bad one. Checked for
 * what verify_classify takes for a real hash (after a locking '!' or '*'):
 * their alphabets have no quote, so a hash can only show up in a message
 * through a user name (which warnings quote, between quotes), and then it
 * is excused.
 */
static void
check_said(const struct ref_line *lines, size_t n, const struct said *said)
{
    for (size_t i = 0; i < n; i++) {
        const struct ref_line *l = &lines[i];
        const char *h = l->hash;
        size_t hn = l->hlen;
        enum hash_kind k;

        if (!l->split)
            continue;
        while (hn > 0 && (h[0] == '!' || h[0] == '*')) {
            h++;
            hn--;
        }
        k = verify_classify(h, hn);
        if (hn < 8 || k == HASH_INVALID || k == HASH_LOCKED ||
            k == HASH_PLAIN || k == HASH_DES)
            continue;
        if (memmem(said->text, said->len, h, hn) != NULL)
            FUZZ_ASSERT(in_some_user(lines, n, h, hn));
    }
}

static bool
never_usable(enum hash_kind k, const struct htpasswd_opts *o)
{
    return k == HASH_LOCKED || k == HASH_INVALID ||
           (k == HASH_PLAIN && !o->allow_plaintext) ||
           (k == HASH_DES && !o->allow_des);
}

static void
check_table(const struct htpasswd *h, const struct ref_line *lines, size_t n,
            const struct htpasswd_opts *o)
{
    size_t distinct = 0, usable = 0;

    for (size_t i = 0; i < n; i++) {
        const struct ref_line *l = &lines[i];
        const struct htpasswd_entry *e, *e2;

        if (!l->entry)
            continue;
        e = htpasswd_lookup(h, l->user, l->ulen);
        FUZZ_ASSERT(e != NULL);
        FUZZ_ASSERT(e->user_len == l->ulen);
        FUZZ_ASSERT(memcmp(e->user, l->user, l->ulen) == 0);
        FUZZ_ASSERT(e->user[e->user_len] == '\0');
        FUZZ_ASSERT(strlen(e->hash) == e->hash_len);
        FUZZ_ASSERT(e->line >= 1 && e->line <= i + 1);
        FUZZ_ASSERT(e->expires >= 0);
        if (e->line != i + 1)
            continue; /* a repeat: the first line's entry answers */
        distinct++;
        usable += e->unusable == HTPASSWD_USABLE;
        FUZZ_ASSERT(e->hash_len == l->hlen);
        FUZZ_ASSERT(memcmp(e->hash, l->hash, l->hlen) == 0);
        FUZZ_ASSERT(e->kind == verify_classify(l->hash, l->hlen));
        if (never_usable(e->kind, o))
            FUZZ_ASSERT(e->unusable != HTPASSWD_USABLE);
        FUZZ_ASSERT(strcmp(htpasswd_unusable_name(e->unusable), "unknown") !=
                    0);
        /* A shorter name is another user, or none at all. */
        e2 = htpasswd_lookup(h, l->user, l->ulen - 1);
        if (e2 != NULL)
            FUZZ_ASSERT(e2->user_len == l->ulen - 1 &&
                        memcmp(e2->user, l->user, l->ulen - 1) == 0);
    }
    FUZZ_ASSERT(htpasswd_count(h) == distinct);
    FUZZ_ASSERT(htpasswd_usable(h) == usable);
    FUZZ_ASSERT(htpasswd_lookup(h, "", 0) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct htpasswd_opts strict = HTPASSWD_OPTS_DEFAULT;
    static const struct htpasswd_opts lax = {true, true, 0, 0};
    char *text = malloc(size > 0 ? size : 1);
    struct ref_line *lines = calloc(size + 1, sizeof *lines);
    struct said *said = calloc(1, sizeof *said);
    struct htpasswd *h, *h2;
    size_t n;
    bool bad;

    if (text == NULL || lines == NULL || said == NULL)
        abort();
    memcpy(text, data, size);
    n = ref_lines(text, size, lines, &bad);

    h = htpasswd_parse("fuzz.htpasswd", text, size, &strict, collect, said);
    FUZZ_ASSERT((h == NULL) == bad);
    h2 = htpasswd_parse("fuzz.htpasswd", text, size, &lax, fuzz_diag_quiet,
                        NULL);
    FUZZ_ASSERT((h2 == NULL) == bad);
    check_said(lines, n, said);
    if (h != NULL) {
        check_table(h, lines, n, &strict);
        check_table(h2, lines, n, &lax);
        FUZZ_ASSERT(htpasswd_count(h2) == htpasswd_count(h));
        FUZZ_ASSERT(htpasswd_usable(h2) >= htpasswd_usable(h));
    }
    htpasswd_free(h2);
    htpasswd_free(h);
    free(said);
    free(lines);
    free(text);
    return 0;
}
