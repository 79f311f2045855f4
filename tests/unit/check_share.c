/*
 * check_share: throttle_redis's URL, the ban messages read from Redis
 * (bytes of a peer), the Redis key names, the files, and the thread's life
 * with Redis unreachable: failures are dropped and counted, requests
 * never wait, and it stops at once. (With a real redis-server:
 * tests/integration/redis.sh.)
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"
#include "testutil.h"
#include "throttle.h"

static struct share_addr a;
static char err[512];

static int
parse(const char *url)
{
    err[0] = '\0';
    return share_parse_url(url, &a, err, sizeof err);
}

START_TEST(share_url_forms)
{
    ck_assert_int_eq(parse("redis://127.0.0.1:6380/2"), 0);
    ck_assert_str_eq(a.host, "127.0.0.1");
    ck_assert_uint_eq(a.port, 6380);
    ck_assert_uint_eq(a.db, 2);
    ck_assert_str_eq(a.password, "");
    ck_assert(!a.unix_socket);

    ck_assert_int_eq(parse("redis://redis.example"), 0);
    ck_assert_str_eq(a.host, "redis.example");
    ck_assert_uint_eq(a.port, 6379);
    ck_assert_uint_eq(a.db, 0);

    ck_assert_int_eq(parse("redis://:s3cret@[::1]:7000/"), 0);
    ck_assert_str_eq(a.host, "::1");
    ck_assert_uint_eq(a.port, 7000);
    ck_assert_str_eq(a.password, "s3cret");

    ck_assert_int_eq(parse("unix:/run/redis/redis.sock"), 0);
    ck_assert(a.unix_socket);
    ck_assert_str_eq(a.path, "/run/redis/redis.sock");
}
END_TEST

START_TEST(share_url_refused)
{
    static const char *bad[] = {
        "",
        "redis:/host",
        "http://127.0.0.1:6379",
        "redis://",
        "redis://:6379",
        "redis://127.0.0.1:0",
        "redis://127.0.0.1:65536",
        "redis://127.0.0.1:x",
        "redis://127.0.0.1:6379/db",
        "redis://127.0.0.1:6379/1/2",
        "redis://user:pw@127.0.0.1", /* no ACL user names */
        "redis://:@127.0.0.1",
        "redis://[::1",
        "unix:relative.sock",
        "unix:",
        "redis://:p:[w:@1]:6380/2", /* found by fuzz_share */
        "redis://a b:6379",
        "redis://[fe80::1%eth0]:6379",
        "redis://[::1]x:6379",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(parse(bad[i]) == -1, "%s taken", bad[i]);
        ck_assert_msg(err[0] != '\0', "%s: no reason", bad[i]);
    }
}
END_TEST

static const char hex64[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

START_TEST(share_ban_messages)
{
    uint8_t mac[THROTTLE_DIGEST];
    char msg[128], kind = 0;
    unsigned secs = 0;
    struct bytes node;
    int n;

    n = snprintf(msg, sizeof msg, "a %s 300", hex64);
    ck_assert_int_eq(share_parse_ban(msg, (size_t)n, &kind, mac, &secs, &node),
                     0);
    ck_assert_uint_eq(node.n, 0);
    ck_assert_int_eq(kind, 'a');
    ck_assert_uint_eq(secs, 300);
    ck_assert_uint_eq(mac[0], 0x00);
    ck_assert_uint_eq(mac[1], 0x11);
    ck_assert_uint_eq(mac[31], 0xff);
    n = snprintf(msg, sizeof msg, "u %s 1 0123456789abcdef", hex64);
    ck_assert_int_eq(share_parse_ban(msg, (size_t)n, &kind, mac, &secs, &node),
                     0);
    ck_assert_int_eq(kind, 'u');
    ck_assert_uint_eq(secs, 1);
    ck_assert_uint_eq(node.n, 16);
    ck_assert_int_eq(memcmp(node.p, "0123456789abcdef", 16), 0);
    /* Not NUL-terminated: only n bytes are read. */
    n = snprintf(msg, sizeof msg, "a %s 60999", hex64);
    ck_assert_int_eq(
        share_parse_ban(msg, (size_t)n - 3, &kind, mac, &secs, &node), 0);
    ck_assert_uint_eq(secs, 60);
}
END_TEST

START_TEST(share_ban_messages_refused)
{
    uint8_t mac[THROTTLE_DIGEST];
    char msg[160], kind;
    unsigned secs;
    struct bytes node;
    /* What comes before and after the MAC (h: its 64 digits, or 63). */
    static const struct {
        const char *before;
        int digits;
        const char *after;
    } forms[] = {
        {"x ", 64, " 300"},
        {"a ", 64, ""},
        {"a ", 64, " 0"},
        {"a ", 64, " 86401"},
        {"a ", 64, " -1"},
        {"a ", 64, " 3 0"},
        {"a  ", 64, " 30"},
        {"a ", 64, " 300\n"},
        {"A ", 64, " 300"},
        {"a ", 63, " 30"},
        {"a ", 64, "a 300"},
        {"a ", 64, " +30"},
        {"a ", 64, " 99999999"},
        {"", 0, ""},
        {"a ", 64, " 30 "},
        {"a ", 64, " 30 node!"},
        {"a ", 64, " 30 ab cd"},
        {"a ", 64, " 30 0123456789abcdef0123456789abcdef0"},
    };

    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        int n = snprintf(msg, sizeof msg, "%s%.*s%s", forms[i].before,
                         forms[i].digits, hex64, forms[i].after);

        ck_assert_msg(
            share_parse_ban(msg, (size_t)n, &kind, mac, &secs, &node) == -1,
            "\"%s\" taken", msg);
    }
    /* Upper-case hex: Redis only ever holds what we wrote (lower). */
    snprintf(msg, sizeof msg,
             "a 00112233445566778899AABBCCDDEEFF"
             "00112233445566778899aabbccddeeff 30");
    ck_assert_int_eq(
        share_parse_ban(msg, strlen(msg), &kind, mac, &secs, &node), -1);
}
END_TEST

