/* SPDX-License-Identifier: MIT */
/*
 * test-guest-tables.c: the tables behind the guest: GPU device id -> architecture
 * (which kernel modules bind), NVIDIA's package names per branch and
 * distribution (the 580 rename), and the CUDA release -> minimum driver table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/nvidia-packages.h"
#include "resolve/gpu-generation.h"

static void
test_gpu_generations(void **state)
{
    (void)state;
    static const struct {
        uint16_t device;
        const char *architecture;
        bool open;
    } cases[] = {
        {0x13c2, "Maxwell", false},     /* GeForce GTX 970 */
        {0x1b80, "Pascal", false},      /* GeForce GTX 1080: the example */
        {0x1d01, "Pascal", false},      /* GT 1030, the last Pascal block */
        {0x1db1, "Volta", false},       /* V100 SXM2 */
        {0x1df6, "Volta", false},       /* the last Volta id */
        {0x1e02, "Turing", true},       /* TITAN RTX, the first id the open modules list */
        {0x1eb8, "Turing", true},       /* T4 */
        {0x2182, "Turing", true},       /* GTX 1660 Ti, TU116 after GA100's block */
        {0x20b0, "Ampere", true},       /* A100 */
        {0x2330, "Hopper", true},       /* H100 SXM5 (the field guide's) */
        {0x2504, "Ampere", true},       /* RTX 3060 */
        {0x2684, "Ada Lovelace", true}, /* RTX 4090 */
        {0x2901, "Blackwell", true},    /* B200 */
        {0x2b85, "Blackwell", true},    /* RTX 5090 */
        {0x0fc6, "Kepler", false},      /* GTX 650 */
        {0x06c0, "pre-Kepler (Tesla or Fermi)", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct vp_gpu_generation *g = vp_gpu_generation_of(cases[i].device);
        assert_string_equal(g->architecture, cases[i].architecture);
        assert_int_equal(g->open_modules, cases[i].open);
    }
}

static void
test_fabric_manager_names(void **state)
{
    (void)state;
    const struct vp_nvidia_distro *rhel = vp_nvidia_distro_of(VP_GUEST_RHEL9);
    const struct vp_nvidia_distro *jammy = vp_nvidia_distro_of(VP_GUEST_UBUNTU_2204);
    const struct vp_nvidia_distro *noble = vp_nvidia_distro_of(VP_GUEST_UBUNTU_2404);
    assert_non_null(rhel);
    assert_non_null(jammy);
    assert_non_null(noble);
    assert_null(vp_nvidia_distro_of(VP_GUEST_WINDOWS11));
    assert_int_equal(rhel->pm, VP_PM_DNF);
    assert_int_equal(noble->pm, VP_PM_APT);

    /* RHEL: nvidia-fabric-manager up to 575, nvidia-fabricmanager from 580 */
    const struct vp_nvidia_names *r570 = vp_nvidia_names_for_branch(rhel, 570);
    const struct vp_nvidia_names *r580 = vp_nvidia_names_for_branch(rhel, 580);
    assert_string_equal(r570->fabric_manager, "nvidia-fabric-manager");
    assert_string_equal(r570->nscq, "libnvidia-nscq-%s");
    assert_string_equal(r570->imex, "nvidia-imex-%s");
    assert_string_equal(r580->fabric_manager, "nvidia-fabricmanager");
    assert_string_equal(r580->nscq, "libnvidia-nscq");
    assert_string_equal(r580->imex, "nvidia-imex");
    assert_null(vp_nvidia_names_for_branch(rhel, 535)->imex); /* IMEX starts at 550 */
    assert_string_equal(r570->modules[VP_NVIDIA_OPEN], "kmod-nvidia-open-dkms");
    assert_string_equal(r570->modules[VP_NVIDIA_PROPRIETARY], "kmod-nvidia-latest-dkms");
    assert_string_equal(rhel->stream_branch[VP_NVIDIA_OPEN], "%s-open");
    assert_string_equal(rhel->stream_branch[VP_NVIDIA_PROPRIETARY], "%s-dkms");

    /* Ubuntu: nvidia-fabricmanager-XXX up to 575; from 580 nvidia-fabricmanager (the -580 name is virtual) */
    for (const struct vp_nvidia_distro *u = jammy; u; u = u == jammy ? noble : NULL) {
        assert_string_equal(vp_nvidia_names_for_branch(u, 570)->fabric_manager, "nvidia-fabricmanager-%s");
        assert_string_equal(vp_nvidia_names_for_branch(u, 580)->fabric_manager, "nvidia-fabricmanager");
        assert_string_equal(vp_nvidia_names_for_branch(u, 580)->driver[VP_NVIDIA_OPEN], "nvidia-driver-%s-open");
        assert_string_equal(vp_nvidia_names_for_branch(u, 590)->modules[VP_NVIDIA_OPEN], "nvidia-dkms-open");
    }
}

/* dotted decimal comparison, as sort -V orders driver versions */
static int
version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a = ea + (*ea == '.');
        b = eb + (*eb == '.');
    }
    return 0;
}

static void
test_cuda_table(void **state)
{
    (void)state;
    size_t n;
    const struct vp_cuda_release *rows = vp_cuda_releases(&n);
    assert_true(n > 40);
    for (size_t i = 0; i < n; i++) {
        /* the package names its release: cuda-toolkit-12-8 holds 12.8.x */
        char want[32];
        snprintf(want, sizeof(want), "cuda-toolkit-%.*s", (int)strcspn(rows[i].version, "."), rows[i].version);
        assert_int_equal(strncmp(rows[i].package, want, strlen(want)), 0);
        /* newest first: neither the release nor its minimum driver go up down the table */
        if (i > 0) {
            assert_true(version_cmp(rows[i - 1].version, rows[i].version) > 0);
            assert_true(version_cmp(rows[i - 1].min_driver, rows[i].min_driver) >= 0);
        }
    }
    /* the release notes' rows the guest tests rely on */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].version, "12.8.1") == 0)
            assert_string_equal(rows[i].min_driver, "570.124.06");
        if (strcmp(rows[i].version, "13.0.0") == 0)
            assert_string_equal(rows[i].min_driver, "580.65.06");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_generations),
        cmocka_unit_test(test_fabric_manager_names),
        cmocka_unit_test(test_cuda_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
