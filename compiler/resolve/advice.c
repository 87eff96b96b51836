/* SPDX-License-Identifier: MIT */
/*
 * advice.c: the commands a user runs by hand on this plan's host, for the
 * advice of verify and check and the hints: the same tools the actions
 * use, and the ones that show what is in place. One row per tool.
 */
#include "resolve-internal.h"

static const char *const initramfs_advice[VP_INITRAMFS__COUNT][2] = {
    [VP_INITRAMFS_AUTO] = {"rebuild the initramfs", "look for vfio in the initramfs"},
    [VP_INITRAMFS_TOOLS] = {"update-initramfs -u -k all", "lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio"},
    [VP_INITRAMFS_DRACUT] = {"dracut --regenerate-all --force", "lsinitrd | grep vfio"},
    [VP_INITRAMFS_MKINITCPIO] = {"mkinitcpio -P", "lsinitcpio /boot/initramfs-linux.img | grep vfio"},
};

static const char *const bootloader_advice[VP_BOOTLOADER__COUNT][2] = {
    [VP_BOOTLOADER_AUTO] = {"update the boot configuration", "look at the boot configuration"},
    [VP_BOOTLOADER_GRUB] = {"update-grub", "grep -w linux /boot/grub/grub.cfg"},
    [VP_BOOTLOADER_GRUBBY] = {"grubby --update-kernel=ALL --args=...", "grubby --info=ALL"},
    [VP_BOOTLOADER_SYSTEMD_BOOT] = {"/usr/libexec/vfioplan/sdboot", "bootctl list"},
    [VP_BOOTLOADER_RPM_OSTREE] = {"rpm-ostree kargs --append-if-missing=...", "rpm-ostree kargs"},
    [VP_BOOTLOADER_PROXMOX] = {"proxmox-boot-tool refresh", "proxmox-boot-tool status"},
    [VP_BOOTLOADER_KERNELSTUB] = {"kernelstub --add-options ...", "kernelstub --print-config"},
};

const char *
vp_plan_advice(const struct vp_plan *p, enum vp_tool_advice what)
{
    unsigned ir = (unsigned)p->initramfs < VP_INITRAMFS__COUNT ? (unsigned)p->initramfs : 0;
    unsigned bl = (unsigned)p->bootloader < VP_BOOTLOADER__COUNT ? (unsigned)p->bootloader : 0;
    switch (what) {
    case VP_ADVICE_INITRAMFS_REBUILD:
        return p->bootloader == VP_BOOTLOADER_RPM_OSTREE ? "rpm-ostree initramfs --enable" : initramfs_advice[ir][0];
    case VP_ADVICE_INITRAMFS_INSPECT:
        return p->bootloader == VP_BOOTLOADER_RPM_OSTREE ? "lsinitrd /boot/ostree/*/initramfs-* | grep vfio"
                                                         : initramfs_advice[ir][1];
    case VP_ADVICE_BOOT_UPDATE:
        if (p->bootloader == VP_BOOTLOADER_GRUB && !p->boot.grub_dropins)
            return p->boot.grub2 ? "grub2-mkconfig -o /boot/grub2/grub.cfg" : "grub-mkconfig -o /boot/grub/grub.cfg";
        return bootloader_advice[bl][0];
    case VP_ADVICE_BOOT_INSPECT:
        if (p->bootloader == VP_BOOTLOADER_GRUB && p->boot.grub2)
            return "grep -w linux /boot/grub2/grub.cfg";
        return bootloader_advice[bl][1];
    case VP_ADVICE__COUNT:
        break;
    }
    return "";
}
