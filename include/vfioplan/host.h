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

/* PCI Express device/port types (the PCIe capability's Flags bits 7:4), as snapshots name them. */
enum vp_pcie_type {
    VP_PCIE_NONE,            /* no PCIe capability: conventional PCI */
    VP_PCIE_ENDPOINT,        /* type 0 */
    VP_PCIE_LEGACY_ENDPOINT, /* type 1 */
    VP_PCIE_ROOT_PORT,       /* type 4 */
    VP_PCIE_UPSTREAM,        /* type 5: a switch's upstream port */
    VP_PCIE_DOWNSTREAM,      /* type 6: a switch's downstream port */
    VP_PCIE_PCI_BRIDGE,      /* type 7: PCIe to PCI/PCI-X bridge */
    VP_PCIE_PCIE_BRIDGE,     /* type 8: PCI/PCI-X to PCIe bridge */
    VP_PCIE_RC_ENDPOINT,     /* type 9: root complex integrated endpoint */
    VP_PCIE_RC_EVENT,        /* type 10: root complex event collector */
    VP_PCIE_TYPE__COUNT,
};

/* A physical function's SR-IOV capability (config space, extended capability 0x10); total_vfs 0: none. */
struct vp_sriov_cap {
    uint16_t total_vfs;
    uint16_t num_vfs;   /* enabled today */
    uint16_t offset;    /* First VF Offset: VF 0's routing ID is the PF's plus this */
    uint16_t stride;    /* VF Stride: from one VF's routing ID to the next */
    uint16_t vf_device; /* the VFs' device id (their vendor is the PF's) */
};

/*
 * What config space and sysfs tell about a function beyond its ids: its
 * place in the PCIe tree, how it can be reset, SR-IOV (host-pci.c reads
 * config space through libpci, host-hw.c the sysfs files). The last group
 * is computed when a host is loaded, not read.
 */
struct vp_device_hw {
    bool caps_read;         /* config space past the header was readable (root on a live host): the caps are known */
    bool ext_caps_read;     /* ... and the extended config space (a PCIe function's ACS and SR-IOV) */
    enum vp_pcie_type pcie; /* meaningful if caps_read */
    bool acs;               /* its own ACS extended capability */
    bool flr;               /* PCIe DevCap: Function Level Reset (or Advanced Features FLR) */
    bool pm;                /* a PM capability ... */
    bool pm_no_soft_reset;  /* ... whose No_Soft_Reset bit says D3hot to D0 does not reset it (no PM reset) */
    struct vp_sriov_cap sriov;
    uint8_t secondary_bus; /* a bridge's buses (config space), 0 otherwise */
    uint8_t subordinate_bus;
    const char *modalias;      /* sysfs modalias where it differs from the one ids and class give (never seen); NULL */
    const char *reset_method;  /* sysfs reset_method ("flr bus", Linux 5.15 and later); NULL: not shown */
    bool is_vf;                /* a virtual function (sysfs physfn) ... */
    struct vp_pci_addr physfn; /* ... of this physical function */
    long parent;               /* computed: index of the bridge above it in host->devices, -1 on a root bus */
    long pf;                   /* computed: a VF's PF index, else -1 */
    int vf_index;              /* computed: a VF's index on its PF (0 is the first), else -1 */
    bool vf_planned;           /* a VF that is not there today: host.sriov creates it at boot */
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
    struct vp_device_hw hw;
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
    long today; /* a group the plan predicts for after the reboot: the group of today it comes from; else -1 */
    bool split; /* predicted: split off `today` by the ACS override (else a VF's group, today = its PF's) */
};

enum vp_cpu_vendor { VP_CPU_UNKNOWN, VP_CPU_INTEL, VP_CPU_AMD, VP_CPU__COUNT };

/* A line of a kernel's modules.alias or modules.builtin.alias: a driver claims functions whose modalias matches. */
struct vp_module_alias {
    const char *pattern; /* fnmatch(3) pattern, as kmod matches it: "pci:v*d*sv*sd*bc0Csc03i30*" */
    const char *module;  /* "xhci_pci" */
    bool builtin;        /* from modules.builtin.alias (or .modinfo): built into the kernel */
};

