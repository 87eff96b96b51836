/* SPDX-License-Identifier: MIT */
/*
 * host-hw.c: what sysfs tells about a function beyond libpci's reading of
 * config space (host-pci.c): the reset methods the kernel offers
 * (reset_method, Linux 5.15 and later), which functions are virtual
 * functions of which PF (the PF's virtfnN links), the modalias of functions
 * no driver holds (the only ones whose future driver matters), and SR-IOV
 * where config space was not readable (sysfs sriov_* files are readable by
 * everyone). Then, for every source, each function's place in the tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

/* True if the running kernel is at least major.minor ("6.1.0-18-amd64"). */
static bool
running_at_least(const struct vp_host *host, unsigned major, unsigned minor)
{
    for (size_t i = 0; i < host->n_kernels; i++) {
        if (!host->kernels[i].running)
            continue;
        unsigned a = 0, b = 0;
        if (sscanf(host->kernels[i].version, "%u.%u", &a, &b) != 2)
            return false;
        return a > major || (a == major && b >= minor);
    }
    return false;
}

static bool
read_u16(const struct vp_root *root, const char *addr, const char *file, uint16_t *out)
{
    char rel[128], v[32];
    snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", addr, file);
    if (vp_root_read(root, rel, v, sizeof(v)) <= 0)
        return false;
    char *end;
    unsigned long n = strtoul(v, &end, strncmp(v, "0x", 2) == 0 ? 16 : 10);
    if (*end || n > 0xffff)
        return false;
    *out = (uint16_t)n;
    return true;
}

/* The SR-IOV capability as sysfs shows it, for a user who cannot read extended config space. */
static void
read_sriov_sysfs(const struct vp_root *root, struct vp_device *dev)
{
    struct vp_sriov_cap s = {0};
    if (!read_u16(root, dev->addr_str, "sriov_totalvfs", &s.total_vfs) || !s.total_vfs)
        return;
    read_u16(root, dev->addr_str, "sriov_numvfs", &s.num_vfs);
    read_u16(root, dev->addr_str, "sriov_offset", &s.offset);
    read_u16(root, dev->addr_str, "sriov_stride", &s.stride);
    read_u16(root, dev->addr_str, "sriov_vf_device", &s.vf_device);
    dev->hw.sriov = s;
}

/* A PF's enabled VFs (virtfn0, virtfn1, ... links) learn which PF they belong to. */
static void
read_virtfns(struct vp_host *host, const struct vp_root *root, const struct vp_device *pf)
{
    for (unsigned i = 0; i < pf->hw.sriov.num_vfs && i < 65536; i++) {
        char rel[128], target[512];
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/virtfn%u", pf->addr_str, i);
        long n = vp_root_readlink(root, rel, target, sizeof(target));
        if (n <= 0)
            continue;
        const char *base = strrchr(target, '/');
        struct vp_pci_addr a;
        if (!vp_pci_addr_parse(base ? base + 1 : target, &a, NULL))
            continue;
        long vf = vp_host_index(host, &a);
        if (vf >= 0) {
            host->devices[vf].hw.is_vf = true;
            host->devices[vf].hw.physfn = pf->addr;
        }
    }
}

void
vp_host_read_hw(struct vp_host *host, const struct vp_root *root)
{
    struct vp_arena *arena = vp_host_arena(host);
    bool has_reset_method = running_at_least(host, 5, 15);
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        char rel[128], v[256];
        if (!dev->hw.caps_read)
            read_sriov_sysfs(root, dev);
        if (has_reset_method && !vp_device_is_bridge(dev)) {
            snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/reset_method", dev->addr_str);
            if (vp_root_read(root, rel, v, sizeof(v)) > 0 && strspn(v, "abcdefghijklmnopqrstuvwxyz_ ") == strlen(v))
                dev->hw.reset_method = vp_arena_strdup(arena, v);
        }
        if (!dev->driver) {
            char derived[64];
            vp_device_modalias(dev, derived, sizeof(derived));
            snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/modalias", dev->addr_str);
            if (vp_root_read(root, rel, v, sizeof(v)) > 0 && strcmp(v, derived) != 0 && vp_startswith(v, "pci:") &&
                strspn(v, "pci:vdsbcABCDEF0123456789*") == strlen(v))
                dev->hw.modalias = vp_arena_strdup(arena, v);
        }
    }
    for (size_t i = 0; i < host->n_devices; i++)
        if (host->devices[i].hw.sriov.num_vfs)
            read_virtfns(host, root, &host->devices[i]);
}

void
vp_device_modalias(const struct vp_device *dev, char *buf, size_t size)
{
    if (dev->hw.modalias) {
        snprintf(buf, size, "%s", dev->hw.modalias);
        return;
    }
    /* drivers/pci/pci-sysfs.c, modalias_show() */
    snprintf(buf, size, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", dev->vendor, dev->device, dev->subsystem_vendor,
             dev->subsystem_device, (unsigned)(dev->class_code >> 16), (unsigned)(dev->class_code >> 8) & 0xff,
             (unsigned)dev->class_code & 0xff);
}

/* The routing ID (bus << 8 | devfn) of an address. */
static unsigned
routing_id(const struct vp_pci_addr *a)
{
    return (unsigned)a->bus << 8 | a->dev << 3 | a->fn;
}

void
vp_host_link_devices(struct vp_host *host)
{
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        dev->hw.parent = -1;
        dev->hw.pf = -1;
        dev->hw.vf_index = -1;
    }
    /* A function's parent is the bridge whose secondary bus is the function's bus (in its domain); devices are
     * sorted by address, so the bus is one run found by bisection. */
    for (size_t b = 0; b < host->n_devices; b++) {
        const struct vp_device *br = &host->devices[b];
        if (!vp_device_is_bridge(br) || !br->hw.secondary_bus)
            continue;
        struct vp_pci_addr from = {.domain = br->addr.domain, .bus = br->hw.secondary_bus};
        size_t lo = 0, hi = host->n_devices;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (vp_pci_addr_cmp(&host->devices[mid].addr, &from) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo; i < host->n_devices; i++) {
            struct vp_device *dev = &host->devices[i];
            if (dev->addr.domain != from.domain || dev->addr.bus != from.bus)
                break;
            if (dev->hw.parent < 0)
                dev->hw.parent = (long)b;
        }
    }
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        if (!dev->hw.is_vf)
            continue;
        long pf = vp_host_index(host, &dev->hw.physfn);
        if (pf < 0)
            continue;
        const struct vp_sriov_cap *s = &host->devices[pf].hw.sriov;
        unsigned first = routing_id(&host->devices[pf].addr) + s->offset, rid = routing_id(&dev->addr);
        dev->hw.pf = pf;
        if (rid >= first && (s->stride ? (rid - first) % s->stride == 0 : rid == first))
            dev->hw.vf_index = (int)(s->stride ? (rid - first) / s->stride : 0);
    }
}
