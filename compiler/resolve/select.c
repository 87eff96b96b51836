/* SPDX-License-Identifier: MIT */
/*
 * select.c: device selectors to host functions. An address names one
 * function (or a whole slot); a match compares ids and class. Each
 * selector's finds are kept for the rules (rules-select.c): an address
 * picks what it found but bridges, a match picks what it found if the count
 * (when given) is right, and a function already picked is a conflict, not a
 * second pick.
 */
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

bool
vp_match_class(const struct vp_match *m, const struct vp_device *dev)
{
    switch (m->class_digits) {
    case 2:
        return (dev->class_code >> 16) == m->class_value;
    case 4:
        return (dev->class_code >> 8) == m->class_value;
    default:
        return dev->class_code == m->class_value;
    }
}

static bool
match_device(const struct vp_match *m, const struct vp_device *dev)
{
    return (!m->has_vendor || dev->vendor == m->vendor) && (!m->has_device || dev->device == m->device) &&
           (!m->has_subsystem_vendor || dev->subsystem_vendor == m->subsystem_vendor) &&
           (!m->has_subsystem_device || dev->subsystem_device == m->subsystem_device) &&
           (!m->has_class || vp_match_class(m, dev));
}

static void
pick(struct vp_resolver *r, size_t vm, size_t sel, size_t idx)
{
    if (r->owner_vm[idx] >= 0) {
        void *items = r->conflicts;
        vp_xgrow(&items, &r->cap_conflicts, r->n_conflicts + 1, sizeof(*r->conflicts));
        r->conflicts = items;
        r->conflicts[r->n_conflicts++] = (struct vp_conflict){vm, sel, idx};
        return;
    }
    r->owner_vm[idx] = (long)vm;
    r->owner_selector[idx] = (long)sel;
    struct vp_picked *p = &r->picked[vm];
    size_t cap = p->cap;
    void *devs = p->devices, *sels = p->selectors;
    vp_xgrow(&devs, &p->cap, p->n + 1, sizeof(*p->devices));
    vp_xgrow(&sels, &cap, p->n + 1, sizeof(*p->selectors));
    p->devices = devs;
    p->selectors = sels;
    p->devices[p->n] = idx;
    p->selectors[p->n] = sel;
    p->n++;
}

/* The functions at the selector's address (one, or every function of the slot). */
static void
find_address(struct vp_resolver *r, const struct vp_selector *s, struct vp_found *found)
{
    /* host->devices is sorted by address: start at the first function at or
     * after the selector's, and stop at the first that does not match. */
    struct vp_pci_addr from = s->address;
    if (s->whole_slot)
        from.fn = 0;
    size_t lo = 0, hi = r->host->n_devices;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vp_pci_addr_cmp(&r->host->devices[mid].addr, &from) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < r->host->n_devices && (s->whole_slot ? vp_pci_same_slot(&r->host->devices[end].addr, &s->address)
                                                      : vp_pci_addr_cmp(&r->host->devices[end].addr, &s->address) == 0))
        end++;
    found->devices = vp_xmalloc((end - lo + 1) * sizeof(*found->devices));
    for (size_t i = lo; i < end; i++)
        found->devices[found->n++] = i;
}

/* Every function the match matches; bridges and root ports are never passed through, so a broad match skips them. */
static void
find_match(struct vp_resolver *r, const struct vp_selector *s, struct vp_found *found)
{
    found->devices = vp_xmalloc((r->host->n_devices + 1) * sizeof(*found->devices));
    for (size_t i = 0; i < r->host->n_devices; i++)
        if (match_device(&s->match, &r->host->devices[i]) && !vp_device_is_bridge(&r->host->devices[i]))
            found->devices[found->n++] = i;
    found->devices = vp_xrealloc(found->devices, (found->n + 1) * sizeof(*found->devices));
}

/* vf: {pf, index}: the VF of that index, existing today or created by host.sriov (predict.c added it). */
static void
find_vf(struct vp_resolver *r, const struct vp_selector *s, struct vp_found *found)
{
    found->devices = vp_xmalloc(2 * sizeof(*found->devices));
    long pf = vp_host_index(r->host, &s->vf.pf);
    for (size_t i = 0; pf >= 0 && i < r->host->n_devices && !found->n; i++)
        if (r->host->devices[i].hw.pf == pf && r->host->devices[i].hw.vf_index == (int)s->vf.index)
            found->devices[found->n++] = i;
}

void
vp_resolve_select(struct vp_resolver *r)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        for (size_t sel = 0; sel < v->n_devices; sel++) {
            const struct vp_selector *s = &v->devices[sel];
            struct vp_found *found = &r->found[vm][sel];
            if (s->has_vf) {
                find_vf(r, s, found);
                for (size_t k = 0; k < found->n; k++)
                    pick(r, vm, sel, found->devices[k]);
            } else if (s->has_address) {
                find_address(r, s, found);
                for (size_t k = 0; k < found->n; k++)
                    if (!vp_device_is_bridge(&r->host->devices[found->devices[k]]))
                        pick(r, vm, sel, found->devices[k]);
            } else {
                find_match(r, s, found);
                if (!s->has_count || found->n == s->count)
                    for (size_t k = 0; k < found->n; k++)
                        pick(r, vm, sel, found->devices[k]);
            }
        }
    }
}

const struct vp_selector *
vp_resolver_selector_of(const struct vp_resolver *r, size_t idx)
{
    long vm = r->owner_vm[idx];
    if (vm < 0)
        return NULL;
    return &r->spec->vms[vm].devices[r->owner_selector[idx]];
}
