/* SPDX-License-Identifier: MIT */
/*
 * test-emit.c: the emitter table is the registry of paths. Over every
 * bootloader and initramfs tool, each row writes only paths it owns, and
 * each path a row owns is written by some plan: dropping or adding an
 * entry of a row fails here. Grubby's removal of the kernel arguments the
 * spec dropped, from the previous record; each kernel argument's reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "emit/emit-internal.h"
#include "mem-host.h"
#include "vfioplan/plan.h"

static struct vp_plan *
resolve(const char *host_yaml, struct vp_spec **spec, struct vp_diags *d)
{
    make_host(2, 0x2330, 128ull << 30, 32ull << 20); /* two identical GPUs: assigning one binds it by address */
    struct vp_plan *plan =
        resolve_vm(host_yaml, "    devices:\n      - address: \"0000:10:00.0\"\n    guest: {os: rhel9}\n", spec, d);
    assert_non_null(plan);
    return plan;
}

static void
test_rows_own_what_they_write(void **state)
{
    (void)state;
    static const char *const bootloaders[] = {"grub", "grubby", "systemd-boot"};
    static const char *const tools[] = {"initramfs-tools", "dracut", "mkinitcpio"};
    size_t n_rows;
    const struct vp_emitter *rows = vp_emitters(&n_rows);
    bool written[32][3] = {{false}};
    assert_true(n_rows <= 32);
    assert_string_equal(rows[n_rows - 1].name, "manifest");
    for (size_t b = 0; b < 3; b++) {
        for (size_t t = 0; t < 3; t++) {
            char host_yaml[128];
            snprintf(host_yaml, sizeof(host_yaml), "bootloader: %s, initramfs: %s", bootloaders[b], tools[t]);
            struct vp_diags d = {0};
            struct vp_spec *spec;
            struct vp_plan *plan = resolve(host_yaml, &spec, &d);
            struct vp_artifact_set all = {0};
            assert_int_equal(vp_plan_emit(plan, NULL, &all, &d), 0);
            for (size_t r = 0; r < n_rows; r++) {
                if (!rows[r].applies(plan))
                    continue;
                struct vp_artifact_set one = {0};
                assert_int_equal(rows[r].emit(plan, NULL, &one, &d), 0);
                for (size_t i = 0; i < one.n; i++) {
                    const char *path = one.items[i].path;
                    if (!vp_emitter_owns(&rows[r], path))
                        fail_msg("row %s writes %s, which it does not own", rows[r].name, path);
                    assert_non_null(vp_artifact_find(&all, path));
                    for (size_t k = 0; k < 3 && rows[r].owns[k].path; k++) {
                        struct vp_emitter just = {.owns = {rows[r].owns[k]}};
                        written[r][k] |= vp_emitter_owns(&just, path);
                    }
                }
                vp_artifact_set_free(&one);
            }
            vp_artifact_set_free(&all);
            vp_plan_free(&plan);
            vp_spec_free(&spec);
            vp_diags_free(&d);
        }
    }
    for (size_t r = 0; r < n_rows; r++)
        for (size_t k = 0; k < 3 && rows[r].owns[k].path; k++)
            if (!written[r][k])
                fail_msg("row %s owns %s%s, which no plan writes", rows[r].name, rows[r].owns[k].path,
                         rows[r].owns[k].suffix ? "NAME..." : "");
}

static void
test_known_paths(void **state)
{
    (void)state;
    assert_true(vp_artifact_path_known("etc/modprobe.d/vfioplan.conf"));
    assert_true(vp_artifact_path_known("etc/vfioplan/manifest"));
    assert_true(vp_artifact_path_known("etc/vfioplan/vms/vm..xml")); /* VM "vm." */
    assert_true(vp_artifact_path_known("etc/vfioplan/guest/gpu-vm-setup.sh"));
    /* written by earlier versions: a manifest that lists one gets it removed */
    assert_true(vp_artifact_path_known("usr/local/libexec/vfioplan-bind"));
    assert_true(vp_artifact_path_known("usr/local/libexec/vfioplan-sdboot"));
    assert_false(vp_artifact_path_known("etc/passwd"));
    assert_false(vp_artifact_path_known("etc/vfioplan/vms/.xml"));
    assert_false(vp_artifact_path_known("etc/vfioplan/vms/a/b.xml"));
    assert_false(vp_artifact_path_known("etc/vfioplan/guest/x.sh"));
}

