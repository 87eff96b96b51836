/* SPDX-License-Identifier: MIT */
/*
 * rules.c: every judgement the resolver makes, one row {code, function} per
 * code, run after the passes have computed the plan. Each function reports
 * only its row's code; a new rule is a function and a row. Diagnostics are
 * sorted by position for output, so the order of rows matters only for
 * those at one position: it is the order they read best in.
 */
#include <assert.h>
#include <stdarg.h>

#include "base/util.h"
#include "resolve-internal.h"

static const struct vp_rule rules[] = {
    /* the host section and the host's tools */
    {VP_UNKNOWN_DISTRO, vp_rule_unknown_distro},
    {VP_BOOT_EVIDENCE, vp_rule_boot_evidence},
    {VP_HOST_FACT, vp_rule_boot_facts},
    {VP_SRIOV_INVALID, vp_rule_sriov_invalid},
    {VP_KERNEL_ARG_CONFLICT, vp_rule_kernel_arg_conflict},
    {VP_DUPLICATE_ENTRY, vp_rule_kernel_arg_twice},
    /* what the selectors found */
    {VP_BRIDGE_SELECTED, vp_rule_bridge_selected},
    {VP_SELECTED_TWICE, vp_rule_selected_twice},
    {VP_DEVICE_IN_TWO_VMS, vp_rule_device_in_two_vms},
    {VP_NO_MATCH, vp_rule_no_match},
    {VP_COUNT_MISMATCH, vp_rule_count_mismatch},
    {VP_VM_NO_DEVICES, vp_rule_vm_no_devices},
    /* what a VM may take from the host */
    {VP_BOOT_VGA, vp_rule_host_critical},
    {VP_ROOT_STORAGE, vp_rule_host_critical},
    {VP_HOST_NIC, vp_rule_host_critical},
    {VP_NO_IOMMU_GROUP, vp_rule_no_iommu_group},
    {VP_GROUP_NOT_WHOLE, vp_rule_group_not_whole},
    {VP_DRIVERLESS_MEMBER, vp_rule_driverless_member},
    {VP_VF_GROUP_PREDICTED, vp_rule_vf_group_predicted},
    {VP_VF_NETWORK, vp_rule_vf_network},
    {VP_MULTIFUNCTION_SPLIT, vp_rule_multifunction_split},
    {VP_NVSWITCH_SPLIT, vp_rule_nvswitch_split},
    {VP_BOOT_VGA_HANDOVER, vp_rule_boot_vga_handover},
    {VP_RESET_BUG, vp_rule_reset_bug},
    {VP_NO_RESET, vp_rule_no_reset},
    /* the kernel command line */
    {VP_UNKNOWN_CPU, vp_rule_unknown_cpu},
    {VP_ACS_OVERRIDE, vp_rule_acs_override},
    {VP_IOMMU_OFF, vp_rule_iommu_off},
    /* what the guest needs */
    {VP_LARGE_BAR_BIOS, vp_rule_large_bar_bios},
    {VP_TOO_MANY_SLOTS, vp_rule_too_many_slots},
    {VP_GUEST_NO_GPU, vp_rule_guest_no_gpu},
    {VP_SECURE_BOOT_NVIDIA, vp_rule_secure_boot_nvidia},
    {VP_OPEN_MODULES_PRE_TURING, vp_rule_open_modules_pre_turing},
    {VP_WINDOWS11_REQUIREMENTS, vp_rule_windows11_requirements},
    {VP_WINDOWS_VIRTIO_DISK, vp_rule_windows_virtio_disk},
    /* what a VM takes of the host */
    {VP_VCPU_OVERCOMMIT, vp_rule_vcpu_overcommit},
    {VP_VM_MEMORY_TOO_LARGE, vp_rule_vm_memory_too_large},
    {VP_HUGEPAGE_SIZE, vp_rule_hugepage_size},
    {VP_HUGEPAGES_NO_ROOM, vp_rule_hugepages_no_room},
    {VP_MMIO_TOO_LARGE, vp_rule_mmio_too_large},
    /* what topology: auto and host_cpus could not honour */
    {VP_CPU_PIN_OVERLAP, vp_rule_cpu_pin_overlap},
    {VP_NODE_CPUS_SHORT, vp_rule_node_cpus_short},
    {VP_NODE_MEMORY_SHORT, vp_rule_node_memory_short},
    {VP_TOPOLOGY_UNPINNED_SPAN, vp_rule_topology_unpinned_span},
    /* what is one VM's own */
    {VP_DUPLICATE_UUID, vp_rule_duplicate_uuid},
    {VP_DISK_SHARED, vp_rule_disk_shared},
    {VP_ROOT_DISK, vp_rule_root_disk},
    {VP_DUPLICATE_MAC, vp_rule_duplicate_mac},
    {VP_VM_NO_DISK, vp_rule_vm_no_disk},
    /* what a manual setup left behind: each conflict is reported, and its line taken over by the migration */
    {VP_EXISTING_IDS_HOST_DEVICE, vp_rule_existing_ids},
    {VP_EXISTING_BLACKLIST, vp_rule_existing_blacklist},
    {VP_EXISTING_CONTRADICTS, vp_rule_existing_contradiction},
    {VP_EXISTING_DUPLICATE, vp_rule_existing_duplicate},
};

const struct vp_rule *
vp_rules(size_t *n)
{
    *n = VP_ARRAY_SIZE(rules);
    return rules;
}

void
vp_rule_report(struct vp_resolver *r, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vp_vreport(r->d, code, pos, fmt, ap);
    va_end(ap);
}

void
vp_resolve_rules(struct vp_resolver *r)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(rules); i++) {
        size_t first = r->d->n;
        rules[i].judge(r, rules[i].code);
        /* a rule reports its own code only (the diagnostics past the cap are not kept to look at) */
        for (size_t k = first; k < r->d->n; k++)
            assert(r->d->items[k].code == rules[i].code);
    }
}
