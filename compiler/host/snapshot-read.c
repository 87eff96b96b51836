/* SPDX-License-Identifier: MIT */
/*
 * snapshot-read.c: a host snapshot file back into host facts. Snapshots come
 * from git repositories too, so they are read as strictly as the spec, with
 * the same field tables (yaml/fields.h): limits, known keys only, every
 * value checked, positions in every error. A snapshot is machine-written,
 * so every problem is VP3007 with one hint: take it again.
 */
#include <stdlib.h>
#include <string.h>

#include "base/cpulist.h"
#include "base/fileio.h"
#include "config-syntax.h"
#include "base/util.h"
#include "host-internal.h"
#include "snapshot-topology.h"
#include "vfioplan/snapshot.h"
#include "yaml/yaml-tree.h"

/* A 20,000-function host is about 400,000 nodes; a hostile file stops at 1,000,000 (about 130 MB, 1.5 s). */
static const struct vp_ylimits snapshot_limits = {.max_depth = 8, .max_nodes = 1000 * 1000};

static const struct vp_freport snapshot_report = {
    VP_SNAPSHOT_INVALID, "write the snapshot again with 'vfioplan snapshot' on the host; do not edit it by hand"};

/* ---- handlers for values a snapshot holds and the spec does not ---- */

static int
f_address(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_device *dev = (struct vp_device *)((char *)dst - offsetof(struct vp_device, addr));
    if (vp_expect_string(p, n, "address") < 0)
        return -1;
    if (!vp_pci_addr_parse(n->value, &dev->addr, NULL))
        return vp_field_error(p, VP_SNAPSHOT_INVALID, &n->pos, "'%s' is not a PCI address", n->value);
    vp_pci_addr_format(&dev->addr, dev->addr_str);
    return 0;
}

/* "vvvv:dddd" into two uint16_t: dst and dst + second. */
struct id_pair_arg {
    ptrdiff_t second;
    const char *what;
};

static int
f_id_pair(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct id_pair_arg *a = arg;
    if (vp_expect_string(p, n, a->what) < 0)
        return -1;
    const char *s = n->value;
    if (strlen(s) != 9 || s[4] != ':' || strspn(s, "0123456789abcdef") != 4 || strspn(s + 5, "0123456789abcdef") != 4)
        return vp_field_error(p, VP_SNAPSHOT_INVALID, &n->pos, "'%s' is not vendor:device", s);
    *(uint16_t *)dst = (uint16_t)strtoul(s, NULL, 16);
    *(uint16_t *)((char *)dst + a->second) = (uint16_t)strtoul(s + 5, NULL, 16);
    return 0;
}

/* Lower-case hex of exactly digits digits, into a uint32_t (6 digits: the class) or a uint8_t (2: the revision). */
struct hex_arg {
    size_t digits;
    const char *what;
};

static int
f_hex(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct hex_arg *a = arg;
    if (vp_expect_string(p, n, a->what) < 0)
        return -1;
    if (strlen(n->value) != a->digits || strspn(n->value, "0123456789abcdef") != a->digits)
        return vp_field_error(p, VP_SNAPSHOT_INVALID, &n->pos, "'%s' is not a %zu-digit %s", n->value, a->digits,
                              a->what);
    unsigned long v = strtoul(n->value, NULL, 16);
    if (a->digits == 2)
        *(uint8_t *)dst = (uint8_t)v;
    else if (a->digits == 4)
        *(uint16_t *)dst = (uint16_t)v;
    else
        *(uint32_t *)dst = (uint32_t)v;
    return 0;
}

/* A whole number in [min, max] into a uint8_t (max below 256) or a uint16_t. */
static int
f_small_uint(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_uint_arg *a = arg;
    unsigned v;
    if (vp_field_uint(p, n, &v, arg) < 0)
        return -1;
    if (a->max < 256)
        *(uint8_t *)dst = (uint8_t)v;
    else
        *(uint16_t *)dst = (uint16_t)v;
    return 0;
}

