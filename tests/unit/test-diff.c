/* SPDX-License-Identifier: MIT */
/* test-diff.c: unified diff hunks as diff -u prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "apply/diff.h"

static char *
diff(const char *a, const char *b)
{
    struct vp_strbuf sb = {0};
    vp_unified_diff(&sb, a, strlen(a), b, strlen(b));
    return vp_strbuf_steal(&sb, NULL);
}

static void
test_equal(void **state)
{
    (void)state;
    char *d = diff("a\nb\n", "a\nb\n");
    assert_string_equal(d, "");
    free(d);
}

static void
test_create_and_delete(void **state)
{
    (void)state;
    char *d = diff("", "x\ny\n");
    assert_string_equal(d, "@@ -0,0 +1,2 @@\n+x\n+y\n");
    free(d);
    d = diff("x\n", "");
    assert_string_equal(d, "@@ -1 +0,0 @@\n-x\n");
    free(d);
}

static void
test_change_with_context(void **state)
{
    (void)state;
    char *d = diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n");
    assert_string_equal(d, "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    free(d);
}

static void
test_separate_hunks(void **state)
{
    (void)state;
    char *d = diff("a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n", "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n");
    assert_string_equal(d, "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n");
    free(d);
}

static void
test_no_newline(void **state)
{
    (void)state;
    char *d = diff("a\n", "a");
    assert_string_equal(d, "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
    free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_create_and_delete),
        cmocka_unit_test(test_change_with_context),
        cmocka_unit_test(test_separate_hunks),
        cmocka_unit_test(test_no_newline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
