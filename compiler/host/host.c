/* SPDX-License-Identifier: MIT */
/* host.c: the table of host-fact sources, and what every source shares. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "host-internal.h"

static bool
tree_detect(const char *path)
{
    if (strcmp(path, "-") == 0) /* standard input is a snapshot */
        return false;
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * A BAR decodes a power of two of address space; a resource file that says
 * otherwise is damaged. Its size is rounded up, as the address space it
 * takes would be, so that what a snapshot of it says reads back (the reader
 * refuses other sizes) and the MMIO window stays large enough.
 */
static void
check_bars(struct vp_host *host, struct vp_diags *d)
{
    for (size_t i = 0; i < host->n_devices; i++) {
        for (int b = 0; b < VP_BAR_COUNT; b++) {
            struct vp_bar *bar = &host->devices[i].bars[b];
            if (!(bar->size & (bar->size - 1)))
                continue;
            uint64_t up = 1;
            while (up < bar->size && up < (1ull << 63))
                up <<= 1;
            vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source},
                       "BAR %d of %s has size %llu, not a power of two: taken as %llu", b, host->devices[i].addr_str,
                       (unsigned long long)bar->size, (unsigned long long)up);
            bar->size = up;
        }
    }
}

static int
tree_load(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d)
{
    struct vp_root root;
    if (vp_root_open(&root, path) < 0) {
        vp_error(d, VP_HOST_NOT_FOUND, &(struct vp_pos){.file = path}, "cannot open host root directory '%s'", path);
        return -1;
    }
    struct vp_device_list list = {0};
    int rc = vp_host_pci_scan(host, &root, flags, &list, d);
    if (rc == 0)
        rc = vp_host_finish(host, &list, d);
    else
        free(list.items);
    if (rc == 0) {
        check_bars(host, d);
        vp_host_read_groups(host, &root, d);
        vp_host_finish_groups(host);
        vp_host_read_driver_modules(host, &root);
        vp_host_read_facts(host, &root, d);
        vp_host_read_hw(host, &root);
        vp_host_link_devices(host);
        vp_host_read_drivers(host, &root);
        vp_host_read_boot(host, &root);
        vp_host_find_roles(host, &root, d);
        vp_host_read_topology(host, &root, d);
        vp_host_read_places(host, &root);
        size_t bad;
        if (vp_host_link_places(host, &bad) < 0)
            vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source},
                       "the sysfs paths of %s and the functions above it loop: the PCIe tree is left out",
                       host->devices[bad].addr_str);
        vp_host_read_config(host, &root, d);
    }
    vp_root_close(&root);
    return rc;
}

