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