static struct share *
make(const char *url, const char *key_file, const char *pw_file)
{
    struct share_opts o = {url, pw_file, NULL, key_file, 5, 60, 10, 300};

    err[0] = '\0';
    return share_new(&o, err, sizeof err);
}

START_TEST(share_files)
{
    const char *key =
        testutil_write_file("key", "0123456789abcdef0123456789abcdef\n");
    char keyp[256], shortp[256], emptyp[256], out[256];
    const void *k;
    size_t kn;
    struct share *s;
    uint8_t mac[THROTTLE_DIGEST];

    snprintf(keyp, sizeof keyp, "%s", key);
    snprintf(shortp, sizeof shortp, "%s", testutil_write_file("short", "abc"));
    snprintf(emptyp, sizeof emptyp, "%s", testutil_write_file("empty", "\n"));

    s = make("redis://127.0.0.1:1/0", keyp, NULL);
    ck_assert_msg(s != NULL, "%s", err);
    share_key(s, &k, &kn);
    ck_assert_uint_eq(kn, 32); /* the line's end is not part of it */
    ck_assert_int_eq(memcmp(k, "0123456789abcdef0123456789abcdef", 32), 0);
    memset(mac, 0xab, sizeof mac);
    ck_assert_uint_gt(share_redis_key(s, "ban:a:", mac, out, sizeof out), 0);
    ck_assert_str_eq(out, "fcgi-authd:ban:a:abababababababababababababababab"
                          "abababababababababababababababab");
    ck_assert_uint_eq(share_redis_key(s, "a:", mac, out, 20), 0);
    share_free(s);

    ck_assert_ptr_null(make("redis://127.0.0.1:1/0", shortp, NULL));
    ck_assert_ptr_nonnull(strstr(err, "at least 32"));
    ck_assert_ptr_null(make("redis://127.0.0.1:1/0", "/nonexistent/key", NULL));
    ck_assert_ptr_nonnull(strstr(err, "throttle_redis_key_file"));
    ck_assert_ptr_null(make("redis://127.0.0.1:1/0", keyp, emptyp));
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    ck_assert_ptr_null(make("redis://127.0.0.1:1/0", keyp, "/nonexistent/pw"));
    ck_assert_ptr_nonnull(strstr(err, "throttle_redis_password_file"));
    ck_assert_ptr_null(make("redis//127.0.0.1", keyp, NULL));

    /* No key file: the prefix keys the table (and a warning at start). */
    s = make("redis://127.0.0.1:1/0", NULL, NULL);
    ck_assert_ptr_nonnull(s);
    share_key(s, &k, &kn);
    ck_assert_uint_eq(kn, strlen("fcgi-authd:"));
    share_free(s);
}
END_TEST

START_TEST(share_prefix_refused)
{
    struct share_opts o = {
        "redis://127.0.0.1:1", NULL, "a b:", NULL, 5, 60, 10, 300};

    ck_assert_ptr_null(share_new(&o, err, sizeof err));
    o.prefix = "app*:";
    ck_assert_ptr_null(share_new(&o, err, sizeof err));
    o.prefix = "app:";
    share_free(share_new(&o, err, sizeof err));
}
END_TEST

/*
 * Redis unreachable: the node regulates alone (its own ban still comes),
 * each failure is dropped and counted, and the thread stops when told.
 */
START_TEST(share_unreachable)
{
    char sock[256], url[300];
    struct share *s;
    struct throttle *t;
    struct throttle_stats st;
    const void *k;
    size_t kn;

    testutil_tmp_path(sock, sizeof sock, "no-redis.sock");
    snprintf(url, sizeof url, "unix:%s", sock);
    s = make(url, NULL, NULL);
    ck_assert_ptr_nonnull(s);
    share_key(s, &k, &kn);
    t = throttle_new(&(struct throttle_opts){3, 60, 0, 60, 1000, k, kn});
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(share_start(s, t), 0);
    for (int i = 0; i < 3; i++)
        throttle_fail(t, (struct bytes){"192.0.2.9", 9}, BYTES_NULL, BYTES_NULL,
                      100);
    ck_assert_int_eq(throttle_check(t, (struct bytes){"192.0.2.9", 9},
                                    BYTES_NULL, BYTES_NULL, 101, NULL),
                     THROTTLE_ADDR);
    throttle_get_stats(t, &st);
    ck_assert(st.shared);
    ck_assert(!st.shared_up);
    ck_assert_uint_eq(st.shared_dropped, 3);
    ck_assert_uint_eq(st.shared_sent, 0);
    share_free(s); /* wakes it from its backoff; a hang is the timeout */
    throttle_free(t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("share");
    TCase *tc = tcase_create("share");

    tcase_add_test(tc, share_url_forms);
    tcase_add_test(tc, share_url_refused);
    tcase_add_test(tc, share_ban_messages);
    tcase_add_test(tc, share_ban_messages_refused);
    tcase_add_test(tc, share_files);
    tcase_add_test(tc, share_prefix_refused);
    tcase_add_test(tc, share_unreachable);
    tcase_add_checked_fixture(tc, NULL, testutil_cleanup);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
