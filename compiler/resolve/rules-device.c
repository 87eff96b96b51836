/* SPDX-License-Identifier: MIT */
/*
 * rules-device.c: the rules on what a device brings with it: functions no
 * driver will claim in an assigned group (allowed, said once), resets
 * between VM starts (known bad families, no reset at all), SR-IOV (what
 * host.sriov asks of a PF, VFs whose groups are predicted) and the NIC
 * options of a VF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "reset-quirks.h"
#include "resolve-internal.h"

void
vp_rule_driverless_member(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t gi = 0; gi < h->n_groups; gi++) {
        const struct vp_group *g = &h->groups[gi];
        const struct vp_selector *first = NULL;
        long vm = -1;
        for (size_t k = 0; k < g->n_members && !first; k++) {
            first = vp_resolver_selector_of(r, g->members[k]);
            vm = r->owner_vm[g->members[k]];
        }
        if (!first)
            continue;
        /* said only where the group can go to the VM (VP4003 lists every member otherwise) */
        bool viable = true;
        char why[200];
        for (size_t k = 0; k < g->n_members && viable; k++) {
            size_t idx = g->members[k];
            viable = r->owner_vm[idx] == vm || (r->owner_vm[idx] < 0 && (vp_device_is_bridge(&h->devices[idx]) ||
                                                                         !vp_member_blocks(h, idx, why, sizeof(why))));
        }
        for (size_t k = 0; viable && k < g->n_members; k++) {
            size_t idx = g->members[k];
            const struct vp_device *dev = &h->devices[idx];
            char desc[160], group[160];
            if (r->owner_vm[idx] >= 0 || vp_device_is_bridge(dev) || vp_member_blocks(h, idx, why, sizeof(why)))
                continue;
            vp_device_describe(dev, desc, sizeof(desc));
            vp_group_describe(g, group, sizeof(group));
            vp_rule_report(r, code, &first->pos, "%s also holds %s, which stays with the host unbound", group, desc);
            vp_note(r->d, "%s", why);
            vp_note(r->d, "vfio lets VM '%s' have the group: its other members are unbound, not held by a driver",
                    r->spec->vms[vm].name);
            vp_hint(r->d, "nothing to do; if a driver for it is installed later, run 'vfioplan check' again");
        }
    }
}

void
vp_rule_reset_bug(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t i = 0; i < h->n_devices; i++) {
        const struct vp_device *dev = &h->devices[i];
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        const struct vp_reset_quirk *q = s ? vp_reset_quirk_find(dev->vendor, dev->device) : NULL;
        /* vendor-reset, once loaded and chosen, shows as device_specific (Linux 5.15 and later) */
        if (!q || (dev->hw.reset_method && strstr(dev->hw.reset_method, "device_specific")))
            continue;
        vp_rule_report(r, code, &s->pos,
                       "%s [%04x:%04x] is an AMD %s GPU: it does not reset when VM '%s' stops, and the VM's next "
                       "start finds it hung (the AMD reset bug)",
                       dev->addr_str, dev->vendor, dev->device, q->family, r->spec->vms[r->owner_vm[i]].name);
        if (dev->hw.reset_method)
            vp_note(r->d, "the kernel's reset methods for it: %s", dev->hw.reset_method);
        vp_hint(r->d,
                "install vendor-reset (github.com/gnif/vendor-reset, built with DKMS) and load it at boot "
                "(echo vendor-reset > /etc/modules-load.d/vendor-reset.conf); on Linux 5.15 and later also choose "
                "it: echo device_specific > /sys/bus/pci/devices/%s/reset_method",
                dev->addr_str);
    }
}

/* A reset of the function alone: FLR, or a PM reset (D3hot to D0 without No_Soft_Reset); true if unknown. */
static bool
function_reset(const struct vp_device *dev)
{
    if (dev->hw.reset_method) /* the kernel's own list: anything in it works */
        return true;
    if (!dev->hw.caps_read)
        return true;
    return dev->hw.flr || (dev->hw.pm && !dev->hw.pm_no_soft_reset);
}

