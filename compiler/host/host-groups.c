/* SPDX-License-Identifier: MIT */
/*
 * host-groups.c: IOMMU groups from /sys/kernel/iommu_groups. sysfs is the
 * authority on group membership; one readdir per group is also far cheaper
 * than a readlink per device on hosts with thousands of functions.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-internal.h"

static bool
parse_group_id(const char *s, long *id)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return false;
    *id = strtol(s, NULL, 10);
    return true;
}

int
vp_host_read_groups(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    DIR *groups = vp_root_opendir(root, "sys/kernel/iommu_groups");
    if (!groups)
        return 0; /* no IOMMU (or not on today): resolve warns, with advice */
    struct dirent *g;
    while ((g = readdir(groups))) {
        long id;
        if (!parse_group_id(g->d_name, &id))
            continue;
        char rel[96];
        snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%s/devices", g->d_name);
        DIR *members = vp_root_opendir(root, rel);
        if (!members) {
            vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source},
                       "IOMMU group %ld has no readable devices directory", id);
            continue;
        }
        struct dirent *m;
        while ((m = readdir(members))) {
            struct vp_pci_addr a;
            /* Non-PCI members (platform devices on some machines) are not ours to judge. */
            if (!vp_pci_addr_parse(m->d_name, &a, NULL))
                continue;
            long idx = vp_host_index(host, &a);
            if (idx < 0)
                continue;
            host->devices[idx].iommu_group = id;
        }
        closedir(members);
    }
    closedir(groups);
    return 0;
}
