/* SPDX-License-Identifier: MIT */
/*
 * rules-isolation.c: the rules on what a VM may take from the host: not
 * the devices the host needs, IOMMU groups and multifunction devices only
 * whole, NVSwitch fabrics only whole.
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

/* One rule per role, each with its own code. */
void
vp_rule_host_critical(struct vp_resolver *r, enum vp_code code)
{
    static const struct {
        enum vp_code code;
        enum vp_host_role role;
        const char *what;
        const char *hint;
    } roles[] = {
        {VP_BOOT_VGA, VP_ROLE_BOOT_VGA, "the host's boot VGA device",
         "the host loses its console; pick another GPU, or set allow_host_critical: true on this entry if the host runs headless"},
        {VP_ROOT_STORAGE, VP_ROLE_ROOT_STORAGE, "the storage controller of the host's root filesystem",
         "the host would lose its root filesystem at boot; pass another controller"},
        {VP_HOST_NIC, VP_ROLE_DEFAULT_ROUTE, "the NIC of the host's default route",
         "the host would lose its network; pass another NIC, or set allow_host_critical: true if the host has another way in"},
    };
    size_t k = 0;
    while (k < VP_ARRAY_SIZE(roles) && roles[k].code != code)
        k++;
    for (size_t i = 0; k < VP_ARRAY_SIZE(roles) && i < r->host->n_devices; i++) {
        const struct vp_device *dev = &r->host->devices[i];
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        if (!s || s->allow_host_critical || !(dev->roles & VP_ROLE_BIT(roles[k].role)))
            continue;
        vp_rule_report(r, code, &s->pos, "%s is %s", dev->addr_str, roles[k].what);
        if (dev->role_detail)
            vp_note(r->d, "%s", dev->role_detail);
        vp_hint(r->d, "%s", roles[k].hint);
    }
}

void
vp_rule_no_iommu_group(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    /* With the IOMMU on, a function without a group cannot be isolated (AMD's
     * root complex and IOMMU functions have none, and are never assigned). */
    for (size_t i = 0; h->n_groups && i < h->n_devices; i++) {
        const struct vp_selector *s = vp_resolver_selector_of(r, i);
        if (s && h->devices[i].iommu_group < 0) {
            vp_rule_report(r, code, &s->pos, "%s has no IOMMU group, though the IOMMU is on", h->devices[i].addr_str);
            vp_hint(
                r->d,
                "vfio cannot take a function the IOMMU does not isolate; check dmesg for DMAR/AMD-Vi messages about it");
        }
    }
}

/* A member of a group that no VM gets: it blocks the group if a driver holds it now or will after the reboot. */
static bool
blocks(const struct vp_resolver *r, size_t idx, char *why, size_t size)
{
    if (vp_device_is_bridge(&r->host->devices[idx])) {
        if (why)
            snprintf(why, size, "bridge: stays with the host, allowed");
        return false;
    }
    return vp_member_blocks(r->host, idx, why, size);
}

void
vp_rule_group_not_whole(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    for (size_t gi = 0; gi < h->n_groups; gi++) {
        const struct vp_group *g = &h->groups[gi];
        /* Every VM that has a member of the group must have every member a driver holds, now or after the reboot. */
        for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
            const struct vp_selector *first = NULL;
            size_t missing = 0;
            char why[200];
            for (size_t k = 0; k < g->n_members; k++) {
                size_t idx = g->members[k];
                if (r->owner_vm[idx] == (long)vm && !first)
                    first = vp_resolver_selector_of(r, idx);
                else if (r->owner_vm[idx] != (long)vm && (r->owner_vm[idx] >= 0 || blocks(r, idx, NULL, 0)))
                    missing++;
            }
            if (!first || missing == 0)
                continue;
            char group[160];
            vp_group_describe(g, group, sizeof(group));
            vp_rule_report(r, code, &first->pos, "%s is only partly assigned to VM '%s'", group, r->spec->vms[vm].name);
            for (size_t k = 0; k < g->n_members; k++) {
                if (vp_note_room(r->d) == 0) { /* a group of thousands: count the rest, format none */
                    vp_note_omit(r->d, g->n_members - k);
                    break;
                }
                size_t idx = g->members[k];
                const struct vp_device *dev = &h->devices[idx];
                char where[260];
                if (r->owner_vm[idx] == (long)vm)
                    snprintf(where, sizeof(where), "(assigned)");
                else if (r->owner_vm[idx] >= 0)
                    snprintf(where, sizeof(where), "(NOT assigned here: it is in VM '%s')",
                             r->spec->vms[r->owner_vm[idx]].name);
                else if (!blocks(r, idx, why, sizeof(why)))
                    snprintf(where, sizeof(where), "(%s)", why);
                else if (dev->role_detail)
                    snprintf(where, sizeof(where), "(NOT assigned: the host needs it, %s)", dev->role_detail);
                else if (!dev->driver)
                    snprintf(where, sizeof(where), "(NOT assigned: %s)", why);
                else
                    snprintf(where, sizeof(where), "(NOT assigned)");
                char desc[160];
                vp_device_describe(dev, desc, sizeof(desc));
                vp_note(r->d, "group %ld holds %s %s", g->id, desc, where);
            }
            vp_hint(
                r->d,
                "a VM gets whole IOMMU groups: add the missing devices to this VM; if they must stay with the host, move the card to a slot with its own group (ACS)%s",
                r->spec->host.acs_override ? "" : ", or, at the cost of isolation, set host.acs_override: true");
        }
    }
}

