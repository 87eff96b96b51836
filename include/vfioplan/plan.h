/* SPDX-License-Identifier: MIT */
/*
 * plan.h: the result of resolving a spec against host facts: each VM with
 * concrete PCI functions and their guest layout, how vfio-pci claims them,
 * and the kernel parameters. vp_plan_resolve() is a pure function of its
 * inputs. The plan borrows the spec and the host (they must outlive it) and
 * owns everything else; vp_plan_free() releases it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioplan/diag.h"
#include "vfioplan/host.h"
#include "vfioplan/spec.h"

enum vp_family { VP_FAMILY_UNKNOWN, VP_FAMILY_DEBIAN, VP_FAMILY_RHEL, VP_FAMILY_ARCH, VP_FAMILY__COUNT };

/* OVMF's default 64-bit PCI MMIO aperture; more needs opt/ovmf/X-PciMmio64Mb. */
#define VP_OVMF_DEFAULT_MMIO64 (32ull << 30)
/* x86-64's physical address space (52 bits): no guest maps a window beyond it. */
#define VP_GUEST_PHYS_LIMIT (1ull << 52)

/* How vfio-pci claims an assigned function (binding.c decides, once per function). */
enum vp_binding {
    VP_BIND_IDS,     /* options vfio-pci ids=: every host function with its vendor:device is assigned */
    VP_BIND_ADDRESS, /* driver_override: other host functions share its vendor:device */
    VP_BIND__COUNT,
};

struct vp_assignment {
    size_t device;      /* index into host->devices */
    size_t selector;    /* index into the VM's devices that chose it */
    unsigned guest_bus; /* the pcie-root-port (controller index, from 1) */
    unsigned guest_fn;
    bool guest_multifunction; /* on function 0 of a guest slot with several functions */
    enum vp_binding binding;
    int guest_cell;      /* numa.c: the guest NUMA cell of its host node; -1 none (flat, or the node is unknown) */
    unsigned guest_port; /* numa.c: the controller index of the port it plugs into; 0: guest_bus (flat layout) */
};

/* A guest NUMA cell (numa.c): the host node it mirrors, its vCPUs and its memory, bound there. */
struct vp_plan_cell {
    unsigned host_node;
    struct vp_cpu_set vcpus; /* guest vCPU ids */
    uint64_t memory;         /* bytes */
    uint64_t n_hugepages;    /* of the VM's page size; 0 without huge pages */
};

/* The PCIe controllers topology: auto adds, with one names table. */
enum vp_guest_port {
    VP_GPORT_EXPANDER,    /* pcie-expander-bus: a root bus of its own, tied to a guest cell */
    VP_GPORT_ROOT,        /* pcie-root-port */
    VP_GPORT_SWITCH_UP,   /* pcie-switch-upstream-port */
    VP_GPORT_SWITCH_DOWN, /* pcie-switch-downstream-port */
    VP_GPORT__COUNT,
};

struct vp_guest_controller {
    unsigned index; /* libvirt's controller index; every controller comes after the one it plugs into */
    enum vp_guest_port model;
    unsigned parent; /* the controller index it plugs into; 0: pcie-root */
    unsigned cell;   /* an expander's guest cell */
    unsigned bus_nr; /* an expander's first bus number; the buses below it follow */
};

/* What topology: auto (or host_cpus) made of a VM (numa.c); pinned false: flat and unpinned. */
struct vp_plan_vm_numa {
    bool pinned;
    bool explicit_cpus; /* the pins are the spec's host_cpus */
    struct vp_plan_cell *cells;
    size_t n_cells;
    unsigned *vcpu_pins;                     /* per vCPU: the host CPU it runs on */
    struct vp_cpu_set emulator;              /* the housekeeping CPUs its emulator threads run on */
    struct vp_guest_controller *controllers; /* in index order; none: one root port per slot on pcie-root */
    size_t n_controllers;
};

/* A kernel argument, and why it is there (the boot artifacts' comments say it), from the pass that added it. */
struct vp_kernel_param {
    const char *value; /* "intel_iommu=on" */
    const char *why;
};