/* The drivers a kernel would bind after a reboot (host-drivers.c), kept to the aliases that match a function of
 * this host. */
struct vp_kernel_drivers {
    bool known; /* modules.alias and the built-in aliases were read; false: cannot tell */
    struct vp_module_alias *aliases;
    size_t n_aliases;
};

struct vp_kernel {
    const char *version;
    bool running;
    bool vfio_pci_builtin; /* modules.builtin lists vfio-pci: modprobe.d options do not reach it */
    struct vp_kernel_drivers drivers;
};

/* What the host tree shows of its boot setup (host-boot.c); one bit each in struct vp_boot_facts. */
enum vp_boot_evidence {
    VP_BOOT_GRUB_CFG,       /* boot/grub/grub.cfg */
    VP_BOOT_GRUB2_CFG,      /* boot/grub2/grub.cfg */
    VP_BOOT_GRUB_DEFAULT,   /* etc/default/grub */
    VP_BOOT_GRUB_MKCONFIG,  /* grub-mkconfig (or grub2-mkconfig) ... */
    VP_BOOT_GRUB_DROPINS,   /* ... that reads etc/default/grub.d (Debian's patch; upstream's does not) */
    VP_BOOT_GRUBBY,         /* grubby */
    VP_BOOT_BLS_ENTRIES,    /* boot/loader/entries/ with no systemd-boot: BootLoaderSpec entries GRUB reads */
    VP_BOOT_SYSTEMD_BOOT,   /* systemd-boot on an ESP (boot/, efi/, boot/efi/): its EFI binary or loader.conf */
    VP_BOOT_LOADER_ENTRIES, /* loader/entries/ on that ESP */
    VP_BOOT_KERNEL_CMDLINE, /* etc/kernel/cmdline (kernel-install, mkinitcpio, ukify, proxmox-boot-tool) */
    VP_BOOT_UKI,            /* unified kernel images: EFI/Linux/ on an ESP */
    VP_BOOT_OSTREE,         /* an ostree deployment: run/ostree-booted or ostree/deploy */
    VP_BOOT_RPM_OSTREE,     /* rpm-ostree */
    VP_BOOT_PROXMOX,        /* proxmox-boot-tool, with etc/kernel/proxmox-boot-uuids */
    VP_BOOT_KERNELSTUB,     /* kernelstub, with etc/kernelstub/configuration (Pop!_OS) */
    VP_BOOT__COUNT,
};
#define VP_BOOT_BIT(e) (1u << (e))

struct vp_boot_facts {
    bool known;     /* read from a tree, or from a snapshot that has them */
    unsigned found; /* VP_BOOT_BIT() of each piece of evidence */
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
    struct vp_boot_facts boot;
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
const char *vp_pcie_type_name(enum vp_pcie_type v);
const char *vp_boot_evidence_name(enum vp_boot_evidence v);
/* What a piece of evidence is, for messages: "boot/grub/grub.cfg". */
const char *vp_boot_evidence_doc(enum vp_boot_evidence v);
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
/* True if a driver of the function's own holds it today: any but vfio-pci and pci-stub, which only park it. */
bool vp_device_has_own_driver(const struct vp_device *dev);
/* The function's modalias as the kernel writes it (pci:v...d...sv...sd...bc..sc..i..), into buf. */
void vp_device_modalias(const struct vp_device *dev, char *buf, size_t size);
/* "IOMMU group 4", or for a predicted group "IOMMU group 31 (group 4 split by the ACS override)". */
void vp_group_describe(const struct vp_group *g, char *buf, size_t size);

/*
 * A host as it will be after the reboot, for the plan: base's devices plus
 * extra (VFs vfioplan creates), with the IOMMU group each device will have
 * (group_of, per device: base's then extra's, -1 none) and where a predicted
 * group comes from (today_of, split_of: per device as group_of, used only
 * for new group ids). Borrows everything else from base, which must outlive
 * it; vp_host_free() releases it.
 */
struct vp_host *vp_host_derive(const struct vp_host *base, const struct vp_device *extra, size_t n_extra,
                               const long *group_of, const long *today_of, const bool *split_of);

/* A one-line description "0000:41:00.0 [10de:2330] class 0302" for messages. */
void vp_device_describe(const struct vp_device *dev, char *buf, size_t size);