/* physfn: "ADDR" makes the device a VF of that PF. */
static int
f_physfn(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_device_hw *hw = (struct vp_device_hw *)((char *)dst - offsetof(struct vp_device_hw, physfn));
    if (vp_expect_string(p, n, "physfn") < 0)
        return -1;
    if (!vp_pci_addr_parse(n->value, &hw->physfn, NULL))
        return vp_field_error(p, VP_SNAPSHOT_INVALID, &n->pos, "'%s' is not a PCI address", n->value);
    hw->is_vf = true;
    return 0;
}

static int
f_numa_node(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    unsigned v;
    if (vp_field_uint(p, n, &v, arg) < 0)
        return -1;
    *(int *)dst = (int)v;
    return 0;
}

static int
f_iommu_group(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    unsigned v;
    if (vp_field_uint(p, n, &v, arg) < 0)
        return -1;
    *(long *)dst = (long)v;
    return 0;
}

/* roles: [boot_vga, ...] into VP_ROLE_BIT()s. */
static int
f_roles(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    if (vp_expect_kind(p, n, VP_Y_SEQ, "roles") < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n->n; i++) {
        int role;
        if (vp_field_enum(p, n->items[i], &role, arg) < 0)
            rc = -1;
        else
            *(unsigned *)dst |= VP_ROLE_BIT(role);
    }
    return rc;
}

bool
vp_snapshot_plain_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* reset_method as sysfs writes it: method names separated by spaces */
static bool
reset_methods(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 128 && strspn(s, "abcdefghijklmnopqrstuvwxyz_ ") == n;
}

/* A modalias, or a kmod alias pattern (fnmatch wildcards and classes): "pci:v*d*sv*sd*bc0Csc03i30*" */
static bool
alias_text(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && n <= 128 && vp_startswith(s, "pci:") &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*?[]!:-_") == n;
}

/* parent: "0000:40:01.0", the function above this one */
static int
f_parent(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_pci_place *place = dst;
    if (vp_expect_string(p, n, "parent") < 0)
        return -1;
    bool slot = false;
    if (!vp_pci_addr_parse(n->value, &place->parent_addr, &slot) || slot)
        return vp_field_error(p, VP_SNAPSHOT_INVALID, &n->pos, "'%s' is not a PCI address", n->value);
    place->has_parent = true;
    return 0;
}

#define F(type, k, fn, member, a, ...)                                                                                 \
    {                                                                                                                  \
        .key = k, .parse = fn, .offset = offsetof(type, member), .arg = a, __VA_ARGS__                                 \
    }

/* ---- a device's BARs: each {index, size, type} goes to bars[index] ---- */

struct snap_bar {
    struct vp_pos pos;
    unsigned index;
    uint64_t size;
    enum vp_bar_type type;
};

static const struct vp_uint_arg bar_index_arg = {0, VP_BAR_COUNT - 1, "a BAR index"};
static const struct vp_uint_arg bar_size_arg = {1, INT64_MAX, "a BAR size"};
static const struct vp_field bar_fields[] = {
    F(struct snap_bar, "index", vp_field_uint, index, &bar_index_arg, .flags = VP_FIELD_REQUIRED),
    F(struct snap_bar, "size", vp_field_u64, size, &bar_size_arg, .flags = VP_FIELD_REQUIRED),
    F(struct snap_bar, "type", vp_field_enum, type, &vp_bar_type_arg, .flags = VP_FIELD_REQUIRED),
    {0},
};

static int
f_bars(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_bar *bars = dst;
    if (vp_expect_kind(p, n, VP_Y_SEQ, "bars") < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n->n; i++) {
        struct snap_bar b = {.pos = n->items[i]->pos};
        if (vp_fields_parse_map(p, n->items[i], &b, bar_fields, "a BAR") < 0)
            rc = -1;
        else if (b.size & (b.size - 1)) /* a BAR decodes a power of two; the MMIO window arithmetic relies on it */
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &b.pos, "BAR %u has size %llu, not a power of two", b.index,
                                (unsigned long long)b.size);
        else if (bars[b.index].size)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &b.pos, "BAR %u is given twice", b.index);
        else
            bars[b.index] = (struct vp_bar){b.size, vp_bar_type_flags(b.type)};
    }
    return rc;
}

/* ---- a device's config space and SR-IOV facts (struct vp_device_hw) ---- */

