#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "htpasswd.h"
#include "pwfile.h"
#include "token.h"
#include "util.h"
#include "verify.h"

/* How often a waiting pwfile_open tries the lock again. */
#define LOCK_POLL_MS 20

/* ------------------------------------------------------------ user names -- */

enum pwfile_user_check
pwfile_user_check(const char *user, size_t n, const char **why)
{
    const char *dummy;

    if (why == NULL)
        why = &dummy;
    if (user == NULL || n == 0) {
        *why = "empty user name";
        return PWFILE_USER_ILLEGAL;
    }
    if (n > HTPASSWD_USER_MAX) {
        *why = "user name longer than 255 bytes";
        return PWFILE_USER_TOO_LONG;
    }
    /* RFC 7617 2: the user-id cannot contain ':'; the file splits there. */
    if (memchr(user, ':', n) != NULL) {
        *why = "user name contains ':'";
        return PWFILE_USER_ILLEGAL;
    }
    if (util_has_ctl(user, n)) {
        *why = "user name contains a control character";
        return PWFILE_USER_ILLEGAL;
    }
    /* Apache trims these and nginx keeps them; fcgi-authd refuses them. */
    if (user[0] == ' ' || user[n - 1] == ' ') {
        *why = "user name starts or ends with a space";
        return PWFILE_USER_ILLEGAL;
    }
    /* "#name:hash" is a comment line to every reader. */
    if (user[0] == '#') {
        *why = "user name starts with '#' (the line would be a comment)";
        return PWFILE_USER_ILLEGAL;
    }
    *why = NULL;
    return PWFILE_USER_OK;
}

/* ----------------------------------------------------------------- lines -- */

/* One line of a file's text, split as htpasswd.c reads it. */
struct pline {
    size_t start, end; /* the line without its ending */
    size_t next;       /* where the next line starts */
    bool entry;        /* "user:..." with a non-empty user */
    size_t ulen;       /* user: text[start..start+ulen) */
    size_t hash_off, hash_len;
};

/* The line of text[0..len) at *off; false at the end of the text. */
static bool
next_line(const char *text, size_t len, size_t off, struct pline *l)
{
    const char *nl, *colon, *hend;
    size_t n, i;

    if (off >= len)
        return false;
    nl = memchr(text + off, '\n', len - off);
    l->start = off;
    l->end = nl != NULL ? (size_t)(nl - text) : len;
    l->next = nl != NULL ? l->end + 1 : len;
    n = l->end - l->start;
    if (n > 0 && text[l->end - 1] == '\r') {
        l->end--;
        n--;
    }
    l->entry = false;
    if (n == 0 || text[l->start] == '#')
        return true;
    for (i = l->start; i < l->end; i++)
        if (text[i] != ' ' && text[i] != '\t')
            break;
    if (i == l->end)
        return true;
    colon = memchr(text + l->start, ':', n);
    if (colon == NULL || colon == text + l->start)
        return true;
    l->entry = true;
    l->ulen = (size_t)(colon - (text + l->start));
    l->hash_off = l->start + l->ulen + 1;
    hend = memchr(text + l->hash_off, ':', l->end - l->hash_off);
    l->hash_len = (hend != NULL ? (size_t)(hend - text) : l->end) - l->hash_off;
    return true;
}

static bool
line_is_user(const char *text, const struct pline *l, const char *user,
             size_t ulen)
{
    return l->entry && l->ulen == ulen &&
           memcmp(text + l->start, user, ulen) == 0;
}

/* ----------------------------------------------------------- text edits -- */

unsigned
pwfile_find(const char *text, size_t len, const char *user, size_t ulen,
            struct pwfile_match *m)
{
    struct pline l;
    size_t off = 0;
    unsigned lineno = 0;

