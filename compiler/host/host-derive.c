/* SPDX-License-Identifier: MIT */
/*
 * host-derive.c: a host as the plan predicts it after the reboot (see
 * vp_host_derive in host.h): the same facts with more functions (the VFs
 * host.sriov creates) and other IOMMU groups (the ACS override's split, a
 * VF's group). It owns its device and group arrays and borrows the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

struct group_origin {
    long id, today;
    bool split;
};

static int
device_cmp(const void *a, const void *b)
{
    return vp_pci_addr_cmp(&((const struct vp_device *)a)->addr, &((const struct vp_device *)b)->addr);
}

struct vp_host *
vp_host_derive(const struct vp_host *base, const struct vp_device *extra, size_t n_extra, const long *group_of,
               const long *today_of, const bool *split_of)
{
    struct vp_host_priv *priv = vp_xcalloc(1, sizeof(*priv));
    struct vp_host *h = vp_arena_alloc(&priv->arena, sizeof(*h));
    *h = *base;
    h->priv = priv;
    size_t n = base->n_devices + n_extra;
    h->devices = vp_xmalloc((n + 1) * sizeof(*h->devices));
    if (base->n_devices)
        memcpy(h->devices, base->devices, base->n_devices * sizeof(*h->devices));
    if (n_extra)
        memcpy(h->devices + base->n_devices, extra, n_extra * sizeof(*h->devices));
    h->n_devices = n;
    struct group_origin *origins = vp_xmalloc((n + 1) * sizeof(*origins));
    size_t n_origins = 0;
    for (size_t i = 0; i < n; i++) {
        h->devices[i].iommu_group = group_of[i];
        if (group_of[i] >= 0 && today_of[i] >= 0)
            origins[n_origins++] = (struct group_origin){group_of[i], today_of[i], split_of[i]};
    }
    vp_sort(h->devices, n, sizeof(*h->devices), device_cmp);
    vp_host_finish_groups(h);
    for (size_t i = 0; i < n_origins; i++) {
        struct vp_group *g = (struct vp_group *)vp_host_group(h, origins[i].id);
        if (g) {
            g->today = origins[i].today;
            g->split = origins[i].split;
        }
    }
    free(origins);
    vp_host_link_devices(h);
    return h;
}