static const struct vp_field config_fields[] = {
    F(struct vp_device_hw, "pcie", vp_field_enum, pcie, &vp_pcie_type_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_device_hw, "extended", vp_field_bool, ext_caps_read, "extended"),
    F(struct vp_device_hw, "acs", vp_field_bool, acs, "acs"),
    F(struct vp_device_hw, "flr", vp_field_bool, flr, "flr"),
    F(struct vp_device_hw, "pm", vp_field_bool, pm, "pm"),
    F(struct vp_device_hw, "pm_no_soft_reset", vp_field_bool, pm_no_soft_reset, "pm_no_soft_reset"),
    {0},
};
static const struct vp_map_arg config_map = {config_fields, "config", 0};

static const struct vp_uint_arg vfs_arg = {0, 65535, "a number of VFs"};
static const struct vp_uint_arg rid_arg = {0, 65535, "a routing ID offset"};
static const struct hex_arg vf_device_arg = {4, "VF device id"};
static const struct vp_field sriov_fields[] = {
    F(struct vp_sriov_cap, "total_vfs", f_small_uint, total_vfs, &vfs_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_sriov_cap, "num_vfs", f_small_uint, num_vfs, &vfs_arg),
    F(struct vp_sriov_cap, "offset", f_small_uint, offset, &rid_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_sriov_cap, "stride", f_small_uint, stride, &rid_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_sriov_cap, "vf_device", f_hex, vf_device, &vf_device_arg, .flags = VP_FIELD_REQUIRED),
    {0},
};
static const struct vp_map_arg sriov_map = {sriov_fields, "sriov", 0};
static const struct vp_uint_arg bus_arg = {0, 255, "a bus number"};
static const struct vp_string_arg reset_method_arg = {reset_methods, VP_SNAPSHOT_INVALID, "a list of reset methods",
                                                      NULL};
static const struct vp_string_arg alias_arg = {alias_text, VP_SNAPSHOT_INVALID, "a PCI modalias or alias", NULL};

/* ---- a device ---- */

static const struct id_pair_arg id_arg = {offsetof(struct vp_device, device) - offsetof(struct vp_device, vendor),
                                          "id"};
static const struct id_pair_arg subsystem_arg = {
    offsetof(struct vp_device, subsystem_device) - offsetof(struct vp_device, subsystem_vendor), "subsystem"};
static const struct hex_arg class_arg = {6, "class"};
static const struct hex_arg revision_arg = {2, "revision"};
static const struct vp_uint_arg numa_node_arg = {0, VP_SNAPSHOT_MAX_NODE, "numa_node"};
static const struct vp_uint_arg iommu_group_arg = {0, 999999999, "iommu_group"};
static const struct vp_string_arg driver_arg = {vp_snapshot_plain_name, VP_SNAPSHOT_INVALID, "a plain driver name",
                                                NULL};
static const struct vp_string_arg module_arg = {vp_snapshot_plain_name, VP_SNAPSHOT_INVALID, "a plain module name",
                                                NULL};
static const struct vp_string_arg text_arg = {NULL, VP_SNAPSHOT_INVALID, "a string", NULL};

static const struct vp_field device_fields[] = {
    F(struct vp_device, "address", f_address, addr, NULL, .flags = VP_FIELD_REQUIRED),
    F(struct vp_device, "id", f_id_pair, vendor, &id_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_device, "subsystem", f_id_pair, subsystem_vendor, &subsystem_arg),
    F(struct vp_device, "class", f_hex, class_code, &class_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_device, "revision", f_hex, revision, &revision_arg),
    F(struct vp_device, "parent", f_parent, place, NULL),
    F(struct vp_device, "multifunction", vp_field_bool, multifunction, "multifunction"),
    F(struct vp_device, "numa_node", f_numa_node, numa_node, &numa_node_arg),
    F(struct vp_device, "iommu_group", f_iommu_group, iommu_group, &iommu_group_arg),
    F(struct vp_device, "driver", vp_field_string, driver, &driver_arg),
    F(struct vp_device, "driver_module", vp_field_string, driver_module, &module_arg),
    F(struct vp_device, "name", vp_field_string, name, &text_arg),
    F(struct vp_device, "roles", f_roles, roles, &vp_host_role_arg),
    F(struct vp_device, "role_detail", vp_field_string, role_detail, &text_arg),
    F(struct vp_device, "bars", f_bars, bars, NULL),
    F(struct vp_device, "secondary_bus", f_small_uint, hw.secondary_bus, &bus_arg),
    F(struct vp_device, "subordinate_bus", f_small_uint, hw.subordinate_bus, &bus_arg),
    F(struct vp_device, "config", vp_field_map, hw, &config_map, .has_at = VP_AT(struct vp_device, hw.caps_read)),
    F(struct vp_device, "sriov", vp_field_map, hw.sriov, &sriov_map),
    F(struct vp_device, "physfn", f_physfn, hw.physfn, NULL),
    F(struct vp_device, "reset_method", vp_field_string, hw.reset_method, &reset_method_arg),
    F(struct vp_device, "modalias", vp_field_string, hw.modalias, &alias_arg),
    {0},
};

