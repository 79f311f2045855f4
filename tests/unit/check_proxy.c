/*
 * check_proxy: trusted proxy networks and the client behind them.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "testutil.h"

#define B(s) ((struct bytes){(s), strlen(s)})

static const struct {
    const char *text;
    bool ok;
} parse_cases[] = {
    {"", true},
    {"127.0.0.1", true},
    {"127.0.0.1 ::1", true},
    {"10.0.0.0/8, 192.168.1.0/24,fd00::/8", true},
    {"0.0.0.0/0", true},
    {"10.0.0.0/33", false},
    {"::/129", false},
    {"10.0.0.0/", false},
    {"10.0.0/8", false},
    {"localhost", false},
    {"127.0.0.1/x", false},
    {"1.2.3.4 junk", false},
};

START_TEST(proxy_parse_table)
{
    struct proxies p;
    char err[200];
    int rc = proxies_parse(&p, parse_cases[_i].text, err, sizeof err);

    ck_assert_msg((rc == 0) == parse_cases[_i].ok, "'%s'",
                  parse_cases[_i].text);
    proxies_free(&p);
}
END_TEST

static const struct {
    const char *addr;
    bool in;
} contains_cases[] = {
    {"127.0.0.1", true},
    {"127.0.0.2", false},
    {"10.1.2.3", true},
    {"11.0.0.1", false},
    {"192.168.1.100", true},
    {"192.168.1.200", false},
    {"::1", true},
    {"::2", false},
    {"fd12::1", true},
    {"fe80::1", false},
    {"", false},
    {"not an address", false},
    {"::ffff:10.0.0.1", false},
};

START_TEST(proxy_contains_table)
{
    struct proxies p;
    char err[200];

    ck_assert_int_eq(proxies_parse(&p,
                                   "127.0.0.1 10.0.0.0/8 "
                                   "192.168.1.0/25 ::1 fd00::/8",
                                   err, sizeof err),
                     0);
    ck_assert_msg(proxies_contains(&p, B(contains_cases[_i].addr)) ==
                      contains_cases[_i].in,
                  "%s", contains_cases[_i].addr);
    proxies_free(&p);
}
END_TEST

static const struct {
    const char *remote, *xff, *client;
} client_cases[] = {
    /* Not behind a trusted proxy: the header is the client's own words. */
    {"203.0.113.7", "198.51.100.1", "203.0.113.7"},
    {"127.0.0.1", "", "127.0.0.1"},
    {"127.0.0.1", "198.51.100.1", "198.51.100.1"},
    /* What the client wrote on the left never counts. */
    {"127.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
    {"127.0.0.1", "1.1.1.1,198.51.100.1", "198.51.100.1"},
    /* Several trusted hops. */
    {"127.0.0.1", "198.51.100.1, 10.0.0.5", "198.51.100.1"},
    {"127.0.0.1", "2001:db8::1 , 10.0.0.5 ,10.9.9.9", "2001:db8::1"},
    /* Garbage where an address should be: stop, keep REMOTE_ADDR. */
    {"127.0.0.1", "198.51.100.1, bogus", "127.0.0.1"},
    {"127.0.0.1", "10.0.0.5", "127.0.0.1"},
    /* Ports and brackets some proxies add. */
    {"127.0.0.1", "198.51.100.1:5678", "198.51.100.1"},
    {"127.0.0.1", "[2001:db8::1]:5678", "2001:db8::1"},
};

START_TEST(proxy_client_table)
{
    struct proxies p;
    char err[200];
    struct bytes c;

    ck_assert_int_eq(proxies_parse(&p, "127.0.0.1 10.0.0.0/8", err, sizeof err),
                     0);
    c = proxies_client(&p, B(client_cases[_i].remote), B(client_cases[_i].xff));
    ck_assert_msg(c.n == strlen(client_cases[_i].client) &&
                      memcmp(c.p, client_cases[_i].client, c.n) == 0,
                  "%s / %s: got '%.*s'", client_cases[_i].remote,
                  client_cases[_i].xff, (int)c.n, c.p);
    proxies_free(&p);
}
END_TEST

START_TEST(proxy_none_trusted)
{
    struct bytes c = proxies_client(NULL, B("127.0.0.1"), B("1.2.3.4"));

    ck_assert_uint_eq(c.n, 9);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("proxy");
    TCase *tc = tcase_create("proxies");
    tcase_add_loop_test(tc, proxy_parse_table, 0,
                        (int)(sizeof parse_cases / sizeof parse_cases[0]));
    tcase_add_loop_test(
        tc, proxy_contains_table, 0,
        (int)(sizeof contains_cases / sizeof contains_cases[0]));
    tcase_add_loop_test(tc, proxy_client_table, 0,
                        (int)(sizeof client_cases / sizeof client_cases[0]));
    tcase_add_test(tc, proxy_none_trusted);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
