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

#include <stdlib.h>

#include "base/util.h"
#include "emit/emit-internal.h"
#include "mem-host.h"
#include "vfioplan/plan.h"

static struct vp_plan *
resolve(const char *host_yaml, struct vp_spec **spec, struct vp_diags *d)
{
    make_host(2, 0x2330, 128ull << 30, 32ull << 20); /* two identical GPUs: assigning one binds it by address */
    add_sriov_pf(4);
    struct vp_plan *plan =
        resolve_vm(host_yaml, "    devices:\n      - address: \"0000:10:00.0\"\n    guest: {os: rhel9}\n", spec, d);
    assert_non_null(plan);
    return plan;
}

static void
test_rows_own_what_they_write(void **state)
{
    (void)state;
    /* "grub" twice: on a host whose grub-mkconfig reads grub.d (Debian) and on one whose does not (Arch) */
    static const char *const bootloaders[] = {"grub",       "grub",    "grubby",    "systemd-boot",
                                              "rpm-ostree", "proxmox", "kernelstub"};
    static const char *const tools[] = {"initramfs-tools", "dracut", "mkinitcpio"};
    size_t n_rows;
    const struct vp_emitter *rows = vp_emitters(&n_rows);
    bool written[32][3] = {{false}};
    assert_true(n_rows <= 32);
    assert_string_equal(rows[n_rows - 1].name, "manifest");
    for (size_t b = 0; b < VP_ARRAY_SIZE(bootloaders); b++) {
        for (size_t t = 0; t < 3; t++) {
            char host_yaml[160];
            snprintf(host_yaml, sizeof(host_yaml),
                     "bootloader: %s, initramfs: %s, sriov: [{pf: \"0000:20:00.0\", num_vfs: 2}]", bootloaders[b],
                     tools[t]);
            struct vp_diags d = {0};
            struct vp_spec *spec;
            make_host(2, 0x2330, 128ull << 30, 32ull << 20);
            add_sriov_pf(4);
            if (b == 1) /* upstream GRUB: a block in /etc/default/grub */
                host.boot.found &= ~VP_BOOT_BIT(VP_BOOT_GRUB_DROPINS);
            struct vp_plan *plan = resolve_vm(
                host_yaml, "    devices:\n      - address: \"0000:10:00.0\"\n    guest: {os: rhel9}\n", &spec, &d);
            assert_non_null(plan);
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
            /* vfioplan try's entry script: try writes it (vp_emit_grub_try), a plan's rows never do */
            if (!written[r][k] && strcmp(rows[r].owns[k].path, VP_PATH_GRUB_TRY) != 0)
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
    /* a file vfioplan only edits a block of: never removable, whatever a manifest says */
    assert_false(vp_artifact_path_known("etc/default/grub"));
    assert_true(vp_artifact_path_editable("etc/default/grub"));
    assert_false(vp_artifact_path_editable("etc/default/grub.d/vfioplan.cfg"));
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
    struct vp_previous prev = {.kernel_args = (char *)previous, .kernel_args_len = strlen(previous)};
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

/* The block in a file vfioplan does not own: put at the end, replaced in place, taken out, every other byte kept. */
static void
test_edit_block(void **state)
{
    (void)state;
    static const char stock[] = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"";
    struct vp_edit_base base = {
        .path = "etc/default/grub", .state = 1, .data = (char *)stock, .len = sizeof(stock) - 1, .mode = 0600};
    struct vp_previous prev = {.edits = &base, .n_edits = 1};
    struct vp_diags d = {0};
    struct vp_artifact_set set = {0};
    assert_int_equal(vp_emit_edit(&prev, &set, "etc/default/grub", "A=1\n", &d), 0);
    assert_int_equal(set.n, 1);
    assert_true(set.items[0].edit);
    assert_int_equal(set.items[0].mode, 0600); /* the admin's file keeps its mode */
    const char *with = set.items[0].data;
    assert_true(strncmp(with, stock, sizeof(stock) - 1) == 0);
    assert_non_null(strstr(with, "quiet\"\n# BEGIN vfioplan"));
    assert_non_null(strstr(with, "\nA=1\n# END vfioplan\n"));
    /* the user added a line after the block: a new block replaces the old one in place */
    char *edited = vp_xasprintf("%sGRUB_TIMEOUT=3\n", with);
    base.data = edited;
    base.len = strlen(edited);
    vp_artifact_set_free(&set);
    assert_int_equal(vp_emit_edit(&prev, &set, "etc/default/grub", "A=2\n", &d), 0);
    assert_non_null(strstr(set.items[0].data, "\nA=2\n# END vfioplan\nGRUB_TIMEOUT=3\n"));
    assert_null(strstr(set.items[0].data, "A=1"));
    vp_artifact_set_free(&set);
    /* no longer needed: out, and the file is what it was with the user's line */
    assert_int_equal(vp_emit_edits_cleanup(&prev, &set, &d), 0);
    assert_int_equal(set.n, 1);
    char *want = vp_xasprintf("%s\nGRUB_TIMEOUT=3\n", stock);
    assert_string_equal(set.items[0].data, want);
    free(want);
    vp_artifact_set_free(&set);
    /* a block without its last marker is not guessed at */
    base.data = (char *)"X=1\n# BEGIN vfioplan: managed by 'vfioplan apply'; edits between these lines are lost\nY=2\n";
    base.len = strlen(base.data);
    assert_int_equal(vp_emit_edit(&prev, &set, "etc/default/grub", "A=1\n", &d), -1);
    assert_int_equal(d.items[d.n - 1].code, VP_READ_TARGET_FAILED);
    assert_int_equal(set.n, 0);
    free(edited);
    vp_diags_free(&d);
}

/* etc/vfioplan/kernel-args: what vfioplan added; never the distribution's arguments, and never removed if they are */
static void
test_kernel_args_record(void **state)
{
    (void)state;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    make_host(1, 0x2330, 128ull << 30, 32ull << 20);
    host.cmdline = "root=/dev/sda1 ro quiet rhgb iommu=pt";
    struct vp_plan *plan = resolve_vm("bootloader: grubby, kernel_args: [rhgb, iommu=pt, pcie_aspm=off]",
                                      "    devices:\n      - address: \"0000:10:00.0\"\n", &spec, &d);
    assert_non_null(plan);
    /* an earlier record (of a vfioplan that recorded all it asked for): iommu=pt is vfioplan's, quiet and
     * rd.lvm.lv are the distribution's, nomodeset was vfioplan's and is dropped */
    static const char record[] = "# old\niommu=pt\nquiet\nrd.lvm.lv=vg/root\nnomodeset\n";
    struct vp_previous prev = {.kernel_args = (char *)record, .kernel_args_len = sizeof(record) - 1};
    struct vp_kargs_change c;
    vp_kargs_change(plan, &prev, &c);
    /* intel_iommu=on, iommu=pt (recorded), pcie_aspm=off, the boot token; not rhgb */
    assert_int_equal(c.n_own, 4);
    assert_string_equal(c.own[0], "intel_iommu=on");
    assert_string_equal(c.own[1], "iommu=pt");
    assert_string_equal(c.own[2], "pcie_aspm=off");
    assert_ptr_equal(c.own[3], plan->boot_token);
    assert_int_equal(c.n_removed, 1);
    assert_string_equal(c.removed[0], "nomodeset");
    vp_kargs_change_free(&c);
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
        cmocka_unit_test(test_rows_own_what_they_write),
        cmocka_unit_test(test_known_paths),
        cmocka_unit_test(test_grubby_removes_dropped_args),
        cmocka_unit_test(test_kernel_arg_reasons),
        cmocka_unit_test(test_edit_block),
        cmocka_unit_test(test_kernel_args_record),
        cmocka_unit_test(test_undefine_dropped_vms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
