/* SPDX-License-Identifier: MIT */
/*
 * predict.c: the host the plan is for is the host after the reboot. Two
 * things differ from the facts of today, and the plan is checked against
 * them, not against today's:
 *
 * - host.acs_override, not yet on the command line: a kernel with the ACS
 *   override patch splits IOMMU groups. The patch (Alex Williamson's, as
 *   carried by linux-zen and github.com/benbaker76/linux-acs-override,
 *   drivers/pci/quirks.c pcie_acs_overrides()) answers "ACS enabled" for
 *   every root and downstream port ("downstream") and every multifunction
 *   endpoint ("multifunction"), and never for a conventional PCI function
 *   or one that has its own ACS capability. So with both options a PCIe
 *   function gets a group of its own unless a port above it has an ACS
 *   capability of its own (then the real ACS decides, as today), a PCIe to
 *   PCI bridge is above or is it (its devices alias the bridge's requester
 *   ID), it is conventional PCI, or it is a multifunction function with its
 *   own ACS. DMA alias quirks are not modelled: such functions keep today's
 *   group only if one of the rules above holds. Once the override is on the
 *   running command line, today's groups are what it gave.
 * - host.sriov: the VFs that do not exist yet are added, at the addresses
 *   the PF's SR-IOV capability gives (First VF Offset, VF Stride), so that
 *   they can be selected, checked and bound before they exist. A VF's group
 *   is predictable only with ACS: the assumption is that a PF alone in its
 *   group has ACS on its way up, so each VF gets a group of its own; a PF
 *   that shares its group takes its VFs into it (VP4035 says so).
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

bool
vp_acs_override_isolates(const struct vp_host *h, size_t i)
{
    const struct vp_device *d = &h->devices[i];
    if (!d->hw.caps_read || d->hw.pcie == VP_PCIE_NONE || d->hw.pcie == VP_PCIE_PCI_BRIDGE ||
        d->hw.pcie == VP_PCIE_PCIE_BRIDGE)
        return false;
    if (d->multifunction && d->hw.acs)
        return false;
    for (long p = d->hw.parent, hops = 0; p >= 0 && hops < 256; p = h->devices[p].hw.parent, hops++) {
        const struct vp_device *up = &h->devices[p];
        if (!up->hw.caps_read || up->hw.pcie == VP_PCIE_NONE || up->hw.pcie == VP_PCIE_PCI_BRIDGE)
            return false;
        if ((up->hw.pcie == VP_PCIE_ROOT_PORT || up->hw.pcie == VP_PCIE_DOWNSTREAM) &&
            (!up->hw.ext_caps_read || up->hw.acs))
            return false;
    }
    return true;
}

static unsigned
routing_id(const struct vp_pci_addr *a)
{
    return (unsigned)a->bus << 8 | a->dev << 3 | a->fn;
}

bool
vp_sriov_vf_address(const struct vp_host *h, size_t pf, unsigned index, struct vp_pci_addr *out)
{
    const struct vp_device *d = &h->devices[pf];
    const struct vp_sriov_cap *s = &d->hw.sriov;
    if (index >= s->total_vfs)
        return false;
    unsigned long rid = routing_id(&d->addr) + s->offset + (unsigned long)s->stride * index;
    if (rid > 0xffff || (index > 0 && !s->stride))
        return false;
    *out = (struct vp_pci_addr){
        .domain = d->addr.domain, .bus = (uint8_t)(rid >> 8), .dev = (rid >> 3) & 31, .fn = rid & 7};
    /* the VF's bus must be one the PF's bridge routes to it (a root bus: only its own) */
    long parent = d->hw.parent;
    if (out->bus == d->addr.bus)
        return true;
    return parent >= 0 && out->bus > d->addr.bus && out->bus <= h->devices[parent].hw.subordinate_bus;
}

/* The PF of a host.sriov entry, if it can give what the entry asks; -1 if not (VP4034 says why). */
long
vp_sriov_pf(const struct vp_host *h, const struct vp_sriov_spec *e)
{
    long pf = vp_host_index(h, &e->pf);
    if (pf < 0 || !h->devices[pf].hw.sriov.total_vfs || e->num_vfs > h->devices[pf].hw.sriov.total_vfs)
        return -1;
    struct vp_pci_addr a;
    for (unsigned i = 0; i < e->num_vfs; i++)
        if (!vp_sriov_vf_address(h, (size_t)pf, i, &a))
            return -1;
    return pf;
}