/* devices: appended to a vp_device_list one by one (a 20,000-function host is read without a copy of it) */
static int
f_devices(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_device_list *list = dst;
    if (vp_expect_kind(p, n, VP_Y_SEQ, "devices") < 0)
        return -1;
    int rc = 0;
    vp_device_list_reserve(list, n->n);
    for (size_t i = 0; i < n->n; i++)
        if (vp_fields_parse_map(p, n->items[i], vp_device_list_add(list), device_fields, "a device") < 0)
            rc = -1;
    return rc;
}

/* ---- the existing passthrough configuration: {file, line, text}; the file says its kind ---- */

static bool
config_file(const char *s)
{
    return vp_config_kind_of(s) != VP_CONFIG__COUNT;
}

static const struct vp_string_arg config_file_arg = {
    config_file, VP_SNAPSHOT_INVALID,
    "a configuration file vfioplan reads (etc/modprobe.d/NAME.conf, etc/default/grub, ...)", NULL};
static const struct vp_uint_arg config_line_arg = {1, 100000000, "a line number"};
static const struct vp_field config_line_fields[] = {
    F(struct vp_config_line, "file", vp_field_string, file, &config_file_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_config_line, "line", vp_field_uint, line, &config_line_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_config_line, "text", vp_field_string, text, &text_arg, .flags = VP_FIELD_REQUIRED),
    {0},
};
static const struct vp_map_arg config_line_map = {config_line_fields, "a configuration line", 0};

/* ---- the top level ---- */

struct snap_cpu {
    enum vp_cpu_vendor vendor;
    char *model;
    bool pdpe1gb, has_pdpe1gb;
};

struct snap_firmware {
    bool efi, secure_boot, has_secure_boot;
};

/* boot: [grub-cfg, ...] into VP_BOOT_BIT()s; present means the facts are known. */
static int
f_boot(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    struct vp_boot_facts *b = dst;
    if (vp_expect_kind(p, n, VP_Y_SEQ, "boot") < 0)
        return -1;
    int rc = 0;
    b->known = true;
    for (size_t i = 0; i < n->n; i++) {
        int e;
        if (vp_field_enum(p, n->items[i], &e, arg) < 0)
            rc = -1;
        else
            b->found |= VP_BOOT_BIT(e);
    }
    return rc;
}

struct snapshot {
    char *api_version, *kind, *cmdline;
    struct vp_boot_facts boot;
    struct vp_os_release os;
    struct snap_cpu cpu;
    struct snap_firmware firmware;
    struct vp_kernel *kernels;
    size_t n_kernels;
    struct vp_snap_topology topo; /* v2 */
    struct vp_device_list devices;
    struct vp_config_line *config;
    size_t n_config;
};

static const struct vp_field os_fields[] = {
    F(struct vp_os_release, "id", vp_field_string, id, &text_arg),
    F(struct vp_os_release, "id_like", vp_field_string, id_like, &text_arg),
    F(struct vp_os_release, "version_id", vp_field_string, version_id, &text_arg),
    F(struct vp_os_release, "pretty_name", vp_field_string, pretty_name, &text_arg),
    {0},
};
static const struct vp_map_arg os_map = {os_fields, "os", 0};

