/* SPDX-License-Identifier: MIT */
/*
 * grub.c: the kernel command line on Debian and Ubuntu, as a drop-in in
 * /etc/default/grub.d/ (POSIX sh, sourced by grub-mkconfig after
 * /etc/default/grub), so /etc/default/grub stays the admin's. "vfioplan.cfg"
 * sorts after numbered drop-ins such as cloud images' 50-cloudimg-settings.cfg,
 * which assign GRUB_CMDLINE_LINUX_DEFAULT outright.
 */
#include "emit-internal.h"
#include "kernel-args-doc.h"

void
vp_emit_grub_update(const struct vp_plan *plan, struct vp_artifact_set *set, const char *const *triggers)
{
    static const char *const argv[] = {"update-grub", NULL};
    if (plan->bootloader == VP_BOOTLOADER_GRUB)
        vp_action_add(set, VP_STAGE_BOOTLOADER, "write the kernel command line into /boot/grub/grub.cfg", argv,
                      triggers);
}

int
vp_emit_grub(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
             struct vp_diags *d)
{
    (void)previous;
    (void)d;
    static const char *const triggers[] = {VP_PATH_GRUB_DROPIN, NULL};
    vp_emit_grub_update(plan, set, triggers);
    if (plan->n_kernel_args == 0)
        return 0;
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# Kernel arguments for PCI passthrough. grub-mkconfig (update-grub) sources\n"
                        "# this file after /etc/default/grub and adds each argument once to\n"
                        "# GRUB_CMDLINE_LINUX_DEFAULT.\n");
    vp_kernel_args_comment(&sb, plan);
    vp_strbuf_puts(
        &sb, "vfioplan_add() {\n"
             "    case \" $GRUB_CMDLINE_LINUX_DEFAULT \" in\n"
             "    *\" $1 \"*) ;;\n"
             "    *) GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }$1\" ;;\n"
             "    esac\n"
             "}\n");
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(&sb, "vfioplan_add %s\n", plan->kernel_args[i].value);
    vp_strbuf_puts(&sb, "unset -f vfioplan_add\n");
    vp_artifact_add_buf(set, VP_PATH_GRUB_DROPIN, 0644, &sb);
    return 0;
}
