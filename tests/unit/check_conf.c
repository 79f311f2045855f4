/*
 * Unit tests for responder/conf.c: defaults, the config file syntax, value
 * checks, long-option spelling, diagnostics with file and line.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "htpasswd.h"

/* ------------------------------------------------------ diag recorder -- */

#define DIAG_MAX 16

struct diag_entry {
    enum log_level sev;
    char file[256]; /* "" when NULL was passed */
    bool file_null;
    unsigned line;
    char msg[512];
};

struct diag_log {
    size_t n;     /* entries recorded (at most DIAG_MAX) */
    size_t calls; /* all calls */
    struct diag_entry e[DIAG_MAX];
};

static void
diag_record(void *ctx, enum log_level sev, const char *file, unsigned line,
            const char *msg)
{
    struct diag_log *d = ctx;
    struct diag_entry *e;

    d->calls++;
    if (d->n == DIAG_MAX)
        return;
    e = &d->e[d->n++];
    e->sev = sev;
    e->file_null = file == NULL;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "(null)");
}

/* ---------------------------------------------------------- rendering -- */

static const struct conf_key *
key_named(const char *name)
{
    size_t n;
    const struct conf_key *k = conf_keys(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(k[i].name, name) == 0)
            return &k[i];
    ck_abort_msg("no key %s", name);
    return NULL;
}

