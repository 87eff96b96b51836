/* SPDX-License-Identifier: MIT */
/*
 * select.c: device selectors to host functions. An address names one
 * function (or a whole slot); a match compares ids and class and must find
 * exactly `count` functions when count is given. When a selector finds
 * nothing, or the wrong number, the error lists what it did find, or the
 * nearest candidates, so the fix is one edit.
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

enum { MAX_LISTED = 12 };

static bool
match_class(const struct vp_match *m, const struct vp_device *dev)
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
           (!m->has_class || match_class(m, dev));
}

static void
describe_match(const struct vp_match *m, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (m->has_vendor)
        n += (size_t)snprintf(buf + n, size - n, "vendor %04x ", m->vendor);
    if (m->has_device && n < size)
        n += (size_t)snprintf(buf + n, size - n, "device %04x ", m->device);
    if (m->has_subsystem_vendor && n < size)
        n += (size_t)snprintf(buf + n, size - n, "subsystem %04x:%04x ", m->subsystem_vendor,
                              m->has_subsystem_device ? m->subsystem_device : 0xffff);
    if (m->has_class && n < size)
        n += (size_t)snprintf(buf + n, size - n, "class %0*x ", (int)m->class_digits, m->class_value);
    if (n > 0 && n < size)
        buf[n - 1] = '\0';
}

static void
note_device(struct vp_diags *d, const struct vp_device *dev, const char *prefix)
{
    char desc[160];
    vp_device_describe(dev, desc, sizeof(desc));
    vp_note(d, "%s%s", prefix, desc);
}

/* Candidates for a match that found nothing: same vendor first, then same class. */
static void
note_nearest(struct vp_resolver *r, const struct vp_match *m)
{
    size_t listed = 0;
    for (int pass = 0; pass < 2 && listed == 0; pass++) {
        for (size_t i = 0; i < r->host->n_devices && listed < MAX_LISTED; i++) {
            const struct vp_device *dev = &r->host->devices[i];
            bool near = pass == 0 ? (m->has_vendor && dev->vendor == m->vendor) : (m->has_class && match_class(m, dev));
            if (near && !vp_device_is_bridge(dev)) {
                note_device(r->d, dev, "the host has ");
                listed++;
            }
        }
    }
    if (listed == 0)
        vp_note(r->d, "the host has no device of that vendor or class");
}

static void
pick(struct vp_resolver *r, size_t vm, size_t sel, size_t idx)
{
    const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
    const struct vp_device *dev = &r->host->devices[idx];
    if (r->owner_vm[idx] == (long)vm) {
        vp_error(r->d, VP_SELECTED_TWICE, &s->pos, "%s is already selected by another entry of VM '%s'", dev->addr_str,
                 r->spec->vms[vm].name);
        vp_note(r->d, "first selected by the entry at line %u",
                r->spec->vms[vm].devices[r->owner_selector[idx]].pos.line);
        vp_hint(r->d, "remove one of the two entries, or narrow the match");
        return;
    }
    if (r->owner_vm[idx] >= 0) {
        const struct vp_vm *other = &r->spec->vms[r->owner_vm[idx]];
        vp_error(r->d, VP_DEVICE_IN_TWO_VMS, &s->pos, "%s is assigned to VM '%s' and to VM '%s'", dev->addr_str,
                 other->name, r->spec->vms[vm].name);
        vp_note(r->d, "VM '%s' selects it at line %u", other->name, other->devices[r->owner_selector[idx]].pos.line);
        vp_hint(r->d, "a device can be passed to one VM only; remove it from one of them");
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

static void
select_address(struct vp_resolver *r, size_t vm, size_t sel)
{
    const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
    char want[VP_PCI_ADDR_LEN];
    vp_pci_addr_format(&s->address, want);
    if (s->whole_slot)
        want[strlen(want) - 2] = '\0';
    size_t found = 0;
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
    for (size_t i = lo; i < r->host->n_devices; i++) {
        const struct vp_device *dev = &r->host->devices[i];
        bool hit =
            s->whole_slot ? vp_pci_same_slot(&dev->addr, &s->address) : vp_pci_addr_cmp(&dev->addr, &s->address) == 0;
        if (!hit)
            break;
        found++;
        if (vp_device_is_bridge(dev)) {
            vp_error(r->d, VP_BRIDGE_SELECTED, &s->pos,
                     "%s is a PCI bridge (class 0604); bridges and root ports stay with the host", dev->addr_str);
            vp_hint(r->d, "select the devices behind it instead ('vfioplan scan' lists them)");
            continue;
        }
        pick(r, vm, sel, i);
    }
    if (found)
        return;
    vp_error(r->d, VP_NO_MATCH, &s->pos, "no PCI device at %s on host %s", want, r->host->source);
    size_t listed = 0;
    for (size_t i = 0; i < r->host->n_devices && listed < MAX_LISTED; i++) {
        const struct vp_device *dev = &r->host->devices[i];
        if (dev->addr.domain == s->address.domain && dev->addr.bus == s->address.bus && !vp_device_is_bridge(dev)) {
            note_device(r->d, dev, "on the same bus: ");
            listed++;
        }
    }
    vp_hint(r->d, "'%s' lists every device with its address", vp_resolver_scan_command(r));
}

static void
select_match(struct vp_resolver *r, size_t vm, size_t sel)
{
    const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
    size_t *hits = vp_xmalloc((r->host->n_devices + 1) * sizeof(*hits));
    size_t n = 0;
    for (size_t i = 0; i < r->host->n_devices; i++) {
        const struct vp_device *dev = &r->host->devices[i];
        /* Bridges and root ports are never passed through; a broad match skips them. */
        if (match_device(&s->match, dev) && !vp_device_is_bridge(dev))
            hits[n++] = i;
    }
    char what[128];
    describe_match(&s->match, what, sizeof(what));
    if (n == 0) {
        vp_error(r->d, VP_NO_MATCH, &s->pos, "no PCI device matches %s", what);
        note_nearest(r, &s->match);
        vp_hint(r->d, "check the ids against 'vfioplan scan' (lspci -nn shows them as [vendor:device])");
    } else if (s->has_count && n != s->count) {
        vp_error(r->d, VP_COUNT_MISMATCH, &s->count_pos, "%s matches %zu device%s, not %u", what, n, n == 1 ? "" : "s",
                 s->count);
        for (size_t k = 0; k < n && k < MAX_LISTED; k++)
            note_device(r->d, &r->host->devices[hits[k]], "found ");
        if (n > MAX_LISTED)
            vp_note(r->d, "and %zu more", n - MAX_LISTED);
        vp_hint(r->d, "set count: %zu, or narrow the match (subsystem ids, or one address per device)", n);
    } else {
        for (size_t k = 0; k < n; k++)
            pick(r, vm, sel, hits[k]);
    }
    free(hits);
}

void
vp_resolve_select(struct vp_resolver *r)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        for (size_t sel = 0; sel < v->n_devices; sel++) {
            if (v->devices[sel].has_address)
                select_address(r, vm, sel);
            else
                select_match(r, vm, sel);
        }
        if (v->n_devices == 0 && !v->allow_no_devices) {
            vp_error(r->d, VP_VM_NO_DEVICES, &v->pos, "VM '%s' has no devices to pass through", v->name);
            vp_hint(r->d, "add entries under devices:, or set allow_no_devices: true");
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
