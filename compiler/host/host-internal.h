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

/* Sorts devices, checks for duplicates, builds host->groups from device->iommu_group. */
int vp_host_finish(struct vp_host *host, struct vp_device_list *list, struct vp_diags *d);

/* Builds host->groups from device->iommu_group (devices sorted). */
void vp_host_finish_groups(struct vp_host *host);

/* host-pci.c: the PCI tree through libpci (the only file that includes pci/pci.h). */
int vp_host_pci_scan(struct vp_host *host, const struct vp_root *root, unsigned flags, struct vp_device_list *list,
                     struct vp_diags *d);
/* host-groups.c: /sys/kernel/iommu_groups; sets device->iommu_group (devices sorted first). */
int vp_host_read_groups(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-facts.c: CPU, OS, kernel command line, firmware, kernels. */
void vp_host_read_facts(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-roles.c: boot VGA, root filesystem storage, default-route NIC. */
void vp_host_find_roles(struct vp_host *host, const struct vp_root *root, struct vp_diags *d);
/* host-modules.c: the module behind each bound driver (sys/bus/pci/drivers/NAME/module). */
void vp_host_read_driver_modules(struct vp_host *host, const struct vp_root *root);
/* host-names.c: the enums' names tables, for the snapshot reader's field tables. */
extern const struct vp_enum_arg vp_host_role_arg, vp_bar_type_arg, vp_cpu_vendor_arg, vp_pcie_type_arg,
    vp_boot_evidence_arg;
/* host-hw.c: what sysfs tells beyond libpci: reset_method, physfn, modalias (devices sorted). */
void vp_host_read_hw(struct vp_host *host, const struct vp_root *root);
/* After the devices are sorted (every source): each function's parent bridge, each VF's PF and index. */
void vp_host_link_devices(struct vp_host *host);
/* host-drivers.c: each installed kernel's aliases that match a function of this host. */
void vp_host_read_drivers(struct vp_host *host, const struct vp_root *root);
/* host-boot.c: the evidence of the host's bootloader. */
void vp_host_read_boot(struct vp_host *host, const struct vp_root *root);

/* snapshot-read.c */
int vp_host_snapshot_load(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d);