/* A VF that host.sriov creates, as the host will show it: the PF's vendor, subsystem and class, FLR (every VF has it).
 */
static void
planned_vf(const struct vp_device *pf, const struct vp_pci_addr *addr, struct vp_device *vf)
{
    memset(vf, 0, sizeof(*vf));
    vf->addr = *addr;
    vp_pci_addr_format(addr, vf->addr_str);
    vf->vendor = pf->vendor;
    vf->device = pf->hw.sriov.vf_device;
    vf->subsystem_vendor = pf->subsystem_vendor;
    vf->subsystem_device = pf->subsystem_device;
    vf->class_code = pf->class_code;
    vf->revision = pf->revision;
    vf->numa_node = pf->numa_node;
    vf->iommu_group = -1;
    vf->hw.caps_read = vf->hw.ext_caps_read = true;
    vf->hw.pcie = VP_PCIE_ENDPOINT;
    vf->hw.flr = true;
    vf->hw.is_vf = true;
    vf->hw.physfn = pf->addr;
    vf->hw.vf_planned = true;
}

void
vp_resolve_predict(struct vp_resolver *r)
{
    const struct vp_host *h = r->host;
    const struct vp_host_spec *hs = &r->spec->host;
    r->plan->acs_override_planned = hs->acs_override && h->n_groups > 0 && !strstr(h->cmdline, "pcie_acs_override=");
    size_t n_vfs = 0;
    for (size_t i = 0; i < hs->n_sriov; i++)
        n_vfs += vp_sriov_pf(h, &hs->sriov[i]) >= 0 ? hs->sriov[i].num_vfs : 0;
    if (!r->plan->acs_override_planned && n_vfs == 0)
        return;
    size_t n = h->n_devices + n_vfs;
    long *group_of = vp_xmalloc((n + 1) * sizeof(*group_of));
    long *today_of = vp_xmalloc((n + 1) * sizeof(*today_of));
    bool *split_of = vp_xcalloc(n + 1, sizeof(*split_of));
    long next = 0;
    for (size_t i = 0; i < h->n_groups; i++)
        if (h->groups[i].id >= next)
            next = h->groups[i].id + 1;
    for (size_t i = 0; i < h->n_devices; i++) {
        group_of[i] = h->devices[i].iommu_group;
        today_of[i] = -1;
    }
    if (r->plan->acs_override_planned) {
        for (size_t gi = 0; gi < h->n_groups; gi++) {
            const struct vp_group *g = &h->groups[gi];
            for (size_t k = 0; g->n_members > 1 && k < g->n_members; k++) {
                size_t i = g->members[k];
                if (!vp_acs_override_isolates(h, i))
                    continue;
                group_of[i] = next++;
                today_of[i] = g->id;
                split_of[i] = true;
            }
        }
    }
    struct vp_device *vfs = vp_xcalloc(n_vfs + 1, sizeof(*vfs));
    size_t added = 0;
    for (size_t e = 0; e < hs->n_sriov; e++) {
        long pf = vp_sriov_pf(h, &hs->sriov[e]);
        if (pf < 0)
            continue;
        /* the PF's group after the override: alone in it, its VFs get groups of their own */
        long pf_group = group_of[pf];
        size_t with_pf = 0;
        for (size_t i = 0; pf_group >= 0 && i < h->n_devices; i++)
            with_pf += group_of[i] == pf_group;
        for (unsigned k = 0; k < hs->sriov[e].num_vfs; k++) {
            struct vp_pci_addr a;
            vp_sriov_vf_address(h, (size_t)pf, k, &a);
            if (vp_host_index(h, &a) >= 0) /* enabled today: it is a device of the host already */
                continue;
            size_t at = h->n_devices + added;
            planned_vf(&h->devices[pf], &a, &vfs[added++]);
            group_of[at] = pf_group < 0 ? -1 : with_pf == 1 ? next++ : pf_group;
            today_of[at] = group_of[at] >= 0 && with_pf == 1 ? pf_group : -1;
        }
    }
    struct vp_host *predicted = vp_host_derive(h, vfs, added, group_of, today_of, split_of);
    free(vfs);
    free(group_of);
    free(today_of);
    free(split_of);
    ((struct vp_plan_priv *)r->plan->priv)->predicted = predicted;
    r->host = predicted;
    r->plan->host = predicted;
}
