/* SPDX-License-Identifier: MIT */
/* spec-internal.h: what spec.c and spec-v1.c share. */
#pragma once

#include "base/arena.h"
#include "yaml/fields.h"
#include "vfioplan/spec.h"
#include "yaml/yaml-tree.h"

const struct vp_field *vp_spec_v1_fields(void);

/* The enums' names for the field tables (names.c). */
extern const struct vp_enum_arg vp_bootloader_arg, vp_initramfs_arg, vp_iommu_mode_arg, vp_firmware_arg,
    vp_guest_os_arg, vp_nvidia_flavor_arg, vp_disk_bus_arg, vp_disk_format_arg, vp_disk_device_arg, vp_nic_model_arg,
    vp_hugepages_arg, vp_topology_arg;
int vp_spec_v1_read(struct vp_spec *spec, const struct vp_ynode *root, struct vp_arena *arena, struct vp_diags *d);
