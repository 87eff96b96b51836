/* SPDX-License-Identifier: MIT */
/*
 * binding.c: how vfio-pci claims the assigned functions before their own
 * drivers do. `options vfio-pci ids=` claims every function with that
 * vendor:device, so it is used only when every such function on the host
 * is assigned; otherwise the function is bound by address (driver_override,
 * set from the initramfs). Drivers that could claim an assigned function get
 * a softdep that loads vfio-pci first; nothing is ever blacklisted, so the
 * host's own devices keep their drivers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"
#include "base/validators.h"

struct strset {
    const char **items;
    size_t n, cap;
};

static void
strset_add(struct vp_resolver *r, struct strset *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i], v) == 0)
            return;
    void *items = s->items;
    vp_xgrow(&items, &s->cap, s->n + 1, sizeof(*s->items));
    s->items = items;
    s->items[s->n++] = vp_arena_strdup(r->arena, v);
}

static const char **
strset_finish(struct vp_resolver *r, struct strset *s, size_t *n)
{
    vp_sort(s->items, s->n, sizeof(*s->items), vp_strcmp_ptr);
    const char **out = vp_arena_memdup(r->arena, s->items, s->n * sizeof(*s->items));
    *n = s->n;
    free(s->items);
    return out;
}

/* Drivers known to claim a function of this kind, whether or not they are bound today. */
static void
candidate_drivers(const struct vp_device *dev, const char **out, size_t *n)
{
    unsigned base = dev->class_code >> 16, cls = vp_device_class16(dev);
    *n = 0;
#define ADD(x) (out[(*n)++] = (x))
    if (dev->vendor == 0x10de && base == 0x03) {
        ADD("nouveau");
        ADD("nvidia");
    } else if (dev->vendor == 0x10de && cls == VP_CLASS_BRIDGE_OTHER) {
        ADD("nvidia"); /* NVSwitch */
    } else if (dev->vendor == 0x10de && cls == 0x0c80) {
        ADD("i2c_nvidia_gpu"); /* USB-C UCSI controller on Turing and later cards */
    } else if (dev->vendor == 0x1002 && base == 0x03) {
        ADD("amdgpu");
        ADD("radeon");
    } else if (dev->vendor == 0x8086 && base == 0x03) {
        ADD("i915");
        ADD("xe");
    }
    if (cls == VP_CLASS_AUDIO_HDA)
        ADD("snd_hda_intel");
    else if (cls == 0x0c03 && (dev->class_code & 0xff) == 0x30)
        ADD("xhci_pci");
    else if (cls == 0x0108)
        ADD("nvme");
#undef ADD
}

/*
 * The module a softdep must name. The host tells (drivers/NAME/module);
 * where it does not (a built-in driver, a capture without the link), a few
 * drivers are known to live in a module of another name.
 */
static void
module_name(const struct vp_device *dev, char *out, size_t size)
{
    static const struct {
        const char *driver, *module;
    } known[] = {
        {"xhci_hcd", "xhci_pci"},   {"ehci-pci", "ehci_pci"},       {"nvidia-gpu", "i2c_nvidia_gpu"},
        {"i801_smbus", "i2c_i801"}, {"intel-spi", "spi_intel_pci"}, {"ahci", "ahci"},
    };
    const char *m = dev->driver_module;
    for (size_t i = 0; !m && i < VP_ARRAY_SIZE(known); i++)
        if (strcmp(dev->driver, known[i].driver) == 0)
            m = known[i].module;
    snprintf(out, size, "%s", m ? m : dev->driver);
    /* modprobe treats '-' and '_' alike; modules are named with '_' */
    for (char *p = out; *p; p++)
        if (*p == '-')
            *p = '_';
}

static bool
is_vfio_or_neutral(const char *m)
{
    return strcmp(m, "vfio_pci") == 0 || strcmp(m, "pci_stub") == 0 || strcmp(m, "pcieport") == 0;
}

static int
u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void
vp_resolve_binding(struct vp_resolver *r)
{
    const struct vp_host *h = r->host;
    struct strset ids = {0}, addrs = {0}, drivers = {0};
    /* ids= would also take every unassigned function with the same vendor:device:
     * the sorted ids of the unassigned functions tell, one lookup per assigned one. */
    uint32_t *kept = vp_xmalloc((h->n_devices + 1) * sizeof(*kept));
    size_t n_kept = 0;
    for (size_t i = 0; i < h->n_devices; i++)
        if (r->owner_vm[i] < 0)
            kept[n_kept++] = (uint32_t)h->devices[i].vendor << 16 | h->devices[i].device;
    qsort(kept, n_kept, sizeof(*kept), u32_cmp);
    for (size_t i = 0; i < h->n_devices; i++) {
        if (r->owner_vm[i] < 0)
            continue;
        const struct vp_device *dev = &h->devices[i];
        uint32_t id_key = (uint32_t)dev->vendor << 16 | dev->device;
        bool all_assigned = !bsearch(&id_key, kept, n_kept, sizeof(*kept), u32_cmp);
        char id[10];
        snprintf(id, sizeof(id), "%04x:%04x", dev->vendor, dev->device);
        /* a VF is bound by address: the udev rule of host.sriov sets its driver_override as it appears */
        r->by_address[i] = !all_assigned || dev->hw.is_vf;
        all_assigned = all_assigned && !dev->hw.is_vf;
        if (all_assigned)
            strset_add(r, &ids, id);
        else
            strset_add(r, &addrs, dev->addr_str);

        const char *cands[4];
        size_t nc;
        candidate_drivers(dev, cands, &nc);
        for (size_t k = 0; k < nc; k++)
            strset_add(r, &drivers, cands[k]);
        if (dev->driver) {
            char m[64];
            module_name(dev, m, sizeof(m));
            /* A driver name from the host reaches modprobe config only if it is a plain module name. */
            if (!is_vfio_or_neutral(m) && vp_valid_module_name(m))
                strset_add(r, &drivers, m);
        }
    }
    free(kept);
    struct vp_plan *p = r->plan;
    p->vfio_ids = strset_finish(r, &ids, &p->n_vfio_ids);
    p->bind_addresses = strset_finish(r, &addrs, &p->n_bind_addresses);
    p->softdep_drivers = strset_finish(r, &drivers, &p->n_softdep_drivers);
    p->vfio_pci_builtin = vp_host_vfio_pci_builtin(h);
    /* the one decision per function, told to its assignment (layout made them) */
    for (size_t vm = 0; vm < p->n_vms; vm++) {
        for (size_t i = 0; i < p->vms[vm].n_assigned; i++) {
            struct vp_assignment *a = &p->vms[vm].assigned[i];
            a->binding = r->by_address[a->device] ? VP_BIND_ADDRESS : VP_BIND_IDS;
        }
    }
}

const char *
vp_binding_name(enum vp_binding b)
{
    static const char *const vp_binding_names[VP_BIND__COUNT] = {[VP_BIND_IDS] = "ids", [VP_BIND_ADDRESS] = "address"};
    return (unsigned)b < VP_BIND__COUNT ? vp_binding_names[b] : "?";
}