static const struct vp_field cpu_fields[] = {
    F(struct snap_cpu, "vendor", vp_field_enum, vendor, &vp_cpu_vendor_arg, .flags = VP_FIELD_REQUIRED),
    F(struct snap_cpu, "model", vp_field_string, model, &text_arg),
    F(struct snap_cpu, "pdpe1gb", vp_field_bool, pdpe1gb, "pdpe1gb", .has_at = VP_AT(struct snap_cpu, has_pdpe1gb)),
    {0},
};
static const struct vp_map_arg cpu_map = {cpu_fields, "cpu", 0};

static const struct vp_field firmware_fields[] = {
    F(struct snap_firmware, "efi", vp_field_bool, efi, "efi"),
    F(struct snap_firmware, "secure_boot", vp_field_bool, secure_boot, "secure_boot",
      .has_at = VP_AT(struct snap_firmware, has_secure_boot)),
    {0},
};
static const struct vp_map_arg firmware_map = {firmware_fields, "firmware", 0};

static const struct vp_field alias_fields[] = {
    F(struct vp_module_alias, "pattern", vp_field_string, pattern, &alias_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_module_alias, "module", vp_field_string, module, &module_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_module_alias, "builtin", vp_field_bool, builtin, "builtin"),
    {0},
};
static const struct vp_map_arg alias_map = {alias_fields, "an alias", 0};
static const struct vp_list_arg alias_list = {
    sizeof(struct vp_module_alias), vp_field_map, &alias_map,
    offsetof(struct vp_kernel_drivers, n_aliases) - offsetof(struct vp_kernel_drivers, aliases), 65536};

static const struct vp_field kernel_fields[] = {
    F(struct vp_kernel, "version", vp_field_string, version, &text_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_kernel, "running", vp_field_bool, running, "running"),
    F(struct vp_kernel, "vfio_pci_builtin", vp_field_bool, vfio_pci_builtin, "vfio_pci_builtin"),
    F(struct vp_kernel, "aliases_read", vp_field_bool, drivers.known, "aliases_read"),
    F(struct vp_kernel, "aliases", vp_field_list, drivers.aliases, &alias_list),
    {0},
};
static const struct vp_map_arg kernel_map = {kernel_fields, "a kernel", 0};
static const struct vp_list_arg kernel_list = {
    sizeof(struct vp_kernel), vp_field_map, &kernel_map,
    offsetof(struct snapshot, n_kernels) - offsetof(struct snapshot, kernels), 4096};

static const struct vp_list_arg config_list = {sizeof(struct vp_config_line), vp_field_map, &config_line_map,
                                               offsetof(struct snapshot, n_config) - offsetof(struct snapshot, config),
                                               100000};

static const struct vp_string_arg api_version_arg = {NULL, VP_SNAPSHOT_INVALID, "apiVersion", NULL};
static const struct vp_field snapshot_fields[] = {
    F(struct snapshot, "apiVersion", vp_field_string, api_version, &api_version_arg, .flags = VP_FIELD_REQUIRED),
    F(struct snapshot, "kind", vp_field_string, kind, &text_arg),
    F(struct snapshot, "os", vp_field_map, os, &os_map),
    F(struct snapshot, "cpu", vp_field_map, cpu, &cpu_map),
    F(struct snapshot, "memory", vp_field_map, topo.memory, &vp_snap_memory_map,
      .has_at = VP_AT(struct snapshot, topo.has_memory)),
    F(struct snapshot, "cpus", vp_field_list, topo.cpus, &vp_snap_cpu_list,
      .has_at = VP_AT(struct snapshot, topo.has_cpus), .pos_at = VP_AT(struct snapshot, topo.cpus_pos)),
    F(struct snapshot, "nodes", vp_field_list, topo.nodes, &vp_snap_node_list,
      .has_at = VP_AT(struct snapshot, topo.has_nodes), .pos_at = VP_AT(struct snapshot, topo.nodes_pos)),
    F(struct snapshot, "root_devices", vp_field_list, topo.root_devices, &vp_snap_root_device_list,
      .has_at = VP_AT(struct snapshot, topo.has_root_devices)),
    F(struct snapshot, "cmdline", vp_field_string, cmdline, &text_arg),
    F(struct snapshot, "firmware", vp_field_map, firmware, &firmware_map),
    F(struct snapshot, "kernels", vp_field_list, kernels, &kernel_list),
    F(struct snapshot, "boot", f_boot, boot, &vp_boot_evidence_arg),
    F(struct snapshot, "devices", f_devices, devices, NULL, .flags = VP_FIELD_REQUIRED),
    F(struct snapshot, "config", vp_field_list, config, &config_list),
    {0},
};

