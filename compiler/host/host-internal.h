/* SPDX-License-Identifier: MIT */
/* host-internal.h: what the host sources share while they build a struct vp_host. */
#pragma once

#include "base/arena.h"
#include "base/root.h"
#include "vfioplan/host.h"
#include "yaml/fields.h"

struct vp_host_priv {
    struct vp_arena arena;
};

static inline struct vp_arena *
vp_host_arena(struct vp_host *host)
{
    return &((struct vp_host_priv *)host->priv)->arena;
}

/* A growing device list; vp_host_finish() sorts it and builds the groups. */
struct vp_device_list {
    struct vp_device *items;
    size_t n, cap;
};
struct vp_device *vp_device_list_add(struct vp_device_list *list);
/* Room for n more devices at once (a snapshot knows its count: no doubling past it). */
void vp_device_list_reserve(struct vp_device_list *list, size_t n);

/* Sorts devices, checks for duplicates, builds host->groups from device->iommu_group. */
int vp_host_finish(struct vp_host *host, struct vp_device_list *list, struct vp_diags *d);

/* Builds host->groups from device->iommu_group (devices sorted). */
void vp_host_finish_groups(struct vp_host *host);

/* host-pci.c: the PCI tree through libpci (the only file that includes pci/pci.h). */
int vp_host_pci_scan(struct vp_host *host, const struct vp_root *root, unsigned flags, struct vp_device_list *list,
                     struct vp_diags *d);
/* host-tree-check.c: before libpci reads ROOT/sys/bus/pci (sysfs_path) by path: links stay in ROOT, files are
 * regular. 0, or -1 with VP3009. Nothing to check on the live root. */
int vp_host_tree_check(const struct vp_root *root, const char *sysfs_path, const char *source, struct vp_diags *d);
/* host-groups.c: /sys/kernel/iommu_groups; sets device->iommu_group (devices sorted first). */
int vp_host_read_groups(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-facts.c: CPU, OS, kernel command line, firmware, kernels. */
void vp_host_read_facts(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-roles.c: boot VGA, root filesystem storage, default-route NIC. */
void vp_host_find_roles(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-modules.c: the module behind each bound driver (sys/bus/pci/drivers/NAME/module). */
void vp_host_read_driver_modules(struct vp_host *host, const struct vp_root *root);
/* host-topology.c: memory, CPUs and NUMA nodes from sysfs and procfs. */
void vp_host_read_topology(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-cpus.c: each CPU's node from the nodes' CPU lists (sorted CPUs and nodes first); -1 if a CPU is in two. */
int vp_host_finish_topology(struct vp_host *host);
/* host-place.c: each device's parent from its sysfs device path (a tree), then for every source: parent
 * indices and port kinds. vp_host_link_places returns -1 and sets *bad to a device whose parents loop. */
void vp_host_read_places(struct vp_host *host, const struct vp_root *root);
int vp_host_link_places(struct vp_host *host, size_t *bad);
/* host-root-devices.c: the /dev paths of the block devices below the root filesystem. */
struct vp_name_set {
    char **items;
    size_t n, cap;
};
/* Notes sys/class/block/NAME (whose sysfs link target is target) and what else names it: its disk, its mapper
 * name and LVM path. */
void vp_root_devices_note(struct vp_name_set *set, const struct vp_root *root, const char *name, const char *target);
void vp_root_devices_note_path(struct vp_name_set *set, const char *dev_path);
/* Sorts the set into host->root_devices (in the host's arena) and frees it. */
void vp_root_devices_finish(struct vp_host *host, struct vp_name_set *set);
/* host-names.c: the enums' names tables, for the snapshot reader's field tables. */
extern const struct vp_enum_arg vp_host_role_arg, vp_bar_type_arg, vp_cpu_vendor_arg, vp_pcie_type_arg,
    vp_boot_evidence_arg, vp_hugepage_size_arg, vp_pcie_port_arg, vp_config_kind_arg;
/* host-hw.c: what sysfs tells beyond libpci: reset_method, physfn, modalias (devices sorted). */
void vp_host_read_hw(struct vp_host *host, const struct vp_root *root);
/* After the devices are sorted (every source): each function's parent bridge, each VF's PF and index. */
void vp_host_link_devices(struct vp_host *host);
/* host-drivers.c: each installed kernel's aliases that match a function of this host. */
void vp_host_read_drivers(struct vp_host *host, const struct vp_root *root);
/* host-boot.c: the evidence of the host's bootloader. */
void vp_host_read_boot(struct vp_host *host, const struct vp_root *root);

/* What a snapshot can hold, for its reader and its writer alike (what one writes, the other reads). */
#define VP_SNAPSHOT_MAX_NODE 4095
/* Driver and module names: they reach messages and (as modules) modprobe config. */
bool vp_snapshot_plain_name(const char *s);
/* host-config.c: the existing passthrough configuration (modprobe.d, bootloader, initramfs lists). */
void vp_host_read_config(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-facts.c: why a fact file was not read (errno from vp_root_read_all), for warnings. */
const char *vp_host_why_unread(int err, size_t limit, char *buf, size_t size);

/* snapshot-read.c */
int vp_host_snapshot_load(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d);
