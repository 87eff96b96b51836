/* SPDX-License-Identifier: MIT */
/*
 * layout.c: each VM's guest view: one pcie-root-port per host slot with the
 * slot's functions kept together (function 0 multifunction='on'), the 64-bit
 * MMIO window its large BARs need, its UUID, and what its guest must run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>

#include "base/util.h"
#include "resolve-internal.h"

/* Namespace of the UUIDs vfioplan derives (UUID version 5 of "host/vm"). */
static const char *const vp_uuid_namespace = "6f2a1c3e-8b0d-4d1e-9a57-3c9e0b8f4d21";

static int
size_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Checked arithmetic: a snapshot's BARs can be as large as 2^62, and a few of them overflow 64 bits. A sum that
 * does not fit is UINT64_MAX, which no guest can map (VP4030), never a small number by wrap-around. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
    uint64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

static uint64_t
align_up(uint64_t v, uint64_t a)
{
    if (!a)
        return v;
    uint64_t up = add_sat(v, a - 1);
    return up == UINT64_MAX ? UINT64_MAX : up / a * a;
}

struct window {
    uint64_t size, align;
};

static int
window_desc(const void *a, const void *b)
{
    const struct window *x = a, *y = b;
    return x->align < y->align ? 1 : x->align > y->align ? -1 : 0;
}

/*
 * The guest firmware places each root port's prefetchable window aligned to
 * its largest BAR; packing windows largest-alignment first, as OVMF does,
 * gives the aperture needed. An H100 (128 GiB + 32 MiB) thus takes 256 GiB
 * of address space, eight of them 2 TiB.
 */
static uint64_t
mmio64_need(const struct vp_host *h, const struct vp_plan_vm *pvm)
{
    struct window *w = vp_xcalloc(pvm->n_guest_slots + 1, sizeof(*w));
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
        struct window *sw = &w[pvm->assigned[i].guest_bus - 1];
        uint64_t sizes[VP_BAR_COUNT];
        size_t n = 0;
        for (int b = 0; b < VP_BAR_COUNT; b++)
            if ((dev->bars[b].flags & VP_BAR_MEM64) && (dev->bars[b].flags & VP_BAR_PREFETCH))
                sizes[n++] = dev->bars[b].size;
        vp_sort(sizes, n, sizeof(*sizes), size_desc);
        for (size_t k = 0; k < n; k++) {
            sw->size = add_sat(align_up(sw->size, sizes[k]), sizes[k]);
            if (sizes[k] > sw->align)
                sw->align = sizes[k];
        }
    }
    vp_sort(w, pvm->n_guest_slots, sizeof(*w), window_desc);
    uint64_t end = 0;
    for (unsigned s = 0; s < pvm->n_guest_slots; s++) {
        if (!w[s].size)
            continue;
        /* bridge windows have 1 MiB granularity */
        end = add_sat(align_up(end, w[s].align > (1u << 20) ? w[s].align : (1u << 20)), align_up(w[s].size, 1u << 20));
    }
    free(w);
    return end;
}

static uint64_t
next_pow2(uint64_t v)
{
    uint64_t p = 1;
    while (p < v && p < (1ull << 62))
        p <<= 1;
    return p;
}

static int
assignment_cmp(const void *a, const void *b)
{
    const struct vp_assignment *x = a, *y = b;
    return x->device < y->device ? -1 : x->device > y->device;
}

static void
layout_vm(struct vp_resolver *r, size_t vm)
{
    const struct vp_host *h = r->host;
    struct vp_plan_vm *pvm = &r->plan->vms[vm];
    const struct vp_vm *v = &r->spec->vms[vm];
    struct vp_picked *p = &r->picked[vm];
    pvm->spec = v;
    pvm->n_assigned = p->n;
    pvm->assigned = vp_arena_alloc(r->arena, (p->n + 1) * sizeof(*pvm->assigned));
    for (size_t i = 0; i < p->n; i++) {
        pvm->assigned[i].device = p->devices[i];
        pvm->assigned[i].selector = p->selectors[i];
    }
    /* host address order: device indices are sorted by address */
    vp_sort(pvm->assigned, pvm->n_assigned, sizeof(*pvm->assigned), assignment_cmp);

    unsigned bus = 0;
    for (size_t i = 0; i < pvm->n_assigned;) {
        size_t j = i + 1;
        const struct vp_device *first = &h->devices[pvm->assigned[i].device];
        /* a VF is a device of its own, on a guest slot of its own, though it shares its PF's slot numbers */
        while (j < pvm->n_assigned && !first->hw.is_vf && !h->devices[pvm->assigned[j].device].hw.is_vf &&
               vp_pci_same_slot(&first->addr, &h->devices[pvm->assigned[j].device].addr))
            j++;
        bus++;
        /* Keep the host's function numbers when function 0 comes along; else number from 0,
         * as a guest looks for function 0 first. */
        bool has_fn0 = first->addr.fn == 0;
        for (size_t k = i; k < j; k++) {
            struct vp_assignment *a = &pvm->assigned[k];
            a->guest_bus = bus;
            a->guest_fn = has_fn0 ? h->devices[a->device].addr.fn : (unsigned)(k - i);
            a->guest_multifunction = a->guest_fn == 0 && j - i > 1;
        }
        i = j;
    }
    pvm->n_guest_slots = bus;

    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
        pvm->nvidia_gpus += vp_device_is_nvidia_gpu(dev);
        pvm->nvswitches += vp_device_is_nvswitch(dev);
    }

    pvm->mmio64_bytes = mmio64_need(h, pvm);
    /* 1 GiB of room for the guest's own 64-bit BARs (virtio), then a power of two for OVMF; a need past what
     * x86-64 can address gets no window (VP4030 says why). */
    uint64_t want = pvm->mmio64_bytes + (1ull << 30);
    if (pvm->mmio64_bytes && pvm->mmio64_bytes <= VP_GUEST_PHYS_LIMIT && want > VP_OVMF_DEFAULT_MMIO64)
        pvm->mmio64_mib = next_pow2(want) >> 20;
    pvm->fabric_manager = v->guest.nvidia.has_fabric_manager ? v->guest.nvidia.fabric_manager : pvm->nvswitches > 0;

    if (v->uuid) {
        snprintf(pvm->uuid, sizeof(pvm->uuid), "%s", v->uuid);
    } else {
        uuid_t ns, out;
        uuid_parse(vp_uuid_namespace, ns);
        char name[200];
        snprintf(name, sizeof(name), "%s/%s", r->spec->host.name, v->name);
        uuid_generate_sha1(out, ns, name, strlen(name));
        uuid_unparse_lower(out, pvm->uuid);
    }
}

void
vp_resolve_layout(struct vp_resolver *r)
{
    r->plan->n_vms = r->spec->n_vms;
    r->plan->vms = vp_arena_alloc(r->arena, (r->spec->n_vms + 1) * sizeof(*r->plan->vms));
    for (size_t vm = 0; vm < r->spec->n_vms; vm++)
        layout_vm(r, vm);
}
