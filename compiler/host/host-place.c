/* SPDX-License-Identifier: MIT */
/*
 * host-place.c: the PCIe tree above each function. A tree gives each
 * device's parent through its sysfs device path; a snapshot names it. Then,
 * for both, parents become indices and each bridge's kind follows from
 * where it hangs (host.h, enum vp_pcie_port). Loops, which no real sysfs
 * has, are refused: every walk up the tree must end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

/* Below a root port: a switch's upstream port, its downstream ports, and so on; real trees are a few levels. */
enum { MAX_DEPTH = 64 };

/* The PCI address component before the device's own in a sysfs link target: its parent. */
static bool
parent_in_path(const char *target, const struct vp_pci_addr *self, struct vp_pci_addr *parent)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", target);
    bool have = false, last_is_self = false;
    struct vp_pci_addr prev = {0}, cur;
    char *save = NULL;
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!vp_pci_addr_parse(c, &cur, NULL)) {
            last_is_self = false;
            continue;
        }
        last_is_self = vp_pci_addr_cmp(&cur, self) == 0;
        if (!last_is_self) {
            prev = cur;
            have = true;
        }
    }
    if (!last_is_self || !have)
        return false;
    *parent = prev;
    return true;
}

void
vp_host_read_places(struct vp_host *host, const struct vp_root *root)
{
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        char rel[96], target[4096];
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", dev->addr_str);
        struct vp_pci_addr parent;
        if (vp_root_readlink(root, rel, target, sizeof(target)) < 0 || !parent_in_path(target, &dev->addr, &parent))
            continue;
        /* only a parent that is a function of this host counts: the snapshot names it */
        if (vp_host_index(host, &parent) >= 0) {
            dev->place.has_parent = true;
            dev->place.parent_addr = parent;
        }
    }
}

static enum vp_pcie_port
port_of(const struct vp_host *host, const struct vp_device *dev)
{
    if (!vp_device_is_bridge(dev))
        return VP_PORT_NONE;
    const struct vp_device *up = dev->place.parent >= 0 ? &host->devices[dev->place.parent] : NULL;
    if (!up || !vp_device_is_bridge(up))
        return VP_PORT_ROOT; /* on a root bus, or on a VMD domain's */
    return up->place.port == VP_PORT_SWITCH_UPSTREAM ? VP_PORT_SWITCH_DOWNSTREAM : VP_PORT_SWITCH_UPSTREAM;
}

int
vp_host_link_places(struct vp_host *host, size_t *bad)
{
    size_t n = host->n_devices;
    for (size_t i = 0; i < n; i++) {
        struct vp_pci_place *p = &host->devices[i].place;
        p->parent = p->has_parent ? vp_host_index(host, &p->parent_addr) : -1;
        p->port = VP_PORT_NONE;
    }
    /* depth[i]: 0 not yet known, else 1 + the parent's; a walk longer than MAX_DEPTH is a loop */
    unsigned *depth = vp_xcalloc(n + 1, sizeof(*depth));
    size_t *order = vp_xmalloc((n + 1) * sizeof(*order));
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t chain[MAX_DEPTH + 1], k = 0;
        long at = (long)i;
        while (at >= 0 && !depth[at] && k <= MAX_DEPTH) {
            chain[k++] = (size_t)at;
            at = host->devices[at].place.parent;
        }
        if (k > MAX_DEPTH || (at >= 0 && depth[at] + k > MAX_DEPTH)) {
            *bad = i;
            rc = -1;
            break;
        }
        unsigned base = at >= 0 ? depth[at] : 0;
        while (k > 0)
            depth[chain[--k]] = ++base;
    }
    if (rc == 0) {
        /* parents before children: by depth (a counting sort; depths are at most MAX_DEPTH + 1) */
        size_t m = 0;
        for (unsigned dpt = 1; dpt <= MAX_DEPTH + 1; dpt++)
            for (size_t i = 0; i < n; i++)
                if (depth[i] == dpt)
                    order[m++] = i;
        for (size_t k = 0; k < m; k++)
            host->devices[order[k]].place.port = port_of(host, &host->devices[order[k]]);
    } else {
        for (size_t i = 0; i < n; i++)
            host->devices[i].place.parent = -1;
    }
    free(order);
    free(depth);
    return rc;
}

size_t
vp_host_upstream(const struct vp_host *host, size_t idx, size_t *chain, size_t max)
{
    size_t k = 0;
    for (long at = host->devices[idx].place.parent; at >= 0; at = host->devices[at].place.parent) {
        if (host->devices[at].place.port == VP_PORT_NONE)
            continue; /* a VMD endpoint hosting the domain */
        if (k < max)
            chain[k] = (size_t)at;
        k++;
    }
    return k;
}

long
vp_host_switch_of(const struct vp_host *host, size_t idx)
{
    for (long at = host->devices[idx].place.parent; at >= 0; at = host->devices[at].place.parent)
        if (host->devices[at].place.port == VP_PORT_SWITCH_UPSTREAM)
            return at;
    return -1;
}
