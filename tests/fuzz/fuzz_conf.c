/*
 * fuzz_conf: conf_parse on any config file text, into a conf_init'ed
 * struct, then conf_free (ASan's leak check runs at exit of every input).
 *
 * Checked, through the key table so new keys are covered too: every value
 * that was stored is of its type and in range (seconds up to 86400, counts
 * 1 to 10 000 000, realms 1 to CONF_REALM_MAX printable bytes, parsed
 * rules whose text rule_parse takes again the same way, parsed proxy lists
 * that are valid networks, strings not empty and without control bytes);
 * profile names are valid and unique; path prefixes are normalised; a
 * return of 0 comes with no error diagnostic and -1 with at least one. The
 * text is then parsed a second time into the same struct, which replaces
 * every value it sets.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "path.h"
#include "policy.h"
#include "proxy.h"

static void
count_errors(void *ctx, enum log_level sev, const char *file, unsigned line,
             const char *msg)
{
    unsigned *errors = ctx;

    (void)file;
    (void)line;
    FUZZ_ASSERT(msg != NULL);
    if (sev == LOGL_ERROR)
        (*errors)++;
}

static void
check_string(const char *s)
{
    if (s == NULL)
        return;
    FUZZ_ASSERT(s[0] != '\0');
    FUZZ_ASSERT(!fuzz_has_ctl(s, strlen(s)));
}

/* A stored rule: its text parses again to the same terms and names. */
static void
check_rule(const struct rule *r)
{
    struct rule again;
    char err[200];

    if (r == NULL)
        return;
    FUZZ_ASSERT(rule_parse(&again, r->text, strlen(r->text), err, sizeof err) ==
                0);
    FUZZ_ASSERT(again.nterms == r->nterms && again.nnames == r->nnames &&
                again.all == r->all);
    FUZZ_ASSERT(r->nterms >= 1 && r->nterms <= RULE_TERMS_MAX);
}

static void
check_proxies(const struct proxies *p)
{
    if (p == NULL)
        return;
    FUZZ_ASSERT(p->n == 0 || p->nets != NULL);
    for (size_t i = 0; i < p->n; i++) {
        const struct proxy_net *n = &p->nets[i];

        FUZZ_ASSERT(n->family == AF_INET || n->family == AF_INET6);
        FUZZ_ASSERT(n->prefix <= (n->family == AF_INET ? 32u : 128u));
    }
}

/* Check the value of key k stored at m. */
static void
check_value(const struct conf_key *k, const void *m)
{
    unsigned u;
    const char *s;
    const struct rule *r;
    const struct proxies *px;

    switch (k->type) {
    case CONF_SECONDS:
    case CONF_COUNT:
    case CONF_UINT:
    case CONF_MODE:
        memcpy(&u, m, sizeof u);
        if (k->type == CONF_SECONDS)
            FUZZ_ASSERT(u <= 86400);
        else if (k->type == CONF_COUNT)
            FUZZ_ASSERT(u >= 1 && u <= 10000000);
        else if (k->type == CONF_UINT)
            FUZZ_ASSERT(u <= 256);
        else
            FUZZ_ASSERT(u <= 0777);
        return;
    case CONF_AUTOBOOL: {
        int v;

        memcpy(&v, m, sizeof v);
        FUZZ_ASSERT(v >= -1 && v <= 1);
        return;
    }
    case CONF_BOOL:
    case CONF_LOGLEVEL:
        return;
    case CONF_RULE:
        memcpy(&r, m, sizeof r);
        check_rule(r);
        return;
    case CONF_NETS:
        memcpy(&px, m, sizeof px);
        check_proxies(px);
        return;
    case CONF_STRING:
    case CONF_REALM:
        break;
    }
    memcpy(&s, m, sizeof s);
    check_string(s);
    if (s != NULL && k->type == CONF_REALM)
        FUZZ_ASSERT(strlen(s) <= CONF_REALM_MAX);
}

static void
check_conf(const struct conf *c)
{
    size_t nkeys;
    const struct conf_key *keys = conf_keys(&nkeys);

    for (size_t i = 0; i < nkeys; i++) {
        const struct conf_key *k = &keys[i];

        check_value(k, (const char *)c + k->offset);
        if (k->scope != CONF_PROFILE)
            continue;
        for (size_t p = 0; p < c->nprofiles; p++)
            check_value(k, (const char *)&c->profiles[p] + k->poffset);
    }
    for (size_t p = 0; p < c->nprofiles; p++) {
        FUZZ_ASSERT(conf_profile_name_ok(c->profiles[p].name) &&
                    strcmp(c->profiles[p].name, "default") != 0);
        for (size_t q = 0; q < p; q++)
            FUZZ_ASSERT(strcmp(c->profiles[p].name, c->profiles[q].name) != 0);
    }
    for (size_t p = 0; p < c->npaths; p++) {
        const char *pfx = c->paths[p].prefix;
        char again[PATH_NORM_MAX + 1];
        size_t n;

        FUZZ_ASSERT(pfx != NULL && pfx[0] == '/');
        check_rule(c->paths[p].require);
        /* Normalised: normalising again changes nothing. A decoded '?'
         * or '#' is part of the path (path.h) but would cut it. */
        if (strpbrk(pfx, "?#") != NULL)
            continue;
        FUZZ_ASSERT(path_normalize(pfx, strlen(pfx), again, sizeof again, &n) ==
                    PATH_OK);
        FUZZ_ASSERT(n == strlen(pfx) && memcmp(again, pfx, n) == 0);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    unsigned diags = 0;
    struct conf c;
    int errors;

    if (text == NULL)
        abort();
    memcpy(text, data, size);
    conf_init(&c);
    check_conf(&c);
    errors = conf_parse(&c, "fuzz.conf", text, size, count_errors, &diags);
    FUZZ_ASSERT(errors == 0 || errors == -1);
    FUZZ_ASSERT((errors == 0) == (diags == 0));
    check_conf(&c);
    /* Again over the same struct: every value set is replaced, none leaks. */
    (void)conf_parse(&c, "fuzz.conf", text, size, fuzz_diag_quiet, NULL);
    check_conf(&c);
    conf_free(&c);
    free(text);
    return 0;
}