void
vp_rule_multifunction_split(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    /* Functions of one slot are adjacent (devices are sorted): walk slot by slot. */
    for (size_t start = 0; start < h->n_devices;) {
        size_t end = start + 1;
        while (end < h->n_devices && vp_pci_same_slot(&h->devices[start].addr, &h->devices[end].addr))
            end++;
        for (size_t i = start; i < end; i++) {
            long vm = r->owner_vm[i];
            /* a VF shares its PF's slot numbers but is a device of its own: it resets alone (FLR) */
            if (vm < 0 || h->devices[i].hw.is_vf)
                continue;
            /* Siblings in the same IOMMU group were already reported by the group rule. */
            size_t left = 0;
            for (size_t k = start; k < end; k++)
                if (r->owner_vm[k] != vm && !vp_device_is_bridge(&h->devices[k]) && !h->devices[k].hw.is_vf &&
                    (h->devices[k].iommu_group < 0 || h->devices[k].iommu_group != h->devices[i].iommu_group))
                    left++;
            if (left == 0)
                continue;
            const struct vp_selector *s = vp_resolver_selector_of(r, i);
            vp_rule_report(r, code, &s->pos,
                           "%s is one function of a multifunction device whose other functions are left behind",
                           h->devices[i].addr_str);
            for (size_t k = start; k < end; k++) {
                if (r->owner_vm[k] == vm || h->devices[k].hw.is_vf)
                    continue;
                char desc[160];
                vp_device_describe(&h->devices[k], desc, sizeof(desc));
                vp_note(r->d, "%s is not assigned to VM '%s'", desc, r->spec->vms[vm].name);
            }
            char slot[VP_PCI_ADDR_LEN];
            snprintf(slot, sizeof(slot), "%s", h->devices[i].addr_str);
            slot[strlen(slot) - 2] = '\0';
            vp_hint(
                r->d,
                "pass the whole device: address: \"%s\" selects every function of the slot (the GPU's HDMI audio and USB-C functions reset with it)",
                slot);
            break; /* one report per slot and VM */
        }
        start = end;
    }
}

void
vp_rule_nvswitch_split(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    size_t switches = 0;
    for (size_t i = 0; i < h->n_devices; i++)
        if (vp_device_is_nvswitch(&h->devices[i]))
            switches++;
    if (switches == 0)
        return;
    /*
     * On an HGX/DGX baseboard the GPUs reach each other through the
     * NVSwitches. In NVIDIA's full-passthrough model one VM gets every GPU
     * and every switch, and runs Fabric Manager; without the switches the
     * GPUs show up but CUDA fails with "system not yet initialized".
     */
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_selector *first = NULL;
        size_t gpus = 0, sw = 0;
        for (size_t i = 0; i < h->n_devices; i++) {
            if (r->owner_vm[i] != (long)vm)
                continue;
            const struct vp_device *dev = &h->devices[i];
            if (vp_device_is_nvidia_gpu(dev) || vp_device_is_nvswitch(dev)) {
                if (!first)
                    first = vp_resolver_selector_of(r, i);
                gpus += vp_device_is_nvidia_gpu(dev);
                sw += vp_device_is_nvswitch(dev);
            }
        }
        if (!first || !vp_resolver_vm_selected(r, vm))
            continue;
        size_t missing = 0;
        for (size_t i = 0; i < h->n_devices; i++) {
            const struct vp_device *dev = &h->devices[i];
            if ((vp_device_is_nvidia_gpu(dev) || vp_device_is_nvswitch(dev)) && r->owner_vm[i] != (long)vm)
                missing++;
        }
        if (missing == 0)
            continue;
        vp_rule_report(
            r, code, &first->pos,
            "VM '%s' gets %zu of the NVSwitch fabric's GPUs and %zu of its %zu NVSwitches; the fabric goes to one VM whole",
            r->spec->vms[vm].name, gpus, sw, switches);
        size_t listed = 0;
        for (size_t i = 0; i < h->n_devices && listed < 16; i++) {
            const struct vp_device *dev = &h->devices[i];
            if ((vp_device_is_nvidia_gpu(dev) || vp_device_is_nvswitch(dev)) && r->owner_vm[i] != (long)vm) {
                char desc[160];
                vp_device_describe(dev, desc, sizeof(desc));
                vp_note(r->d, "missing %s%s", desc, vp_device_is_nvswitch(dev) ? " (NVSwitch)" : " (GPU)");
                listed++;
            }
        }
        vp_hint(
            r->d,
            "in NVIDIA's full-passthrough model one VM gets all GPUs and all NVSwitches (match: {vendor: \"10de\", class: \"0680\"} selects the switches) and runs Fabric Manager; shared-NVSwitch multi-tenancy is not supported");
    }
}
