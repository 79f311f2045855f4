/*
 * path: request paths normalised for matching path rules, deny-biased.
 *
 * The question a path rule asks is "would the server this request reaches
 * treat it as something under /admin/?". Servers and the backends behind
 * them disagree on many spellings (nginx decodes %2F, Apache refuses it;
 * Tomcat strips ";params", nginx keeps them; Windows-ish backends take '\'
 * for '/'). Every step below is chosen so that our reading is under every
 * rule any of those readings is under, and where no single reading can be
 * (a ".." that climbs out of a segment spelled in a way servers disagree
 * on), the answer is PATH_UNCLEAR, which makes every rule apply.
 *
 * Why that holds: decoding, '\' as '/', dropping ";params", merging "//",
 * dropping "." segments and lowering letters only ever turn a prefix of the
 * text into a prefix of the result, so a rule prefix (itself normalised:
 * lower case, no '%', ';', '\', "//") that some server's reading starts
 * with is also a prefix of ours. A ".." that removes a segment is the one
 * step that does not keep prefixes, so it is only taken on plain text.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "path.h"
#include "util.h"

/*
 * Longest raw path (after the query cut and the absolute-form step) that is
 * looked at; longer is PATH_UNCLEAR. Four bytes per kept byte leaves room
 * for a fully percent-encoded PATH_NORM_MAX path ("%61" is three) and
 * for some dot segments, and is still above what nginx (8 KiB
 * large_client_header_buffers) and Apache (LimitRequestLine 8190) accept
 * for a whole request line by default.
 */
#define PATH_RAW_MAX (4 * PATH_NORM_MAX)

/* Percent-decoding rounds allowed before giving up ("%25" nested deeper). */
#define PATH_DECODE_ROUNDS 8

static bool
path_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
path_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
path_is_sep(char c)
{
    return c == '/' || c == '\\';
}

static unsigned char
path_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The value of the hex digit c, or -1. */
static int
path_hex(unsigned char c)
{
    if (path_is_digit(c))
        return c - '0';
    c = path_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*
 * Length of a leading "scheme://" in p[0..n) (RFC 3986 3.1: scheme = ALPHA
 * *( ALPHA / DIGIT / "+" / "-" / "." )), or 0 when there is none. An
 * origin-form target starts with '/', which is not ALPHA, so it never has
 * one.
 */
static size_t
path_scheme_len(const char *p, size_t n)
{
    size_t i = 1;

    if (n == 0 || !path_is_alpha((unsigned char)p[0]))
        return 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];

        if (!path_is_alpha(c) && !path_is_digit(c) && c != '+' && c != '-' &&
            c != '.')
            break;
        i++;
    }
    if (n - i < 3 || memcmp(p + i, "://", 3) != 0)
        return 0;
    return i + 3;
}

/*
 * The path part of the target t[0..n) (already cut before '?'): t itself
 * for origin-form, what follows the authority for absolute-form (RFC 9112
 * 3.2.2), "/" when an absolute-form target has no path. Returns -1 when the
 * target does not start with '/' and is not absolute-form, or when the
 * authority is empty or holds a '\' (WHATWG URL parsers end the authority
 * there, so they would see a different path from ours).
 */
static int
path_target(const char *t, size_t n, const char **path, size_t *plen)
{
    size_t s = path_scheme_len(t, n), end;
    const char *slash;

    if (s == 0) {
        if (n == 0 || t[0] != '/')
            return -1;
        *path = t;
        *plen = n;
        return 0;
    }
    slash = memchr(t + s, '/', n - s);
    end = slash != NULL ? (size_t)(slash - t) : n;
    if (end == s || memchr(t + s, '\\', end - s) != NULL)
        return -1;
    if (slash == NULL) {
        *path = "/";
        *plen = 1;
        return 0;
    }
    *path = slash;
    *plen = n - (size_t)(slash - t);
    return 0;
}

/*
 * Whether p[0..n) is spelled so plainly that every server reads its ".."
 * segments the same way: no percent-encoding, no '\', no ";params", no
 * empty segment ("/admin//../x" is "/admin/x" to a server that keeps the
 * empty segment, "/x" to one that merges slashes first).
 */
static bool
path_is_plain(const char *p, size_t n)
{
    if (memchr(p, '%', n) != NULL || memchr(p, '\\', n) != NULL ||
        memchr(p, ';', n) != NULL)
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] == '/' && p[i - 1] == '/')
            return false;
    return true;
}

/*
 * Percent-decode buf[0..*len) in place, round after round, until no '%' is
 * left ("%252e" -> "%2e" -> "."), at most PATH_DECODE_ROUNDS rounds. A
 * round reads left to right and never looks at what it has just written,
 * so "%2541" becomes "%41" in one round and "A" in the next. Returns -1 on
 * a '%' not followed by two hex digits (in any round: a literal '%' cannot
 * be told apart from a deeper encoding), on a decoded control byte (NUL
 * included), or when '%' is still left after the last round.
 */
