/* SPDX-License-Identifier: MIT */
/*
 * host-roles.c: which devices the host itself needs: the boot VGA (the
 * console), the storage controller behind the root filesystem, and the NIC
 * of the default route. Found "where they can be": stacked block devices
 * (dm, md) and stacked NICs (bridge, bond, vlan) are followed down to the
 * PCI function; what cannot be traced is reported, not guessed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

/* Stacks are a few levels and nodes deep; a tree with loops or fan-out stops at these. */
enum { MAX_STACK_DEPTH = 8, MAX_STACK_NODES = 4096 };
/* proc/mounts and proc/net/route are read whole up to this */
enum { MAX_PROC_TABLE = 16 * 1024 * 1024 };

static void
mark(struct vp_host *host, long idx, enum vp_host_role role, const char *detail)
{
    if (idx < 0)
        return;
    struct vp_device *dev = &host->devices[idx];
    dev->roles |= VP_ROLE_BIT(role);
    if (!dev->role_detail)
        dev->role_detail = vp_arena_strdup(vp_host_arena(host), detail);
}

/* The last PCI address among the components of a sysfs link target: the function the node hangs off. */
static long
pci_in_path(const struct vp_host *host, const char *target)
{
    long found = -1;
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", target);
    char *save = NULL;
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        struct vp_pci_addr a;
        if (vp_pci_addr_parse(c, &a, NULL)) {
            long i = vp_host_index(host, &a);
            if (i >= 0)
                found = i;
        }
    }
    return found;
}

static void
find_boot_vga(struct vp_host *host, const struct vp_root *root)
{
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        if (vp_device_class16(dev) != VP_CLASS_VGA)
            continue;
        char rel[96], v[16];
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/boot_vga", dev->addr_str);
        if (vp_root_read(root, rel, v, sizeof(v)) > 0 && strcmp(v, "1") == 0)
            mark(host, (long)i, VP_ROLE_BOOT_VGA, "the firmware's boot display (boot_vga)");
    }
}

/* How devices stack in one sysfs class: where a device lists those below it. */
struct stacking {
    const char *class;     /* "block", "net" */
    const char *below_dir; /* a subdirectory of them ("slaves"), or "" */
    const char *prefix;    /* entries named with this prefix ("lower_"), or "" */
};

static const struct stacking block_stacking = {"block", "/slaves", ""};
static const struct stacking net_stacking = {"net", "", "lower_"};

/*
 * Marks the PCI function that sys/class/CLASS/NAME hangs off; a stacked
 * device (LVM, LUKS, md; bridge, bond, VLAN) has none, and the devices below
 * it are followed instead. Returns how many functions were marked.
 */
/* The block devices below the root filesystem are noted in seen (NULL: not wanted). */
static int
trace(struct vp_host *host, const struct vp_root *root, const struct stacking *st, const char *name,
      enum vp_host_role role, const char *detail, int depth, unsigned *visited, struct vp_name_set *seen)
{
    if (depth > MAX_STACK_DEPTH || ++*visited > MAX_STACK_NODES || strchr(name, '/') || strcmp(name, "..") == 0 ||
        strcmp(name, ".") == 0)
        return 0;
    char rel[700], target[4096];
    snprintf(rel, sizeof(rel), "sys/class/%s/%s", st->class, name);
    if (vp_root_readlink(root, rel, target, sizeof(target)) < 0)
        return 0;
    if (seen)
        vp_root_devices_note(seen, root, name, target);
    long idx = pci_in_path(host, target);
    if (idx >= 0) {
        mark(host, idx, role, detail);
        return 1;
    }
    snprintf(rel, sizeof(rel), "sys/class/%s/%s%s", st->class, name, st->below_dir);
    DIR *dir = vp_root_opendir(root, rel);
    if (!dir)
        return 0;
    int found = 0;
    size_t plen = strlen(st->prefix);
    struct dirent *e;
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.' && strncmp(e->d_name, st->prefix, plen) == 0)
            found += trace(host, root, st, e->d_name + plen, role, detail, depth + 1, visited, seen);
    closedir(dir);
    return found;
}

