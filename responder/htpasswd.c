#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "diag.h"
#include "htpasswd.h"
#include "strtab.h"
#include "util.h"

/* Largest credential file htpasswd_load reads. */
#define HTPASSWD_FILE_MAX ((size_t)256 * 1024 * 1024)

#define STR_(x) #x
#define XSTR(x) STR_(x)

/* Diagnostics of one severity shown per parse; the rest are counted. */
#define DIAG_SHOWN_MAX 20

/*
 * The table lives in one allocation: this header, the entries, the slots
 * of the user index and the strings (users and hashes, each
 * NUL-terminated), in that order.
 */
struct htpasswd {
    struct htpasswd_entry *entries;
    size_t count;
    size_t usable;
    struct strtab users; /* user -> index in entries */
    char *strings;
    size_t strings_cap;
    size_t strings_len;
};

/* ---------------------------------------------------------------- lines -- */

enum line_kind {
    LINE_SKIP,  /* blank or comment */
    LINE_ENTRY, /* user and hash set */
    LINE_BAD,   /* *why set */
};

struct line {
    const char *user;
    size_t ulen;
    const char *hash;
    size_t hlen;
    const char *comment; /* after the hash's ':', or NULL */
    size_t clen;
};

static bool
only_blanks(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/*
 * Split one line p[0..n) (without its '\n') into user and hash. Apache and
 * nginx both end the hash at the next ':' and ignore what follows, which
 * htpasswd tools use for a comment.
 */
static enum line_kind
parse_line(const char *p, size_t n, struct line *out, const char **why)
{
    const char *colon, *hend;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > HTPASSWD_LINE_MAX) {
        *why = "line longer than " XSTR(HTPASSWD_LINE_MAX) " bytes";
        return LINE_BAD;
    }
    if (only_blanks(p, n) || p[0] == '#')
        return LINE_SKIP;
    colon = memchr(p, ':', n);
    if (colon == NULL) {
        *why = "expected \"user:hash\" (no ':' on the line)";
        return LINE_BAD;
    }
    out->user = p;
    out->ulen = (size_t)(colon - p);
    if (out->ulen == 0) {
        *why = "empty user name";
        return LINE_BAD;
    }
    if (out->ulen > HTPASSWD_USER_MAX) {
        *why = "user name longer than " XSTR(HTPASSWD_USER_MAX) " bytes";
        return LINE_BAD;
    }
    if (util_has_ctl(out->user, out->ulen)) {
        *why = "control character in the user name";
        return LINE_BAD;
    }
    /* Apache trims these, nginx keeps them: say so rather than guess. */
    if (out->user[0] == ' ' || out->user[out->ulen - 1] == ' ') {
        *why = "space at the start or end of the user name";
        return LINE_BAD;
    }
    out->hash = colon + 1;
    hend = memchr(out->hash, ':', (size_t)(p + n - out->hash));
    out->hlen = (size_t)((hend != NULL ? hend : p + n) - out->hash);
    out->comment = hend != NULL ? hend + 1 : NULL;
    out->clen = hend != NULL ? (size_t)(p + n - out->comment) : 0;
    if (util_has_ctl(out->hash, out->hlen)) {
        *why = "control character in the password hash";
        return LINE_BAD;
    }
    return LINE_ENTRY;
}

/*
 * Walk data[0..len) line by line. Returns the number of entry lines, or
 * SIZE_MAX after reporting every malformed line (and a too long file).
 */
