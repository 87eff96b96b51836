/* SPDX-License-Identifier: MIT */
/*
 * host-pci.c: the PCI tree through libpci's linux-sysfs method. libpci stays
 * inside this file: we copy what we need into struct vp_device and call
 * pci_cleanup(). libpci's error handler must not return (it normally exits
 * the process); ours jumps back here so a broken tree is a diagnostic.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "host-internal.h"

static jmp_buf *pci_jump; /* libpci has no user pointer for its callbacks */
static char pci_message[512];

static void __attribute__((noreturn)) __attribute__((format(printf, 1, 2))) on_pci_error(char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    vsnprintf(pci_message, sizeof(pci_message), msg, ap);
    va_end(ap);
    longjmp(*pci_jump, 1);
}

static void __attribute__((format(printf, 1, 2))) on_pci_quiet(char *msg, ...)
{
    (void)msg;
}

static unsigned
bar_flags(unsigned long long io_flags)
{
    unsigned f = 0;
    if (io_flags & PCI_IORESOURCE_IO)
        f |= VP_BAR_IO;
    if (io_flags & PCI_IORESOURCE_MEM_64)
        f |= VP_BAR_MEM64;
    if (io_flags & PCI_IORESOURCE_PREFETCH)
        f |= VP_BAR_PREFETCH;
    return f;
}

struct scan_ctx {
    struct vp_host *host;
    const struct vp_root *root;
    unsigned flags;
    struct vp_device_list *list;
    char sysfs_path[PATH_MAX];
    char ids_path[PATH_MAX];
};

/*
 * BARs from the device's resource file ("start end flags" in hex, a line per
 * BAR), as libpci's PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_IO_FLAGS read
 * them, but parsed by hand: libpci runs sscanf over all 13 to 17 lines of
 * every device, more than half of all the instructions on a large host.
 */