struct addr_at {
    struct vp_pci_addr addr;
    const struct vp_ynode *node;
};

static int
addr_at_cmp(const void *a, const void *b)
{
    const struct addr_at *x = a, *y = b;
    int c = vp_pci_addr_cmp(&x->addr, &y->addr);
    if (c)
        return c;
    return x->node->pos.line < y->node->pos.line ? -1 : x->node->pos.line > y->node->pos.line;
}

static int
addr_cmp(const void *a, const void *b)
{
    return vp_pci_addr_cmp(&((const struct addr_at *)a)->addr, &((const struct addr_at *)b)->addr);
}

/*
 * Two devices with one address, said where the second one is; a parent that
 * is not a device of the snapshot, or the device itself. Sorting keeps this
 * O(n log n) on a 20,000-function host.
 */
static int
check_addresses(struct vp_fparser *p, const struct vp_ynode *devices, const struct vp_device_list *list)
{
    struct addr_at *v = vp_xmalloc((list->n + 1) * sizeof(*v));
    for (size_t i = 0; i < list->n; i++)
        v[i] = (struct addr_at){list->items[i].addr, vp_ymap_get(devices->items[i], "address")};
    vp_sort(v, list->n, sizeof(*v), addr_at_cmp);
    int rc = 0;
    for (size_t i = 1; i < list->n; i++) {
        if (vp_pci_addr_cmp(&v[i - 1].addr, &v[i].addr) == 0) {
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &v[i].node->pos, "PCI address %s appears twice",
                                v[i].node->value);
            vp_note(p->d, "first at line %u", v[i - 1].node->pos.line);
        }
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct vp_pci_place *place = &list->items[i].place;
        if (!place->has_parent)
            continue;
        struct addr_at key = {.addr = place->parent_addr};
        const struct vp_ynode *at = vp_ymap_get(devices->items[i], "parent");
        if (vp_pci_addr_cmp(&place->parent_addr, &list->items[i].addr) == 0 ||
            !bsearch(&key, v, list->n, sizeof(*v), addr_cmp))
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &at->pos, "parent %s is not another device of the snapshot",
                                at->value);
    }
    free(v);
    return rc;
}

/* A v1 snapshot has none of v2's keys; the host facts they carry stay unknown, and say so. */
static int
read_v1(struct vp_fparser *p, struct vp_host *host, const struct vp_ynode *root)
{
    int rc = 0;
    for (size_t i = 0; vp_snap_v2_keys[i]; i++) {
        const struct vp_ynode *k = vp_ymap_get(root, vp_snap_v2_keys[i]);
        if (k)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &k->pos, "'%s' is not a key of %s", vp_snap_v2_keys[i],
                                VP_SNAPSHOT_API_VERSION_V1);
    }
    const struct vp_ynode *devices = vp_ymap_get(root, "devices");
    for (size_t i = 0; devices && devices->kind == VP_Y_SEQ && i < devices->n; i++) {
        const struct vp_ynode *parent = vp_ymap_get(devices->items[i], "parent");
        if (parent)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &parent->pos, "'parent' is not a key of %s",
                                VP_SNAPSHOT_API_VERSION_V1);
    }
    host->snapshot_lacks = "memory, CPU topology, NUMA nodes, the PCIe tree and the root filesystem's block devices";
    return rc;
}