static size_t
count_entries(const char *data, size_t len, struct diag *rep, size_t *strings)
{
    const char *p = data, *end = data + len, *nl, *why = NULL;
    size_t entries = 0, bytes = 0;
    unsigned lineno = 0;
    struct line l;

    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (lineno == UINT_MAX) {
            diag_report(rep, LOGL_ERROR, 0, "too many lines");
            return SIZE_MAX;
        }
        lineno++;
        switch (
            parse_line(p, (size_t)((nl != NULL ? nl : end) - p), &l, &why)) {
        case LINE_SKIP:
            break;
        case LINE_ENTRY:
            entries++;
            bytes += l.ulen + 1 + l.hlen + 1;
            break;
        case LINE_BAD:
            diag_report(rep, LOGL_ERROR, lineno, "%s", why);
            break;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    *strings = bytes;
    return rep->errors > 0 ? SIZE_MAX : entries;
}

/* ---------------------------------------------------------------- table -- */

static struct bytes
entry_user(const void *ctx, uint32_t idx)
{
    const struct htpasswd_entry *e = (const struct htpasswd_entry *)ctx + idx;

    return (struct bytes){e->user, e->user_len};
}

/* One allocation for up to max entries and strings bytes of text. */
static struct htpasswd *
table_new(size_t max, size_t strings)
{
    struct htpasswd *h;
    size_t nslots = strtab_slots_for(max), esize, ssize, total;

    /* The sizes below must not wrap. */
    if (nslots == 0 || max > SIZE_MAX / 4 / sizeof(struct htpasswd_entry))
        return NULL;
    esize = max * sizeof(struct htpasswd_entry);
    ssize = nslots * sizeof(struct strtab_slot);
    if (strings > SIZE_MAX - sizeof *h - esize - ssize)
        return NULL;
    total = sizeof *h + esize + ssize + strings;
    /* calloc: empty slots are zero. */
    h = calloc(1, total);
    if (h == NULL)
        return NULL;
    h->entries = (struct htpasswd_entry *)(h + 1);
    strtab_init(&h->users, (struct strtab_slot *)((char *)h->entries + esize),
                max, strtab_seed(), entry_user, h->entries);
    h->strings = (char *)h->entries + esize + ssize;
    h->strings_cap = strings;
    return h;
}

static const char *
table_strdup(struct htpasswd *h, const char *s, size_t n)
{
    char *d = h->strings + h->strings_len;

    memcpy(d, s, n);
    d[n] = '\0';
    h->strings_len += n + 1;
    return d;
}

static const struct {
    const char *name;
    const char *text;
} unusable_names[] = {
    [HTPASSWD_USABLE] = {"usable", "can match"},
    [HTPASSWD_LOCKED] = {"locked",
                         "locked account ('!' or '*' before the hash)"},
    [HTPASSWD_EMPTY_HASH] = {"empty_hash", "empty password hash"},
    [HTPASSWD_UNKNOWN_FORMAT] = {"unknown_format",
                                 "unknown or malformed hash format"},
    [HTPASSWD_PLAIN_OFF] = {"plaintext_off",
                            "plaintext password is disabled (set "
                            "allow_plaintext = yes)"},
    [HTPASSWD_DES_OFF] = {"des_off",
                          "DES crypt is disabled (set allow_des = yes)"},
    [HTPASSWD_BCRYPT_CAP] = {"bcrypt_cost_cap",
                             "bcrypt cost above max_bcrypt_cost: never "
                             "matches"},
    [HTPASSWD_ROUNDS_CAP] = {"crypt_rounds_cap",
                             "sha-crypt rounds above max_crypt_rounds: never "
                             "matches"},
    [HTPASSWD_BAD_EXPIRES] = {"bad_expires",
                              "unreadable expires= (expected YYYY-MM-DD or "
                              "YYYY-MM-DDTHH:MM:SSZ, UTC)"},
};

const char *
htpasswd_unusable_name(enum htpasswd_unusable why)
{
    if ((size_t)why >= sizeof unusable_names / sizeof unusable_names[0])
        return "unknown";
    return unusable_names[why].name;
}

const char *
htpasswd_unusable_text(enum htpasswd_unusable why)
{
    if ((size_t)why >= sizeof unusable_names / sizeof unusable_names[0])
        return "unknown reason";
    return unusable_names[why].text;
}

bool
htpasswd_entry_expired(const struct htpasswd_entry *e, long long now)
{
    return util_expired(e->expires, now);
}

/* Why an entry with this hash cannot match, as far as the hash tells. */
static enum htpasswd_unusable
hash_unusable(enum hash_kind kind, const char *hash, size_t hlen,
              const struct htpasswd_opts *opts)
{
    unsigned long cost = verify_cost(kind, hash, hlen);

    switch (kind) {
    case HASH_LOCKED:
        return HTPASSWD_LOCKED;
    case HASH_INVALID:
        return hlen == 0 ? HTPASSWD_EMPTY_HASH : HTPASSWD_UNKNOWN_FORMAT;
    case HASH_PLAIN:
        return opts->allow_plaintext ? HTPASSWD_USABLE : HTPASSWD_PLAIN_OFF;
    case HASH_DES:
        return opts->allow_des ? HTPASSWD_USABLE : HTPASSWD_DES_OFF;
    case HASH_BCRYPT:
        return opts->max_bcrypt_cost != 0 && cost > opts->max_bcrypt_cost
                   ? HTPASSWD_BCRYPT_CAP
                   : HTPASSWD_USABLE;
    case HASH_SHA512:
    case HASH_SHA256:
        return opts->max_crypt_rounds != 0 && cost > opts->max_crypt_rounds
                   ? HTPASSWD_ROUNDS_CAP
                   : HTPASSWD_USABLE;
    default:
        return HTPASSWD_USABLE;
    }
}

/*
 * The "expires=" word of a comment field: 0 and *at = 0 when there is none,
 * 0 and *at set when it reads, -1 when it does not.
 */
static int
comment_expiry(const char *c, size_t n, long long *at)
{
    static const char key[] = "expires=";
    const size_t klen = sizeof key - 1;
    size_t i = 0;

    *at = 0;
    while (i < n) {
        size_t start, w;

        while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == ','))
            i++;
        start = i;
        while (i < n && c[i] != ' ' && c[i] != '\t' && c[i] != ',')
            i++;
        w = i - start;
        if (w >= klen && memcmp(c + start, key, klen) == 0) {
            if (util_parse_utc(c + start + klen, w - klen, at) < 0)
                return -1;
            /* The epoch itself is long past, not "never" (0). */
            if (*at == 0)
                *at = 1;
            return 0;
        }
    }
    return 0;
}

