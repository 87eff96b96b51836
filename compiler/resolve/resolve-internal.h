/* SPDX-License-Identifier: MIT */
/*
 * resolve-internal.h: the state the resolver's passes share. The passes
 * compute (selection, layout, binding, kernel arguments) and never judge;
 * every judgement is a row {code, function} of the rules table (rules.c),
 * run after them over what they computed.
 */
#pragma once

#include "base/arena.h"
#include "vfioplan/plan.h"

/* What one VM picked, before it becomes the plan's assignment list. */
struct vp_picked {
    size_t *devices;   /* host device indices, in selector order */
    size_t *selectors; /* which selector picked each */
    size_t n, cap;
};

/* What one selector found: the functions at its address (bridges too), or those its match matches (never bridges). */
struct vp_found {
    size_t *devices;
    size_t n;
};

/* A function a selector found after another selector had picked it (the same VM's, or another VM's). */
struct vp_conflict {
    size_t vm, selector, device;
};

/* numa.c: a VM that topology: auto could not pin, and why: a node without enough free cores. */
struct vp_numa_short {
    bool is_short;
    unsigned node;
    unsigned want, have; /* cores */
    unsigned threads;    /* per core */
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
    struct vp_found **found;  /* per VM, per selector */
    struct vp_conflict *conflicts;
    size_t n_conflicts, cap_conflicts;
    bool *by_address;                /* per host device: binding.c's choice for an assigned function */
    struct vp_migration *migrations; /* what the rules of a manual setup take over (copied into the plan) */
    size_t n_migrations, cap_migrations;
    const char **config_file_shown;   /* per host config line: its file as messages name it (rules-existing.c) */
    struct vp_numa_short *numa_short; /* per VM */
};

struct vp_plan_priv {
    struct vp_arena arena;
    struct vp_host *predicted; /* the host after the reboot (predict.c), when it differs from today's; owned */
};

/* The passes, in order; each computes and reports nothing. */
/* The host after the reboot (predict.c): the VFs host.sriov creates, the groups an ACS override gives. */
void vp_resolve_predict(struct vp_resolver *r);
void vp_resolve_tools(struct vp_resolver *r);
/* The bootloader, from host.bootloader or the host's boot files (boot.c); called by vp_resolve_tools. */
void vp_resolve_bootloader(struct vp_resolver *r);
void vp_resolve_select(struct vp_resolver *r);
void vp_resolve_layout(struct vp_resolver *r);
/* Each VM's CPU topology and huge pages, and what the host keeps (resources.c). */
void vp_resolve_resources(struct vp_resolver *r);
/* topology: auto: each VM's cells, pins, memory per node and PCIe expanders (numa.c). */
void vp_resolve_numa(struct vp_resolver *r);
void vp_resolve_binding(struct vp_resolver *r);
void vp_resolve_kernel_args(struct vp_resolver *r);
/* Each guest's NVIDIA flavor: the spec's, or by GPU generation (guest.c). */
void vp_resolve_guest(struct vp_resolver *r);
/* Then every row of the rules table. */
void vp_resolve_rules(struct vp_resolver *r);

/*
 * A rule: one code, and the function that judges what the passes computed.
 * The function reports only that code (vp_rule_report picks error or
 * warning from the code's severity); rules.c checks it.
 */
