/* SPDX-License-Identifier: MIT */
/*
 * host-root-devices.c: the block devices the root filesystem sits on, by
 * every /dev path a spec could name them: the device itself (nvme0n1p2,
 * dm-0), the disk a partition is on (nvme0n1), a device-mapper device's
 * /dev/mapper name and, for LVM, /dev/VG/LV. A VM given one of them as its
 * disk would write over the host's root (rules-vm.c). host-roles.c walks
 * the stack and notes each device here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

/* Root stacks are a few devices; a hostile tree's loops stop here. */
enum { MAX_ROOT_DEVICES = 64 };

void
vp_root_devices_note_path(struct vp_name_set *set, const char *dev_path)
{
    if (set->n >= MAX_ROOT_DEVICES || strlen(dev_path) > 255)
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i], dev_path) == 0)
            return;
    void *items = set->items;
    vp_xgrow(&items, &set->cap, set->n + 1, sizeof(*set->items));
    set->items = items;
    set->items[set->n++] = vp_xstrdup(dev_path);
}

/* An LVM name as device-mapper spells it ("ubuntu--vg-ubuntu--lv": '-' doubled inside names) as /dev/VG/LV. */
static bool
lvm_path(const char *dm_name, char *out, size_t size)
{
    char vg[256], lv[256];
    size_t k = 0, i = 0;
    for (; dm_name[i] && k + 1 < sizeof(vg); i++) {
        if (dm_name[i] == '-' && dm_name[i + 1] == '-')
            vg[k++] = dm_name[i++];
        else if (dm_name[i] == '-')
            break;
        else
            vg[k++] = dm_name[i];
    }
    if (dm_name[i] != '-' || k == 0)
        return false;
    vg[k] = '\0';
    k = 0;
    for (i++; dm_name[i] && k + 1 < sizeof(lv); i++) {
        if (dm_name[i] == '-' && dm_name[i + 1] == '-')
            lv[k++] = dm_name[i++];
        else if (dm_name[i] == '-')
            return false;
        else
            lv[k++] = dm_name[i];
    }
    lv[k] = '\0';
    if (k == 0)
        return false;
    return (size_t)snprintf(out, size, "/dev/%s/%s", vg, lv) < size;
}

void
vp_root_devices_note(struct vp_name_set *set, const struct vp_root *root, const char *name, const char *target)
{
    char path[600], rel[300], value[256];
    snprintf(path, sizeof(path), "/dev/%s", name);
    vp_root_devices_note_path(set, path);
    /* a partition's link target ends in DISK/PART: the disk is the component before */
    snprintf(rel, sizeof(rel), "sys/class/block/%s/partition", name);
    const char *last = strrchr(target, '/');
    if (last && vp_root_exists(root, rel)) {
        const char *start = last;
        while (start > target && start[-1] != '/')
            start--;
        if (last > start && (size_t)(last - start) < 200) {
            char disk[200];
            snprintf(disk, sizeof(disk), "%.*s", (int)(last - start), start);
            snprintf(rel, sizeof(rel), "sys/class/block/%s", disk);
            if (strcmp(disk, "..") != 0 && strcmp(disk, ".") != 0 && vp_root_exists(root, rel)) {
                snprintf(path, sizeof(path), "/dev/%s", disk);
                vp_root_devices_note_path(set, path);
            }
        }
    }
    /* device-mapper: /dev/mapper/NAME, and /dev/VG/LV for an LVM volume */
    snprintf(rel, sizeof(rel), "sys/class/block/%s/dm/name", name);
    if (vp_root_read(root, rel, value, sizeof(value)) > 0 && !strchr(value, '/')) {
        snprintf(path, sizeof(path), "/dev/mapper/%s", value);
        vp_root_devices_note_path(set, path);
        char uuid[256];
        snprintf(rel, sizeof(rel), "sys/class/block/%s/dm/uuid", name);
        if (vp_root_read(root, rel, uuid, sizeof(uuid)) > 0 && vp_startswith(uuid, "LVM-") &&
            lvm_path(value, path, sizeof(path)))
            vp_root_devices_note_path(set, path);
    }
}

void
vp_root_devices_finish(struct vp_host *host, struct vp_name_set *set)
{
    vp_sort(set->items, set->n, sizeof(*set->items), vp_strcmp_ptr);
    struct vp_arena *a = vp_host_arena(host);
    const char **out = vp_arena_alloc(a, (set->n + 1) * sizeof(*out));
    for (size_t i = 0; i < set->n; i++) {
        out[i] = vp_arena_strdup(a, set->items[i]);
        free(set->items[i]);
    }
    host->root_devices = out;
    host->n_root_devices = set->n;
    host->root_devices_known = true;
    free(set->items);
    memset(set, 0, sizeof(*set));
}

bool
vp_host_is_root_device(const struct vp_host *host, const char *path)
{
    for (size_t i = 0; i < host->n_root_devices; i++)
        if (strcmp(host->root_devices[i], path) == 0)
            return true;
    return false;
}