static void
read_bars(const struct scan_ctx *c, struct vp_device *d)
{
    char rel[64], buf[1024];
    snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource", d->addr_str);
    int fd = vp_root_openat(c->root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char *s = buf;
    for (int i = 0; i < VP_BAR_COUNT; i++) {
        char *end;
        unsigned long long start = strtoull(s, &end, 16);
        if (end == s)
            break;
        s = end;
        unsigned long long last = strtoull(s, &end, 16);
        if (end == s)
            break;
        s = end;
        unsigned long long flags = strtoull(s, &end, 16);
        if (end == s)
            break;
        s = strchr(end, '\n');
        unsigned long long size = last > start ? last - start + 1 : 0;
        d->bars[i].size = size;
        d->bars[i].flags = size ? bar_flags(flags) : 0;
        if (!s)
            break;
        s++;
    }
}

static enum vp_pcie_type
pcie_type_of(unsigned type)
{
    static const enum vp_pcie_type of_register[16] = {
        [PCI_EXP_TYPE_ENDPOINT] = VP_PCIE_ENDPOINT,       [PCI_EXP_TYPE_LEG_END] = VP_PCIE_LEGACY_ENDPOINT,
        [PCI_EXP_TYPE_ROOT_PORT] = VP_PCIE_ROOT_PORT,     [PCI_EXP_TYPE_UPSTREAM] = VP_PCIE_UPSTREAM,
        [PCI_EXP_TYPE_DOWNSTREAM] = VP_PCIE_DOWNSTREAM,   [PCI_EXP_TYPE_PCI_BRIDGE] = VP_PCIE_PCI_BRIDGE,
        [PCI_EXP_TYPE_PCIE_BRIDGE] = VP_PCIE_PCIE_BRIDGE, [PCI_EXP_TYPE_ROOT_INT_EP] = VP_PCIE_RC_ENDPOINT,
        [PCI_EXP_TYPE_ROOT_EC] = VP_PCIE_RC_EVENT,
    };
    /* types 2 and 3 are reserved: read as an endpoint, which is what they can only be */
    enum vp_pcie_type t = of_register[type & 15];
    return t == VP_PCIE_NONE ? VP_PCIE_ENDPOINT : t;
}

/*
 * What config space tells beyond the ids: a bridge's buses, the PCIe port
 * type, ACS (the ACS override leaves a function with its own ACS alone), how
 * the function resets (FLR in DevCap or Advanced Features, PM's
 * No_Soft_Reset), and SR-IOV. A user other than root reads only the first 64
 * bytes of a live device's config space: then nothing past the header is
 * known (caps_read false) and nothing is guessed.
 */
static void
read_capabilities(struct pci_dev *p, struct vp_device *d, u8 header)
{
    struct vp_device_hw *hw = &d->hw;
    if (header != 0xff && (header & 0x7f) == PCI_HEADER_TYPE_BRIDGE) {
        hw->secondary_bus = pci_read_byte(p, PCI_SECONDARY_BUS);
        hw->subordinate_bus = pci_read_byte(p, PCI_SUBORDINATE_BUS);
    }
    u8 probe[4];
    if (!pci_read_block(p, 0x40, probe, sizeof(probe)))
        return;
    hw->caps_read = true;
    hw->ext_caps_read = pci_read_block(p, 0x100, probe, sizeof(probe)) != 0;
    pci_fill_info(p, PCI_FILL_CAPS | (hw->ext_caps_read ? PCI_FILL_EXT_CAPS : 0));
    struct pci_cap *c = pci_find_cap(p, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
    if (c) {
        hw->pcie = pcie_type_of((pci_read_word(p, c->addr + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4);
        hw->flr = (pci_read_long(p, c->addr + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLRESET) != 0;
    }
    c = pci_find_cap(p, PCI_CAP_ID_AF, PCI_CAP_NORMAL);
    if (c && (pci_read_byte(p, c->addr + PCI_AF_CAP) & PCI_AF_CAP_FLR))
        hw->flr = true;
    c = pci_find_cap(p, PCI_CAP_ID_PM, PCI_CAP_NORMAL);
    if (c) {
        hw->pm = true;
        hw->pm_no_soft_reset = (pci_read_word(p, c->addr + PCI_PM_CTRL) & PCI_PM_CTRL_NO_SOFT_RST) != 0;
    }
    if (!hw->ext_caps_read)
        return;
    hw->acs = pci_find_cap(p, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED) != NULL;
    c = pci_find_cap(p, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
    if (c) {
        hw->sriov.total_vfs = pci_read_word(p, c->addr + PCI_IOV_TOTALVF);
        hw->sriov.num_vfs = pci_read_word(p, c->addr + PCI_IOV_NUMVF);
        hw->sriov.offset = pci_read_word(p, c->addr + PCI_IOV_OFFSET);
        hw->sriov.stride = pci_read_word(p, c->addr + PCI_IOV_STRIDE);
        hw->sriov.vf_device = pci_read_word(p, c->addr + PCI_IOV_DID);
    }
}

/* The part that may longjmp: nothing here owns memory that a jump would leak. */
static void
scan_devices(struct pci_access *pa, struct scan_ctx *c)
{
    pci_init(pa);
    pci_scan_bus(pa);
    struct vp_arena *arena = vp_host_arena(c->host);
    /* Each libpci device (424 bytes) is freed once copied, so that libpci's
     * list and ours are not both held whole on a large host. */
    struct pci_dev *p;
    while ((p = pa->devices)) {
        pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS | PCI_FILL_NUMA_NODE);
        struct vp_device *d = vp_device_list_add(c->list);
        d->addr.domain = (uint32_t)p->domain;
        d->addr.bus = p->bus;
        d->addr.dev = p->dev;
        d->addr.fn = p->func;
        vp_pci_addr_format(&d->addr, d->addr_str);
        d->vendor = p->vendor_id;
        d->device = p->device_id;
        d->subsystem_vendor = p->subsys_vendor_id;
        d->subsystem_device = p->subsys_id;
        d->class_code = (uint32_t)p->device_class << 8 | p->prog_if;
        d->revision = p->rev_id;
        d->numa_node = p->numa_node;
        d->iommu_group = -1;
        /* The header type's top bit marks a multifunction device; 0xff means the
         * config space could not be read, and then siblings tell (vp_host_finish). */
        u8 header = pci_read_byte(p, PCI_HEADER_TYPE);
        d->multifunction = header != 0xff && (header & 0x80);
        read_capabilities(p, d, header);
        read_bars(c, d);
        /* The driver is the last component of the driver link. libpci's
         * PCI_FILL_DRIVER gets the same name through realpath(), which costs a
         * getcwd and a readlink per path component for every bound device. */
        char link[PATH_MAX + 64], target[PATH_MAX];
        snprintf(link, sizeof(link), "%s/devices/%s/driver", c->sysfs_path, d->addr_str);
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        if (len > 0) {
            target[len] = '\0';
            const char *base = strrchr(target, '/');
            d->driver = vp_arena_strdup(arena, base ? base + 1 : target);
        }
        if (c->flags & VP_HOST_NAMES) {
            char name[256];
            const char *n =
                pci_lookup_name(pa, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                                p->vendor_id, p->device_id);
            if (n && strncmp(n, "<pci_lookup_name", 16) != 0)
                d->name = vp_arena_strdup(arena, n);
        }
        pa->devices = p->next;
        pci_free_dev(p);
#ifdef __GLIBC__
        /* glibc parks the last freed blocks in its thread cache, which stops the
         * heap from shrinking as devices are freed: give the pages back now and
         * then, so the peak stays near libpci's own. */
        if (c->list->n % 1024 == 0)
            malloc_trim(0);
#endif
    }
}

int
vp_host_pci_scan(struct vp_host *host, const struct vp_root *root, unsigned flags, struct vp_device_list *list,
                 struct vp_diags *d)
{
    struct vp_pos pos = {.file = host->source};
    struct scan_ctx c = {.host = host, .root = root, .flags = flags, .list = list};
    /* libpci gets a path, not a descriptor: one cut short would be another directory than the one checked */
    if ((size_t)snprintf(c.sysfs_path, sizeof(c.sysfs_path), "%s%ssys/bus/pci", root->path,
                         root->path[strlen(root->path) - 1] == '/' ? "" : "/") >= sizeof(c.sysfs_path) - 64) {
        vp_error(d, VP_HOST_NOT_FOUND, &pos, "the host tree's path is too long for libpci (%zu bytes)",
                 strlen(root->path));
        vp_hint(d, "give a shorter path to the host tree, or a snapshot file");
        return -1;
    }
    /* Preflight what libpci would otherwise die on. */
    if (!vp_root_is_dir(root, "sys/bus/pci/devices")) {
        vp_error(d, VP_HOST_NOT_FOUND, &pos, "%s/devices is not a readable directory", c.sysfs_path);
        vp_hint(
            d,
            "--host takes a directory shaped like /, holding sys/bus/pci, or a snapshot file from 'vfioplan snapshot'");
        return -1;
    }
    /* libpci reads the tree by path and blocking: its links and files are checked first */
    if (vp_host_tree_check(root, c.sysfs_path, host->source, d) < 0)
        return -1;

    struct pci_access *pa = pci_alloc();
    pa->error = on_pci_error;
    pa->warning = on_pci_quiet;
    pa->debug = on_pci_quiet;
    pa->method = PCI_ACCESS_SYS_BUS_PCI;
    pci_set_param(pa, "sysfs.path", c.sysfs_path);
    if (!root->live) {
        /* A host tree's names come from its own pci.ids, never the local udev hwdb. */
        pci_set_param(pa, "hwdb.disable", "1");
        snprintf(c.ids_path, sizeof(c.ids_path), "%s/usr/share/misc/pci.ids", root->path);
        if (vp_root_exists(root, "usr/share/misc/pci.ids"))
            pci_set_name_list_path(pa, c.ids_path, 0);
    }
    jmp_buf env;
    pci_jump = &env;
    int rc = 0;
    if (setjmp(env) == 0) {
        scan_devices(pa, &c);
    } else {
        vp_error(d, VP_HOST_PCI, &pos, "cannot read the PCI tree: %s", pci_message);
        vp_hint(d, "the tree under %s is incomplete; capture it again or use 'vfioplan snapshot' on the host",
                c.sysfs_path);
        rc = -1;
    }
    pci_jump = NULL;
    pci_cleanup(pa);
    return rc;
}
