/* SPDX-License-Identifier: MIT */
/*
 * rules-select.c: the rules on what the selectors found. When a selector
 * finds nothing, or the wrong number, the error lists what it did find, or
 * the nearest candidates, so the fix is one edit.
 */
#include <stdio.h>
#include <string.h>

#include "resolve-internal.h"

enum { MAX_LISTED = 12 };

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
            bool near =
                pass == 0 ? (m->has_vendor && dev->vendor == m->vendor) : (m->has_class && vp_match_class(m, dev));
            if (near && !vp_device_is_bridge(dev)) {
                note_device(r->d, dev, "the host has ");
                listed++;
            }
        }
    }
    if (listed == 0)
        vp_note(r->d, "the host has no device of that vendor or class");
}

void
vp_rule_bridge_selected(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        for (size_t sel = 0; sel < r->spec->vms[vm].n_devices; sel++) {
            const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
            const struct vp_found *found = &r->found[vm][sel];
            for (size_t k = 0; s->has_address && k < found->n; k++) {
                const struct vp_device *dev = &r->host->devices[found->devices[k]];
                if (!vp_device_is_bridge(dev))
                    continue;
                vp_rule_report(r, code, &s->pos,
                               "%s is a PCI bridge (class 0604); bridges and root ports stay with the host",
                               dev->addr_str);
                vp_hint(r->d, "select the devices behind it instead ('vfioplan scan' lists them)");
            }
        }
    }
}

void
vp_rule_selected_twice(struct vp_resolver *r, enum vp_code code)
{
    for (size_t i = 0; i < r->n_conflicts; i++) {
        const struct vp_conflict *c = &r->conflicts[i];
        if (r->owner_vm[c->device] != (long)c->vm)
            continue;
        const struct vp_vm *v = &r->spec->vms[c->vm];
        vp_rule_report(r, code, &v->devices[c->selector].pos, "%s is already selected by another entry of VM '%s'",
                       r->host->devices[c->device].addr_str, v->name);
        vp_note(r->d, "first selected by the entry at line %u", v->devices[r->owner_selector[c->device]].pos.line);
        vp_hint(r->d, "remove one of the two entries, or narrow the match");
    }
}

void
vp_rule_device_in_two_vms(struct vp_resolver *r, enum vp_code code)
{
    for (size_t i = 0; i < r->n_conflicts; i++) {
        const struct vp_conflict *c = &r->conflicts[i];
        if (r->owner_vm[c->device] == (long)c->vm)
            continue;
        const struct vp_vm *v = &r->spec->vms[c->vm];
        const struct vp_vm *other = &r->spec->vms[r->owner_vm[c->device]];
        vp_rule_report(r, code, &v->devices[c->selector].pos, "%s is assigned to VM '%s' and to VM '%s'",
                       r->host->devices[c->device].addr_str, other->name, v->name);
        vp_note(r->d, "VM '%s' selects it at line %u", other->name,
                other->devices[r->owner_selector[c->device]].pos.line);
        vp_hint(r->d, "a device can be passed to one VM only; remove it from one of them");
    }
}

static void
no_device_at(struct vp_resolver *r, enum vp_code code, const struct vp_selector *s)
{
    char want[VP_PCI_ADDR_LEN];
    vp_pci_addr_format(&s->address, want);
    if (s->whole_slot)
        want[strlen(want) - 2] = '\0';
    vp_rule_report(r, code, &s->pos, "no PCI device at %s on host %s", want, r->host->source);
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
no_vf(struct vp_resolver *r, enum vp_code code, const struct vp_selector *s)
{
    char pf[VP_PCI_ADDR_LEN];
    vp_pci_addr_format(&s->vf.pf, pf);
    const struct vp_sriov_spec *entry = NULL;
    for (size_t i = 0; i < r->spec->host.n_sriov && !entry; i++)
        if (vp_pci_addr_cmp(&r->spec->host.sriov[i].pf, &s->vf.pf) == 0)
            entry = &r->spec->host.sriov[i];
    vp_rule_report(r, code, &s->pos, "no VF %u of %s", s->vf.index, pf);
    if (!entry) {
        vp_note(r->d, "host.sriov does not set up VFs on %s", pf);
        vp_hint(r->d, "add host.sriov: [{pf: \"%s\", num_vfs: N}] with N above %u", pf, s->vf.index);
    } else {
        vp_note(r->d, "host.sriov creates %u VF%s on %s: index 0 to %u", entry->num_vfs, entry->num_vfs == 1 ? "" : "s",
                pf, entry->num_vfs - 1);
        vp_hint(r->d, "pick an index below %u, or raise num_vfs", entry->num_vfs);
    }
}

bool
vp_resolver_vm_selected(const struct vp_resolver *r, size_t vm)
{
    for (size_t sel = 0; sel < r->spec->vms[vm].n_devices; sel++) {
        const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
        size_t n = r->found[vm][sel].n;
        if (n == 0 || (!s->has_address && s->has_count && n != s->count))
            return false;
    }
    return true;
}

void
vp_rule_no_match(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        for (size_t sel = 0; sel < r->spec->vms[vm].n_devices; sel++) {
            const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
            if (r->found[vm][sel].n)
                continue;
            if (s->has_vf) {
                no_vf(r, code, s);
                continue;
            }
            if (s->has_address) {
                no_device_at(r, code, s);
                continue;
            }
            char what[128];
            describe_match(&s->match, what, sizeof(what));
            vp_rule_report(r, code, &s->pos, "no PCI device matches %s", what);
            note_nearest(r, &s->match);
            vp_hint(r->d, "check the ids against 'vfioplan scan' (lspci -nn shows them as [vendor:device])");
        }
    }
}

void
vp_rule_count_mismatch(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        for (size_t sel = 0; sel < r->spec->vms[vm].n_devices; sel++) {
            const struct vp_selector *s = &r->spec->vms[vm].devices[sel];
            const struct vp_found *found = &r->found[vm][sel];
            size_t n = found->n;
            if (s->has_address || !s->has_count || n == 0 || n == s->count)
                continue;
            char what[128];
            describe_match(&s->match, what, sizeof(what));
            vp_rule_report(r, code, &s->count_pos, "%s matches %zu device%s, not %u", what, n, n == 1 ? "" : "s",
                           s->count);
            for (size_t k = 0; k < n && k < MAX_LISTED; k++)
                note_device(r->d, &r->host->devices[found->devices[k]], "found ");
            if (n > MAX_LISTED)
                vp_note_omit(r->d, n - MAX_LISTED); /* "… and N more", as every cut list of notes ends */
            vp_hint(r->d, "set count: %zu, or narrow the match (subsystem ids, or one address per device)", n);
        }
    }
}

void
vp_rule_vm_no_devices(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        if (v->n_devices == 0 && !v->allow_no_devices) {
            vp_rule_report(r, code, &v->pos, "VM '%s' has no devices to pass through", v->name);
            vp_hint(r->d, "add entries under devices:, or set allow_no_devices: true");
        }
    }
}