/* /dev/mapper/NAME is the dm-N whose dm/name is NAME. */
static bool
mapper_to_dm(const struct vp_root *root, const char *mapper, char *out, size_t size)
{
    DIR *dir = vp_root_opendir(root, "sys/class/block");
    if (!dir)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(dir))) {
        if (!vp_startswith(e->d_name, "dm-"))
            continue;
        char rel[300], name[256];
        snprintf(rel, sizeof(rel), "sys/class/block/%s/dm/name", e->d_name);
        if (vp_root_read(root, rel, name, sizeof(name)) > 0 && strcmp(name, mapper) == 0) {
            snprintf(out, size, "%s", e->d_name);
            found = true;
        }
    }
    closedir(dir);
    return found;
}

/*
 * A whole proc table: a Kubernetes node's mounts run past 64 KiB, and a
 * table cut short would hide the mount on / (the last one counts) or the
 * default route. NULL if absent; a warning if it cannot be read whole.
 */
static char *
read_table(struct vp_host *host, const struct vp_root *root, const char *rel, const char *lost, struct vp_diags *d)
{
    char *text = NULL;
    size_t len = 0;
    if (vp_root_read_all(root, rel, MAX_PROC_TABLE, &text, &len) == 0)
        return text;
    if (errno != ENOENT)
        vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source}, "cannot read the host's %s: %s; %s", rel,
                   errno == EFBIG    ? "it is larger than 16 MiB"
                   : errno == EINVAL ? "it is not a regular file"
                                     : strerror(errno),
                   lost);
    return NULL;
}

static void
find_root_storage(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    char *mounts = read_table(host, root, "proc/mounts", "the root filesystem's controller is not known", d);
    if (!mounts)
        return;
    char source[512] = "";
    char *save = NULL;
    for (char *line = strtok_r(mounts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char src[512], mnt[512];
        if (sscanf(line, "%511s %511s", src, mnt) == 2 && strcmp(mnt, "/") == 0)
            snprintf(source, sizeof(source), "%s", src); /* the last mount on / is the one in use */
    }
    free(mounts);
    if (!vp_startswith(source, "/dev/")) {
        host->root_devices_known = true; /* none: */
        return;                          /* network, overlay, zfs dataset: no PCI controller to protect */
    }
    char name[520];
    const char *dev = source + 5;
    if (vp_startswith(dev, "mapper/")) {
        if (!mapper_to_dm(root, dev + 7, name, sizeof(name)))
            snprintf(name, sizeof(name), "%s", dev + 7);
    } else {
        snprintf(name, sizeof(name), "%s", dev);
    }
    char detail[700];
    snprintf(detail, sizeof(detail), "the root filesystem is on %s", source);
    unsigned visited = 0;
    struct vp_name_set seen = {0};
    vp_root_devices_note_path(&seen, source);
    if (trace(host, root, &block_stacking, name, VP_ROLE_ROOT_STORAGE, detail, 0, &visited, &seen) == 0)
        vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source},
                   "cannot trace the root filesystem %s to a PCI storage controller", source);
    vp_root_devices_finish(host, &seen);
}

static void
find_default_route(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    char *route = read_table(host, root, "proc/net/route", "the default route's NIC is not known", d);
    if (!route)
        return;
    char *save = NULL;
    unsigned visited = 0; /* one budget for every default route */
    for (char *line = strtok_r(route, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char iface[64], dest[16], gw[16], flags[16], refcnt[16], use[16], metric[16], mask[16];
        if (sscanf(line, "%63s %15s %15s %15s %15s %15s %15s %15s", iface, dest, gw, flags, refcnt, use, metric,
                   mask) != 8)
            continue;
        if (strcmp(dest, "00000000") != 0 || strcmp(mask, "00000000") != 0)
            continue;
        char detail[128];
        snprintf(detail, sizeof(detail), "the default route goes through %s", iface);
        if (trace(host, root, &net_stacking, iface, VP_ROLE_DEFAULT_ROUTE, detail, 0, &visited, NULL) == 0)
            vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source},
                       "cannot trace the default-route interface %s to a PCI NIC", iface);
    }
    free(route);
}

void
vp_host_find_roles(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    find_boot_vga(host, root);
    find_root_storage(host, root, d);
    find_default_route(host, root, d);
}
