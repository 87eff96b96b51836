/* SPDX-License-Identifier: MIT */
/*
 * boot.c: which bootloader gets the kernel command line, from the evidence
 * in the host tree (host-boot.c), or host.bootloader, which overrides it.
 * Tools that manage the whole boot (an ostree deployment, proxmox-boot-tool,
 * kernelstub) decide alone; otherwise GRUB and systemd-boot must not both
 * be there, and one of them must be. Where the facts have no boot files (a
 * snapshot from an older vfioplan) the distribution decides, as it used to.
 */
#include "resolve-internal.h"

static bool
has(const struct vp_host *h, enum vp_boot_evidence e)
{
    return (h->boot.found & VP_BOOT_BIT(e)) != 0;
}

/* The bootloader the evidence shows; AUTO with plan->boot.conflict set when it contradicts itself or shows none. */
static enum vp_bootloader
from_evidence(const struct vp_host *h, struct vp_plan *p)
{
    unsigned grub = VP_BOOT_BIT(VP_BOOT_GRUB_CFG) | VP_BOOT_BIT(VP_BOOT_GRUB2_CFG);
    unsigned sdboot = VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT);
    if (has(h, VP_BOOT_OSTREE)) {
        if (has(h, VP_BOOT_RPM_OSTREE))
            return VP_BOOTLOADER_RPM_OSTREE;
        p->boot.conflict = VP_BOOT_BIT(VP_BOOT_OSTREE); /* an ostree host without rpm-ostree: not one we write to */
        return VP_BOOTLOADER_AUTO;
    }
    if (has(h, VP_BOOT_PROXMOX))
        return VP_BOOTLOADER_PROXMOX;
    if (has(h, VP_BOOT_KERNELSTUB))
        return VP_BOOTLOADER_KERNELSTUB;
    if ((h->boot.found & grub) && (h->boot.found & sdboot)) {
        p->boot.conflict = (h->boot.found & grub) | sdboot;
        return VP_BOOTLOADER_AUTO;
    }
    if (h->boot.found & sdboot) {
        /* a UKI carries the command line it was built with: it comes from /etc/kernel/cmdline, which must exist */
        if (has(h, VP_BOOT_UKI) && !has(h, VP_BOOT_KERNEL_CMDLINE)) {
            p->boot.conflict = VP_BOOT_BIT(VP_BOOT_UKI);
            return VP_BOOTLOADER_AUTO;
        }
        return VP_BOOTLOADER_SYSTEMD_BOOT;
    }
    if ((h->boot.found & grub) && has(h, VP_BOOT_GRUBBY))
        return VP_BOOTLOADER_GRUBBY;
    if (h->boot.found & grub)
        return VP_BOOTLOADER_GRUB;
    p->boot.conflict = ~0u; /* nothing that boots */
    return VP_BOOTLOADER_AUTO;
}

void
vp_resolve_bootloader(struct vp_resolver *r)
{
    struct vp_plan *p = r->plan;
    const struct vp_host *h = r->host;
    static const enum vp_bootloader boot_of[VP_FAMILY__COUNT] = {
        [VP_FAMILY_UNKNOWN] = VP_BOOTLOADER_AUTO,
        [VP_FAMILY_DEBIAN] = VP_BOOTLOADER_GRUB,
        [VP_FAMILY_RHEL] = VP_BOOTLOADER_GRUBBY,
        [VP_FAMILY_ARCH] = VP_BOOTLOADER_SYSTEMD_BOOT,
    };
    p->bootloader = r->spec->host.bootloader;
    if (p->bootloader == VP_BOOTLOADER_AUTO && h->boot.known) {
        p->boot.from_evidence = true;
        p->bootloader = from_evidence(h, p);
    } else if (p->bootloader == VP_BOOTLOADER_AUTO) {
        p->boot.from_family = true;
        p->bootloader = boot_of[p->family];
    }
    p->boot.kernel_cmdline = has(h, VP_BOOT_KERNEL_CMDLINE);
    p->boot.uki = has(h, VP_BOOT_UKI);
    /* Debian's grub-mkconfig reads /etc/default/grub.d (a Debian patch); upstream's, as on Arch, does not. The
     * script itself tells; without it, the distribution does. */
    p->boot.grub_dropins =
        h->boot.known && has(h, VP_BOOT_GRUB_MKCONFIG) ? has(h, VP_BOOT_GRUB_DROPINS) : p->family == VP_FAMILY_DEBIAN;
    p->boot.grub2 = h->boot.known && (has(h, VP_BOOT_GRUB_CFG) || has(h, VP_BOOT_GRUB2_CFG))
                        ? !has(h, VP_BOOT_GRUB_CFG)
                        : p->family == VP_FAMILY_RHEL;
}
