/* SPDX-License-Identifier: MIT */
/* resolve-internal.h: the state the resolver's passes share. */
#pragma once

#include "base/arena.h"
#include "vfioplan/plan.h"

/* What one VM picked, before it becomes the plan's assignment list. */
struct vp_picked {
    size_t *devices;   /* host device indices, in selector order */
    size_t *selectors; /* which selector picked each */
    size_t n, cap;
};

struct vp_resolver {
    const struct vp_spec *spec;
    const struct vp_host *host;
    struct vp_diags *d;
    struct vp_plan *plan;
    struct vp_arena *arena;
    long *owner_vm;           /* per host device: the VM it is assigned to, or -1 */
    long *owner_selector;     /* per host device: that VM's selector */
    struct vp_picked *picked; /* per VM */
};

struct vp_plan_priv {
    struct vp_arena arena;
};

/* Each pass reports what it finds and goes on; the driver stops after a pass with errors where later passes would only
 * repeat them. */
void vp_resolve_select(struct vp_resolver *r);
void vp_resolve_host_critical(struct vp_resolver *r);
void vp_resolve_groups(struct vp_resolver *r);
void vp_resolve_multifunction(struct vp_resolver *r);
void vp_resolve_nvswitch(struct vp_resolver *r);
void vp_resolve_binding(struct vp_resolver *r);
void vp_resolve_kernel_args(struct vp_resolver *r);
void vp_resolve_layout(struct vp_resolver *r);
/* Each guest's NVIDIA flavor and what its OS needs of the VM (guest.c). */
void vp_resolve_guest(struct vp_resolver *r);
int vp_resolve_tools(struct vp_resolver *r);

/* The selector that picked host device idx for its owner VM. */
const struct vp_selector *vp_resolver_selector_of(const struct vp_resolver *r, size_t idx);
/* "vfioplan scan" or "vfioplan scan --host ROOT", for hints. */
const char *vp_resolver_scan_command(struct vp_resolver *r);
bool vp_device_is_nvswitch(const struct vp_device *dev);
bool vp_device_is_nvidia_gpu(const struct vp_device *dev);