struct vp_rule {
    enum vp_code code;
    void (*judge)(struct vp_resolver *r, enum vp_code code);
};
/* The rules table, for tests. */
const struct vp_rule *vp_rules(size_t *n);
/* Reports code at pos as its severity says; notes and a hint follow with vp_note and vp_hint. */
void vp_rule_report(struct vp_resolver *r, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* rules-host.c: the host section, the distribution, the CPU and the IOMMU */
void vp_rule_unknown_distro(struct vp_resolver *r, enum vp_code code);
void vp_rule_kernel_arg_conflict(struct vp_resolver *r, enum vp_code code);
void vp_rule_kernel_arg_twice(struct vp_resolver *r, enum vp_code code);
void vp_rule_unknown_cpu(struct vp_resolver *r, enum vp_code code);
void vp_rule_acs_override(struct vp_resolver *r, enum vp_code code);
void vp_rule_iommu_off(struct vp_resolver *r, enum vp_code code);
/* rules-select.c: what the selectors found */
void vp_rule_bridge_selected(struct vp_resolver *r, enum vp_code code);
void vp_rule_selected_twice(struct vp_resolver *r, enum vp_code code);
void vp_rule_device_in_two_vms(struct vp_resolver *r, enum vp_code code);
void vp_rule_no_match(struct vp_resolver *r, enum vp_code code);
void vp_rule_count_mismatch(struct vp_resolver *r, enum vp_code code);
void vp_rule_vm_no_devices(struct vp_resolver *r, enum vp_code code);
/* rules-isolation.c: what a VM may take from the host */
void vp_rule_host_critical(struct vp_resolver *r, enum vp_code code);
void vp_rule_no_iommu_group(struct vp_resolver *r, enum vp_code code);
void vp_rule_group_not_whole(struct vp_resolver *r, enum vp_code code);
void vp_rule_multifunction_split(struct vp_resolver *r, enum vp_code code);
void vp_rule_nvswitch_split(struct vp_resolver *r, enum vp_code code);
/* rules-boot.c: the bootloader's evidence, boot facts an older snapshot lacks, the boot VGA's handover */
void vp_rule_boot_evidence(struct vp_resolver *r, enum vp_code code);
void vp_rule_boot_facts(struct vp_resolver *r, enum vp_code code);
void vp_rule_boot_vga_handover(struct vp_resolver *r, enum vp_code code);
/* rules-device.c: driverless group members, resets, SR-IOV, NIC VFs */
void vp_rule_driverless_member(struct vp_resolver *r, enum vp_code code);
void vp_rule_reset_bug(struct vp_resolver *r, enum vp_code code);
void vp_rule_no_reset(struct vp_resolver *r, enum vp_code code);
void vp_rule_sriov_invalid(struct vp_resolver *r, enum vp_code code);
void vp_rule_vf_group_predicted(struct vp_resolver *r, enum vp_code code);
void vp_rule_vf_network(struct vp_resolver *r, enum vp_code code);
/* rules-guest.c: what a VM's guest needs */
void vp_rule_large_bar_bios(struct vp_resolver *r, enum vp_code code);
void vp_rule_too_many_slots(struct vp_resolver *r, enum vp_code code);
void vp_rule_guest_no_gpu(struct vp_resolver *r, enum vp_code code);
void vp_rule_secure_boot_nvidia(struct vp_resolver *r, enum vp_code code);
void vp_rule_open_modules_pre_turing(struct vp_resolver *r, enum vp_code code);
void vp_rule_windows11_requirements(struct vp_resolver *r, enum vp_code code);
void vp_rule_windows_virtio_disk(struct vp_resolver *r, enum vp_code code);
void vp_rule_vm_no_disk(struct vp_resolver *r, enum vp_code code);

/* rules-existing.c: a manual setup's configuration that conflicts with the plan */
void vp_rule_existing_ids(struct vp_resolver *r, enum vp_code code);
void vp_rule_existing_blacklist(struct vp_resolver *r, enum vp_code code);
void vp_rule_existing_contradiction(struct vp_resolver *r, enum vp_code code);
void vp_rule_existing_duplicate(struct vp_resolver *r, enum vp_code code);

/* True when every selector of the VM found its devices (and count of them): rules about the VM's devices as a
 * whole (a guest without a GPU, a fabric cut in half) wait for that, so a selector error has no follow-ons. */
bool vp_resolver_vm_selected(const struct vp_resolver *r, size_t vm);

/* predict.c: true if the ACS override gives h->devices[i] a group of its own (when its group has others). */
bool vp_acs_override_isolates(const struct vp_host *h, size_t i);
/* rules-resources.c: what VMs take of the host's memory, CPUs and address space */
void vp_rule_hugepages_no_room(struct vp_resolver *r, enum vp_code code);
void vp_rule_vm_memory_too_large(struct vp_resolver *r, enum vp_code code);
void vp_rule_vcpu_overcommit(struct vp_resolver *r, enum vp_code code);
void vp_rule_hugepage_size(struct vp_resolver *r, enum vp_code code);
void vp_rule_mmio_too_large(struct vp_resolver *r, enum vp_code code);
/* rules-topology.c: what topology: auto and host_cpus could not honour */
void vp_rule_node_cpus_short(struct vp_resolver *r, enum vp_code code);
void vp_rule_node_memory_short(struct vp_resolver *r, enum vp_code code);
void vp_rule_cpu_pin_overlap(struct vp_resolver *r, enum vp_code code);
void vp_rule_topology_unpinned_span(struct vp_resolver *r, enum vp_code code);
/* True if the VM's devices sit on more than one host NUMA node (numa.c). */
bool vp_numa_spans_nodes(const struct vp_resolver *r, const struct vp_plan_vm *pvm);
/* rules-identity.c: what must be one VM's own */
void vp_rule_disk_shared(struct vp_resolver *r, enum vp_code code);
void vp_rule_root_disk(struct vp_resolver *r, enum vp_code code);
void vp_rule_duplicate_uuid(struct vp_resolver *r, enum vp_code code);
void vp_rule_duplicate_mac(struct vp_resolver *r, enum vp_code code);

/* The selector that picked host device idx for its owner VM. */
const struct vp_selector *vp_resolver_selector_of(const struct vp_resolver *r, size_t idx);
/* "vfioplan scan" or "vfioplan scan --host ROOT", for hints. */
const char *vp_resolver_scan_command(struct vp_resolver *r);
/* The IOMMU mode the kernel arguments are for: the spec's, or the CPU vendor's when auto (AUTO: unknown). */
enum vp_iommu_mode vp_resolver_iommu_mode(const struct vp_resolver *r);
bool vp_match_class(const struct vp_match *m, const struct vp_device *dev);
/* The host index of the VM's first NVIDIA GPU that NVIDIA's open kernel modules cannot drive (older than Turing);
 * -1 if none. */
long vp_resolver_first_pre_turing_gpu(const struct vp_resolver *r, const struct vp_plan_vm *pvm);
