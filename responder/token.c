#include "config.h"

#include <limits.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "file.h"
#include "strtab.h"
#include "token.h"
#include "util.h"

/* Diagnostics of one severity shown per parse; the rest are counted. */
#define DIAG_SHOWN_MAX 20

/*
 * The digest table is keyed by the digest's first bytes only, so that
 * strtab's plain memcmp never sees the whole digest: the whole one is
 * compared in constant time afterwards. Two digests sharing these bytes
 * count as the same (never for real tokens: 2^-64).
 */
#define SELECTOR_LEN 8

#define STR_(x) #x
#define XSTR(x) STR_(x)

/* --------------------------------------------------------------- format -- */

/*
 * The base62 character of v (< 62), without a table: v comes from the
 * secret, and an index into memory could show in the cache.
 */
static char
b62_char(unsigned v)
{
    unsigned c = v + '0';

    c += 7U & (0U - (unsigned)(v > 9));  /* '9' + 1 + 7 == 'A' */
    c += 6U & (0U - (unsigned)(v > 35)); /* 'Z' + 1 + 6 == 'a' */
    return (char)c;
}

/* 1 when c is not a base62 character, else 0; no branch on c. */
static unsigned
b62_bad(unsigned char c)
{
    unsigned d = (unsigned)(c - '0') < 10;
    unsigned u = (unsigned)(c - 'A') < 26;
    unsigned l = (unsigned)(c - 'a') < 26;

    return (d | u | l) ^ 1U;
}

void
token_digest(const char *t, size_t n, unsigned char out[TOKEN_DIGEST_LEN])
{
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, n, (const uint8_t *)t);
    sha256_digest(&ctx, TOKEN_DIGEST_LEN, out);
    /* The context's block buffer held the token's bytes. */
    util_wipe(&ctx, sizeof ctx);
}

/* The checksum characters of the token's first 37 characters t. */
static void
token_check(const char *t, char out[TOKEN_CHECK_LEN])
{
    unsigned char d[TOKEN_DIGEST_LEN];
    uint32_t v;
    size_t i;

    token_digest(t, TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN, d);
    v = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 |
        (uint32_t)d[3];
    /* 62^6 > 2^32: six digits always hold it; leading zeros kept. */
    for (i = TOKEN_CHECK_LEN; i-- > 0;) {
        out[i] = b62_char(v % 62);
        v /= 62;
    }
    util_wipe(d, sizeof d);
    util_wipe(&v, sizeof v);
}

int
token_generate(char out[TOKEN_LEN + 1])
{
    unsigned char r[64];
    size_t got = 0, i;

    memcpy(out, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    while (got < TOKEN_RANDOM_LEN) {
        if (util_random(r, sizeof r) != 0) {
            util_wipe(r, sizeof r);
            util_wipe(out, TOKEN_LEN + 1);
            return -1;
        }
        /*
         * Rejection sampling: the low 6 bits are uniform on 0..63 (256 is
         * a multiple of 64); keeping only 0..61 makes each character
         * equally likely, which "% 62" would not.
         */
        for (i = 0; i < sizeof r && got < TOKEN_RANDOM_LEN; i++) {
            unsigned v = r[i] & 63U;

            if (v < 62)
                out[TOKEN_PREFIX_LEN + got++] = b62_char(v);
        }
    }
    util_wipe(r, sizeof r);
    token_check(out, out + TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN);
    out[TOKEN_LEN] = '\0';
    return 0;
}

bool
token_well_formed(const char *t, size_t n)
{
    char check[TOKEN_CHECK_LEN];
    unsigned bad = 0;
    bool same;
    size_t i;

    /* The length is public (the request shows it); the rest is not. */
    if (t == NULL || n != TOKEN_LEN)
        return false;
    bad |= (unsigned)!util_ct_equal(t, TOKEN_PREFIX_LEN, TOKEN_PREFIX,
                                    TOKEN_PREFIX_LEN);
    for (i = TOKEN_PREFIX_LEN; i < TOKEN_LEN; i++)
        bad |= b62_bad((unsigned char)t[i]);
    /* Computed even when the rest is wrong: the same work for any t. */
    token_check(t, check);
    same =
        util_ct_equal(check, sizeof check,
                      t + TOKEN_PREFIX_LEN + TOKEN_RANDOM_LEN, TOKEN_CHECK_LEN);
    util_wipe(check, sizeof check);
    return (bad == 0) & same;
}

/* ----------------------------------------------------------------- names -- */

static bool
has_space(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] == ' ')
            return true;
    return false;
}