    memset(m, 0, sizeof *m);
    if (text == NULL || user == NULL)
        return 0;
    while (next_line(text, len, off, &l)) {
        lineno++;
        off = l.next;
        if (!line_is_user(text, &l, user, ulen))
            continue;
        if (m->count++ == 0) {
            m->line = lineno;
            m->start = l.start;
            m->end = l.end;
            m->hash_off = l.hash_off;
            m->hash_len = l.hash_len;
        } else if (m->count == 2) {
            m->another = lineno;
        }
    }
    return m->count;
}

/*
 * The line ending of the last line of text that has one: "\r\n" or "\n"
 * (also for a text with none). A new last line ends like its neighbour.
 */
static const char *
last_ending(const char *text, size_t len)
{
    const char *nl = len > 0 ? memrchr(text, '\n', len) : NULL;

    return nl != NULL && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
}

enum pwfile_set_result
pwfile_set(const char *text, size_t len, const char *user, size_t ulen,
           const char *hash, size_t hlen, char **out, size_t *outlen,
           struct pwfile_match *m)
{
    struct pwfile_match local;
    const char *eol;
    size_t cap, o = 0;
    char *buf;
    bool lastnl;

    if (m == NULL)
        m = &local;
    *out = NULL;
    *outlen = 0;
    if (text == NULL)
        len = 0;
    pwfile_find(text, len, user, ulen, m);
    /* Room for the old text, a line ending, "user:hash\r\n" and a NUL. */
    if (hlen > SIZE_MAX / 4 || ulen > SIZE_MAX / 4 || len > SIZE_MAX / 4)
        return PWFILE_SET_ERROR;
    cap = len + 2 + ulen + 1 + hlen + 2 + 1;
    buf = malloc(cap);
    if (buf == NULL)
        return PWFILE_SET_ERROR;
    if (m->count > 0) {
        memcpy(buf, text, m->hash_off);
        o = m->hash_off;
        memcpy(buf + o, hash, hlen);
        o += hlen;
        memcpy(buf + o, text + m->hash_off + m->hash_len,
               len - m->hash_off - m->hash_len);
        o += len - m->hash_off - m->hash_len;
        m->end = m->end - m->hash_len + hlen;
    } else {
        eol = last_ending(text != NULL ? text : "", len);
        if (len > 0)
            memcpy(buf, text, len);
        o = len;
        lastnl = len == 0 || text[len - 1] == '\n';
        if (!lastnl) {
            memcpy(buf + o, eol, strlen(eol));
            o += strlen(eol);
        }
        m->start = o;
        memcpy(buf + o, user, ulen);
        o += ulen;
        buf[o++] = ':';
        memcpy(buf + o, hash, hlen);
        o += hlen;
        m->end = o;
        memcpy(buf + o, eol, strlen(eol));
        o += strlen(eol);
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return m->count > 0 ? PWFILE_SET_UPDATED : PWFILE_SET_ADDED;
}

int
pwfile_delete(const char *text, size_t len, const char *user, size_t ulen,
              char **out, size_t *outlen)
{
    struct pline l;
    size_t off = 0, o = 0;
    int removed = 0;
    char *buf;

    *out = NULL;
    *outlen = 0;
    if (text == NULL)
        len = 0;
    if (len == SIZE_MAX)
        return -1;
    buf = malloc(len + 1);
    if (buf == NULL)
        return -1;
    while (next_line(text, len, off, &l)) {
        /* Whole lines, endings included, are copied or left out. */
        if (line_is_user(text, &l, user, ulen)) {
            if (removed < INT_MAX)
                removed++;
        } else {
            memcpy(buf + o, text + l.start, l.next - l.start);
            o += l.next - l.start;
        }
        off = l.next;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return removed;
}

/* ----------------------------------------------------------------- audit -- */

const char *
pwfile_finding_name(enum pwfile_finding_kind kind)
{
    switch (kind) {
    case PWFILE_MALFORMED:
        return "malformed";
    case PWFILE_LEGACY:
        return "legacy";
    case PWFILE_WEAK:
        return "weak";
    case PWFILE_UNUSABLE:
        return "unusable";
    case PWFILE_DUPLICATE:
        return "duplicate";
    case PWFILE_FILE_MODE:
        return "file";
    case PWFILE_LOCKED:
        return "locked";
    case PWFILE_EXPIRED:
        return "expired";
    }
    return "unknown";
}

struct audit {
    pwfile_audit_fn *fn;
    void *ctx;
    long found; /* findings that need action */
};

static void
audit_emit(struct audit *a, enum pwfile_finding_kind kind, unsigned line,
           const char *user, size_t ulen, const char *text)
{
    struct pwfile_finding f = {kind, line, user, ulen, text};

    if (kind != PWFILE_LOCKED && kind != PWFILE_EXPIRED)
        a->found++;
    if (a->fn != NULL)
        a->fn(a->ctx, &f);
}

/* htpasswd_parse's errors: the lines fcgi-authd refuses. */
static void
audit_diag(void *ctx, enum log_level sev, const char *file, unsigned line,
           const char *msg)
{
    (void)file;
    if (sev == LOGL_ERROR)
        audit_emit(ctx, PWFILE_MALFORMED, line, NULL, 0, msg);
}

/* Why a hash of this kind is legacy, or NULL. */
static const char *
legacy_reason(enum hash_kind kind)
{
    switch (kind) {
    case HASH_MD5:
        return "md5-crypt ($1$): set a new password";
    case HASH_APR1:
        return "Apache MD5 ($apr1$): set a new password";
    case HASH_SHA1:
        return "unsalted SHA-1 ({SHA}): set a new password";
    case HASH_SSHA:
        return "salted SHA-1 ({SSHA}): set a new password";
    case HASH_DES:
        return "DES crypt (8 characters count; fcgi-authd reads it only "
               "with allow_des = yes): set a new password";
    case HASH_PLAIN:
        return "plaintext password ({PLAIN}; fcgi-authd reads it only "
               "with allow_plaintext = yes): set a new password";
    default:
        return NULL;
    }
}

/* An entry that expired at the UTC second expires. */
static void
audit_expired(struct audit *a, unsigned line, const char *user, size_t ulen,
              long long expires)
{
    char text[64];
    time_t t = (time_t)expires;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(text, sizeof text, "expired at %Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(text, sizeof text, "expired");
    audit_emit(a, PWFILE_EXPIRED, line, user, ulen, text);
}

/* The finding of a file every local user can read (what: of what). */
static void
audit_mode(struct audit *a, const struct stat *st, const char *what)
{
    char msg[160];

    if (st == NULL || !(st->st_mode & S_IROTH))
        return;
    snprintf(msg, sizeof msg,
             "mode %04o: every local user can read the %s (chmod o-r)",
             (unsigned)(st->st_mode & 07777), what);
    audit_emit(a, PWFILE_FILE_MODE, 0, NULL, 0, msg);
}

/* The findings of the first definition e of a user, seen on line l. */
static void
audit_entry(struct audit *a, const char *user, size_t ulen,
            const struct htpasswd_entry *e, long long now)
{
    char text[160];
    const char *why = legacy_reason(e->kind);
    unsigned long cost = verify_cost(e->kind, e->hash, e->hash_len);

    /* The one reason the loader gave, in its words. */
    if (e->unusable == HTPASSWD_LOCKED)
        audit_emit(a, PWFILE_LOCKED, e->line, user, ulen,
                   htpasswd_unusable_text(e->unusable));
    else if (e->unusable != HTPASSWD_USABLE)
        audit_emit(a, PWFILE_UNUSABLE, e->line, user, ulen,
                   htpasswd_unusable_text(e->unusable));
    else if (why != NULL)
        audit_emit(a, PWFILE_LEGACY, e->line, user, ulen, why);
    if (e->kind == HASH_BCRYPT && cost < VERIFY_BCRYPT_COST_MIN) {
        snprintf(text, sizeof text,
                 "bcrypt cost %lu (at least %d): set a new password", cost,
                 VERIFY_BCRYPT_COST_MIN);
        audit_emit(a, PWFILE_WEAK, e->line, user, ulen, text);
    }
    if ((e->kind == HASH_SHA512 || e->kind == HASH_SHA256) &&
        cost < VERIFY_SHA512_ROUNDS_MIN) {
        snprintf(text, sizeof text,
                 "%s rounds %lu (at least %d): set a new password",
                 e->kind == HASH_SHA512 ? "sha512-crypt" : "sha256-crypt", cost,
                 VERIFY_SHA512_ROUNDS_MIN);
        audit_emit(a, PWFILE_WEAK, e->line, user, ulen, text);
    }
    if (htpasswd_entry_expired(e, now))
        audit_expired(a, e->line, user, ulen, e->expires);
}

long
pwfile_audit(const char *name, const char *text, size_t len,
             const struct stat *st, long long now,
             const struct htpasswd_opts *opts, pwfile_audit_fn *fn, void *ctx)
{
    static const struct htpasswd_opts all = PWFILE_AUDIT_OPTS;
    struct audit a = {fn, ctx, 0};
    const struct htpasswd_entry *e;
    struct htpasswd *h;
    struct pline l;
    char msg[160];
    size_t off = 0;
    unsigned lineno = 0;

    if (text == NULL)
        len = 0;
    audit_mode(&a, st, "hashes");
    h = htpasswd_parse(name, text != NULL ? text : "", len,
                       opts != NULL ? opts : &all, audit_diag, &a);
    /* Malformed lines were told; fcgi-authd loads none of the file. */
    if (h == NULL)
        return a.found > 0 ? a.found : -1;
    while (next_line(text, len, off, &l)) {
        lineno++;
        off = l.next;
        if (!l.entry)
            continue;
        e = htpasswd_lookup(h, text + l.start, l.ulen);
        if (e == NULL)
            continue;
        if (e->line != lineno) {
            snprintf(msg, sizeof msg,
                     "already defined on line %u: every reader ignores this "
                     "line",
                     e->line);
            audit_emit(&a, PWFILE_DUPLICATE, lineno, text + l.start, l.ulen,
                       msg);
            continue;
        }
        audit_entry(&a, text + l.start, l.ulen, e, now);
    }
    htpasswd_free(h);
    return a.found;
}

/* ---------------------------------------------------------- token files -- */

bool
pwfile_is_tokens(const char *text, size_t len)
{
    struct pline l;
    size_t off = 0;

    if (text == NULL)
        return false;
    while (next_line(text, len, off, &l)) {
        off = l.next;
        if (l.entry && l.hash_len == 6 &&
            memcmp(text + l.hash_off, "sha256", 6) == 0)
            return true;
    }
    return false;
}

/*
 * The findings of the token line lineno (l, well formed) against f, the
 * file as fcgi-authd loads it: refused as a repeat, or expired.
 */
static void
audit_token(struct audit *a, const struct tokfile *f,
            const struct token_entry *l, unsigned lineno, long long now)
{
    const struct token_entry *e = tokfile_by_name(f, l->name, l->name_len);
    char msg[160];

    if (e != NULL && e->line == lineno) {
        if (token_entry_expired(e, now))
            audit_expired(a, lineno, l->name, l->name_len, e->expires);
        return;
    }
    /* A later line may hold the name when this one lost on its digest. */
    if (e != NULL && e->line < lineno) {
        snprintf(msg, sizeof msg,
                 "already defined on line %u: fcgi-authd refuses this line",
                 e->line);
    } else {
        e = tokfile_by_digest(f, l->digest);
        if (e != NULL)
            snprintf(msg, sizeof msg,
                     "the same digest as line %u (one token for two names): "
                     "fcgi-authd refuses this line",
                     e->line);
        else
            snprintf(msg, sizeof msg,
                     "its digest begins like another line's: fcgi-authd "
                     "refuses this line");
    }
    audit_emit(a, PWFILE_DUPLICATE, lineno, l->name, l->name_len, msg);
}

long
pwfile_audit_tokens(const char *name, const char *text, size_t len,
                    const struct stat *st, long long now, pwfile_audit_fn *fn,
                    void *ctx)
{
    struct audit a = {fn, ctx, 0};
    struct token_entry e;
    struct tokfile *f;
    struct pline l;
    const char *why;
    size_t off = 0;
    unsigned lineno = 0;

    if (text == NULL)
        len = 0;
    audit_mode(&a, st, "token names and digests");
    /* The table fcgi-authd would load: which repeat it refuses. */
    f = tokfile_parse(name, text != NULL ? text : "", len, NULL, NULL);
    if (f == NULL)
        return -1;
    while (next_line(text, len, off, &l)) {
        lineno++;
        off = l.next;
        switch (token_parse_line(text + l.start, l.end - l.start, &e, &why)) {
        case TOKEN_LINE_SKIP:
            break;
        case TOKEN_LINE_BAD:
            audit_emit(&a, PWFILE_MALFORMED, lineno, NULL, 0, why);
            break;
        case TOKEN_LINE_ENTRY:
            audit_token(&a, f, &e, lineno, now);
            break;
        }
    }
    tokfile_free(f);
    return a.found;
}

/* ---------------------------------------------------------- safe replace -- */

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the whole regular file behind fd into pf->data. */
static int
read_fd(int fd, struct pwfile *pf, char *err, size_t errlen)
{
    size_t cap, got = 0;

    if ((uintmax_t)pf->st.st_size > PWFILE_MAX) {
        snprintf(err, errlen, "%s: larger than %zu MiB", pf->path,
                 PWFILE_MAX >> 20);
        errno = EFBIG;
        return -1;
    }
    /*
     * One byte more than expected tells a file that grew (a writer that
     * does not lock, such as Apache's htpasswd).
     */
    cap = (size_t)pf->st.st_size + 2;
    pf->data = malloc(cap);
    if (pf->data == NULL) {
        snprintf(err, errlen, "out of memory");
        errno = ENOMEM;
        return -1;
    }
    while (got < cap - 1) {
        ssize_t r = pread(fd, pf->data + got, cap - 1 - got, (off_t)got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: read error: %s", pf->path,
                     strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    pf->data[got] = '\0';
    pf->len = got;
    if (got != (size_t)pf->st.st_size) {
        snprintf(err, errlen, "%s: changed while being read", pf->path);
        errno = EAGAIN;
        return -1;
    }
    return 0;
}

/* Take the lock on fd, polling until deadline (monotonic ms). */
static int
lock_fd(int fd, long long deadline, const char *path, unsigned wait_ms,
        char *err, size_t errlen)
{
    const struct timespec poll = {0, LOCK_POLL_MS * 1000000L};

    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
            return -1;
        }
        if (now_ms() >= deadline) {
            snprintf(err, errlen,
                     "%s: still locked by another edit after %u.%03u s", path,
                     wait_ms / 1000, wait_ms % 1000);
            errno = ETIMEDOUT;
            return -1;
        }
        /* A signal ends the wait: the caller decides (Ctrl-C: exit 4). */
        if (nanosleep(&poll, NULL) != 0 && errno == EINTR) {
            snprintf(err, errlen, "%s: interrupted while waiting for the lock",
                     path);
            return -1;
        }
    }
    return 0;
}

/* The existing file: open, lock, check it is still the one path names. */
static int
open_existing(struct pwfile *pf, unsigned wait_ms, char *err, size_t errlen)
{
    long long deadline = now_ms() + wait_ms;
    struct stat cur;

    for (;;) {
        /* O_NONBLOCK: a FIFO never hangs the open; refused just below. */
        pf->fd = open(pf->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (pf->fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", pf->path,
                     strerror(errno));
            return -1;
        }
        if (fstat(pf->fd, &pf->st) != 0) {
            snprintf(err, errlen, "%s: cannot stat: %s", pf->path,
                     strerror(errno));
            return -1;
        }
        if (!S_ISREG(pf->st.st_mode)) {
            snprintf(err, errlen, "%s: not a regular file", pf->path);
            errno = EINVAL;
            return -1;
        }
        if (lock_fd(pf->fd, deadline, pf->path, wait_ms, err, errlen) != 0)
            return -1;
        if (stat(pf->path, &cur) != 0) {
            snprintf(err, errlen, "%s: removed while waiting for the lock",
                     pf->path);
            errno = ENOENT;
            return -1;
        }
        /*
         * The edit that held the lock renamed a new file over this one:
         * our lock is on a file nobody reads any more. Lock the new one.
         */
        if (cur.st_dev == pf->st.st_dev && cur.st_ino == pf->st.st_ino)
            return read_fd(pf->fd, pf, err, errlen);
        close(pf->fd);
        pf->fd = -1;
    }
}

int
pwfile_open(const char *path, enum pwfile_mode mode, unsigned wait_ms,
            struct pwfile *pf, char *err, size_t errlen)
{
    struct stat st;

    memset(pf, 0, sizeof *pf);
    pf->fd = -1;
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "empty file name");
        errno = EINVAL;
        return -1;
    }
    if (mode == PWFILE_CREATE) {
        if (lstat(path, &st) == 0) {
            snprintf(err, errlen, "%s: already exists", path);
            errno = EEXIST;
            return -1;
        }
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        pf->path = strdup(path);
        pf->data = strdup("");
        if (pf->path == NULL || pf->data == NULL) {
            snprintf(err, errlen, "out of memory");
            errno = ENOMEM;
            return -1;
        }
        return 0;
    }
    /* The file itself, not a link to it, is replaced. */
    pf->path = realpath(path, NULL);
    if (pf->path == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return open_existing(pf, wait_ms, err, errlen);
}

/* Split path into a folder (a new string) and the name after its last /. */
static char *
split_path(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    char *dir;

    if (slash == NULL) {
        *base = path;
        return strdup(".");
    }
    *base = slash + 1;
    if (slash == path)
        return strdup("/");
    dir = strndup(path, (size_t)(slash - path));
    return dir;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Owner, group and mode of the file being replaced, on the copy. */
static int
copy_identity(int fd, const struct pwfile *pf, char *err, size_t errlen,
              const char *tmp)
{
    mode_t mode = pf->fd >= 0 ? pf->st.st_mode & 07777 : PWFILE_NEW_MODE;
    struct stat st;

    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", tmp, strerror(errno));
        return -1;
    }
    /* Before fchmod: a change of owner clears set-id bits. */
    if (pf->fd >= 0 &&
        (st.st_uid != pf->st.st_uid || st.st_gid != pf->st.st_gid) &&
        fchown(fd, pf->st.st_uid, pf->st.st_gid) != 0) {
        snprintf(err, errlen,
                 "%s: cannot give the new copy its owner %ju:%ju (%s); run "
                 "as root or as the owner",
                 pf->path, (uintmax_t)pf->st.st_uid, (uintmax_t)pf->st.st_gid,
                 strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) != 0) {
        snprintf(err, errlen, "%s: cannot set mode %04o: %s", tmp,
                 (unsigned)mode, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write data to the temporary file tmp (open as fd), owner and mode set. */
static int
fill_temp(int fd, const struct pwfile *pf, const char *tmp, const char *data,
          size_t len, char *err, size_t errlen)
{
    if (copy_identity(fd, pf, err, errlen, tmp) != 0)
        return -1;
    if (write_all(fd, data, len) != 0) {
        snprintf(err, errlen, "%s: write error: %s", tmp, strerror(errno));
        return -1;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Whether the file is still as it was read: a writer that takes no lock
 * (Apache's htpasswd, an editor) may have changed it since.
 */
static int
still_same(const struct pwfile *pf, char *err, size_t errlen)
{
    struct stat cur;

    if (pf->fd < 0)
        return 0;
    if (stat(pf->path, &cur) == 0 && cur.st_dev == pf->st.st_dev &&
        cur.st_ino == pf->st.st_ino && cur.st_size == pf->st.st_size &&
        cur.st_mtim.tv_sec == pf->st.st_mtim.tv_sec &&
        cur.st_mtim.tv_nsec == pf->st.st_mtim.tv_nsec)
        return 0;
    snprintf(err, errlen,
             "%s: changed since it was read (by a program that does not "
             "lock it?); nothing written, try again",
             pf->path);
    errno = EAGAIN;
    return -1;
}

/* Move tmp to the file's name: over it, or only where none exists. */
static int
put_in_place(const struct pwfile *pf, const char *tmp, char *err, size_t errlen)
{
    int r;

    if (pf->fd >= 0) {
        r = rename(tmp, pf->path);
    } else {
#ifdef RENAME_NOREPLACE
        r = renameat2(AT_FDCWD, tmp, AT_FDCWD, pf->path, RENAME_NOREPLACE);
        if (r != 0 && (errno == EINVAL || errno == ENOSYS))
#endif
        {
            /* link() fails when the name exists, as NOREPLACE does. */
            r = link(tmp, pf->path);
            if (r == 0)
                unlink(tmp);
        }
    }
    if (r != 0)
        snprintf(err, errlen, "%s: cannot %s: %s", pf->path,
                 pf->fd >= 0 ? "replace" : "create", strerror(errno));
    return r;
}

/* fsync the folder, so the rename itself survives a crash. */
static int
sync_dir(const char *dir, const char *path, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = fd >= 0 ? fsync(fd) : -1;
    int saved = errno;

    if (fd >= 0)
        close(fd);
    if (r != 0) {
        snprintf(err, errlen,
                 "%s was replaced, but its folder %s could not be synced "
                 "(%s): a crash now could undo the change",
                 path, dir, strerror(saved));
        errno = saved;
    }
    return r;
}

int
pwfile_commit(struct pwfile *pf, const char *data, size_t len, char *err,
              size_t errlen)
{
    const char *base;
    char *dir = NULL, *tmp = NULL;
    size_t tlen;
    int fd = -1, rc = -1, saved;

    if (pf == NULL || pf->path == NULL || (data == NULL && len > 0)) {
        snprintf(err, errlen, "nothing to write");
        errno = EINVAL;
        return -1;
    }
    dir = split_path(pf->path, &base);
    tlen = dir != NULL ? strlen(dir) + strlen(base) + 10 : 0;
    tmp = dir != NULL ? malloc(tlen) : NULL;
    if (tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        errno = ENOMEM;
        goto done;
    }
    /* Hidden, in the same folder: rename() never crosses a file system. */
    snprintf(tmp, tlen, "%s/.%s.XXXXXX", dir, base);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        saved = errno;
        snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir,
                 strerror(saved));
        free(tmp);
        tmp = NULL;
        errno = saved;
        goto done;
    }
    if (fill_temp(fd, pf, tmp, data, len, err, errlen) != 0)
        goto done;
    saved = close(fd);
    fd = -1;
    if (saved != 0) {
        snprintf(err, errlen, "%s: close: %s", tmp, strerror(errno));
        goto done;
    }
    if (still_same(pf, err, errlen) != 0 ||
        put_in_place(pf, tmp, err, errlen) != 0)
        goto done;
    free(tmp);
    tmp = NULL;
    rc = sync_dir(dir, pf->path, err, errlen);
done:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (tmp != NULL) {
        unlink(tmp);
        free(tmp);
    }
    free(dir);
    errno = saved;
    return rc;
}

void
pwfile_close(struct pwfile *pf)
{
    if (pf == NULL)
        return;
    /* Closing the descriptor releases the flock. */
    if (pf->fd >= 0)
        close(pf->fd);
    pf->fd = -1;
    if (pf->data != NULL) {
        util_wipe(pf->data, pf->len);
        free(pf->data);
    }
    pf->data = NULL;
    pf->len = 0;
    free(pf->path);
    pf->path = NULL;
}
