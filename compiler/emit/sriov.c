/* SPDX-License-Identifier: MIT */
/*
 * sriov.c: the VFs host.sriov asks for, created at every boot, early enough
 * for vfio-pci to bind the assigned ones before any VF driver can. A udev
 * rule (etc/udev/rules.d/70-vfioplan-sriov.rules) writes sriov_numvfs when
 * the PF's driver holds it: on the PF's bind event, or on the add event udev
 * replays for every device after the initramfs (systemd-udev-trigger), so a
 * PF whose driver loaded in the initramfs gets its VFs too, and nothing of
 * this needs to be in the initramfs. The rule first turns the PF's
 * sriov_drivers_autoprobe off, so that the VFs appear with no driver (a VF
 * probes only with autoprobe on or a driver_override, pci_device_can_probe);
 * then usr/libexec/vfioplan/sriov gives the assigned VFs to vfio-pci
 * (driver_override), turns autoprobe back on and probes every VF: the
 * others get their own driver.
 */
#include <stdio.h>

#include "emit-internal.h"

static long
vm_of(const struct vp_plan *plan, const struct vp_pci_addr *a)
{
    for (size_t v = 0; v < plan->n_vms; v++)
        for (size_t i = 0; i < plan->vms[v].n_assigned; i++)
            if (vp_pci_addr_cmp(&plan->host->devices[plan->vms[v].assigned[i].device].addr, a) == 0)
                return (long)v;
    return -1;
}

int
vp_emit_sriov(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
              struct vp_diags *d)
{
    (void)previous;
    (void)d;
    const struct vp_host_spec *hs = &plan->spec->host;
    struct vp_strbuf rules = {0}, script = {0};
    vp_emit_hash_header(&rules, plan);
    vp_strbuf_puts(&rules, "#\n"
                           "# SR-IOV: the VFs of host.sriov, created at every boot once the PF's driver holds\n"
                           "# the PF (its bind event, or the add event udev replays after the initramfs). No\n"
                           "# VF driver may take a VF as it appears (sriov_drivers_autoprobe 0): the script\n"
                           "# gives the assigned VFs to vfio-pci, then lets the others probe.\n");
    vp_strbuf_puts(&script, "#!/bin/sh\n");
    vp_emit_hash_header(&script, plan);
    vp_strbuf_puts(&script, "#\n"
                            "# Run by /" VP_PATH_SRIOV_RULES " once a PF's VFs exist:\n"
                            "# gives the assigned VFs to vfio-pci (driver_override), turns the PF's\n"
                            "# autoprobe back on and probes every VF, so the others get their own driver.\n"
                            "set -u\n"
                            "sysfs=/sys/bus/pci\n"
                            "pf=${1:-}\n"
                            "vfio=''\n"
                            "case $pf in\n");
    for (size_t e = 0; e < hs->n_sriov; e++) {
        long pf = vp_sriov_pf(plan->host, &hs->sriov[e]);
        if (pf < 0)
            continue;
        const struct vp_device *dev = &plan->host->devices[pf];
        vp_strbuf_printf(&rules, "\n# %s [%04x:%04x]: %u VFs\n", dev->addr_str, dev->vendor, dev->device,
                         hs->sriov[e].num_vfs);
        vp_strbuf_printf(&rules,
                         "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", DRIVER==\"?*\", "
                         "ATTR{sriov_numvfs}==\"0\", ATTR{sriov_drivers_autoprobe}=\"0\", ATTR{sriov_numvfs}=\"%u\", "
                         "RUN+=\"/" VP_PATH_SRIOV_SCRIPT " %s\"\n",
                         dev->addr_str, hs->sriov[e].num_vfs, dev->addr_str);
        vp_strbuf_printf(&script, "%s)\n    vfio='", dev->addr_str);
        size_t listed = 0;
        for (unsigned k = 0; k < hs->sriov[e].num_vfs; k++) {
            struct vp_pci_addr a;
            char addr[VP_PCI_ADDR_LEN];
            vp_sriov_vf_address(plan->host, (size_t)pf, k, &a);
            vp_pci_addr_format(&a, addr);
            long vm = vm_of(plan, &a);
            if (vm < 0)
                continue;
            vp_strbuf_printf(&script, "%s%s", listed++ ? " " : "", addr);
        }
        vp_strbuf_puts(&script, "'\n    ;;\n");
    }
    vp_strbuf_puts(&script, "*)\n"
                            "    exit 0\n"
                            "    ;;\n"
                            "esac\n\n"
                            "for vf in $vfio; do\n"
                            "    echo vfio-pci > \"$sysfs/devices/$vf/driver_override\"\n"
                            "done\n"
                            "modprobe vfio-pci 2>/dev/null || true\n"
                            "echo 1 > \"$sysfs/devices/$pf/sriov_drivers_autoprobe\"\n"
                            "for link in \"$sysfs/devices/$pf\"/virtfn*; do\n"
                            "    [ -e \"$link\" ] || continue\n"
                            "    vf=$(basename \"$(readlink \"$link\")\")\n"
                            "    [ -e \"$sysfs/devices/$vf/driver\" ] || echo \"$vf\" > \"$sysfs/drivers_probe\"\n"
                            "done\n"
                            "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_SRIOV_RULES, 0644, &rules);
    vp_artifact_add_buf(set, VP_PATH_SRIOV_SCRIPT, 0755, &script);
    return 0;
}
