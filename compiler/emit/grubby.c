/* SPDX-License-Identifier: MIT */
/*
 * grubby.c: the kernel command line on RHEL and Fedora. Their GRUB reads
 * BootLoaderSpec entries, so the arguments go in with grubby, for every
 * installed kernel (and, on RHEL 9, the default for new ones). grubby only
 * adds: etc/vfioplan/kernel-args records what vfioplan added
 * (kernel-args-record.c), and what an earlier record has and the plan does
 * not gets a `grubby --remove-args` action, which runs before the `--args`
 * one. Arguments the distribution had are never in the record.
 */
#include <stdlib.h>

#include "emit-internal.h"
#include "kernel-args-doc.h"

int
vp_emit_grubby(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
               struct vp_diags *d)
{
    (void)d;
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "grubby", &change);
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    if (change.n_removed) {
        char *removed = vp_kargs_removed_joined(&change, "--remove-args=");
        const char *argv[] = {"grubby", "--update-kernel=ALL", removed, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE,
                      "remove the kernel arguments vfioplan added that the spec no longer wants", argv, triggers);
        free(removed);
    }
    vp_kargs_change_free(&change);
    struct vp_strbuf args = {0};
    vp_strbuf_puts(&args, "--args=");
    vp_kernel_args_join(&args, plan);
    const char *argv[] = {"grubby", "--update-kernel=ALL", args.data, NULL};
    if (plan->n_kernel_args)
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to every boot entry", argv, triggers);
    vp_strbuf_free(&args);
    return 0;
}
