/*
 * fuzz_path: path_normalize on any request target.
 *
 * Checked on PATH_OK, from path.h: the result starts with '/', is
 * NUL-terminated at *outlen, and holds no "//", "/./", "/../" (nor ends in
 * "/." or "/.."), no upper-case letter, '\', ';', '%' or control byte;
 * normalising it again gives it back (except when it holds a decoded '?'
 * or '#', which path.h keeps as part of the path but a raw target would
 * cut at). Deny bias: a target whose first segment is spelled plainly
 * ("/admin/...") stays under that segment unless a plainly written ".."
 * legitimately climbs out. A plain target (printable ASCII, no '%', '\',
 * ';', "//", '?' or '#') gives exactly RFC 3986 remove_dot_segments of its
 * lower-cased text. path_under agrees with plain prefixes of the result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"

static bool
lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Whether p[0..n) has a segment that is exactly "..". */
static bool
has_dotdot(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/') &&
            (i + 2 == n || p[i + 2] == '/'))
            return true;
    return false;
}

/* Printable ASCII without '%', '\', ';', '?', '#' or "//", from '/'. */
static bool
plain(const char *p, size_t n)
{
    if (n == 0 || p[0] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c < 0x20 || c > 0x7e || c == '%' || c == '\\' || c == ';' ||
            c == '?' || c == '#' || (i > 0 && c == '/' && p[i - 1] == '/'))
            return false;
    }
    return true;
}

/*
 * path.h: a ".." that removes a segment is resolved only when the raw path
 * has no '%', '\', ';' or "//" (otherwise the result is PATH_UNCLEAR).
 */
static bool
may_climb(const char *p, size_t n)
{
    return memchr(p, '%', n) == NULL && memchr(p, '\\', n) == NULL &&
           memchr(p, ';', n) == NULL && memmem(p, n, "//", 2) == NULL;
}

/*
 * RFC 3986 5.2.4 remove_dot_segments over in[0..n), lower-cased, into out
 * (n + 2 bytes); returns the length. The input starts with '/'.
 */
static size_t
remove_dot_segments(const char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    while (i < n) {
        const char *s = in + i;
        size_t left = n - i;

        if (left >= 3 && memcmp(s, "/./", 3) == 0) {
            i += 2;
        } else if (left == 2 && memcmp(s, "/.", 2) == 0) {
            i += 1;
            out[o++] = '/';
            break;
        } else if ((left >= 4 && memcmp(s, "/../", 4) == 0) ||
                   (left == 3 && memcmp(s, "/..", 3) == 0)) {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            if (left == 3) {
                out[o++] = '/';
                break;
            }
            i += 3;
        } else {
            size_t k = 1;

            while (k < left && s[k] != '/')
                k++;
            for (size_t j = 0; j < k; j++)
                out[o++] = s[j] >= 'A' && s[j] <= 'Z' ? (char)(s[j] - 'A' + 'a')
                                                      : s[j];
            i += k;
        }
    }
    if (o == 0)
        out[o++] = '/';
    return o;
}

static void
check_shape(const char *out, size_t n)
{
    FUZZ_ASSERT(n >= 1 && n <= PATH_NORM_MAX);
    FUZZ_ASSERT(out[0] == '/');
    FUZZ_ASSERT(out[n] == '\0' && strlen(out) == n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];

        FUZZ_ASSERT(!(c >= 'A' && c <= 'Z'));
        FUZZ_ASSERT(c >= 0x20 && c != 0x7f);
        FUZZ_ASSERT(c != '\\' && c != ';' && c != '%');
    }
    FUZZ_ASSERT(memmem(out, n, "//", 2) == NULL);
    FUZZ_ASSERT(memmem(out, n, "/./", 3) == NULL);
    FUZZ_ASSERT(memmem(out, n, "/../", 4) == NULL);
    FUZZ_ASSERT(!(n >= 2 && memcmp(out + n - 2, "/.", 2) == 0));
    FUZZ_ASSERT(!(n >= 3 && memcmp(out + n - 3, "/..", 3) == 0));
}

static void
check_under(const char *out, size_t n)
{
    char pfx[PATH_NORM_MAX + 2];

    FUZZ_ASSERT(path_under(out, n, out, n));
    FUZZ_ASSERT(path_under(out, n, out, 1));
    FUZZ_ASSERT(path_under(out, n, out, (n + 1) / 2));
    /* "/admin/" covers "/admin". */
    if (out[n - 1] != '/') {
        memcpy(pfx, out, n);
        pfx[n] = '/';
        FUZZ_ASSERT(path_under(out, n, pfx, n + 1));
    }
}

/*
 * Deny bias: when the target (origin-form) starts with "/seg/" spelled in
 * lower-case letters and digits, the result is still under "/seg/", unless
 * a ".." segment may legitimately climb out (see may_climb).
 */
static void
check_prefix_kept(const char *uri, size_t size, const char *out, size_t n)
{
    size_t k = 1;
    const char *q = memchr(uri, '?', size);
    size_t len = q != NULL ? (size_t)(q - uri) : size;

    if (len < 3 || uri[0] != '/')
        return;
    while (k < len && lower_alnum(uri[k]))
        k++;
    if (k == 1 || k >= len || uri[k] != '/')
        return;
    if (may_climb(uri, len) && has_dotdot(uri, len))
        return;
    FUZZ_ASSERT(path_under(out, n, uri, k + 1));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *uri = malloc(size > 0 ? size : 1);
    char *out = malloc(PATH_NORM_MAX + 1);
    char *again = malloc(PATH_NORM_MAX + 1);
    char *ref = malloc(size + 2);
    size_t n = (size_t)-1, n2 = 0, rn;
    enum path_result r;

    if (uri == NULL || out == NULL || again == NULL || ref == NULL)
        abort();
    memcpy(uri, data, size);
    r = path_normalize(uri, size, out, PATH_NORM_MAX + 1, &n);
    FUZZ_ASSERT(r == PATH_OK || r == PATH_UNCLEAR);
    if (plain(uri, size) && size <= PATH_NORM_MAX) {
        FUZZ_ASSERT(r == PATH_OK);
        rn = remove_dot_segments(uri, size, ref);
        FUZZ_ASSERT(rn == n && memcmp(ref, out, n) == 0);
    }
    if (r == PATH_OK) {
        check_shape(out, n);
        check_under(out, n);
        check_prefix_kept(uri, size, out, n);
        if (strpbrk(out, "?#") == NULL) {
            FUZZ_ASSERT(path_normalize(out, n, again, PATH_NORM_MAX + 1, &n2) ==
                        PATH_OK);
            FUZZ_ASSERT(n2 == n && memcmp(again, out, n) == 0);
        }
    }
    free(ref);
    free(again);
    free(out);
    free(uri);
    return 0;
}