/* How the kernel command line reaches the bootloader (boot.c decides, from host.bootloader or the host's boot files).
 */
struct vp_plan_boot {
    bool from_evidence;  /* host.bootloader is auto and the host's boot files told */
    bool from_family;    /* ... the host facts have no boot files (an older snapshot): by distribution, as before */
    bool grub_dropins;   /* GRUB whose grub-mkconfig reads /etc/default/grub.d (Debian's); else a block in
                            /etc/default/grub */
    bool grub2;          /* GRUB as Fedora and RHEL install it: grub2-mkconfig, /boot/grub2/grub.cfg */
    bool uki;            /* unified kernel images: the initramfs tool builds /etc/kernel/cmdline into them */
    bool kernel_cmdline; /* the host has /etc/kernel/cmdline */
    unsigned conflict;   /* VP_BOOT_BIT()s of evidence that contradicts the choice (VP3021), 0: none */
};

/* A command the user may run by hand on this host, for advice (advice.c): what apply runs, and how to look. */
enum vp_tool_advice {
    VP_ADVICE_INITRAMFS_REBUILD, /* "update-initramfs -u -k all" */
    VP_ADVICE_INITRAMFS_INSPECT, /* "lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio" */
    VP_ADVICE_BOOT_UPDATE,       /* "update-grub" */
    VP_ADVICE_BOOT_INSPECT,      /* "grep -w linux /boot/grub/grub.cfg": the kernel lines, with their arguments */
    VP_ADVICE__COUNT,
};

/* What a VM gets of the host's CPUs and memory (resources.c). */
struct vp_plan_vm_resources {
    /* <cpu><topology>: one socket and die; threads 2 where the host has SMT and the vCPUs are even, else 1;
     * sockets * dies * cores * threads = vcpus */
    unsigned sockets, dies, cores, threads;
    bool hugepages;                      /* backed by huge pages of hugepage_size */
    enum vp_hugepage_size hugepage_size; /* the spec's, or for true 1G where the CPU has pdpe1gb, else 2M */
    uint64_t n_hugepages;                /* memory / page size, rounded up */
};

/* The huge pages reserved at boot for every VM that asks (resources.c), and what the host keeps. */
struct vp_plan_memory {
    uint64_t reserve; /* the host's own: host.memory_reserve, else an eighth of MemTotal in [512 MiB, 16 GiB];
                       * 0 when the host's memory is unknown */
    bool hugepages;   /* some VM asks for huge pages */
    enum vp_hugepage_size hugepage_size; /* of the first VM that asks for one the CPU has (a second size, or one the
                                          * CPU lacks, is refused: VP4043) */
    uint64_t n_hugepages;                /* of that size, summed over the VMs */
    /* Per host NUMA node (host->cpus.nodes order): the pages each needs (numa.c). per_node: the even spread of
     * hugepages=N would not put them there, so the kernel argument names each node's count. */
    uint64_t *node_hugepages;
    size_t n_node_hugepages;
    bool per_node;
};

/*
 * A word of the existing configuration, or a whole line, that the plan takes over: the rules of a manual
 * setup's conflicts (VP7001-VP7004) record it with the code they report, the migration disables or rewrites it.
 */
struct vp_migration {
    const struct vp_config_line *line; /* borrowed from the host */
    enum vp_code code;
    long word;               /* the word of the line (config-syntax.h) to take out or replace; -1: the whole line */
    const char *replacement; /* the word's new text; NULL: taken out */
};

struct vp_plan_vm {
    const struct vp_vm *spec;
    struct vp_plan_vm_resources res;
    struct vp_plan_vm_numa numa;
    struct vp_assignment *assigned; /* in host address order */
    size_t n_assigned;
    unsigned n_guest_slots;
    uint64_t mmio64_bytes; /* the 64-bit window the devices need (packed, aligned); UINT64_MAX: it overflowed */
    uint64_t mmio64_mib;   /* what to give OVMF; 0 = its default is enough */
    unsigned nvidia_gpus;  /* NVIDIA display / 3D functions */
    unsigned nvswitches;
    bool fabric_manager;                 /* install and check Fabric Manager in the guest */
    enum vp_nvidia_flavor nvidia_flavor; /* the spec's, or by GPU generation: open from Turing on */
    char uuid[37];
};

