/* SPDX-License-Identifier: MIT */
/*
 * kernelstub.c: the kernel command line on Pop!_OS, whose kernelstub keeps
 * the options in /etc/kernelstub/configuration and writes the systemd-boot
 * entry on the ESP from them (again whenever the initramfs is rebuilt).
 * `kernelstub --add-options` adds each option once; `--delete-options`
 * takes off what etc/vfioplan/kernel-args says vfioplan added.
 */
#include <stdlib.h>

#include "emit-internal.h"
#include "kernel-args-doc.h"

int
vp_emit_kernelstub(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                   struct vp_diags *d)
{
    (void)d;
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "kernelstub", &change);
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    if (change.n_removed) {
        char *removed = vp_kargs_removed_joined(&change, "");
        const char *argv[] = {"kernelstub", "--delete-options", removed, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE,
                      "remove the kernel arguments vfioplan added that the spec no longer wants", argv, triggers);
        free(removed);
    }
    vp_kargs_change_free(&change);
    if (plan->n_kernel_args) {
        struct vp_strbuf args = {0};
        vp_kernel_args_join(&args, plan);
        const char *argv[] = {"kernelstub", "--add-options", args.data, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to kernelstub's options and boot entry", argv,
                      triggers);
        vp_strbuf_free(&args);
    }
    return 0;
}
