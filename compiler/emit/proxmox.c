/* SPDX-License-Identifier: MIT */
/*
 * proxmox.c: the kernel command line on Proxmox VE hosts whose EFI system
 * partitions proxmox-boot-tool keeps. It boots them with systemd-boot (ZFS
 * root on UEFI), which takes its command line from /etc/kernel/cmdline, or
 * with GRUB, which reads /etc/default/grub and grub.d as on Debian; and
 * `proxmox-boot-tool refresh` writes either onto every ESP, with the
 * kernels and initrds. So vfioplan writes both (the GRUB drop-in, and the
 * systemd-boot script for /etc/kernel/cmdline: the ESPs are not mounted, so
 * it finds no entries to edit) and runs refresh after the initramfs.
 */
#include "emit-internal.h"

int
vp_emit_proxmox(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                struct vp_diags *d)
{
    (void)d;
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "proxmox-boot-tool (/etc/kernel/cmdline)", &change);
    vp_emit_cmdline_script(plan, &change, set, "add the kernel arguments to /etc/kernel/cmdline");
    vp_kargs_change_free(&change);
    /* not update-grub: refresh writes the GRUB configuration of the ESPs in GRUB mode */
    vp_emit_grub_dropin(plan, set);
    static const char *const argv[] = {"proxmox-boot-tool", "refresh", NULL};
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS,
                                           VP_PATH_GRUB_DROPIN,
                                           VP_PATH_MODPROBE,
                                           VP_PATH_ITOOLS_HOOK,
                                           VP_PATH_ITOOLS_INIT_TOP,
                                           VP_PATH_BIND_SCRIPT,
                                           NULL};
    vp_action_add(set, VP_STAGE_BOOT_MENU, "copy the kernels, initrds and command line onto the EFI system partitions",
                  argv, triggers);
    return 0;
}
