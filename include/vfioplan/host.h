/* SPDX-License-Identifier: MIT */
/*
 * host.h: the facts about a host that the compiler uses. They come from one
 * of three sources behind one interface: the live system (ROOT = /), a
 * sysfs-shaped directory tree (ROOT given with --host), or a snapshot file
 * that `vfioplan snapshot` wrote. The host owns its memory; vp_host_free()
 * releases it; later stages borrow const pointers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioplan/diag.h"
#include "vfioplan/pci.h"

enum { VP_BAR_COUNT = 6 };

enum vp_bar_flags {
    VP_BAR_IO = 1,
    VP_BAR_MEM64 = 2,
    VP_BAR_PREFETCH = 4,
};

/* The kinds of BAR as snapshots name them ("mem64-prefetch"); struct vp_bar keeps the flags. */
enum vp_bar_type {
    VP_BAR_TYPE_IO,
    VP_BAR_TYPE_MEM32,
    VP_BAR_TYPE_MEM32_PREFETCH,
    VP_BAR_TYPE_MEM64,
    VP_BAR_TYPE_MEM64_PREFETCH,
    VP_BAR_TYPE__COUNT,
};

struct vp_bar {
    uint64_t size; /* 0 = unused */
    unsigned flags;
};

/*
 * Where a function sits in the host's PCIe tree, from its sysfs device path
 * (sys/devices/pci0000:40/0000:40:01.0/0000:41:00.0: 41:00.0 hangs below
 * 40:01.0). A port's kind follows from the tree alone (config space beyond
 * 64 bytes, where the PCIe capability says it, is root's only): a bridge
 * on a root bus is a root port, a bridge below a root or downstream port
 * is a switch's upstream port, a bridge below an upstream port is one of
 * its downstream ports.
 */
enum vp_pcie_port {
    VP_PORT_NONE, /* an endpoint (or a VMD endpoint hosting a domain) */
    VP_PORT_ROOT,
    VP_PORT_SWITCH_UPSTREAM,
    VP_PORT_SWITCH_DOWNSTREAM,
    VP_PORT__COUNT,
};

struct vp_pci_place {
    bool has_parent;
    struct vp_pci_addr parent_addr; /* the function above, as the path or the snapshot names it */
    long parent;                    /* its index in host->devices; -1 on a root bus (or not on this host) */
    enum vp_pcie_port port;         /* what this function is, if a bridge */
};

/* Why the host itself needs a device (it must then stay with the host); a device's roles are a set of bits. */
enum vp_host_role { VP_ROLE_BOOT_VGA, VP_ROLE_ROOT_STORAGE, VP_ROLE_DEFAULT_ROUTE, VP_ROLE__COUNT };
#define VP_ROLE_BIT(role) (1u << (role))

struct vp_device {
    struct vp_pci_addr addr;
    char addr_str[VP_PCI_ADDR_LEN];
    uint16_t vendor, device;
    uint16_t subsystem_vendor, subsystem_device;
    uint32_t class_code; /* 24 bits: base class, subclass, programming interface */
    uint8_t revision;
    bool multifunction;        /* header type bit 7 */
    int numa_node;             /* -1 unknown */
    long iommu_group;          /* -1 none */
    const char *driver;        /* bound driver, NULL if none */
    const char *driver_module; /* the kernel module of that driver; NULL if built in or unknown */
    const char *name;          /* from pci.ids; NULL if unknown (never in artifacts) */
    struct vp_bar bars[VP_BAR_COUNT];
    unsigned roles;          /* VP_ROLE_BIT() of each enum vp_host_role */
    const char *role_detail; /* what ties it to the host: "/ is on nvme0n1p2" */
    struct vp_pci_place place;
};

static inline unsigned
vp_device_class16(const struct vp_device *d)
{
    return d->class_code >> 8;
}

struct vp_group {
    long id;
    size_t *members; /* indices into host->devices, in address order */
    size_t n_members;
};

enum vp_cpu_vendor { VP_CPU_UNKNOWN, VP_CPU_INTEL, VP_CPU_AMD, VP_CPU__COUNT };

struct vp_kernel {
    const char *version;
    bool running;
    bool vfio_pci_builtin; /* modules.builtin lists vfio-pci: modprobe.d options do not reach it */
};

struct vp_os_release {
    const char *id;         /* "ubuntu" */
    const char *id_like;    /* "debian" */
    const char *version_id; /* "22.04" */
    const char *pretty_name;
};