enum token_name_check
token_name_check(const char *name, size_t n, const char **why)
{
    const char *dummy;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (name == NULL || n == 0)
        *why = "empty name";
    else if (n > TOKEN_NAME_MAX)
        *why = "name longer than " XSTR(TOKEN_NAME_MAX) " bytes";
    else if (memchr(name, ':', n) != NULL)
        *why = "name contains ':'";
    /* Tab, CR, LF, VT and FF are control bytes too. */
    else if (util_has_ctl(name, n))
        *why = "name contains a control character";
    else if (has_space(name, n))
        *why = "name contains a space";
    else if (name[0] == '#')
        *why = "name starts with '#' (the line would be a comment)";
    else if (token_well_formed(name, n))
        *why = "name is a token: the file must never hold one (revoke it)";
    if (*why == NULL)
        return TOKEN_NAME_OK;
    return n > TOKEN_NAME_MAX ? TOKEN_NAME_TOO_LONG : TOKEN_NAME_ILLEGAL;
}

/* ----------------------------------------------------------------- lines -- */

#define FIELDS_MAX 5

static const char line_form[] = "expected NAME:sha256:HEX:CREATED[:EXPIRES]";

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
 * Split p[0..n) at ':' into f[0..FIELDS_MAX). Returns the number of
 * fields, FIELDS_MAX + 1 when there are more.
 */
static size_t
split_fields(const char *p, size_t n, struct bytes f[FIELDS_MAX])
{
    const char *end = p + n, *c;
    size_t k = 0;

    for (;;) {
        c = memchr(p, ':', (size_t)(end - p));
        if (k == FIELDS_MAX)
            return FIELDS_MAX + 1;
        f[k].p = p;
        f[k].n = (size_t)((c != NULL ? c : end) - p);
        k++;
        if (c == NULL)
            return k;
        p = c + 1;
    }
}

/* A YYYY-MM-DD day (not the time form util_parse_utc also reads). */
static int
parse_day(struct bytes s, long long *out)
{
    return s.n == 10 ? util_parse_utc(s.p, s.n, out) : -1;
}

/* Whether a field is a token: pasted in place of its digest, say. */
static bool
holds_token(const struct bytes *f, size_t k)
{
    size_t i;

    for (i = 0; i < k && i < FIELDS_MAX; i++)
        if (token_well_formed(f[i].p, f[i].n))
            return true;
    return false;
}

/* The fields of an entry line, checked; NULL or why it is bad. */
static const char *
parse_fields(const struct bytes *f, size_t k, struct token_entry *out)
{
    const char *why = NULL;

    if (holds_token(f, k))
        return "a token itself is on this line: the file holds only "
               "SHA-256 digests; that token is exposed, revoke it";
    if (k < 4)
        return line_form;
    if (k > FIELDS_MAX)
        return "more than 5 fields (expected NAME:sha256:HEX:CREATED"
               "[:EXPIRES])";
    if (token_name_check(f[0].p, f[0].n, &why) != TOKEN_NAME_OK)
        return why;
    if (f[1].n != 6 || memcmp(f[1].p, "sha256", 6) != 0)
        return "the second field is not 'sha256' (the only digest)";
    if (util_hex_decode(f[2], out->digest, TOKEN_DIGEST_LEN) < 0)
        return "the digest is not 64 lowercase hex digits";
    if (parse_day(f[3], &out->created) < 0)
        return "CREATED is not a date (YYYY-MM-DD, 1970 to 9999)";
    out->expires = 0;
    if (k == 5 && parse_day(f[4], &out->expires) < 0)
        return "EXPIRES is not a date (YYYY-MM-DD, 1970 to 9999)";
    /* The epoch itself is long past, not "never" (0). */
    if (k == 5 && out->expires == 0)
        out->expires = 1;
    out->name = f[0].p;
    out->name_len = f[0].n;
    return NULL;
}

enum token_line
token_parse_line(const char *p, size_t n, struct token_entry *out,
                 const char **why)
{
    struct bytes f[FIELDS_MAX];
    struct token_entry e;
    size_t k;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (only_blanks(p, n) || p[0] == '#')
        return TOKEN_LINE_SKIP;
    memset(&e, 0, sizeof e);
    k = split_fields(p, n, f);
    *why = parse_fields(f, k, &e);
    if (*why != NULL)
        return TOKEN_LINE_BAD;
    *out = e;
    return TOKEN_LINE_ENTRY;
}

/* "YYYY-MM-DD" of t into buf[11]; -1 outside 1970..9999. */
static int
format_day(long long t, char buf[11])
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (t < 0 || t >= 253402300800LL || gmtime_r(&tt, &tm) == NULL)
        return -1;
    return strftime(buf, 11, "%Y-%m-%d", &tm) == 10 ? 0 : -1;
}