static bool
snapshot_detect(const char *path)
{
    if (strcmp(path, "-") == 0)
        return true;
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static const struct vp_host_source sources[] = {
    {"tree", "a directory shaped like / (the live system is /)", tree_detect, tree_load},
    {"snapshot", "a file written by 'vfioplan snapshot'", snapshot_detect, vp_host_snapshot_load},
};

struct vp_host *
vp_host_load(const char *path, unsigned flags, struct vp_diags *d)
{
    struct vp_host_priv *priv = vp_xcalloc(1, sizeof(*priv));
    struct vp_host *host = vp_arena_alloc(&priv->arena, sizeof(*host));
    host->priv = priv;
    /* owned by d: diagnostics about the host outlive it */
    host->source = vp_diags_intern(d, strcmp(path, "-") == 0 ? "<stdin>" : path);
    host->secure_boot = -1;
    host->cpu_pdpe1gb = -1;
    host->cmdline = "";
    int rc = -1;
    bool found = false;
    for (size_t i = 0; i < VP_ARRAY_SIZE(sources); i++) {
        if (sources[i].detect(path)) {
            found = true;
            rc = sources[i].load(host, path, flags, d);
            break;
        }
    }
    if (!found) {
        vp_error(d, VP_HOST_NOT_FOUND, &(struct vp_pos){.file = host->source}, "no host facts at '%s'", path);
        vp_hint(d, "--host takes a directory shaped like / (default: the live system) or a snapshot file");
    }
    if (rc < 0)
        vp_host_free(&host);
    return host;
}

void
vp_host_free(struct vp_host **host)
{
    if (!host || !*host)
        return;
    struct vp_host *h = *host;
    free(h->devices);
    for (size_t i = 0; i < h->n_groups; i++)
        free(h->groups[i].members);
    free(h->groups);
    struct vp_host_priv *priv = h->priv;
    vp_arena_free(&priv->arena);
    free(priv);
    *host = NULL;
}

void
vp_device_list_reserve(struct vp_device_list *list, size_t n)
{
    if (list->cap - list->n >= n)
        return;
    list->cap = list->n + n;
    list->items = vp_xrealloc(list->items, list->cap * sizeof(*list->items));
}

struct vp_device *
vp_device_list_add(struct vp_device_list *list)
{
    void *items = list->items;
    vp_xgrow(&items, &list->cap, list->n + 1, sizeof(*list->items));
    list->items = items;
    struct vp_device *d = &list->items[list->n++];
    memset(d, 0, sizeof(*d));
    d->iommu_group = -1;
    d->numa_node = -1;
    d->place.parent = -1;
    return d;
}

static int
device_cmp(const void *a, const void *b)
{
    return vp_pci_addr_cmp(&((const struct vp_device *)a)->addr, &((const struct vp_device *)b)->addr);
}

int
vp_host_finish(struct vp_host *host, struct vp_device_list *list, struct vp_diags *d)
{
    vp_sort(list->items, list->n, sizeof(*list->items), device_cmp);
    host->devices = list->items;
    host->n_devices = list->n;
    list->items = NULL;
    for (size_t i = 1; i < host->n_devices; i++) {
        if (vp_pci_addr_cmp(&host->devices[i - 1].addr, &host->devices[i].addr) == 0)
            return vp_error(d, VP_HOST_PCI, &(struct vp_pos){.file = host->source}, "PCI address %s appears twice",
                            host->devices[i].addr_str);
    }
    /* A function other than 0 on the same slot makes the slot multifunction,
     * even where config space could not be read. */
    for (size_t i = 1; i < host->n_devices; i++) {
        if (vp_pci_same_slot(&host->devices[i - 1].addr, &host->devices[i].addr)) {
            host->devices[i - 1].multifunction = true;
            host->devices[i].multifunction = true;
        }
    }
    return 0;
}

static int
long_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

void
vp_host_finish_groups(struct vp_host *host)
{
    /* Distinct group ids, sorted, then members in address order (devices are sorted). */
    long *ids = vp_xmalloc(host->n_devices * sizeof(*ids) + 1);
    size_t n = 0;
    for (size_t i = 0; i < host->n_devices; i++)
        if (host->devices[i].iommu_group >= 0)
            ids[n++] = host->devices[i].iommu_group;
    vp_sort(ids, n, sizeof(*ids), long_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            ids[distinct++] = ids[i];
    host->groups = vp_xcalloc(distinct, sizeof(*host->groups));
    host->n_groups = distinct;
    for (size_t i = 0; i < distinct; i++)
        host->groups[i] = (struct vp_group){.id = ids[i], .today = -1};
    free(ids);
    size_t *caps = vp_xcalloc(distinct, sizeof(*caps));
    for (size_t i = 0; i < host->n_devices; i++) {
        long id = host->devices[i].iommu_group;
        if (id < 0)
            continue;
        struct vp_group *g = (struct vp_group *)vp_host_group(host, id);
        size_t gi = (size_t)(g - host->groups);
        void *members = g->members;
        vp_xgrow(&members, &caps[gi], g->n_members + 1, sizeof(*g->members));
        g->members = members;
        g->members[g->n_members++] = i;
    }
    free(caps);
}

long
vp_host_index(const struct vp_host *host, const struct vp_pci_addr *addr)
{
    size_t lo = 0, hi = host->n_devices;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = vp_pci_addr_cmp(&host->devices[mid].addr, addr);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const struct vp_group *
vp_host_group(const struct vp_host *host, long id)
{
    size_t lo = 0, hi = host->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (host->groups[mid].id == id)
            return &host->groups[mid];
        if (host->groups[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool
vp_host_vfio_pci_builtin(const struct vp_host *host)
{
    for (size_t i = 0; i < host->n_kernels; i++)
        if (host->kernels[i].vfio_pci_builtin)
            return true;
    return false;
}

bool
vp_device_is_nvswitch(const struct vp_device *dev)
{
    /* NVSwitches are NVIDIA "other bridge" endpoints (class 0680), not PCI bridges. */
    return dev->vendor == 0x10de && vp_device_class16(dev) == VP_CLASS_BRIDGE_OTHER;
}

bool
vp_device_is_nvidia_gpu(const struct vp_device *dev)
{
    return dev->vendor == 0x10de && (dev->class_code >> 16) == 0x03;
}

bool
vp_device_is_bridge(const struct vp_device *dev)
{
    return vp_device_class16(dev) == VP_CLASS_BRIDGE_PCI;
}

bool
vp_device_has_own_driver(const struct vp_device *dev)
{
    return dev->driver && strcmp(dev->driver, "vfio-pci") != 0 && strcmp(dev->driver, "pci-stub") != 0;
}

void
vp_group_describe(const struct vp_group *g, char *buf, size_t size)
{
    if (g->today < 0)
        snprintf(buf, size, "IOMMU group %ld", g->id);
    else if (g->split)
        snprintf(buf, size, "IOMMU group %ld (group %ld split by the ACS override)", g->id, g->today);
    else
        snprintf(buf, size, "IOMMU group %ld (predicted for a VF; its PF is in group %ld)", g->id, g->today);
}

void
vp_device_describe(const struct vp_device *dev, char *buf, size_t size)
{
    snprintf(buf, size, "%s [%04x:%04x] class %04x%s%s", dev->addr_str, dev->vendor, dev->device,
             vp_device_class16(dev), dev->driver ? " driver " : "", dev->driver ? dev->driver : "");
}