static int
path_decode(char *buf, size_t *len)
{
    size_t n = *len;

    for (unsigned round = 0;; round++) {
        const char *pct = memchr(buf, '%', n);
        size_t w;

        if (pct == NULL)
            break;
        if (round == PATH_DECODE_ROUNDS)
            return -1;
        w = (size_t)(pct - buf);
        for (size_t r = w; r < n;) {
            int hi, lo;
            unsigned char c;

            if (buf[r] != '%') {
                buf[w++] = buf[r++];
                continue;
            }
            if (n - r < 3)
                return -1;
            hi = path_hex((unsigned char)buf[r + 1]);
            lo = path_hex((unsigned char)buf[r + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            if (c < 0x20 || c == 0x7f)
                return -1;
            buf[w++] = (char)c;
            r += 3;
        }
        n = w;
    }
    *len = n;
    return 0;
}

/*
 * Whether p[0..n) holds an over-long UTF-8 form of an ASCII byte ("\xc0\xae"
 * is a second '.', "\xc0\xaf" a second '/'). Those lead bytes never start a
 * valid sequence, but decoders that accepted them have turned
 * "%c0%ae%c0%ae/" into "../" (IIS, Tomcat CVE-2008-2938). Valid UTF-8 is
 * never refused: 0xc0, 0xc1, 0xe0 and 0xf0 are not continuation bytes.
 */
static bool
path_has_overlong(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char a = (unsigned char)p[i];
        unsigned char b = (unsigned char)p[i + 1];

        if ((a == 0xc0 || a == 0xc1) && b >= 0x80 && b <= 0xbf)
            return true;
        if (a == 0xe0 && b >= 0x80 && b <= 0x9f)
            return true;
        if (a == 0xf0 && b >= 0x80 && b <= 0x8f)
            return true;
    }
    return false;
}

/*
 * Resolve the decoded path buf[0..*len) (starting with '/') in place:
 * '\' is a separator, ";params" dropped, empty and "." segments dropped,
 * ".." removes the segment before it (RFC 3986 5.2.4; at the root it does
 * nothing), letters lowered. A path ending in a separator, "." or ".."
 * keeps a trailing '/'.
 *
 * The result is a run of "/segment" pieces; each piece is written no
 * further right than the separator it was read after, so writing never
 * overtakes reading. A ".." that has a segment to remove when may_pop is
 * false returns -1.
 */
static int
path_resolve(char *buf, size_t *len, bool may_pop)
{
    size_t n = *len, w = 0, r = 0;
    bool dir = false;

    while (r < n) {
        size_t s = ++r, e;
        const char *semi;

        while (r < n && !path_is_sep(buf[r]))
            r++;
        semi = memchr(buf + s, ';', r - s);
        e = semi != NULL ? (size_t)(semi - buf) : r;
        dir = true;
        if (e == s || (e - s == 1 && buf[s] == '.'))
            continue;
        if (e - s == 2 && buf[s] == '.' && buf[s + 1] == '.') {
            if (w == 0)
                continue;
            if (!may_pop)
                return -1;
            while (buf[--w] != '/')
                ;
            continue;
        }
        dir = false;
        buf[w++] = '/';
        for (size_t i = s; i < e; i++)
            buf[w++] = (char)path_lower((unsigned char)buf[i]);
    }
    if (w == 0 || dir)
        buf[w++] = '/';
    *len = w;
    return 0;
}

enum path_result
path_normalize(const char *uri, size_t n, char *out, size_t cap, size_t *outlen)
{
    char buf[PATH_RAW_MAX];
    const char *q, *path;
    size_t plen;
    bool plain;

    if (out == NULL || cap == 0)
        return PATH_UNCLEAR;
    out[0] = '\0';
    if (uri == NULL || n == 0)
        return PATH_UNCLEAR;

    /*
     * The query is cut once, on the raw text, before any decoding: "%3f"
     * decodes to a '?' that is part of the path (as nginx and Apache read
     * it), not the start of a query.
     */
    q = memchr(uri, '?', n);
    if (q != NULL)
        n = (size_t)(q - uri);
    /*
     * No request-target form has a fragment (RFC 9112 3.2), so no client
     * sends one. nginx and Apache cut at '#', but a backend handed the raw
     * target (Go's net/http) keeps "#/../admin" in the path: no single
     * reading covers both, so it is unclear rather than cut.
     */
    if (memchr(uri, '#', n) != NULL)
        return PATH_UNCLEAR;
    if (util_has_ctl(uri, n))
        return PATH_UNCLEAR;
    if (path_target(uri, n, &path, &plen) < 0 || plen > sizeof buf)
        return PATH_UNCLEAR;

    plain = path_is_plain(path, plen);
    memcpy(buf, path, plen);
    if (path_decode(buf, &plen) < 0 || path_has_overlong(buf, plen))
        return PATH_UNCLEAR;
    /*
     * XXX: segments ending in '.' or ' ' ("/admin./", "/admin%20/") name
     * the same folder on Windows file systems; kept as they are, since the
     * servers this daemon sits behind run on Linux.
     */
    if (path_resolve(buf, &plen, plain) < 0)
        return PATH_UNCLEAR;
    if (plen > PATH_NORM_MAX || plen >= cap)
        return PATH_UNCLEAR;
    memcpy(out, buf, plen);
    out[plen] = '\0';
    if (outlen != NULL)
        *outlen = plen;
    return PATH_OK;
}

bool
path_under(const char *path, size_t n, const char *pfx, size_t pn)
{
    /* "/admin/" also covers "/admin": compare without its last '/'. */
    size_t need = pn;

    if (pn > 0 && pfx[pn - 1] == '/' && n == pn - 1)
        need = n;
    if (n < need)
        return false;
    /*
     * Both sides are normalised, so already lower case; comparing without
     * case anyway keeps a rule that skipped normalisation deny-biased.
     */
    for (size_t i = 0; i < need; i++)
        if (path_lower((unsigned char)path[i]) !=
            path_lower((unsigned char)pfx[i]))
            return false;
    return true;
}