int
token_format_line(char *buf, size_t cap, const char *name, size_t n,
                  const unsigned char digest[TOKEN_DIGEST_LEN],
                  long long created, long long expires)
{
    char hex[2 * TOKEN_DIGEST_LEN + 1], c[11], e[11];
    size_t i;
    int r;

    if (token_name_check(name, n, NULL) != TOKEN_NAME_OK ||
        format_day(created, c) < 0 ||
        (expires != 0 && format_day(expires, e) < 0))
        return -1;
    for (i = 0; i < TOKEN_DIGEST_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    r = snprintf(buf, cap, "%.*s:sha256:%s:%s%s%s", (int)n, name, hex, c,
                 expires != 0 ? ":" : "", expires != 0 ? e : "");
    if (r < 0 || (size_t)r >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return -1;
    }
    return r;
}

/* ---------------------------------------------------------------- table -- */

/*
 * The table lives in one allocation: this header, the entries, the slots
 * of the name index and of the digest index, and the names (each
 * NUL-terminated), in that order.
 */
struct tokfile {
    struct token_entry *entries;
    size_t count;
    struct strtab names;   /* name -> index in entries */
    struct strtab digests; /* first SELECTOR_LEN bytes -> index */
    char *strings;
    size_t strings_cap;
    size_t strings_len;
};

static struct bytes
entry_name(const void *ctx, uint32_t idx)
{
    const struct token_entry *e = (const struct token_entry *)ctx + idx;

    return (struct bytes){e->name, e->name_len};
}

static struct bytes
entry_selector(const void *ctx, uint32_t idx)
{
    const struct token_entry *e = (const struct token_entry *)ctx + idx;

    return (struct bytes){(const char *)e->digest, SELECTOR_LEN};
}

/* One allocation for up to max entries and strings bytes of names. */
static struct tokfile *
table_new(size_t max, size_t strings)
{
    struct tokfile *f;
    size_t nslots = strtab_slots_for(max), esize, ssize, total;
    char *p;

    if (nslots == 0 || max > SIZE_MAX / 4 / sizeof(struct token_entry))
        return NULL;
    esize = max * sizeof(struct token_entry);
    ssize = nslots * sizeof(struct strtab_slot);
    if (ssize > SIZE_MAX / 4 || strings > SIZE_MAX / 4 - esize - 2 * ssize)
        return NULL;
    total = sizeof *f + esize + 2 * ssize + strings;
    /* calloc: empty slots are zero. */
    f = calloc(1, total);
    if (f == NULL)
        return NULL;
    f->entries = (struct token_entry *)(f + 1);
    p = (char *)f->entries + esize;
    strtab_init(&f->names, (struct strtab_slot *)p, max, strtab_seed(),
                entry_name, f->entries);
    strtab_init(&f->digests, (struct strtab_slot *)(p + ssize), max,
                strtab_seed(), entry_selector, f->entries);
    f->strings = p + 2 * ssize;
    f->strings_cap = strings;
    return f;
}

/*
 * The next line of data[*off..len) into p/n (without its '\n'); false at
 * the end.
 */
static bool
next_line(const char *data, size_t len, size_t *off, const char **p, size_t *n)
{
    const char *nl;

    if (*off >= len)
        return false;
    *p = data + *off;
    nl = memchr(*p, '\n', len - *off);
    *n = (size_t)((nl != NULL ? nl : data + len) - *p);
    *off += *n + (nl != NULL ? 1 : 0);
    return true;
}

/* Pass 1, silent: the entry lines and the bytes their names take. */
static size_t
count_entries(const char *data, size_t len, size_t *strings)
{
    struct token_entry e;
    const char *p, *why;
    size_t off = 0, n, entries = 0;

    *strings = 0;
    while (next_line(data, len, &off, &p, &n))
        if (token_parse_line(p, n, &e, &why) == TOKEN_LINE_ENTRY) {
            entries++;
            *strings += e.name_len + 1;
        }
    return entries;
}

/* Add the entry of one line, or say which earlier line has its key. */
static void
table_add(struct tokfile *f, const struct token_entry *l, struct diag *rep)
{
    struct token_entry *e = &f->entries[f->count];
    uint32_t first;

    first = strtab_get(&f->names, l->name, l->name_len);
    if (first != STRTAB_NONE) {
        diag_report(rep, LOGL_WARN, l->line,
                    "name '%.*s': already defined on line %u, this line is "
                    "refused",
                    (int)l->name_len, l->name, f->entries[first].line);
        return;
    }
    *e = *l;
    /* Pass 1 counted the entries: the table cannot be full. */
    if (strtab_put(&f->digests, (const char *)l->digest, SELECTOR_LEN,
                   (uint32_t)f->count, &first) == STRTAB_FOUND) {
        diag_report(rep, LOGL_WARN, l->line,
                    "name '%.*s': the same digest as line %u (one token for "
                    "two names), this line is refused",
                    (int)l->name_len, l->name, f->entries[first].line);
        return;
    }
    memcpy(f->strings + f->strings_len, l->name, l->name_len);
    f->strings[f->strings_len + l->name_len] = '\0';
    e->name = f->strings + f->strings_len;
    f->strings_len += l->name_len + 1;
    strtab_put(&f->names, e->name, e->name_len, (uint32_t)f->count, &first);
    f->count++;
}

/* Pass 2: every line told, every good one added, in line order. */
static void
fill_table(struct tokfile *f, const char *data, size_t len, struct diag *rep)
{
    struct token_entry e;
    const char *p, *why;
    size_t off = 0, n;
    unsigned lineno = 0;

    while (next_line(data, len, &off, &p, &n)) {
        if (lineno == UINT_MAX) {
            diag_report(rep, LOGL_ERROR, 0,
                        "too many lines: the rest is ignored");
            return;
        }
        lineno++;
        switch (token_parse_line(p, n, &e, &why)) {
        case TOKEN_LINE_SKIP:
            break;
        case TOKEN_LINE_ENTRY:
            e.line = lineno;
            table_add(f, &e, rep);
            break;
        case TOKEN_LINE_BAD:
            diag_report(rep, LOGL_ERROR, lineno, "%s", why);
            break;
        }
    }
}

/* ------------------------------------------------------------------ API -- */

struct tokfile *
tokfile_parse(const char *name, const char *data, size_t len, diag_fn *diag,
              void *diag_ctx)
{
    struct tokfile *f;
    struct diag rep;
    size_t max, strings;

    diag_init(&rep, diag, diag_ctx, name, DIAG_SHOWN_MAX);
    if (data == NULL) {
        if (len > 0)
            return NULL;
        data = "";
    }
    max = count_entries(data, len, &strings);
    f = table_new(max, strings);
    if (f == NULL) {
        diag_report(&rep, LOGL_ERROR, 0, "out of memory for %zu tokens", max);
        return NULL;
    }
    fill_table(f, data, len, &rep);
    diag_finish(&rep);
    return f;
}

/* Passes diagnostics on, counting the errors. */
struct tokfile_count {
    diag_fn *fn;
    void *ctx;
    unsigned errors;
};

static void
tokfile_count_diag(void *ctx, enum log_level sev, const char *file,
                   unsigned line, const char *msg)
{
    struct tokfile_count *c = ctx;

    if (sev == LOGL_ERROR)
        c->errors++;
    if (c->fn != NULL)
        c->fn(c->ctx, sev, file, line, msg);
}

struct tokfile *
tokfile_load(const char *path, diag_fn *diag, void *diag_ctx)
{
    struct tokfile_count c = {diag, diag_ctx, 0};
    struct tokfile *f;
    char err[256];
    size_t len = 0;
    char *buf = file_read(path, TOKEN_FILE_MAX, &len, NULL, err, sizeof err);

    if (buf == NULL) {
        if (diag != NULL)
            diag(diag_ctx, LOGL_ERROR, path, 0, err);
        return NULL;
    }
    f = tokfile_parse(path, buf, len, tokfile_count_diag, &c);
    file_free(buf, len);
    /* As a user file: a line that cannot be read makes a file that cannot
     * be trusted (half written, mangled), so the last good one is kept
     * (or the daemon does not start), never a part of it served. */
    if (f != NULL && c.errors > 0) {
        tokfile_free(f);
        return NULL;
    }
    return f;
}

const struct token_entry *
tokfile_by_digest(const struct tokfile *f,
                  const unsigned char digest[TOKEN_DIGEST_LEN])
{
    const struct token_entry *e;
    uint32_t i;

    if (f == NULL || digest == NULL)
        return NULL;
    i = strtab_get(&f->digests, (const char *)digest, SELECTOR_LEN);
    if (i == STRTAB_NONE)
        return NULL;
    e = &f->entries[i];
    return util_ct_equal(e->digest, TOKEN_DIGEST_LEN, digest, TOKEN_DIGEST_LEN)
               ? e
               : NULL;
}

const struct token_entry *
tokfile_lookup(const struct tokfile *f, const char *t, size_t n)
{
    unsigned char d[TOKEN_DIGEST_LEN];

    if (f == NULL || t == NULL)
        return NULL;
    token_digest(t, n, d);
    return tokfile_by_digest(f, d);
}

const struct token_entry *
tokfile_by_name(const struct tokfile *f, const char *name, size_t n)
{
    uint32_t i;

    if (f == NULL || name == NULL || n == 0 || n > TOKEN_NAME_MAX)
        return NULL;
    i = strtab_get(&f->names, name, n);
    return i != STRTAB_NONE ? &f->entries[i] : NULL;
}

bool
token_entry_expired(const struct token_entry *e, long long now)
{
    return util_expired(e->expires, now);
}

size_t
tokfile_count(const struct tokfile *f)
{
    return f != NULL ? f->count : 0;
}

void
tokfile_free(struct tokfile *f)
{
    free(f);
}