/* Add the entry of line lineno, or warn about a repeated user. */
static void
table_add(struct htpasswd *h, const struct line *l, unsigned lineno,
          const struct htpasswd_opts *opts, struct diag *rep)
{
    struct htpasswd_entry *e;
    uint32_t first;

    /* Pass 1 counted the entries: the table cannot be full. */
    if (strtab_put(&h->users, l->user, l->ulen, (uint32_t)h->count, &first) ==
        STRTAB_FOUND) {
        diag_report(rep, LOGL_WARN, lineno,
                    "user '%.*s': already defined on line %u, this line is "
                    "ignored",
                    (int)l->ulen, l->user, h->entries[first].line);
        return;
    }
    e = &h->entries[h->count++];
    e->user = table_strdup(h, l->user, l->ulen);
    e->user_len = l->ulen;
    e->hash = table_strdup(h, l->hash, l->hlen);
    e->hash_len = l->hlen;
    e->kind = verify_classify(l->hash, l->hlen);
    e->line = lineno;
    e->unusable = hash_unusable(e->kind, l->hash, l->hlen, opts);
    if (e->unusable == HTPASSWD_USABLE &&
        comment_expiry(l->comment, l->clen, &e->expires) < 0)
        e->unusable = HTPASSWD_BAD_EXPIRES;
    if (e->unusable != HTPASSWD_USABLE)
        diag_report(rep, LOGL_WARN, lineno, "user '%.*s': %s", (int)l->ulen,
                    l->user, htpasswd_unusable_text(e->unusable));
    else
        h->usable++;
}

/* ------------------------------------------------------------------ API -- */

struct htpasswd *
htpasswd_parse(const char *name, const char *data, size_t len,
               const struct htpasswd_opts *opts, diag_fn *diag, void *diag_ctx)
{
    static const struct htpasswd_opts defaults = HTPASSWD_OPTS_DEFAULT;
    struct diag rep;
    const char *p, *end, *nl, *why;
    struct htpasswd *h = NULL;
    size_t max, strings = 0;
    unsigned lineno = 0;
    struct line l;

    diag_init(&rep, diag, diag_ctx, name, DIAG_SHOWN_MAX);
    if (opts == NULL)
        opts = &defaults;
    if (data == NULL) {
        if (len > 0)
            goto done;
        data = "";
    }
    /* Pass 1: validate every line and size the one allocation. */
    max = count_entries(data, len, &rep, &strings);
    if (max == SIZE_MAX)
        goto done;
    h = table_new(max, strings);
    if (h == NULL) {
        diag_report(&rep, LOGL_ERROR, 0, "out of memory for %zu entries", max);
        goto done;
    }
    /* Pass 2: the lines are known good; fill the table. */
    for (p = data, end = data + len; p < end; p = nl != NULL ? nl + 1 : end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        lineno++;
        if (parse_line(p, (size_t)((nl != NULL ? nl : end) - p), &l, &why) ==
            LINE_ENTRY)
            table_add(h, &l, lineno, opts, &rep);
    }
    if (h->usable == 0)
        diag_report(&rep, LOGL_WARN, 0, "no usable entries: nobody can log in");
done:
    diag_finish(&rep);
    return h;
}

struct htpasswd *
htpasswd_load(const char *path, const struct htpasswd_opts *opts, diag_fn *diag,
              void *diag_ctx)
{
    struct htpasswd *h;
    char err[256];
    size_t len = 0;
    char *buf = file_read(path, HTPASSWD_FILE_MAX, &len, NULL, err, sizeof err);

    if (buf == NULL) {
        if (diag != NULL)
            diag(diag_ctx, LOGL_ERROR, path, 0, err);
        return NULL;
    }
    h = htpasswd_parse(path, buf, len, opts, diag, diag_ctx);
    file_free(buf, len);
    return h;
}

const struct htpasswd_entry *
htpasswd_lookup(const struct htpasswd *h, const char *user, size_t n)
{
    uint32_t i;

    if (h == NULL || user == NULL || n == 0 || n > HTPASSWD_USER_MAX)
        return NULL;
    i = strtab_get(&h->users, user, n);
    return i != STRTAB_NONE ? &h->entries[i] : NULL;
}

size_t
htpasswd_count(const struct htpasswd *h)
{
    return h != NULL ? h->count : 0;
}

size_t
htpasswd_usable(const struct htpasswd *h)
{
    return h != NULL ? h->usable : 0;
}

void
htpasswd_free(struct htpasswd *h)
{
    if (h == NULL)
        return;
    util_wipe(h->strings, h->strings_cap);
    free(h);
}