void
vp_rule_no_reset(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    /* vfio resets a bus when every function on it is in one VM (a secondary bus reset through the bridge): per
     * bridge, a function on its bus whose VM differs from the first one's, else -1 */
    long *first = NULL, *other = NULL;
    for (size_t i = 0; i < h->n_devices; i++) {
        long p = h->devices[i].hw.parent;
        if (p < 0)
            continue;
        if (!first) {
            first = vp_xmalloc(h->n_devices * sizeof(*first));
            other = vp_xmalloc(h->n_devices * sizeof(*other));
            for (size_t k = 0; k < h->n_devices; k++)
                first[k] = other[k] = -1;
        }
        if (first[p] < 0)
            first[p] = (long)i;
        else if (other[p] < 0 && r->owner_vm[i] != r->owner_vm[first[p]])
            other[p] = (long)i;
    }
    for (size_t i = 0; i < h->n_devices; i++) {
        const struct vp_device *dev = &h->devices[i];
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        if (!s || function_reset(dev) || vp_reset_quirk_find(dev->vendor, dev->device))
            continue;
        long vm = r->owner_vm[i], parent = dev->hw.parent;
        long odd = parent < 0 ? -1 : other[parent] >= 0 ? other[parent] : -1;
        /* the odd one out may be this one, if the first on the bus is another VM's */
        if (parent >= 0 && odd >= 0 && r->owner_vm[odd] == vm)
            odd = first[parent];
        if (parent >= 0 && odd < 0)
            continue;
        vp_rule_report(r, code, &s->pos, "%s has no reset vfio can use between starts of VM '%s'", dev->addr_str,
                       r->spec->vms[vm].name);
        vp_note(r->d, "no Function Level Reset%s", dev->hw.pm ? ", and its PM capability has No_Soft_Reset" : "");
        if (parent < 0)
            vp_note(r->d, "it sits on a root bus: there is no bridge to reset it through");
        else
            vp_note(r->d, "a reset of its bus through %s would also reset %s, which VM '%s' does not get",
                    h->devices[parent].addr_str, h->devices[odd].addr_str, r->spec->vms[vm].name);
        vp_hint(r->d, "%s",
                parent < 0 ? "the device keeps the state a guest leaves; expect to reboot the host between VM starts"
                           : "give the VM every function on that bus, so that vfio can reset the bus; else expect to "
                             "reboot the host between VM starts");
    }
    free(first);
    free(other);
}

