/* SPDX-License-Identifier: MIT */
/*
 * host-names.c: the host facts' enums by name, as snapshots write them: one
 * table per enum, indexed by value. The snapshot writer uses the accessors,
 * the snapshot reader's field tables the same tables.
 */
#include "host-internal.h"

static const char *const vp_host_role_names[VP_ROLE__COUNT] = {
    [VP_ROLE_BOOT_VGA] = "boot_vga",
    [VP_ROLE_ROOT_STORAGE] = "root_storage",
    [VP_ROLE_DEFAULT_ROUTE] = "default_route",
};
VP_NAMED_ENUM(host_role, VP_ROLE__COUNT, "host role");

static const char *const vp_bar_type_names[VP_BAR_TYPE__COUNT] = {
    [VP_BAR_TYPE_IO] = "io",
    [VP_BAR_TYPE_MEM32] = "mem32",
    [VP_BAR_TYPE_MEM32_PREFETCH] = "mem32-prefetch",
    [VP_BAR_TYPE_MEM64] = "mem64",
    [VP_BAR_TYPE_MEM64_PREFETCH] = "mem64-prefetch",
};
VP_NAMED_ENUM(bar_type, VP_BAR_TYPE__COUNT, "BAR type");

static const char *const vp_cpu_vendor_names[VP_CPU__COUNT] = {
    [VP_CPU_UNKNOWN] = "unknown",
    [VP_CPU_INTEL] = "intel",
    [VP_CPU_AMD] = "amd",
};
VP_NAMED_ENUM(cpu_vendor, VP_CPU__COUNT, "CPU vendor");

static const char *const vp_pcie_type_names[VP_PCIE_TYPE__COUNT] = {
    [VP_PCIE_NONE] = "pci",
    [VP_PCIE_ENDPOINT] = "endpoint",
    [VP_PCIE_LEGACY_ENDPOINT] = "legacy-endpoint",
    [VP_PCIE_ROOT_PORT] = "root-port",
    [VP_PCIE_UPSTREAM] = "upstream-port",
    [VP_PCIE_DOWNSTREAM] = "downstream-port",
    [VP_PCIE_PCI_BRIDGE] = "pcie-to-pci-bridge",
    [VP_PCIE_PCIE_BRIDGE] = "pci-to-pcie-bridge",
    [VP_PCIE_RC_ENDPOINT] = "rc-endpoint",
    [VP_PCIE_RC_EVENT] = "rc-event-collector",
};
VP_NAMED_ENUM(pcie_type, VP_PCIE_TYPE__COUNT, "PCIe port type");

static const char *const vp_boot_evidence_names[VP_BOOT__COUNT] = {
    [VP_BOOT_GRUB_CFG] = "grub-cfg",
    [VP_BOOT_GRUB2_CFG] = "grub2-cfg",
    [VP_BOOT_GRUB_DEFAULT] = "grub-default",
    [VP_BOOT_GRUB_MKCONFIG] = "grub-mkconfig",
    [VP_BOOT_GRUB_DROPINS] = "grub-dropins",
    [VP_BOOT_GRUBBY] = "grubby",
    [VP_BOOT_BLS_ENTRIES] = "bls-entries",
    [VP_BOOT_SYSTEMD_BOOT] = "systemd-boot",
    [VP_BOOT_LOADER_ENTRIES] = "loader-entries",
    [VP_BOOT_KERNEL_CMDLINE] = "kernel-cmdline",
    [VP_BOOT_UKI] = "uki",
    [VP_BOOT_OSTREE] = "ostree",
    [VP_BOOT_RPM_OSTREE] = "rpm-ostree",
    [VP_BOOT_PROXMOX] = "proxmox-boot-tool",
    [VP_BOOT_KERNELSTUB] = "kernelstub",
};
VP_NAMED_ENUM(boot_evidence, VP_BOOT__COUNT, "boot evidence");

/* What each piece of evidence is on the host, for the messages that list what was found. */
static const char *const boot_evidence_docs[VP_BOOT__COUNT] = {
    [VP_BOOT_GRUB_CFG] = "/boot/grub/grub.cfg (GRUB)",
    [VP_BOOT_GRUB2_CFG] = "/boot/grub2/grub.cfg (GRUB 2 as Fedora and RHEL install it)",
    [VP_BOOT_GRUB_DEFAULT] = "/etc/default/grub",
    [VP_BOOT_GRUB_MKCONFIG] = "grub-mkconfig",
    [VP_BOOT_GRUB_DROPINS] = "a grub-mkconfig that reads /etc/default/grub.d (Debian's)",
    [VP_BOOT_GRUBBY] = "grubby",
    [VP_BOOT_BLS_ENTRIES] = "BootLoaderSpec entries in /boot/loader/entries",
    [VP_BOOT_SYSTEMD_BOOT] = "systemd-boot on an EFI system partition",
    [VP_BOOT_LOADER_ENTRIES] = "systemd-boot entries (loader/entries)",
    [VP_BOOT_KERNEL_CMDLINE] = "/etc/kernel/cmdline",
    [VP_BOOT_UKI] = "unified kernel images (EFI/Linux)",
    [VP_BOOT_OSTREE] = "an ostree deployment",
    [VP_BOOT_RPM_OSTREE] = "rpm-ostree",
    [VP_BOOT_PROXMOX] = "proxmox-boot-tool managing EFI system partitions",
    [VP_BOOT_KERNELSTUB] = "kernelstub (/etc/kernelstub/configuration)",
};