/* The snapshot's document into host; 0 or -1 with diagnostics. */
static int
read_snapshot(struct vp_host *host, const struct vp_ynode *root, struct vp_diags *d)
{
    struct vp_fparser p = {.arena = vp_host_arena(host), .d = d, .uniform = &snapshot_report};
    /* apiVersion first, so a file of another kind (a spec) says so before anything else */
    const struct vp_ynode *api = vp_ymap_get(root, "apiVersion");
    bool v1 = false;
    if (root->kind == VP_Y_MAP && api && api->kind == VP_Y_SCALAR && api->type == VP_YT_STR &&
        strcmp(api->value, VP_SNAPSHOT_API_VERSION) != 0) {
        v1 = strcmp(api->value, VP_SNAPSHOT_API_VERSION_V1) == 0;
        if (!v1) {
            vp_error(d, VP_SNAPSHOT_VERSION, &api->pos, "snapshot apiVersion '%s' is not one this vfioplan reads",
                     api->value);
            vp_hint(d, "this vfioplan reads %s and %s; take the snapshot again with this version",
                    VP_SNAPSHOT_API_VERSION, VP_SNAPSHOT_API_VERSION_V1);
            return -1;
        }
    }
    struct snapshot snap = {.cpu.vendor = VP_CPU_UNKNOWN};
    int rc = v1 ? read_v1(&p, host, root) : 0;
    if (vp_fields_parse_map(&p, root, &snap, snapshot_fields, "the snapshot") < 0)
        rc = -1;
    if (rc == 0)
        rc = check_addresses(&p, vp_ymap_get(root, "devices"), &snap.devices);
    if (rc == 0)
        rc = vp_snap_topology_finish(&p, &snap.topo, host);
    size_t bad;
    if (rc == 0 && vp_host_finish(host, &snap.devices, d) == 0) {
        if (vp_host_link_places(host, &bad) < 0) {
            vp_error(d, VP_SNAPSHOT_INVALID, &(struct vp_pos){.file = host->source},
                     "the parents of %s loop (or nest deeper than a PCIe tree does)", host->devices[bad].addr_str);
            vp_hint(d, "%s", snapshot_report.hint);
            return -1;
        }
        if (v1)
            vp_warning(d, VP_HOST_FACT, &api->pos, "a %s snapshot has no %s: the checks that need them are skipped",
                       VP_SNAPSHOT_API_VERSION_V1, host->snapshot_lacks);
        vp_host_finish_groups(host);
        host->os = snap.os;
        host->cpu_vendor = snap.cpu.vendor;
        host->cpu_model = snap.cpu.model;
        host->cpu_pdpe1gb = snap.cpu.has_pdpe1gb ? snap.cpu.pdpe1gb : -1;
        host->cmdline = snap.cmdline ? snap.cmdline : "";
        host->efi = snap.firmware.efi;
        host->secure_boot = snap.firmware.has_secure_boot ? snap.firmware.secure_boot : -1;
        host->kernels = snap.kernels;
        host->n_kernels = snap.n_kernels;
        host->boot = snap.boot;
        vp_host_link_devices(host);
        host->config = snap.config;
        host->n_config = snap.n_config;
        for (size_t i = 0; i < snap.n_config; i++)
            host->config[i].kind = vp_config_kind_of(host->config[i].file);
        return 0;
    }
    free(snap.devices.items);
    return -1;
}

int
vp_host_snapshot_load(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d)
{
    (void)flags;
    char *buf = NULL;
    size_t len = 0;
    if (vp_read_file(path, host->source, VP_SNAPSHOT_MAX_BYTES, &buf, &len, d) < 0)
        return -1;
    size_t bad_at;
    if (!vp_utf8_valid(buf, len, &bad_at)) {
        struct vp_pos pos = {.file = vp_diags_add_source(d, host->source, buf, len), .line = 1, .col = 1};
        for (size_t i = 0; i < bad_at; i++) {
            if (buf[i] == '\n')
                pos.line++, pos.col = 1;
            else
                pos.col++;
        }
        vp_error(d, VP_NOT_UTF8, &pos, "byte 0x%02x at offset %zu is not UTF-8 text", (unsigned char)buf[bad_at],
                 bad_at);
        vp_hint(d, "a snapshot is UTF-8 text as 'vfioplan snapshot' writes it; check that the right file is given");
        free(buf);
        return -1;
    }
    const char *file = vp_diags_add_source(d, host->source, buf, len);
    struct vp_ydoc doc;
    int rc = vp_ydoc_parse(&doc, file, buf, len, &snapshot_limits, d);
    free(buf);
    host->from_snapshot = true;
    if (rc == 0)
        rc = read_snapshot(host, doc.root, d);
    vp_ydoc_free(&doc);
    return rc;
}