void
vp_rule_sriov_invalid(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    const struct vp_host_spec *hs = &r->spec->host;
    for (size_t e = 0; e < hs->n_sriov; e++) {
        const struct vp_sriov_spec *entry = &hs->sriov[e];
        char pf_addr[VP_PCI_ADDR_LEN];
        vp_pci_addr_format(&entry->pf, pf_addr);
        long pf = vp_host_index(h, &entry->pf);
        for (size_t k = 0; k < e; k++) {
            if (vp_pci_addr_cmp(&hs->sriov[k].pf, &entry->pf) == 0) {
                vp_rule_report(r, code, &entry->pos, "host.sriov lists %s twice", pf_addr);
                vp_hint(r->d, "keep one entry per PF");
                pf = -2;
                break;
            }
        }
        if (pf == -2)
            continue;
        const struct vp_device *dev = pf >= 0 ? &h->devices[pf] : NULL;
        if (!dev) {
            vp_rule_report(r, code, &entry->pos, "host.sriov names %s, which is not a PCI function of host %s", pf_addr,
                           h->source);
            vp_hint(r->d, "'%s' lists the functions and their addresses", vp_resolver_scan_command(r));
        } else if (!dev->hw.sriov.total_vfs) {
            vp_rule_report(r, code, &entry->pos, "%s has no SR-IOV capability%s", pf_addr,
                           dev->hw.ext_caps_read ? "" : " the host facts show");
            if (!dev->hw.ext_caps_read)
                vp_note(r->d, "its extended config space was not readable: run vfioplan as root, or take the "
                              "snapshot as root");
            vp_hint(r->d, "name the physical function of an SR-IOV capable device (lspci -vv shows 'Single Root "
                          "I/O Virtualization'); SR-IOV may need to be turned on in the firmware setup");
        } else if (entry->num_vfs > dev->hw.sriov.total_vfs) {
            vp_rule_report(r, code, &entry->pos, "%s offers %u VFs, not %u", pf_addr, dev->hw.sriov.total_vfs,
                           entry->num_vfs);
            vp_hint(r->d, "set num_vfs to %u or fewer (sriov_totalvfs)", dev->hw.sriov.total_vfs);
        } else if (vp_sriov_pf(h, entry) < 0) {
            struct vp_pci_addr a = {0};
            unsigned bad = 0;
            while (bad < entry->num_vfs && vp_sriov_vf_address(h, (size_t)pf, bad, &a))
                bad++;
            vp_rule_report(r, code, &entry->pos,
                           "VF %u of %s would be on bus %02x, which the PF's bridge does not "
                           "route (First VF Offset %u, VF Stride %u)",
                           bad, pf_addr, a.bus, dev->hw.sriov.offset, dev->hw.sriov.stride);
            vp_hint(r->d, "ask for fewer VFs; or let the kernel give the bridge more buses (pci=assign-busses, or "
                          "hotplug bus reservation in the firmware setup)");
        }
    }
}

void
vp_rule_vf_group_predicted(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t i = 0; i < h->n_devices; i++) {
        const struct vp_device *dev = &h->devices[i];
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        if (!s || !dev->hw.vf_planned)
            continue;
        char pf[VP_PCI_ADDR_LEN], group[160];
        vp_pci_addr_format(&dev->hw.physfn, pf);
        const struct vp_group *g = dev->iommu_group >= 0 ? vp_host_group(h, dev->iommu_group) : NULL;
        if (g)
            vp_group_describe(g, group, sizeof(group));
        else
            snprintf(group, sizeof(group), "no IOMMU group (the IOMMU is off today)");
        vp_rule_report(r, code, &s->pos,
                       "VF %d of %s (%s) does not exist until the reboot: its IOMMU group is predicted",
                       dev->hw.vf_index, pf, dev->addr_str);
        vp_note(r->d, "predicted: %s", group);
        vp_note(r->d, "a VF gets a group of its own when its PF is alone in its group (ACS above it), else it joins "
                      "its PF's group; the kernel decides at boot");
        vp_hint(r->d, "after the reboot, 'vfioplan verify' checks the group the VF really has");
    }
}

void
vp_rule_vf_network(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        for (size_t sel = 0; sel < r->spec->vms[vm].n_devices; sel++) {
            const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
            const struct vp_found *found = &r->found[vm][sel];
            if ((!s->mac && !s->has_vlan) || found->n == 0)
                continue;
            const struct vp_pos *pos = s->mac ? &s->mac_pos : &s->pos;
            if (found->n > 1) {
                vp_rule_report(r, code, pos, "mac and vlan are one function's, and this entry selects %zu", found->n);
                vp_hint(r->d, "select the VF alone: vf: {pf: ..., index: N} or its address");
                continue;
            }
            const struct vp_device *dev = &h->devices[found->devices[0]];
            if (dev->hw.is_vf && (dev->class_code >> 16) == 0x02)
                continue;
            vp_rule_report(r, code, pos, "%s is %s: mac and vlan are for a NIC's virtual function", dev->addr_str,
                           !dev->hw.is_vf ? "not a virtual function" : "not a network controller (class 02)");
            vp_hint(r->d, "remove mac and vlan, or select a NIC VF (host.sriov creates them)");
        }
    }
}