const char *
vp_boot_evidence_doc(enum vp_boot_evidence v)
{
    return vp_enum_name(boot_evidence_docs, VP_BOOT__COUNT, (int)v);
}

/* As people write them, for summaries (the names above are the snapshot's). */
static const char *const cpu_vendor_titles[VP_CPU__COUNT] = {
    [VP_CPU_UNKNOWN] = "unknown",
    [VP_CPU_INTEL] = "Intel",
    [VP_CPU_AMD] = "AMD",
};

const char *
vp_cpu_vendor_title(enum vp_cpu_vendor v)
{
    return (unsigned)v < VP_CPU__COUNT ? cpu_vendor_titles[v] : "unknown";
}

/* The kinds of file of a manual setup, for messages and JSON (a snapshot gives the file, whose path says its kind). */
static const char *const vp_config_kind_names[VP_CONFIG__COUNT] = {
    [VP_CONFIG_MODPROBE] = "modprobe.d",
    [VP_CONFIG_GRUB] = "grub",
    [VP_CONFIG_BLS] = "bootloaderspec",
    [VP_CONFIG_KERNEL_CMDLINE] = "kernel-cmdline",
    [VP_CONFIG_ITOOLS_MODULES] = "initramfs-tools",
    [VP_CONFIG_DRACUT] = "dracut",
    [VP_CONFIG_MKINITCPIO] = "mkinitcpio",
};
VP_NAMED_ENUM(config_kind, VP_CONFIG__COUNT, "kind of configuration file");

static const unsigned bar_type_flags[VP_BAR_TYPE__COUNT] = {
    [VP_BAR_TYPE_IO] = VP_BAR_IO,
    [VP_BAR_TYPE_MEM32] = 0,
    [VP_BAR_TYPE_MEM32_PREFETCH] = VP_BAR_PREFETCH,
    [VP_BAR_TYPE_MEM64] = VP_BAR_MEM64,
    [VP_BAR_TYPE_MEM64_PREFETCH] = VP_BAR_MEM64 | VP_BAR_PREFETCH,
};

unsigned
vp_bar_type_flags(enum vp_bar_type type)
{
    return (unsigned)type < VP_BAR_TYPE__COUNT ? bar_type_flags[type] : 0;
}

enum vp_bar_type
vp_bar_type_of(unsigned flags)
{
    if (flags & VP_BAR_IO) /* an I/O BAR is neither 64-bit nor prefetchable */
        return VP_BAR_TYPE_IO;
    for (int t = 0; t < VP_BAR_TYPE__COUNT; t++)
        if (bar_type_flags[t] == (flags & (VP_BAR_MEM64 | VP_BAR_PREFETCH)))
            return (enum vp_bar_type)t;
    return VP_BAR_TYPE_MEM32;
}

static const char *const vp_hugepage_size_names[VP_HUGEPAGE__COUNT] = {
    [VP_HUGEPAGE_2M] = "2M",
    [VP_HUGEPAGE_1G] = "1G",
};
VP_NAMED_ENUM(hugepage_size, VP_HUGEPAGE__COUNT, "huge page size");

uint64_t
vp_hugepage_bytes(enum vp_hugepage_size v)
{
    static const uint64_t bytes[VP_HUGEPAGE__COUNT] = {[VP_HUGEPAGE_2M] = 2ull << 20, [VP_HUGEPAGE_1G] = 1ull << 30};
    return (unsigned)v < VP_HUGEPAGE__COUNT ? bytes[v] : 0;
}

static const char *const vp_pcie_port_names[VP_PORT__COUNT] = {
    [VP_PORT_NONE] = "none",
    [VP_PORT_ROOT] = "root_port",
    [VP_PORT_SWITCH_UPSTREAM] = "switch_upstream",
    [VP_PORT_SWITCH_DOWNSTREAM] = "switch_downstream",
};
VP_NAMED_ENUM(pcie_port, VP_PORT__COUNT, "PCIe port");