/* The value of key in c as text, for table comparisons. */
static const char *
conf_show(const struct conf *c, const char *key, char *buf, size_t cap)
{
    if (strcmp(key, "listen") == 0)
        return c->listen ? c->listen : "(null)";
    if (strcmp(key, "user_file") == 0)
        return c->user_file ? c->user_file : "(null)";
    if (strcmp(key, "realm") == 0)
        return c->realm ? c->realm : "(null)";
    if (strcmp(key, "socket_group") == 0)
        return c->socket_group ? c->socket_group : "(null)";
    if (strcmp(key, "group_file") == 0)
        return c->group_file ? c->group_file : "(null)";
    if (strcmp(key, "require") == 0)
        return c->require ? c->require->text : "(null)";
    if (strcmp(key, "log_syslog") == 0)
        return c->log_syslog < 0 ? "auto" : c->log_syslog ? "yes" : "no";
    if (strcmp(key, "log_rate") == 0) {
        snprintf(buf, cap, "%u", c->log_rate);
        return buf;
    }
    if (strcmp(key, "pages_dir") == 0)
        return c->pages_dir ? c->pages_dir : "(null)";
    if (strcmp(key, "max_bcrypt_cost") == 0) {
        snprintf(buf, cap, "%u", c->max_bcrypt_cost);
        return buf;
    }
    if (strcmp(key, "max_crypt_rounds") == 0) {
        snprintf(buf, cap, "%u", c->max_crypt_rounds);
        return buf;
    }
    if (strcmp(key, "user") == 0)
        return c->user ? c->user : "(null)";
#define SHOW_STR(m)                                                            \
    if (strcmp(key, #m) == 0)                                                  \
        return c->m ? c->m : "(null)";
    SHOW_STR(token_file)
    SHOW_STR(jwks_file)
    SHOW_STR(jwks_url)
    SHOW_STR(jwks_ca_file)
    SHOW_STR(ldap_url)
    SHOW_STR(ldap_base_dn)
    SHOW_STR(ldap_filter)
    SHOW_STR(ldap_bind_dn)
    SHOW_STR(ldap_bind_password_file)
    SHOW_STR(ldap_group_filter)
    SHOW_STR(ldap_group_attr)
    SHOW_STR(ldap_memberof_attr)
    SHOW_STR(ldap_ca_file)
    SHOW_STR(jwt_issuer)
    SHOW_STR(jwt_audience)
    SHOW_STR(jwt_user_claim)
    SHOW_STR(jwt_groups_claim)
    SHOW_STR(throttle_redis)
    SHOW_STR(throttle_redis_password_file)
    SHOW_STR(throttle_redis_prefix)
    SHOW_STR(throttle_redis_key_file)
#undef SHOW_STR
    if (strcmp(key, "ldap_starttls") == 0)
        return c->ldap_starttls ? "yes" : "no";
    if (strcmp(key, "ldap_timeout") == 0) {
        snprintf(buf, cap, "%u", c->ldap_timeout);
        return buf;
    }
    if (strcmp(key, "ldap_connections") == 0) {
        snprintf(buf, cap, "%u", c->ldap_connections);
        return buf;
    }
    if (strcmp(key, "jwks_refresh") == 0) {
        snprintf(buf, cap, "%u", c->jwks_refresh);
        return buf;
    }
    if (strcmp(key, "jwt_leeway") == 0) {
        snprintf(buf, cap, "%u", c->jwt_leeway);
        return buf;
    }
    if (strcmp(key, "allow_root") == 0)
        return c->allow_root ? "yes" : "no";
    if (strcmp(key, "trusted_proxies") == 0) {
        if (c->trusted_proxies == NULL)
            return "(null)";
        snprintf(buf, cap, "%zu nets", c->trusted_proxies->n);
        return buf;
    }
    if (strcmp(key, "apache_authz") == 0)
        return c->apache_authz ? "yes" : "no";
    if (strcmp(key, "hash_slots") == 0)
        snprintf(buf, cap, "%u", c->hash_slots);
    else if (strcmp(key, "cache_ttl") == 0)
        snprintf(buf, cap, "%u", c->cache_ttl);
    else if (strcmp(key, "cache_size") == 0)
        snprintf(buf, cap, "%u", c->cache_size);
    else if (strcmp(key, "read_timeout") == 0)
        snprintf(buf, cap, "%u", c->read_timeout);
    else if (strcmp(key, "throttle_addr_failures") == 0)
        snprintf(buf, cap, "%u", c->throttle_addr_failures);
    else if (strcmp(key, "throttle_window") == 0)
        snprintf(buf, cap, "%u", c->throttle_window);
    else if (strcmp(key, "throttle_user_failures") == 0)
        snprintf(buf, cap, "%u", c->throttle_user_failures);
    else if (strcmp(key, "throttle_ban") == 0)
        snprintf(buf, cap, "%u", c->throttle_ban);
    else if (strcmp(key, "throttle_size") == 0)
        snprintf(buf, cap, "%u", c->throttle_size);
    else if (strcmp(key, "threads") == 0)
        snprintf(buf, cap, "%u", c->threads);
    else if (strcmp(key, "socket_mode") == 0)
        snprintf(buf, cap, "%04o", c->socket_mode);
    else if (strcmp(key, "allow_plaintext") == 0)
        snprintf(buf, cap, "%s", c->allow_plaintext ? "yes" : "no");
    else if (strcmp(key, "allow_des") == 0)
        snprintf(buf, cap, "%s", c->allow_des ? "yes" : "no");
    else if (strcmp(key, "log_level") == 0)
        snprintf(buf, cap, "%d", (int)c->log_level);
    else
        ck_abort_msg("conf_show: no key %s", key);
    return buf;
}

static int
parse_str(struct conf *c, const char *text, struct diag_log *d)
{
    memset(d, 0, sizeof *d);
    return conf_parse(c, "test.conf", text, strlen(text), diag_record, d);
}

/* ----------------------------------------------------------- defaults -- */

START_TEST(conf_init_defaults)
{
    struct conf c;

    memset(&c, 0xa5, sizeof c);
    conf_init(&c);
    ck_assert_ptr_null(c.listen);
    ck_assert_ptr_null(c.user_file);
    ck_assert_str_eq(c.realm, "Restricted");
    ck_assert_uint_eq(c.threads, 0);
    ck_assert_uint_eq(c.socket_mode, 0660);
    ck_assert_ptr_null(c.socket_group);
    ck_assert(!c.allow_plaintext);
    ck_assert(!c.allow_des);
    ck_assert_int_eq(c.log_level, LOGL_INFO);
    conf_free(&c);
}
END_TEST

START_TEST(conf_free_clears)
{
    struct conf c;
    struct diag_log d;
    static const struct conf zero;

    conf_init(&c);
    ck_assert_int_eq(parse_str(&c,
                               "listen = unix:/run/a.sock\n"
                               "user_file = /etc/users\n"
                               "socket_group = www-data\n"
                               "threads = 4\n"
                               "allow_des = yes\n",
                               &d),
                     0);
    conf_free(&c);
    ck_assert_ptr_null(c.listen);
    ck_assert_ptr_null(c.user_file);
    ck_assert_ptr_null(c.realm);
    ck_assert_ptr_null(c.socket_group);
    ck_assert_uint_eq(c.threads, 0);
    ck_assert(!c.allow_des);
    ck_assert_mem_eq(&c, &zero, sizeof c);
    /* Freeing a cleared conf again is harmless. */
    conf_free(&c);
}
END_TEST

/* ------------------------------------------------------------- syntax -- */

static const struct {
    const char *text;
    const char *key;
    const char *want;
} syntax_cases[] = {
    {"realm = My Realm\n", "realm", "My Realm"},
    {"realm=My Realm", "realm", "My Realm"}, /* no newline at the end */
    {"realm   =   My Realm   \n", "realm", "My Realm"},
    {"\trealm\t=\tMy Realm\t\n", "realm", "My Realm"},
    {"  realm = x\n", "realm", "x"},
    /* Comments: a whole line, indented, or after whitespace. */
    {"# realm = no\nrealm = yes\n", "realm", "yes"},
    {"   # realm = no\nrealm = yes\n", "realm", "yes"},
    {"realm = yes # realm = no\n", "realm", "yes"},
    {"realm = yes\t# comment\n", "realm", "yes"},
    {"realm = two words # comment\n", "realm", "two words"},
    {"realm = yes #\n", "realm", "yes"},
    /* '#' with no whitespace before it is part of the value. */
    {"realm = a#b\n", "realm", "a#b"},
    {"realm = a#b #c\n", "realm", "a#b"},
    {"realm = a# b\n", "realm", "a# b"},
    {"realm = C#\n", "realm", "C#"},
    /* Double quotes around the value. */
    {"realm = \"My Realm\"\n", "realm", "My Realm"},
    {"realm = \"My Realm\" # c\n", "realm", "My Realm"},
    {"realm = \"My Realm\"   \n", "realm", "My Realm"},
    {"realm = \"  padded  \"\n", "realm", "  padded  "},
    {"realm = \"a # b\"\n", "realm", "a # b"},
    {"realm = \"a=b\"\n", "realm", "a=b"},
    {"realm = a\"b\n", "realm", "a\"b"},
    {"realm = a=b\n", "realm", "a=b"},
    /* CRLF line ends. */
    {"realm = crlf\r\n", "realm", "crlf"},
    {"# c\r\n\r\nrealm = crlf\r\nthreads = 3\r\n", "realm", "crlf"},
    {"# c\r\n\r\nrealm = crlf\r\nthreads = 3\r\n", "threads", "3"},
    {"realm = \"q\" # c\r\n", "realm", "q"},
    {"realm = last\r", "realm", "last"},
    /* Blank and whitespace-only lines. */
    {"\n\n   \n\t\nthreads = 2\n\n", "threads", "2"},
    /* Later lines override earlier ones. */
    {"realm = one\nrealm = two\n", "realm", "two"},
    {"threads = 1\nthreads = 8\n", "threads", "8"},
    {"allow_des = yes\nallow_des = no\n", "allow_des", "no"},
    {"user_file = /a\nuser_file = /b\n", "user_file", "/b"},
    /* The other keys. */
    {"listen = unix:/run/fcgi-authd.sock\n", "listen",
     "unix:/run/fcgi-authd.sock"},
    {"listen = tcp:127.0.0.1:9000\n", "listen", "tcp:127.0.0.1:9000"},
    {"user_file = /etc/fcgi-authd/users\n", "user_file",
     "/etc/fcgi-authd/users"},
    {"socket_group = www-data\n", "socket_group", "www-data"},
    {"threads = 0\n", "threads", "0"},
    {"threads = 256\n", "threads", "256"},
    {"threads = 007\n", "threads", "7"},
    {"socket_mode = 0600\n", "socket_mode", "0600"},
    {"socket_mode = 600\n", "socket_mode", "0600"},
    {"socket_mode = 0777\n", "socket_mode", "0777"},
    {"socket_mode = 0\n", "socket_mode", "0000"},
    {"allow_plaintext = yes\n", "allow_plaintext", "yes"},
    {"allow_plaintext = true\n", "allow_plaintext", "yes"},
    {"allow_plaintext = on\n", "allow_plaintext", "yes"},
    {"allow_plaintext = 1\n", "allow_plaintext", "yes"},
    {"allow_plaintext = YES\n", "allow_plaintext", "yes"},
    {"allow_des = yes\nallow_des = false\n", "allow_des", "no"},
    {"allow_des = yes\nallow_des = off\n", "allow_des", "no"},
    {"allow_des = yes\nallow_des = 0\n", "allow_des", "no"},
    {"", "log_syslog", "auto"},
    {"log_syslog = auto\n", "log_syslog", "auto"},
    {"log_syslog = AUTO\n", "log_syslog", "auto"},
    {"log_syslog = yes\n", "log_syslog", "yes"},
    {"log_syslog = auto\nlog_syslog = off\n", "log_syslog", "no"},
    {"log_level = error\n", "log_level", "0"},
    {"log_level = warning\n", "log_level", "1"},
    {"log_level = info\n", "log_level", "2"},
    {"log_level = debug\n", "log_level", "3"},
    {"", "realm", "Restricted"},
    {"# only a comment", "realm", "Restricted"},
};

START_TEST(conf_parse_syntax_table)
{
    struct conf c;
    struct diag_log d;
    char buf[64];
    int errors;

    conf_init(&c);
    errors = parse_str(&c, syntax_cases[_i].text, &d);
    ck_assert_msg(errors == 0, "case %d: %d errors, first: %s", _i, errors,
                  d.n ? d.e[0].msg : "");
    ck_assert_uint_eq(d.calls, 0);
    ck_assert_str_eq(conf_show(&c, syntax_cases[_i].key, buf, sizeof buf),
                     syntax_cases[_i].want);
    conf_free(&c);
}
END_TEST

/* ------------------------------------------------------------- errors -- */

static const struct {
    const char *text;
    unsigned line;       /* of the (first) error */
    const char *key;     /* must keep its earlier value */
    const char *mention; /* the message names this, or NULL */
} error_cases[] = {
    {"bogus = 1\n", 1, "realm", "bogus"},
    {"realm = ok\n\n# c\nbogus = 1\nthreads = 2\n", 4, "user_file", "bogus"},
    {"# c\r\n\r\nbogus = 1\r\n", 3, "realm", "bogus"},
    /* File keys are spelled with '_'. */
    {"user-file = /etc/users\n", 1, "user_file", "user-file"},
    {"log-level = debug\n", 1, "log_level", "log-level"},
    /* Not "key = value". */
    {"realm\n", 1, "realm", NULL},
    {"just some words\n", 1, "realm", NULL},
    {"= value\n", 1, "realm", NULL},
    {"  = value\n", 1, "realm", NULL},
    {"realm = \"unterminated\n", 1, "realm", "realm"},
    {"realm = \"quoted\" trailing\n", 1, "realm", "realm"},
    {"realm = \"a\"b\"\n", 1, "realm", "realm"},
    /* Numbers. */
    {"threads = -1\n", 1, "threads", "-1"},
    {"threads = 257\n", 1, "threads", "257"},
    {"threads = abc\n", 1, "threads", "abc"},
    {"threads = 1.5\n", 1, "threads", "threads"},
    {"threads = 0x10\n", 1, "threads", "threads"},
    {"threads = +4\n", 1, "threads", "threads"},
    {"threads =\n", 1, "threads", "threads"},
    {"threads = 18446744073709551617\n", 1, "threads", "threads"},
    /* Modes. */
    {"socket_mode = 0999\n", 1, "socket_mode", "0999"},
    {"socket_mode = 1777\n", 1, "socket_mode", "1777"},
    {"socket_mode = 01000\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = 8\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = -0660\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = +0660\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = 0x1ff\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = rw-rw----\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode = 0660 0\n", 1, "socket_mode", "socket_mode"},
    {"socket_mode =\n", 1, "socket_mode", "socket_mode"},
    /* Booleans and levels. */
    {"allow_des = maybe\n", 1, "allow_des", "maybe"},
    {"allow_des = 2\n", 1, "allow_des", "allow_des"},
    {"allow_des = yess\n", 1, "allow_des", "allow_des"},
    {"allow_plaintext =\n", 1, "allow_plaintext", "allow_plaintext"},
    {"log_level = loud\n", 1, "log_level", "loud"},
    {"log_syslog = maybe\n", 1, "log_syslog", "maybe"},
    {"log_level = 3\n", 1, "log_level", "log_level"},
    {"log_level =\n", 1, "log_level", "log_level"},
    /* Empty strings. */
    {"realm =\n", 1, "realm", "realm"},
    {"realm = \"\"\n", 1, "realm", "realm"},
    {"realm =    # nothing\n", 1, "realm", "realm"},
    {"listen =\n", 1, "listen", "listen"},
    {"user_file = \"\"\n", 1, "user_file", "user_file"},
    {"socket_group =\n", 1, "socket_group", "socket_group"},
    /* Control characters in a value. */
    {"realm = a\x01z\n", 1, "realm", "realm"},
    {"realm = a\x7fz\n", 1, "realm", "realm"},
    {"realm = a\tz\n", 1, "realm", "realm"},
    {"realm = a\rz\n", 1, "realm", "realm"},
    {"realm = \"a\x1bz\"\n", 1, "realm", "realm"},
    {"user_file = /etc/us\002ers\n", 1, "user_file", "user_file"},
};

START_TEST(conf_parse_error_table)
{
    struct conf c;
    struct diag_log d;
    char before[64], after[64], tmp[64];
    const char *key = error_cases[_i].key;
    int errors;

    conf_init(&c);
    snprintf(before, sizeof before, "%s", conf_show(&c, key, tmp, sizeof tmp));
    errors = parse_str(&c, error_cases[_i].text, &d);
    /* Read the result, then free, so a failure below leaks nothing. */
    snprintf(after, sizeof after, "%s", conf_show(&c, key, tmp, sizeof tmp));
    conf_free(&c);
    ck_assert_msg(errors == -1, "case %d (%s): returned %d", _i,
                  error_cases[_i].text, errors);
    ck_assert_uint_eq(d.calls, 1);
    ck_assert_int_eq(d.e[0].sev, LOGL_ERROR);
    ck_assert_str_eq(d.e[0].file, "test.conf");
    ck_assert_msg(d.e[0].line == error_cases[_i].line,
                  "case %d: line %u, expected %u (%s)", _i, d.e[0].line,
                  error_cases[_i].line, d.e[0].msg);
    if (error_cases[_i].mention != NULL)
        ck_assert_msg(strstr(d.e[0].msg, error_cases[_i].mention) != NULL,
                      "case %d: message '%s' does not name '%s'", _i,
                      d.e[0].msg, error_cases[_i].mention);
    /* A rejected value leaves the setting as it was. */
    ck_assert_str_eq(after, before);
}
END_TEST

/* CONF_REALM_MAX characters pass; one more is refused. */
START_TEST(conf_parse_realm_max)
{
    char text[CONF_REALM_MAX + 32];
    struct conf c;
    struct diag_log d;
    int n;

    conf_init(&c);
    n = snprintf(text, sizeof text, "realm = ");
    memset(text + n, 'r', CONF_REALM_MAX);
    text[n + CONF_REALM_MAX] = '\n';
    text[n + CONF_REALM_MAX + 1] = '\0';
    ck_assert_int_eq(parse_str(&c, text, &d), 0);
    ck_assert_uint_eq(strlen(c.realm), CONF_REALM_MAX);

    text[n + CONF_REALM_MAX] = 'r';
    text[n + CONF_REALM_MAX + 1] = '\n';
    text[n + CONF_REALM_MAX + 2] = '\0';
    ck_assert_int_eq(parse_str(&c, text, &d), -1);
    ck_assert_uint_eq(d.e[0].line, 1);
    ck_assert_ptr_nonnull(strstr(d.e[0].msg, "realm"));
    /* The earlier value stays. */
    ck_assert_uint_eq(strlen(c.realm), CONF_REALM_MAX);
    conf_free(&c);
}
END_TEST

/* A NUL byte inside the data is a control character, not an end. */
START_TEST(conf_parse_nul_byte)
{
    static const char text[] = "realm = a\0b\nthreads = 5\n";
    struct conf c;
    struct diag_log d;

    conf_init(&c);
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(
        conf_parse(&c, "nul.conf", text, sizeof text - 1, diag_record, &d), -1);
    ck_assert_uint_eq(d.e[0].line, 1);
    ck_assert_str_eq(c.realm, "Restricted");
    ck_assert_uint_eq(c.threads, 5);
    conf_free(&c);
}
END_TEST

/* Only data[0..len) is parsed. */
START_TEST(conf_parse_bounded)
{
    static const char text[] = "threads = 12bogus";
    struct conf c;
    struct diag_log d;

    conf_init(&c);
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(conf_parse(&c, "b.conf", text, 12, diag_record, &d), 0);
    ck_assert_uint_eq(c.threads, 12);
    conf_free(&c);
}
END_TEST

/* Every problem is reported; the good lines are applied all the same. */
START_TEST(conf_parse_counts_errors)
{
    static const char text[] = "bogus = 1\n"
                               "threads = abc\n"
                               "realm = applied\n"
                               "# fine\n"
                               "allow_des = maybe\n"
                               "no equals sign\n"
                               "log_level = debug\n"
                               "user-file = /x\n";
    struct conf c;
    struct diag_log d;
    static const unsigned lines[] = {1, 2, 5, 6, 8};

    conf_init(&c);
    ck_assert_int_eq(parse_str(&c, text, &d), -1);
    ck_assert_uint_eq(d.calls, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(d.e[i].line, lines[i]);
        ck_assert_str_eq(d.e[i].file, "test.conf");
        ck_assert_int_eq(d.e[i].sev, LOGL_ERROR);
    }
    ck_assert_str_eq(c.realm, "applied");
    ck_assert_int_eq(c.log_level, LOGL_DEBUG);
    ck_assert_uint_eq(c.threads, 0);
    ck_assert(!c.allow_des);
    ck_assert_ptr_null(c.user_file);
    conf_free(&c);
}
END_TEST

/* ------------------------------------------------------------ conf_set -- */

static const struct {
    const char *key;
    const char *value;
    const char *file_key;
    const char *want;
} set_cases[] = {
    {"user-file", "/etc/users", "user_file", "/etc/users"},
    {"user_file", "/etc/users", "user_file", "/etc/users"},
    {"socket-mode", "0600", "socket_mode", "0600"},
    {"socket-group", "www-data", "socket_group", "www-data"},
    {"allow-plaintext", "yes", "allow_plaintext", "yes"},
    {"allow-des", "true", "allow_des", "yes"},
    {"log-level", "debug", "log_level", "3"},
    {"log-level", "warn", "log_level", "1"},
    {"threads", "16", "threads", "16"},
    {"listen", "tcp6:[::1]:9000", "listen", "tcp6:[::1]:9000"},
    {"realm", "  spaces kept  ", "realm", "  spaces kept  "},
    {"realm", "a # not a comment here", "realm", "a # not a comment here"},
    {"realm", "\"quotes kept\"", "realm", "\"quotes kept\""},
};

START_TEST(conf_set_table)
{
    struct conf c;
    struct diag_log d;
    char buf[64];

    memset(&d, 0, sizeof d);
    conf_init(&c);
    ck_assert_int_eq(conf_set(&c, set_cases[_i].key, set_cases[_i].value, NULL,
                              0, diag_record, &d),
                     0);
    ck_assert_uint_eq(d.calls, 0);
    ck_assert_str_eq(conf_show(&c, set_cases[_i].file_key, buf, sizeof buf),
                     set_cases[_i].want);
    conf_free(&c);
}
END_TEST

START_TEST(conf_set_errors)
{
    struct conf c;
    struct diag_log d;

    memset(&d, 0, sizeof d);
    conf_init(&c);
    ck_assert_int_eq(conf_set(&c, "bogus", "1", NULL, 0, diag_record, &d), -1);
    ck_assert_uint_eq(d.calls, 1);
    ck_assert(d.e[0].file_null); /* the command line */
    ck_assert_ptr_nonnull(strstr(d.e[0].msg, "bogus"));
    ck_assert_int_eq(
        conf_set(&c, "threads", "-1", "x.conf", 7, diag_record, &d), -1);
    ck_assert_str_eq(d.e[1].file, "x.conf");
    ck_assert_uint_eq(d.e[1].line, 7);
    ck_assert_int_eq(conf_set(&c, "user_file", "", NULL, 0, diag_record, &d),
                     -1);
    ck_assert_int_eq(conf_set(&c, "user.file", "/x", NULL, 0, diag_record, &d),
                     -1);
    ck_assert_int_eq(conf_set(&c, "", "/x", NULL, 0, diag_record, &d), -1);
    ck_assert_int_eq(conf_set(&c, "realm", "a\nb", NULL, 0, diag_record, &d),
                     -1);
    ck_assert_uint_eq(d.calls, 6);
    ck_assert_ptr_null(c.user_file);
    ck_assert_uint_eq(c.threads, 0);
    ck_assert_str_eq(c.realm, "Restricted");
    conf_free(&c);
}
END_TEST

/* ------------------------------------------------------------- the keys -- */

START_TEST(conf_keys_complete)
{
    size_t n, m;
    const struct conf_key *keys = conf_keys(&n);

    ck_assert_uint_ge(n, 9);
    for (size_t i = 0; i < n; i++) {
        const struct conf_key *k = &keys[i];

        ck_assert_ptr_nonnull(k->name);
        ck_assert_msg(k->help != NULL && k->help[0] != '\0', "%s: no help text",
                      k->name);
        ck_assert_msg(k->arg != NULL && k->arg[0] != '\0',
                      "%s: no argument name", k->name);
        ck_assert_msg(strchr(k->name, '-') == NULL, "%s: '-' in a file key",
                      k->name);
        ck_assert_uint_lt(k->offset, sizeof(struct conf));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(keys[j].name, k->name);
    }
    /* conf_keys answers the same table every time. */
    ck_assert_ptr_eq(conf_keys(&m), keys);
    ck_assert_uint_eq(m, n);
    /* The table knows every setting the struct has. */
    key_named("listen");
    key_named("user_file");
    key_named("realm");
    key_named("threads");
    key_named("socket_mode");
    key_named("socket_group");
    key_named("allow_plaintext");
    key_named("allow_des");
    key_named("log_level");
}
END_TEST

/*
 * Every default is valid input for its own key, by file key, by long option
 * and in a file; keys without a default take a sample value.
 */
START_TEST(conf_keys_defaults_settable)
{
    size_t n;
    const struct conf_key *keys = conf_keys(&n);

    for (size_t i = 0; i < n; i++) {
        const struct conf_key *k = &keys[i];
        const char *v = k->defval              ? k->defval
                        : k->type == CONF_NETS ? "127.0.0.1"
                                               : "/sample";
        char opt[64], line[256], b1[64], b2[64], want[64];
        struct conf c, fresh;
        struct diag_log d;

        conf_init(&fresh);
        snprintf(want, sizeof want, "%s", conf_show(&fresh, k->name, b1, 64));

        memset(&d, 0, sizeof d);
        conf_init(&c);
        ck_assert_msg(conf_set(&c, k->name, v, NULL, 0, diag_record, &d) == 0,
                      "%s = '%s' refused: %s", k->name, v, d.e[0].msg);
        if (k->defval != NULL)
            ck_assert_str_eq(conf_show(&c, k->name, b2, sizeof b2), want);
        conf_free(&c);

        snprintf(opt, sizeof opt, "%s", k->name);
        for (char *p = opt; *p; p++)
            if (*p == '_')
                *p = '-';
        conf_init(&c);
        ck_assert_msg(conf_set(&c, opt, v, NULL, 0, diag_record, &d) == 0,
                      "--%s=%s refused", opt, v);
        conf_free(&c);

        snprintf(line, sizeof line, "%s = %s\n", k->name, v);
        conf_init(&c);
        ck_assert_msg(parse_str(&c, line, &d) == 0, "'%s' refused", line);
        if (k->defval != NULL)
            ck_assert_str_eq(conf_show(&c, k->name, b2, sizeof b2), want);
        conf_free(&c);
        conf_free(&fresh);
    }
}
END_TEST

/* ------------------------------------------------------------ conf_load -- */

static char *
write_temp(const char *text)
{
    char *path = strdup("/tmp/check_conf.XXXXXX");
    int fd;

    ck_assert_ptr_nonnull(path);
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(conf_load_file)
{
    char *path = write_temp("# test\n"
                            "realm = \"From File\"\n"
                            "threads = 3\n");
    struct conf c;
    struct diag_log d;

    memset(&d, 0, sizeof d);
    conf_init(&c);
    ck_assert_int_eq(conf_load(&c, path, diag_record, &d), 0);
    ck_assert_str_eq(c.realm, "From File");
    ck_assert_uint_eq(c.threads, 3);
    ck_assert_uint_eq(d.calls, 0);
    conf_free(&c);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(conf_load_errors_named)
{
    char *path = write_temp("realm = ok\nthreads = many\nbogus = 1\n");
    struct conf c;
    struct diag_log d;

    memset(&d, 0, sizeof d);
    conf_init(&c);
    ck_assert_int_eq(conf_load(&c, path, diag_record, &d), -1);
    ck_assert_uint_eq(d.calls, 2);
    ck_assert_str_eq(d.e[0].file, path);
    ck_assert_uint_eq(d.e[0].line, 2);
    ck_assert_str_eq(d.e[1].file, path);
    ck_assert_uint_eq(d.e[1].line, 3);
    ck_assert_str_eq(c.realm, "ok");
    conf_free(&c);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(conf_load_missing)
{
    char dir[] = "/tmp/check_conf_dir.XXXXXX";
    char path[64];
    struct conf c;
    struct diag_log d;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    memset(&d, 0, sizeof d);
    conf_init(&c);
    ck_assert_int_eq(conf_load(&c, path, diag_record, &d), -1);
    ck_assert_uint_ge(d.calls, 1);
    ck_assert_str_eq(d.e[0].file, path);
    ck_assert_str_eq(c.realm, "Restricted");
    /* A folder cannot be read as a config file either. */
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(conf_load(&c, dir, diag_record, &d), -1);
    ck_assert_uint_ge(d.calls, 1);
    conf_free(&c);
    rmdir(dir);
}
END_TEST

/* ----------------------------------------------------------- sections -- */

START_TEST(conf_sections_profiles_and_paths)
{
    static const char text[] = "user_file = /u\n"
                               "require = group staff\n"
                               "[profile admins]\n"
                               "user_file = /a\n"
                               "realm = \"Admin area\"\n"
                               "require = group admins | user root\n"
                               "[ profile  ops ]   # comment\n"
                               "group_file = /g\n"
                               "[path /Reports//2024/]\n"
                               "require = user boss\n";
    struct diag_log d;
    struct conf c;

    conf_init(&c);
    ck_assert_int_eq(parse_str(&c, text, &d), 0);
    ck_assert_str_eq(c.user_file, "/u");
    ck_assert_str_eq(c.require->text, "group staff");
    ck_assert_uint_eq(c.nprofiles, 2);
    ck_assert_str_eq(c.profiles[0].name, "admins");
    ck_assert_str_eq(c.profiles[0].user_file, "/a");
    ck_assert_str_eq(c.profiles[0].realm, "Admin area");
    ck_assert_str_eq(c.profiles[0].require->text, "group admins | user root");
    ck_assert_uint_eq(c.profiles[0].require->nterms, 2);
    ck_assert_ptr_null(c.profiles[0].group_file);
    ck_assert_uint_eq(c.profiles[0].line, 3);
    ck_assert_str_eq(c.profiles[1].name, "ops");
    ck_assert_str_eq(c.profiles[1].group_file, "/g");
    ck_assert_ptr_null(c.profiles[1].user_file);
    ck_assert_uint_eq(c.npaths, 1);
    /* Stored normalised, as requests are. */
    ck_assert_str_eq(c.paths[0].prefix, "/reports/2024/");
    ck_assert_str_eq(c.paths[0].require->text, "user boss");
    conf_free(&c);
    ck_assert_uint_eq(c.nprofiles, 0);
}
END_TEST

struct section_err {
    const char *text;
    unsigned line;
    const char *msg;
};

static const struct section_err section_errs[] = {
    {"[profile admins]\nlisten = unix:/x\n", 2, "global key"},
    {"[profile admins]\nthreads = 2\n", 2, "global key"},
    {"[profile]\n", 1, "profile name ''"},
    {"[profile a b]\n", 1, "profile name 'a b'"},
    {"[profile a/b]\n", 1, "profile name"},
    {"[profile a]\n[profile a]\n", 2, "already defined on line 1"},
    {"[profile default]\n", 1, "'default' is the top of the file"},
    {"[group x]\n", 1, "unknown section '[group]'"},
    {"[profile x\n", 1, "without ']'"},
    {"[profile x] y\n", 1, "text after"},
    {"[path admin]\n", 1, "path 'admin'"},
    {"[path /a?b]\n", 1, "path '/a?b'"},
    {"[path /a#b]\n", 1, "path '/a#b'"},
    {"[path /a/%zz]\n", 1, "path '/a/%zz'"},
    {"[path /a/]\nuser_file = /x\n", 2, "takes only 'require'"},
    {"[path /a/]\nrequire = group\n", 2, "needs at least one name"},
    {"require = user a | user b & user c\n", 1, "mixed"},
    {"[profile p]\nrequire = nobody\n", 2, "unknown term"},
    {"[profile p]\nnope = 1\n", 2, "unknown key 'nope'"},
};

START_TEST(conf_section_errors)
{
    const struct section_err *e = &section_errs[_i];
    struct diag_log d;
    struct conf c;

    conf_init(&c);
    ck_assert_int_eq(parse_str(&c, e->text, &d), -1);
    ck_assert_uint_ge(d.n, 1);
    ck_assert_msg(d.e[0].line == e->line, "'%s': line %u, expected %u", e->text,
                  d.e[0].line, e->line);
    ck_assert_msg(strstr(d.e[0].msg, e->msg) != NULL,
                  "'%s': message '%s' lacks '%s'", e->text, d.e[0].msg, e->msg);
    conf_free(&c);
}
END_TEST

/* After a bad section header, its keys are not applied anywhere. */
START_TEST(conf_bad_section_swallows_keys)
{
    struct diag_log d;
    struct conf c;

    conf_init(&c);
    ck_assert_int_eq(parse_str(&c, "[profile bad name]\nuser_file = /x\n", &d),
                     -1);
    /* The header is told; its keys are dropped without a word. */
    ck_assert_uint_eq(d.calls, 1);
    ck_assert_ptr_null(c.user_file);
    ck_assert_uint_eq(c.nprofiles, 0);
    conf_free(&c);
}
END_TEST

/* ------------------------------------------------------- parsed values -- */

/* Rules and proxies are parsed once, here; a later line replaces them. */
START_TEST(conf_keeps_parsed_values)
{
    static const char text[] = "require = user alice\n"
                               "require = group staff & group vpn\n"
                               "trusted_proxies = 10.0.0.0/8\n"
                               "trusted_proxies = 127.0.0.1, ::1 fd00::/8\n"
                               "[path /a/]\n"
                               "require = user boss\n";
    struct diag_log d;
    struct conf c;

    conf_init(&c);
    /* The default rule is parsed too. */
    ck_assert_ptr_nonnull(c.require);
    ck_assert_str_eq(c.require->text, "valid-user");
    ck_assert_ptr_null(c.trusted_proxies);
    ck_assert_int_eq(parse_str(&c, text, &d), 0);
    ck_assert(c.require->all);
    ck_assert_uint_eq(c.require->nterms, 2);
    ck_assert_uint_eq(c.trusted_proxies->n, 3);
    ck_assert(proxies_contains(c.trusted_proxies, (struct bytes){"::1", 3}));
    ck_assert(
        !proxies_contains(c.trusted_proxies, (struct bytes){"10.1.2.3", 8}));
    ck_assert_uint_eq(c.paths[0].require->nterms, 1);
    /* A value refused keeps the one before. */
    ck_assert_int_eq(parse_str(&c, "trusted_proxies = 300.1.1.1\n", &d), -1);
    ck_assert_uint_eq(c.trusted_proxies->n, 3);
    /* An empty list is a list: it trusts nobody. */
    ck_assert_int_eq(parse_str(&c, "trusted_proxies =\n", &d), 0);
    ck_assert_ptr_nonnull(c.trusted_proxies);
    ck_assert_uint_eq(c.trusted_proxies->n, 0);
    conf_free(&c);
    ck_assert_ptr_null(c.require);
    ck_assert_ptr_null(c.trusted_proxies);
}
END_TEST

/* The config's default caps are the loader's. */
START_TEST(conf_caps_defaults)
{
    struct conf c;

    conf_init(&c);
    ck_assert_uint_eq(c.max_bcrypt_cost, HTPASSWD_MAX_BCRYPT_DEFAULT);
    ck_assert_uint_eq(c.max_crypt_rounds, HTPASSWD_MAX_ROUNDS_DEFAULT);
    conf_free(&c);
}
END_TEST

static const struct {
    const char *name;
    bool ok;
} profile_names[] = {
    {"a", true},
    {"admins", true},
    {"A.b_c-9", true},
    {"default", true},
    {"", false},
    {"a b", false},
    {"a/b", false},
    {"caf\xc3\xa9", false},
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", true},
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     false},
};

START_TEST(conf_profile_name_table)
{
    ck_assert_msg(conf_profile_name_ok(profile_names[_i].name) ==
                      profile_names[_i].ok,
                  "'%s'", profile_names[_i].name);
}
END_TEST

static Suite *
conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc;

    tc = tcase_create("defaults");
    tcase_add_test(tc, conf_init_defaults);
    tcase_add_test(tc, conf_free_clears);
    tcase_add_test(tc, conf_keys_complete);
    tcase_add_test(tc, conf_keys_defaults_settable);
    tcase_add_test(tc, conf_keeps_parsed_values);
    tcase_add_test(tc, conf_caps_defaults);
    tcase_add_loop_test(tc, conf_profile_name_table, 0,
                        (int)(sizeof profile_names / sizeof profile_names[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, conf_parse_syntax_table, 0,
                        (int)(sizeof syntax_cases / sizeof syntax_cases[0]));
    tcase_add_loop_test(tc, conf_parse_error_table, 0,
                        (int)(sizeof error_cases / sizeof error_cases[0]));
    tcase_add_test(tc, conf_parse_realm_max);
    tcase_add_test(tc, conf_parse_nul_byte);
    tcase_add_test(tc, conf_parse_bounded);
    tcase_add_test(tc, conf_parse_counts_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("set");
    tcase_add_loop_test(tc, conf_set_table, 0,
                        (int)(sizeof set_cases / sizeof set_cases[0]));
    tcase_add_test(tc, conf_set_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("sections");
    tcase_add_test(tc, conf_sections_profiles_and_paths);
    tcase_add_loop_test(tc, conf_section_errors, 0,
                        (int)(sizeof section_errs / sizeof section_errs[0]));
    tcase_add_test(tc, conf_bad_section_swallows_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_test(tc, conf_load_file);
    tcase_add_test(tc, conf_load_errors_named);
    tcase_add_test(tc, conf_load_missing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
