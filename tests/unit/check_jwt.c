/* STUB: replaced with the real suite by the helper writing responder/jwt.c. */
#include "config.h"

#include <check.h>

#include "jwt.h"
#include "testutil.h"

START_TEST(jwt_stub)
{
    ck_assert(1);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("jwt");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, jwt_stub);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
