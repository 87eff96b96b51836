/* SPDX-License-Identifier: MIT */
/*
 * test-root.c: ROOT-confined lookups (base/root.c) on a tree of hostile
 * links. meson runs it twice: as is (openat2 RESOLVE_IN_ROOT) and under
 * tests/tools/no-openat2 (a seccomp filter makes openat2 fail with ENOSYS,
 * as before Linux 5.6), so the hand-made walk must give the same answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/root.h"

static char top[64];   /* scratch directory: top/root is ROOT, top/outside is not */
static char rootp[96]; /* top/root */

static void
put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", top, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
dir(const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", top, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void
link_(const char *target, const char *rel)
{
    char path[256], t[256];
    snprintf(path, sizeof(path), "%s/%s", top, rel);
    /* "@/x" is an absolute target outside ROOT: top/x */
    if (target[0] == '@')
        snprintf(t, sizeof(t), "%s%s", top, target + 1);
    else
        snprintf(t, sizeof(t), "%s", target);
    assert_int_equal(symlink(t, path), 0);
}

static int
setup(void **state)
{
    (void)state;
    snprintf(top, sizeof(top), "/tmp/vp-test-root-XXXXXX");
    assert_non_null(mkdtemp(top));
    snprintf(rootp, sizeof(rootp), "%s/root", top);
    dir("root");
    dir("outside");
    put("outside/secret", "outside");
    dir("root/etc");
    put("root/etc/os-release", "inside");
    dir("root/tmp");
    put("root/secret", "root-secret");
    dir("root/a");
    dir("root/a/b");
    put("root/a/b/file", "a-b-file");
    /* absolute links: to ROOT's own /etc/os-release, to the machine's real /etc, and outside */
    link_("/etc/os-release", "root/abs-in");
    link_("/etc", "root/abs-dir");
    link_("@/outside/secret", "root/abs-out");
    link_("@/outside", "root/abs-out-dir");
    /* relative links climbing above ROOT: clamped at ROOT, as a chroot would */
    link_("../../../../../../../secret", "root/a/b/climb");
    link_("../outside/secret", "root/rel-out");
    link_("../../..", "root/a/up");
    /* chains, loops, links to links, a link as a directory on the way */
    link_("abs-in", "root/chain1");
    link_("chain1", "root/chain2");
    link_("loop2", "root/loop1");
    link_("loop1", "root/loop2");
    link_("a/b", "root/ab");
    link_("/a/b/../b/./file", "root/dotty");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

/* What ROOT-confined reading of rel gives: its text, or "errno:NAME". */
static const char *
read_rel(const char *rel, char *buf, size_t size)
{
    struct vp_root r;
    assert_int_equal(vp_root_open(&r, rootp), 0);
    long n = vp_root_read(&r, rel, buf, size);
    int err = errno;
    vp_root_close(&r);
    if (n < 0)
        snprintf(buf, size, "errno:%s",
                 err == ENOENT    ? "ENOENT"
                 : err == ELOOP   ? "ELOOP"
                 : err == ENOTDIR ? "ENOTDIR"
                 : err == EISDIR  ? "EISDIR"
                                  : strerror(err));
    return buf;
}

static void
test_reads_stay_inside(void **state)
{
    (void)state;
    char buf[256];
    struct {
        const char *rel, *want;
    } cases[] = {
        {"etc/os-release", "inside"},
        {"abs-in", "inside"},             /* /etc/os-release is ROOT's */
        {"abs-dir/os-release", "inside"}, /* /etc is ROOT's etc */
        {"abs-out", "errno:ENOENT"},      /* top/outside/secret is ROOT/top/..., absent */
        {"abs-out-dir/secret", "errno:ENOENT"},
        {"a/b/climb", "root-secret"}, /* ../ above ROOT stops at ROOT */
        {"rel-out", "errno:ENOENT"},  /* ROOT/../outside is ROOT/outside */
        {"a/up/secret", "root-secret"},
        {"../../secret", "root-secret"},
        {"a/../../outside/secret", "errno:ENOENT"},
        {"chain2", "inside"},
        {"loop1", "errno:ELOOP"},
        {"ab/file", "a-b-file"},
        {"ab/../b/file", "a-b-file"}, /* ".." after a link: the target's parent */
        {"dotty", "a-b-file"},
        {"a/b/file/x", "errno:ENOTDIR"},
        {"missing/file", "errno:ENOENT"},
        {"a//b///file", "a-b-file"},
        {"./a/./b/file", "a-b-file"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = read_rel(cases[i].rel, buf, sizeof(buf));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].rel, got, cases[i].want);
    }
}

static void
test_nofollow_and_dirs(void **state)
{
    (void)state;
    struct vp_root r;
    assert_int_equal(vp_root_open(&r, rootp), 0);
    char target[256];
    /* readlink of the link itself, not its target */
    assert_true(vp_root_readlink(&r, "ab", target, sizeof(target)) > 0);
    assert_string_equal(target, "a/b");
    /* a link on the way is followed even when the last component is not */
    assert_true(vp_root_readlink(&r, "ab/../../chain1", target, sizeof(target)) > 0);
    assert_string_equal(target, "abs-in");
    assert_true(vp_root_is_dir(&r, "abs-dir"));
    assert_true(vp_root_is_dir(&r, "ab"));
    assert_true(vp_root_is_dir(&r, "a/up"));
    assert_false(vp_root_is_dir(&r, "abs-out-dir"));
    assert_false(vp_root_exists(&r, "abs-out"));
    assert_true(vp_root_exists(&r, "chain2"));
    DIR *d = vp_root_opendir(&r, "abs-dir");
    assert_non_null(d);
    closedir(d);
    int fd = vp_root_openat(&r, "loop1", O_PATH | O_NOFOLLOW);
    assert_true(fd >= 0); /* the link itself */
    close(fd);
    vp_root_close(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_stay_inside),
        cmocka_unit_test(test_nofollow_and_dirs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
