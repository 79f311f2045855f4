/* STUB: replaced with the real suite by the helper writing responder/token.c. */
#include "config.h"

#include <check.h>

#include "token.h"
#include "testutil.h"

START_TEST(token_stub)
{
    ck_assert(1);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, token_stub);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