/* ---- memory and CPU topology (host-topology.c; snapshots from v2) ---- */

/* The huge page sizes of x86-64, named "2M" and "1G" (one names table). */
enum vp_hugepage_size { VP_HUGEPAGE_2M, VP_HUGEPAGE_1G, VP_HUGEPAGE__COUNT };

/* Pages of one size: reserved (nr_hugepages) and not in use (free_hugepages). */
struct vp_hugepage_pool {
    uint64_t total, free;
};

/* A logical CPU that is online (sys/devices/system/cpu/cpuN/topology). */
struct vp_cpu {
    unsigned id;
    unsigned package;   /* physical_package_id: the socket */
    unsigned core;      /* core_id: unique within its package only */
    int node;           /* the NUMA node whose cpulist holds it; -1 none */
    unsigned *siblings; /* the threads of its core (core_cpus_list, else thread_siblings_list), itself included,
                         * ascending */
    size_t n_siblings;
};

/* A NUMA node (sys/devices/system/node/nodeN). */
struct vp_numa_node {
    unsigned id;
    unsigned *cpus; /* cpulist, ascending */
    size_t n_cpus;
    uint64_t mem_total;                                    /* bytes (meminfo's "Node N MemTotal") */
    struct vp_hugepage_pool hugepages[VP_HUGEPAGE__COUNT]; /* hugepages/hugepages-{2048,1048576}kB */
};

/* /proc/meminfo. */
struct vp_host_memory {
    bool known;                               /* false: no proc/meminfo, or a snapshot-v1 */
    uint64_t total;                           /* MemTotal, bytes */
    uint64_t hugepage_size;                   /* Hugepagesize: the default huge page size, bytes */
    uint64_t hugepages_total, hugepages_free; /* HugePages_Total and _Free, of the default size */
};

/* The online CPUs and the NUMA nodes, both sorted by id. */
struct vp_host_cpus {
    bool known; /* false: no sys/devices/system/cpu/online, or a snapshot-v1 */
    struct vp_cpu *cpus;
    size_t n;
    struct vp_numa_node *nodes; /* none on a kernel without NUMA */
    size_t n_nodes;
};

/*
 * The existing passthrough configuration: lines of files vfioplan does not own that a manual setup writes
 * (config-syntax.h says which files and lines). Kinds of file, by how they are written.
 */
enum vp_config_kind {
    VP_CONFIG_MODPROBE,       /* modprobe.d (*.conf) */
    VP_CONFIG_GRUB,           /* /etc/default/grub, /etc/default/grub.d/ (*.cfg) */
    VP_CONFIG_BLS,            /* BootLoaderSpec entries, /boot/loader/entries/ (*.conf) */
    VP_CONFIG_KERNEL_CMDLINE, /* /etc/kernel/cmdline (kernel-install) */
    VP_CONFIG_ITOOLS_MODULES, /* /etc/initramfs-tools/modules */
    VP_CONFIG_DRACUT,         /* /etc/dracut.conf, /etc/dracut.conf.d/ (*.conf) */
    VP_CONFIG_MKINITCPIO,     /* /etc/mkinitcpio.conf, /etc/mkinitcpio.conf.d/ (*.conf) */
    VP_CONFIG__COUNT,
};

struct vp_config_line {
    const char *file;         /* relative to the root: "etc/modprobe.d/vfio.conf" */
    unsigned line;            /* 1-based: its first physical line */
    const char *text;         /* as in the file, without the newline; continued lines joined with their newlines */
    enum vp_config_kind kind; /* of file */
};

struct vp_host {
    const char
        *source; /* the ROOT directory or snapshot file, for messages (owned by the diags given to vp_host_load) */
    struct vp_device *devices; /* sorted by address */
    size_t n_devices;
    struct vp_group *groups; /* sorted by id */
    size_t n_groups;
    enum vp_cpu_vendor cpu_vendor;
    const char *cpu_model;
    struct vp_os_release os;
    const char *cmdline; /* /proc/cmdline without the newline; "" if unknown */
    bool efi;
    int secure_boot;           /* 1 on, 0 off, -1 unknown */
    struct vp_kernel *kernels; /* installed, sorted by version string */
    size_t n_kernels;
    int cpu_pdpe1gb; /* the CPU has 1 GiB pages (cpuinfo flag pdpe1gb): 1, 0, -1 unknown */
    struct vp_host_memory memory;
    struct vp_host_cpus cpus;
    /* The block devices the root filesystem sits on, as /dev paths ("/dev/nvme0n1p2", its disk "/dev/nvme0n1",
     * "/dev/dm-0", "/dev/mapper/vg-root"), sorted; root_devices_known false: not traced (a snapshot-v1). */
    const char **root_devices;
    size_t n_root_devices;
    bool root_devices_known;
    bool from_snapshot;            /* read from a snapshot file, not a tree */
    const char *snapshot_lacks;    /* an older snapshot: the facts it does not carry, for messages; NULL */
    struct vp_config_line *config; /* the existing passthrough configuration, by file (as kmod orders) then line */
    size_t n_config;
    void *priv;
};