struct vp_plan {
    const struct vp_spec *spec;
    const struct vp_host *host;
    enum vp_family family;
    enum vp_bootloader bootloader; /* never AUTO once resolved without errors */
    struct vp_plan_boot boot;
    bool acs_override_planned;   /* groups are predicted for pcie_acs_override (not on the command line yet) */
    enum vp_initramfs initramfs; /* never AUTO */
    const struct vp_kernel_param *kernel_args; /* in command-line order */
    size_t n_kernel_args;
    /* "vfioplan.gen=HASH" (also the last kernel argument) when vfio-pci claims any function: the binding acts
     * only on a boot whose command line carries it (the bind script checks); NULL without a binding */
    const char *boot_token;
    const char **vfio_ids; /* "10de:2330" claimed by ids=, sorted */
    size_t n_vfio_ids;
    const char **bind_addresses; /* functions bound by driver_override, sorted */
    size_t n_bind_addresses;
    const char **softdep_drivers; /* drivers that load vfio-pci first, sorted */
    size_t n_softdep_drivers;
    bool vfio_pci_builtin; /* on some installed kernel */
    struct vp_plan_memory memory;
    struct vp_cpu_set housekeeping; /* the host CPUs no VM is pinned to (numa.c); empty when the CPUs are unknown */
    struct vp_plan_vm *vms;
    size_t n_vms;
    const struct vp_migration *migrations; /* in the host's order of configuration lines */
    size_t n_migrations;
    void *priv;
};

struct vp_plan *vp_plan_resolve(const struct vp_spec *spec, const struct vp_host *host, struct vp_diags *d);
void vp_plan_free(struct vp_plan **plan);

/* Whether h->devices[idx], given to no VM, keeps its IOMMU group from a VM after the reboot: a driver holds it today,
 * or an installed kernel's driver would (modules.alias, built-in aliases), or the facts cannot tell. why (NULL: not
 * wanted) says which. */
bool vp_member_blocks(const struct vp_host *h, size_t idx, char *why, size_t size);

/* A host.sriov entry's PF (its index in h->devices) if it can give the VFs asked for; else -1 (VP4034 says why). */
long vp_sriov_pf(const struct vp_host *h, const struct vp_sriov_spec *e);
/* The address of VF index of the PF at h->devices[pf], from its SR-IOV capability (First VF Offset, VF Stride);
 * false if it is past TotalVFs or on a bus the PF's bridge does not route. */
bool vp_sriov_vf_address(const struct vp_host *h, size_t pf, unsigned index, struct vp_pci_addr *out);

/* The command for what on this plan's host (its bootloader, initramfs tool and distribution); never NULL. */
const char *vp_plan_advice(const struct vp_plan *plan, enum vp_tool_advice what);

/* "Debian/Ubuntu", for summaries and JSON. */
const char *vp_family_name(enum vp_family f);
/* "pcie-expander-bus", "pcie-root-port", ... as libvirt names the models */
const char *vp_guest_port_name(enum vp_guest_port p);
/* "ids", "address" */
const char *vp_binding_name(enum vp_binding b);
/* Prefix of the boot token on the kernel command line, and of the mark of a boot entry of 'vfioplan try'. */
#define VP_BOOT_TOKEN_PREFIX "vfioplan.gen="
#define VP_TRY_MARK_PREFIX "vfioplan.try="
/* True when some function is claimed by vfio-pci (by id or by address): then the plan has a boot token. */
bool vp_plan_has_binding(const struct vp_plan *plan);

/* The distribution family from os-release's ID and ID_LIKE. */
enum vp_family vp_family_of(const struct vp_os_release *os);
