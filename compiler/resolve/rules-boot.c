/* SPDX-License-Identifier: MIT */
/*
 * rules-boot.c: the rules on the host's boot: evidence of one bootloader
 * vfioplan can write to (or host.bootloader), boot facts an older snapshot
 * lacks, and what giving away the boot VGA costs the host.
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

static const struct vp_pos *
bootloader_pos(const struct vp_resolver *r)
{
    return r->spec->host.bootloader_pos.line ? &r->spec->host.bootloader_pos : &r->spec->host_pos;
}

void
vp_rule_boot_evidence(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_plan *p = r->plan;
    const struct vp_host *h = r->host;
    if (!p->boot.conflict)
        return;
    const char *name = r->spec->host.name ? r->spec->host.name : "";
    if (p->boot.conflict == ~0u)
        vp_rule_report(r, code, bootloader_pos(r), "the boot files of host %s show no bootloader vfioplan writes to",
                       name);
    else if (p->boot.conflict == VP_BOOT_BIT(VP_BOOT_OSTREE))
        vp_rule_report(r, code, bootloader_pos(r), "host %s boots an ostree deployment but has no rpm-ostree", name);
    else if (p->boot.conflict == VP_BOOT_BIT(VP_BOOT_UKI))
        vp_rule_report(r, code, bootloader_pos(r),
                       "host %s boots unified kernel images, which carry the command line /etc/kernel/cmdline gives "
                       "them, and it has no /etc/kernel/cmdline",
                       name);
    else
        vp_rule_report(r, code, bootloader_pos(r), "the boot files of host %s show both GRUB and systemd-boot", name);
    size_t found = 0;
    for (int e = 0; e < VP_BOOT__COUNT; e++) {
        if (!(h->boot.found & VP_BOOT_BIT(e)))
            continue;
        vp_note(r->d, "found %s", vp_boot_evidence_doc((enum vp_boot_evidence)e));
        found++;
    }
    if (!found)
        vp_note(r->d, "found none of /boot/grub/grub.cfg, /boot/grub2/grub.cfg, systemd-boot on /boot, /efi or "
                      "/boot/efi, an ostree deployment, proxmox-boot-tool, kernelstub");
    if (p->boot.conflict == VP_BOOT_BIT(VP_BOOT_UKI))
        vp_hint(r->d, "write the command line the host boots with into /etc/kernel/cmdline (cat /proc/cmdline, "
                      "without initrd= and BOOT_IMAGE=), then run vfioplan again");
    else
        vp_hint(r->d, "set host.bootloader to the one that boots this host (grub, grubby, systemd-boot, rpm-ostree, "
                      "proxmox, kernelstub), or remove the other one's leftovers");
}

void
vp_rule_boot_facts(struct vp_resolver *r, enum vp_code code)
{
    if (!r->plan->boot.from_family || r->plan->bootloader == VP_BOOTLOADER_AUTO)
        return;
    vp_rule_report(r, code, &r->spec->host_pos,
                   "the host facts have no boot files (a snapshot from an older vfioplan): the bootloader is "
                   "taken to be %s, from the distribution",
                   vp_bootloader_name(r->plan->bootloader));
    vp_hint(r->d, "take the snapshot again with 'vfioplan snapshot', or set host.bootloader");
}

void
vp_rule_boot_vga_handover(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t i = 0; i < h->n_devices; i++) {
        const struct vp_device *dev = &h->devices[i];
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        if (!s || !s->allow_host_critical || !(dev->roles & VP_ROLE_BIT(VP_ROLE_BOOT_VGA)))
            continue;
        vp_rule_report(r, code, &s->pos,
                       "%s is the host's boot VGA: once vfio-pci has it, the host has no console on it", dev->addr_str);
        for (size_t k = 0; k < r->plan->n_kernel_args; k++) {
            const char *v = r->plan->kernel_args[k].value;
            if (vp_startswith(v, "video=") || vp_startswith(v, "initcall_blacklist="))
                vp_note(r->d, "kernel argument %s: %s", v, r->plan->kernel_args[k].why);
        }
        if (s->has_rom)
            vp_hint(r->d, "keep a way in over the network (ssh) or a serial console");
        else
            vp_hint(r->d,
                    "keep a way in over the network (ssh) or a serial console; the firmware ran the card's ROM at "
                    "boot, so the guest may get a black screen: give it a dump of the card's ROM with "
                    "rom: {file: /usr/share/vgabios/NAME.rom}");
    }
}
