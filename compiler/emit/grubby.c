/* SPDX-License-Identifier: MIT */
/*
 * grubby.c: the kernel command line on RHEL and Fedora. Their GRUB reads
 * BootLoaderSpec entries, so the arguments go in with grubby, for every
 * installed kernel (and, on RHEL 9, the default for new ones). The list
 * vfioplan asked for is kept in /etc/vfioplan/kernel-args, so that a later
 * apply can remove what the spec no longer wants.
 */
#include "base/util.h"
#include "emit-internal.h"
#include "kernel-args-doc.h"

void
vp_emit_kernel_args_record(const struct vp_plan *plan, struct vp_artifact_set *set, const char *tool)
{
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_printf(&sb,
                     "#\n# Kernel arguments vfioplan asked %s to add to every boot entry, one per\n"
                     "# line. apply compares this list with the previous one to remove arguments\n"
                     "# the spec no longer wants.\n",
                     tool);
    vp_kernel_args_comment(&sb, plan);
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(&sb, "%s\n", plan->kernel_args[i]);
    vp_artifact_add_buf(set, VP_PATH_KERNEL_ARGS, 0644, &sb);
}

int
vp_emit_grubby(const struct vp_plan *plan, struct vp_artifact_set *set, struct vp_diags *d)
{
    (void)d;
    vp_emit_kernel_args_record(plan, set, "grubby");
    struct vp_strbuf args = {0};
    vp_strbuf_puts(&args, "--args=");
    vp_kernel_args_join(&args, plan);
    const char *argv[] = {"grubby", "--update-kernel=ALL", args.data, NULL};
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    if (plan->n_kernel_args)
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to every boot entry", argv, triggers);
    vp_strbuf_free(&args);
    return 0;
}