/* Where host facts come from; one row per source, as pciutils does with access methods. */
struct vp_host_source {
    const char *name; /* "tree", "snapshot" */
    const char *help;
    bool (*detect)(const char *path);
    int (*load)(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d);
};

enum vp_host_flags {
    VP_HOST_NAMES = 1, /* look up device names in pci.ids (scan only: names never reach artifacts) */
};

/* Loads facts from path (a directory ROOT, or a snapshot file); NULL with diagnostics on error. */
struct vp_host *vp_host_load(const char *path, unsigned flags, struct vp_diags *d);
void vp_host_free(struct vp_host **host);

/* 0 if live has the same devices (address, ids, subsystem, class) and IOMMU groups as snap; else -1 with a VP6001
 * listing the differences. */
int vp_host_drift(const struct vp_host *snap, const struct vp_host *live, struct vp_diags *d);

/* Names as snapshots write them ("boot_vga", "mem64-prefetch", "intel"); "?" for a value out of range. */
const char *vp_host_role_name(enum vp_host_role v);
const char *vp_bar_type_name(enum vp_bar_type v);
const char *vp_cpu_vendor_name(enum vp_cpu_vendor v);
const char *vp_cpu_vendor_title(enum vp_cpu_vendor v); /* "Intel", "AMD", "unknown": for summaries */
const char *vp_hugepage_size_name(enum vp_hugepage_size v);
const char *vp_pcie_port_name(enum vp_pcie_port v); /* "root_port", "switch_upstream", ... */
/* A huge page size in bytes (2 MiB, 1 GiB); 0 out of range. */
uint64_t vp_hugepage_bytes(enum vp_hugepage_size v);
const char *vp_config_kind_name(enum vp_config_kind v);
/* A BAR's type from its flags, and back. */
enum vp_bar_type vp_bar_type_of(unsigned flags);
unsigned vp_bar_type_flags(enum vp_bar_type type);

/* Lookups; NULL / -1 when absent. */
long vp_host_index(const struct vp_host *host, const struct vp_pci_addr *addr);
const struct vp_group *vp_host_group(const struct vp_host *host, long id);
/*
 * The PCIe ports above device idx, nearest first (a root port last), into
 * chain[0..max); returns how many there are (which may exceed max).
 */
size_t vp_host_upstream(const struct vp_host *host, size_t idx, size_t *chain, size_t max);
/* The upstream port of the switch device idx sits behind (the nearest above it); -1 if none. */
long vp_host_switch_of(const struct vp_host *host, size_t idx);
/* The CPU with that id, the node with that id; NULL if absent. */
const struct vp_cpu *vp_host_cpu(const struct vp_host *host, unsigned id);
const struct vp_numa_node *vp_host_node(const struct vp_host *host, unsigned id);
/* True if some online CPU shares its core with another thread (SMT on). */
bool vp_host_smt(const struct vp_host *host);
/* True if path (a /dev path) is one the root filesystem sits on. */
bool vp_host_is_root_device(const struct vp_host *host, const char *path);
/* True if any installed kernel (the running one included) has vfio-pci built in. */
bool vp_host_vfio_pci_builtin(const struct vp_host *host);
/* An NVIDIA display or 3D controller (a GPU); an NVSwitch (NVIDIA, class 0680). */
bool vp_device_is_nvidia_gpu(const struct vp_device *dev);
bool vp_device_is_nvswitch(const struct vp_device *dev);
/* True if the device is a PCI-to-PCI bridge or root port (class 0604): they stay with the host. */
bool vp_device_is_bridge(const struct vp_device *dev);
/* A one-line description "0000:41:00.0 [10de:2330] class 0302" for messages. */
void vp_device_describe(const struct vp_device *dev, char *buf, size_t size);
