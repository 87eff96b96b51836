/* SPDX-License-Identifier: MIT */
/*
 * drift.c: does the host still match the snapshot a plan was compiled from?
 * As Proxmox's resource mappings do, a device is the same only if its
 * address, vendor:device, subsystem ids and class are, and an IOMMU group
 * only if it has the same members. Drivers may differ: binding them is what
 * apply changes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "vfioplan/host.h"

/* as many as a diagnostic keeps notes; the rest are counted, as every diagnostic's are */
enum { MAX_REPORTED = VP_NOTE_CAP };

struct drift {
    char *lines[MAX_REPORTED];
    size_t n;
};

static void __attribute__((format(printf, 2, 3))) differs(struct drift *dr, const char *fmt, ...)
{
    if (dr->n < MAX_REPORTED) {
        va_list ap;
        va_start(ap, fmt);
        dr->lines[dr->n] = vp_xvasprintf(fmt, ap);
        va_end(ap);
    }
    dr->n++;
}

/* The group's members, space-separated; "" when the device has no group. */
static void
members(const struct vp_host *h, long id, char *buf, size_t size)
{
    const struct vp_group *g = id >= 0 ? vp_host_group(h, id) : NULL;
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; g && k < g->n_members && len + VP_PCI_ADDR_LEN + 1 < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", k ? " " : "", h->devices[g->members[k]].addr_str);
}

static void
compare_device(struct drift *dr, const struct vp_host *snap, const struct vp_device *a, const struct vp_host *live,
               const struct vp_device *b)
{
    if (a->vendor != b->vendor || a->device != b->device || a->subsystem_vendor != b->subsystem_vendor ||
        a->subsystem_device != b->subsystem_device || a->class_code != b->class_code)
        differs(dr,
                "%s was [%04x:%04x] subsystem %04x:%04x class %06x, is now [%04x:%04x] subsystem %04x:%04x class %06x",
                a->addr_str, a->vendor, a->device, a->subsystem_vendor, a->subsystem_device, a->class_code, b->vendor,
                b->device, b->subsystem_vendor, b->subsystem_device, b->class_code);
    char ma[1024], mb[1024];
    members(snap, a->iommu_group, ma, sizeof(ma));
    members(live, b->iommu_group, mb, sizeof(mb));
    /* each group once: at its first member in the snapshot (or the device itself if it had none) */
    bool first = !*ma || strncmp(ma, a->addr_str, strlen(a->addr_str)) == 0;
    if (first && strcmp(ma, mb) != 0)
        differs(dr, "the IOMMU group of %s held {%s}, now holds {%s}", a->addr_str, ma, mb);
}

int
vp_host_drift(const struct vp_host *snap, const struct vp_host *live, struct vp_diags *d)
{
    struct drift dr = {0};
    size_t i = 0, j = 0;
    while (i < snap->n_devices || j < live->n_devices) {
        const struct vp_device *a = i < snap->n_devices ? &snap->devices[i] : NULL;
        const struct vp_device *b = j < live->n_devices ? &live->devices[j] : NULL;
        int c = !a ? 1 : !b ? -1 : vp_pci_addr_cmp(&a->addr, &b->addr);
        if (c < 0)
            differs(&dr, "%s [%04x:%04x] is gone", a->addr_str, a->vendor, a->device), i++;
        else if (c > 0)
            differs(&dr, "%s [%04x:%04x] is new", b->addr_str, b->vendor, b->device), j++;
        else
            compare_device(&dr, snap, a, live, b), i++, j++;
    }
    if (dr.n == 0)
        return 0;
    vp_error(d, VP_HOST_DRIFT, &(struct vp_pos){.file = snap->source},
             "the devices of %s differ from the snapshot the plan was compiled from (%zu difference%s)", live->source,
             dr.n, dr.n == 1 ? "" : "s");
    for (size_t k = 0; k < dr.n && k < MAX_REPORTED; k++) {
        vp_note(d, "%s", dr.lines[k]);
        free(dr.lines[k]);
    }
    if (dr.n > MAX_REPORTED)
        vp_note_omit(d, dr.n - MAX_REPORTED); /* "… and N more" */
    vp_hint(d, "take a new snapshot on this host ('vfioplan snapshot'), review the new plan, then apply");
    return -1;
}