/* The grubby actions of a plan with this host section, given the previous record. */
static void
grubby_actions(const char *host_yaml, const char *previous, struct vp_artifact_set *set)
{
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve(host_yaml, &spec, &d);
    struct vp_previous prev = {(char *)previous, strlen(previous)};
    assert_int_equal(vp_plan_emit(plan, &prev, set, &d), 0);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

static void
test_grubby_removes_dropped_args(void **state)
{
    (void)state;
    struct vp_artifact_set set = {0};
    /* a hand-edited line that is not a plain argument is not passed on */
    grubby_actions("bootloader: grubby, initramfs: dracut",
                   "# header\nintel_iommu=on\npcie_aspm=off\nrm -rf /\niommu=pt\n", &set);
    size_t at = 0;
    while (at < set.n_actions && strcmp(set.actions[at].argv[0], "grubby") != 0)
        at++;
    assert_true(at + 1 < set.n_actions);
    /* removals first: an argument both dropped and added back must end up on */
    assert_string_equal(set.actions[at].command, "grubby --update-kernel=ALL --remove-args=\"pcie_aspm=off iommu=pt\"");
    assert_non_null(
        strstr(set.actions[at + 1].command, "grubby --update-kernel=ALL --args=\"intel_iommu=on vfioplan.gen="));
    vp_artifact_set_free(&set);

    /* nothing dropped: no removal */
    grubby_actions("bootloader: grubby, initramfs: dracut", "intel_iommu=on\n", &set);
    for (size_t i = 0; i < set.n_actions; i++)
        assert_null(strstr(set.actions[i].command, "--remove-args"));
    vp_artifact_set_free(&set);

    /* every argument but the boot token dropped: still removed, and only the token added */
    grubby_actions("bootloader: grubby, initramfs: dracut, iommu: {mode: amd}", "intel_iommu=on\n", &set);
    size_t removals = 0, additions = 0;
    for (size_t i = 0; i < set.n_actions; i++) {
        removals += strstr(set.actions[i].command, "--remove-args=intel_iommu=on") != NULL;
        additions += strstr(set.actions[i].command, "--args=vfioplan.gen=") != NULL;
    }
    assert_int_equal(removals, 1);
    assert_int_equal(additions, 1);
    vp_artifact_set_free(&set);
}

/* Each argument's comment says why the pass that added it did: iommu=pt from the spec is the spec's, whatever its
 * prefix. */
static void
test_kernel_arg_reasons(void **state)
{
    (void)state;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("bootloader: grub, initramfs: dracut, kernel_args: [iommu=pt]", &spec, &d);
    struct vp_artifact_set set = {0};
    assert_int_equal(vp_plan_emit(plan, NULL, &set, &d), 0);
    const struct vp_artifact *dropin = vp_artifact_find(&set, VP_PATH_GRUB_DROPIN);
    assert_non_null(dropin);
    assert_non_null(
        strstr(dropin->data, "#   intel_iommu=on             turn on the Intel IOMMU (VT-d), which vfio needs\n"));
    assert_non_null(strstr(dropin->data, "#   iommu=pt                   from the spec (host.kernel_args)\n"));
    vp_artifact_set_free(&set);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* A VM the old manifest lists and the spec does not is undefined, before any VM is defined; hand-edited lines that
 * are not a VM's domain XML never reach virsh. */
static void
test_undefine_dropped_vms(void **state)
{
    (void)state;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("bootloader: grub, initramfs: dracut", &spec, &d);
    static const char manifest[] =
        "# vfioplan manifest\netc/vfioplan/vms/a.xml\netc/vfioplan/vms/old-vm.xml\n"
        "etc/vfioplan/vms/x;reboot.xml\netc/vfioplan/vms/.xml\netc/modprobe.d/vfioplan.conf\n"
        "etc/vfioplan/vms/renamed.xml";
    struct vp_previous prev = {.manifest = (char *)manifest, .manifest_len = sizeof(manifest) - 1};
    struct vp_artifact_set set = {0};
    assert_int_equal(vp_plan_emit(plan, &prev, &set, &d), 0);
    size_t undefine = set.n_actions, define = set.n_actions, n_undefine = 0;
    for (size_t i = 0; i < set.n_actions; i++) {
        if (strncmp(set.actions[i].command, "virsh undefine", 14) == 0) {
            n_undefine++;
            if (undefine == set.n_actions)
                undefine = i;
        } else if (strncmp(set.actions[i].command, "virsh define", 12) == 0) {
            define = i;
        }
    }
    assert_int_equal(n_undefine, 2);
    assert_string_equal(set.actions[undefine].command, "virsh undefine --nvram old-vm");
    assert_string_equal(set.actions[undefine].triggers[0], "etc/vfioplan/vms/old-vm.xml");
    assert_string_equal(set.actions[undefine + 1].command, "virsh undefine --nvram renamed");
    assert_true(undefine < define && define < set.n_actions);
    vp_artifact_set_free(&set);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_own_what_they_write),    cmocka_unit_test(test_known_paths),
        cmocka_unit_test(test_grubby_removes_dropped_args), cmocka_unit_test(test_kernel_arg_reasons),
        cmocka_unit_test(test_undefine_dropped_vms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
