/* SPDX-License-Identifier: MIT */
/*
 * spec-v1.c: the schema of apiVersion vfioplan/v1 as field tables, and the
 * checks that need more than one field. schema/vfioplan-v1.schema.json
 * publishes the same keys; tests/unit/test-schema-keys.c keeps them equal.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yaml/fields.h"
#include "spec-internal.h"
#include "base/cpulist.h"
#include "base/util.h"
#include "base/validators.h"
#include "vfioplan/spec.h"

/* ---- strings ---- */

static const struct vp_string_arg api_version_arg = {vp_valid_api_version, VP_BAD_API_VERSION, "a supported apiVersion",
                                                     "use apiVersion: " VP_API_VERSION};
static const struct vp_string_arg host_name_arg = {
    vp_valid_name, VP_BAD_NAME, "a valid host name",
    "use letters, digits, '.', '_' and '-', starting with a letter or digit (64 at most)"};
static const struct vp_string_arg vm_name_arg = {
    vp_valid_name, VP_BAD_NAME, "a valid VM name",
    "use letters, digits, '.', '_' and '-', starting with a letter or digit (64 at most); the name becomes a file name"};
static const struct vp_string_arg uuid_arg = {
    vp_valid_uuid, VP_BAD_UUID, "a UUID",
    "write it as 8-4-4-4-12 lower-case hex digits, or leave it out to derive one"};
static const struct vp_string_arg disk_path_arg = {
    vp_valid_abs_path, VP_BAD_PATH, "a safe absolute path",
    "use an absolute path of letters, digits and . _ + - /, without '..'"};
static const struct vp_string_arg ifname_arg = {vp_valid_ifname, VP_BAD_NAME, "a valid network or bridge name",
                                                "use letters, digits, '.', '_' and '-' (15 at most)"};
static const struct vp_string_arg mac_arg = {vp_valid_mac, VP_BAD_MAC, "a unicast MAC address",
                                             "write six lower-case hex pairs separated by ':', like 52:54:00:12:34:56"};
static const struct vp_string_arg driver_version_arg = {vp_valid_driver_version, VP_BAD_VERSION,
                                                        "an NVIDIA driver version",
                                                        "write a branch (570) or a full version (570.124.06)"};

static const struct vp_string_arg rom_file_arg = {
    vp_valid_abs_path, VP_BAD_PATH, "a safe absolute path",
    "use an absolute path of letters, digits and . _ + - /, without '..' (/usr/share/vgabios/gpu.rom)"};

static const struct vp_string_arg overlay_arg = {NULL, VP_OVERLAY_XML, "a libvirt <domain> XML fragment", NULL};

static const struct vp_uint_arg vcpus_arg = {1, 4096, "vcpus"};
static const struct vp_uint_arg vf_index_arg = {0, 65534, "a VF index"};
static const struct vp_uint_arg num_vfs_arg = {1, 65535, "num_vfs"};
static const struct vp_uint_arg vlan_arg = {1, 4094, "vlan"};
static const struct vp_uint_arg count_arg = {1, 4096, "count"};
static const struct vp_uint_arg memory_arg = {128ull << 20, 64ull << 40, "memory"};
static const struct vp_uint_arg memory_reserve_arg = {0, 64ull << 40, "memory_reserve"};

/* ---- PCI-specific handlers ---- */

static int
f_pci_id(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const char *what = arg;
    if (vp_expect_string(p, n, what) < 0)
        return -1;
    if (!vp_pci_id_parse(n->value, dst)) {
        vp_error(p->d, VP_BAD_PCI_ID, &n->pos, "'%s' is not a PCI %s id", n->value, what);
        vp_hint(p->d, "write four hex digits in quotes, as lspci -nn shows them: \"10de\"");
        return -1;
    }
    return 0;
}

static int
f_pci_class(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_match *m = (struct vp_match *)((char *)dst - offsetof(struct vp_match, class_value));
    if (vp_expect_string(p, n, "class") < 0)
        return -1;
    size_t len = strlen(n->value);
    bool hex = len > 0 && strspn(n->value, "0123456789abcdefABCDEF") == len;
    if (!hex || (len != 2 && len != 4 && len != 6)) {
        vp_error(p->d, VP_BAD_PCI_CLASS, &n->pos, "'%s' is not a PCI class", n->value);
        vp_hint(p->d, "write 2, 4 or 6 hex digits in quotes: \"03\" (display), \"0302\" (3D controller), \"030200\"");
        return -1;
    }
    m->class_value = (uint32_t)strtoul(n->value, NULL, 16);
    m->class_digits = (unsigned)len;
    return 0;
}

static int
f_address(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_selector *s = (struct vp_selector *)((char *)dst - offsetof(struct vp_selector, address));
    if (vp_expect_string(p, n, "address") < 0)
        return -1;
    if (!vp_pci_addr_parse(n->value, &s->address, &s->whole_slot)) {
        vp_error(p->d, VP_BAD_PCI_ADDRESS, &n->pos, "'%s' is not a PCI address", n->value);
        vp_hint(
            p->d,
            "write domain:bus:device.function in hex, like \"0000:41:00.0\" (\"0000:41:00\" selects every function of the slot)");
        return -1;
    }
    return 0;
}

/* One function's address (a PF): "0000:41:00.0", never a whole slot. */
static int
f_function_address(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const char *what = arg;
    bool slot = false;
    if (vp_expect_string(p, n, what) < 0)
        return -1;
    if (!vp_pci_addr_parse(n->value, dst, &slot) || slot) {
        vp_error(p->d, VP_BAD_PCI_ADDRESS, &n->pos, "'%s' is not the address of one PCI function", n->value);
        vp_hint(p->d, "write domain:bus:device.function in hex, like \"0000:41:00.0\"");
        return -1;
    }
    return 0;
}

static int
f_kernel_arg(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    struct vp_kernel_arg *k = dst;
    if (vp_expect_string(p, n, "a kernel argument") < 0)
        return -1;
    if (!vp_valid_kernel_arg(n->value)) {
        vp_error(p->d, VP_BAD_KERNEL_ARG, &n->pos, "'%s' is not an accepted kernel argument", n->value);
        vp_hint(
            p->d,
            "write name or name=value with letters, digits and _ . - (value also , : / + @); no quotes, spaces or shell characters");
        return -1;
    }
    if (strncmp(n->value, "vfioplan.", 9) == 0) {
        vp_error(p->d, VP_BAD_KERNEL_ARG, &n->pos, "kernel argument '%s' is vfioplan's own", n->value);
        vp_note(p->d, "vfioplan adds vfioplan.gen= itself (the binding acts only on a boot that carries it) and "
                      "vfioplan.try= to the boot entry of 'vfioplan try'");
        vp_hint(p->d, "remove it from host.kernel_args");
        return -1;
    }
    const char *names = vp_kernel_arg_boot_storage(n->value);
    if (names) {
        vp_error(p->d, VP_BAD_KERNEL_ARG, &n->pos, "kernel argument '%s' names %s", n->value, names);
        vp_note(p->d, "vfioplan puts host.kernel_args on every kernel's command line and takes them off when they "
                      "leave the spec: this one, taken off or set twice, can leave the host unable to boot");
        vp_hint(p->d, "leave it where the installer put it (GRUB_CMDLINE_LINUX in /etc/default/grub, the boot "
                      "entries) and remove it from host.kernel_args");
        return -1;
    }
    k->value = vp_arena_strdup(p->arena, n->value);
    k->pos = n->pos;
    return 0;
}

/* hugepages: true or false, or a page size ("2M", "1G") */
static int
f_hugepages(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    (void)arg;
    static const char *const yaml11_bools[] = {"yes", "no", "on", "off", "y", "n"};
    bool on, yaml11 = false;
    for (size_t i = 0; n->kind == VP_Y_SCALAR && n->type == VP_YT_STR && i < VP_ARRAY_SIZE(yaml11_bools); i++)
        yaml11 |= strcasecmp(n->value, yaml11_bools[i]) == 0; /* meant as a boolean: its hint says how */
    if (yaml11 || n->kind != VP_Y_SCALAR || n->type != VP_YT_STR) {
        if (vp_field_bool(p, n, &on, "hugepages") < 0) {
            if (!yaml11)
                vp_hint(p->d, "write true, false, \"2M\" or \"1G\" (true: 1G where the CPU has pdpe1gb, else 2M)");
            return -1;
        }
        *(enum vp_hugepages *)dst = on ? VP_HUGEPAGES_AUTO : VP_HUGEPAGES_NONE;
        return 0;
    }
    int size;
    if (vp_field_enum(p, n, &size, &vp_hugepages_arg) < 0)
        return -1;
    *(enum vp_hugepages *)dst = (enum vp_hugepages)size;
    return 0;
}

/* a host CPU list in the kernel's format, "1-8,113-120": ids below VP_MAX_CPUS, at least one */
static int
f_cpu_set(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const char *what = arg;
    struct vp_cpu_set *set = dst;
    bool one_cpu = n->kind == VP_Y_SCALAR && n->type == VP_YT_INT; /* housekeeping: 0 */
    if (!one_cpu && vp_expect_string(p, n, what) < 0)
        return -1;
    unsigned *ids = NULL;
    size_t count = 0;
    if (!vp_cpulist_parse(n->value, VP_MAX_CPUS, &ids, &count) || count == 0) {
        vp_error(p->d, VP_BAD_CPU_LIST, &n->pos, "'%s' is not a list of host CPUs", n->value);
        vp_hint(p->d, "write CPU ids and ranges as the kernel does, in quotes: \"1-8,113-120\" (ids below %u)",
                VP_MAX_CPUS);
        return -1;
    }
    set->ids = vp_arena_alloc(p->arena, count * sizeof(*ids));
    memcpy(set->ids, ids, count * sizeof(*ids));
    set->n = count;
    free(ids);
    return 0;
}

/* ---- the tables ---- */

#define F(type, k, fn, member, a, ...)                                                                                 \
    {                                                                                                                  \
        .key = k, .parse = fn, .offset = offsetof(type, member), .arg = a, __VA_ARGS__                                 \
    }

static const struct vp_field match_fields[] = {
    F(struct vp_match, "vendor", f_pci_id, vendor, "vendor", .has_at = VP_AT(struct vp_match, has_vendor),
      .type = "string of 4 hex digits, quoted (\"10de\")", .doc = "the PCI vendor id to match"),
    F(struct vp_match, "device", f_pci_id, device, "device", .has_at = VP_AT(struct vp_match, has_device),
      .type = "string of 4 hex digits, quoted", .doc = "the PCI device id to match; needs vendor"),
    F(struct vp_match, "subsystem_vendor", f_pci_id, subsystem_vendor, "subsystem vendor",
      .has_at = VP_AT(struct vp_match, has_subsystem_vendor), .type = "string of 4 hex digits, quoted",
      .doc = "the PCI subsystem vendor id to match"),
    F(struct vp_match, "subsystem_device", f_pci_id, subsystem_device, "subsystem device",
      .has_at = VP_AT(struct vp_match, has_subsystem_device), .type = "string of 4 hex digits, quoted",
      .doc = "the PCI subsystem device id to match; needs subsystem_vendor"),
    F(struct vp_match, "class", f_pci_class, class_value, NULL, .has_at = VP_AT(struct vp_match, has_class),
      .type = "string of 2, 4 or 6 hex digits, quoted",
      .doc =
          "the PCI class to match: base class (\"03\", display), class (\"0302\", 3D controller) or with the programming interface (\"030200\"); bridges (class 0604) are never matched"),
    {0},
};
static const struct vp_map_arg match_map = {match_fields, "match", 0};

static const struct vp_field vf_fields[] = {
    F(struct vp_vf_ref, "pf", f_function_address, pf, "pf", .flags = VP_FIELD_REQUIRED, .type = "string, a PCI address",
      .doc = "the physical function, as in host.sriov"),
    F(struct vp_vf_ref, "index", vp_field_uint, index, &vf_index_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "which of its VFs: 0 is the first"),
    {0},
};
static const struct vp_map_arg vf_map = {vf_fields, "vf", 0};

static const struct vp_field rom_fields[] = {
    F(struct vp_rom, "file", vp_field_string, file, &rom_file_arg, .has_at = VP_AT(struct vp_rom, has_file),
      .doc = "give the guest this ROM image instead of the device's (a dump of the card's own, for the boot GPU)"),
    F(struct vp_rom, "bar", vp_field_bool, bar, "bar", .has_at = VP_AT(struct vp_rom, has_bar), .def = "true",
      .doc = "false hides the device's ROM from the guest (<rom bar='off'/>)"),
    {0},
};
static const struct vp_map_arg rom_map = {rom_fields, "rom", VP_AT(struct vp_rom, pos)};

static const char *const allow_what = "allow_host_critical";
static const struct vp_field selector_fields[] = {
    F(struct vp_selector, "address", f_address, address, NULL, .has_at = VP_AT(struct vp_selector, has_address),
      .type = "string, a PCI address",
      .doc =
          "one function, \"0000:41:00.0\", or every function of a slot, \"0000:41:00\"; domains past 0000 (\"10000:01:00.0\") work"),
    F(struct vp_selector, "match", vp_field_map, match, &match_map, .has_at = VP_AT(struct vp_selector, has_match),
      .doc = "select the functions whose ids and class match (every given key must match)"),
    F(struct vp_selector, "vf", vp_field_map, vf, &vf_map, .has_at = VP_AT(struct vp_selector, has_vf),
      .doc = "a virtual function that host.sriov creates, by its PF and index: it can be assigned before it exists"),
    F(struct vp_selector, "count", vp_field_uint, count, &count_arg, .has_at = VP_AT(struct vp_selector, has_count),
      .pos_at = VP_AT(struct vp_selector, count_pos), .def = "none: every function that matches, at least one",
      .doc = "with match: exactly this many functions must match, else an error lists what was found"),
    F(struct vp_selector, "allow_host_critical", vp_field_bool, allow_host_critical, allow_what,
      .doc =
          "assign the devices even if the host needs them: the boot VGA, the controller of the root file system, the NIC of the default route"),
    F(struct vp_selector, "rom", vp_field_map, rom, &rom_map, .has_at = VP_AT(struct vp_selector, has_rom),
      .def = "none: the device's own ROM",
      .doc = "the option ROM the guest sees, on each selected function (function 0 only for a whole slot)"),
    F(struct vp_selector, "mac", vp_field_string, mac, &mac_arg, .pos_at = VP_AT(struct vp_selector, mac_pos),
      .def = "none", .doc = "a NIC VF's MAC address in the guest: the VF becomes an <interface type='hostdev'>"),
    F(struct vp_selector, "vlan", vp_field_uint, vlan, &vlan_arg, .has_at = VP_AT(struct vp_selector, has_vlan),
      .def = "none", .doc = "a NIC VF's VLAN tag, set by the host on the VF (an <interface type='hostdev'>)"),
    {0},
};
static const struct vp_map_arg selector_map = {selector_fields, "a device selector", VP_AT(struct vp_selector, pos)};

static const struct vp_field disk_fields[] = {
    F(struct vp_disk, "path", vp_field_string, path, &disk_path_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "the disk image or block device (/dev/...) on the host"),
    F(struct vp_disk, "format", vp_field_enum, format, &vp_disk_format_arg, .doc = "the image format"),
    F(struct vp_disk, "bus", vp_field_enum, bus, &vp_disk_bus_arg,
      .doc =
          "the bus the guest sees the disk on; targets are named per bus as libvirt counts them (vda, vdb... on virtio; SATA and SCSI share sda, sdb...); a cdrom on virtio goes on SATA, as virtio has no CD-ROM; scsi is virtio-scsi"),
    F(struct vp_disk, "device", vp_field_enum, device, &vp_disk_device_arg, .doc = "a disk or a CD-ROM drive"),
    {0},
};
static const struct vp_map_arg disk_map = {disk_fields, "a disk", VP_AT(struct vp_disk, pos)};

static const struct vp_field network_fields[] = {
    F(struct vp_network, "network", vp_field_string, network, &ifname_arg,
      .has_at = VP_AT(struct vp_network, has_network),
      .doc = "attach to this libvirt network (exactly one of network and bridge)"),
    F(struct vp_network, "bridge", vp_field_string, bridge, &ifname_arg, .has_at = VP_AT(struct vp_network, has_bridge),
      .doc = "attach to this host bridge (exactly one of network and bridge)"),
    F(struct vp_network, "model", vp_field_enum, model, &vp_nic_model_arg, .doc = "the NIC model the guest sees"),
    F(struct vp_network, "mac", vp_field_string, mac, &mac_arg, .def = "none: libvirt picks one",
      .doc = "a fixed unicast MAC address"),
    {0},
};
static const struct vp_map_arg network_map = {network_fields, "a network", VP_AT(struct vp_network, pos)};

static const struct vp_field nvidia_fields[] = {
    F(struct vp_nvidia, "flavor", vp_field_enum, flavor, &vp_nvidia_flavor_arg,
      .has_at = VP_AT(struct vp_nvidia, has_flavor), .pos_at = VP_AT(struct vp_nvidia, flavor_pos),
      .def = "open when every GPU is Turing or newer, else proprietary",
      .doc = "the kernel modules: NVIDIA's open modules or the proprietary ones"),
    F(struct vp_nvidia, "version", vp_field_string, version, &driver_version_arg,
      .def = "the newest in NVIDIA's repository",
      .doc = "the driver branch (570) or exact version (570.124.06) to install"),
    F(struct vp_nvidia, "cuda", vp_field_bool, cuda, "cuda", .has_at = VP_AT(struct vp_nvidia, has_cuda), .def = "true",
      .doc = "install the CUDA toolkit"),
    F(struct vp_nvidia, "fabric_manager", vp_field_bool, fabric_manager, "fabric_manager",
      .has_at = VP_AT(struct vp_nvidia, has_fabric_manager), .def = "true when the VM gets NVSwitches",
      .doc = "install NVIDIA Fabric Manager, pinned to the driver's exact version"),
    F(struct vp_nvidia, "legacy_hide", vp_field_bool, legacy_hide, "legacy_hide",
      .doc = "hide KVM from NVIDIA drivers older than 465 (kvm hidden, a Hyper-V vendor_id); newer drivers support "
             "passthrough"),
    {0},
};
static const struct vp_map_arg nvidia_map = {nvidia_fields, "guest.nvidia", 0};

static const struct vp_field guest_fields[] = {
    F(struct vp_guest, "os", vp_field_enum, os, &vp_guest_os_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "the guest's OS: Linux gets a setup script (VMs with an NVIDIA GPU), Windows TPM 2.0 and Hyper-V in its "
             "domain"),
    F(struct vp_guest, "nvidia", vp_field_map, nvidia, &nvidia_map,
      .doc = "the NVIDIA driver stack the setup script installs"),
    F(struct vp_guest, "virtio_win", vp_field_string, virtio_win, &disk_path_arg,
      .doc = "Windows: the virtio-win driver ISO on the host, attached as a further SATA CD-ROM"),
    {0},
};
static const struct vp_map_arg guest_map = {guest_fields, "guest", VP_AT(struct vp_guest, pos)};

static const struct vp_field firmware_fields[] = {
    F(struct vp_firmware_spec, "type", vp_field_enum, type, &vp_firmware_arg,
      .doc = "the guest firmware: OVMF (UEFI) or SeaBIOS; large-BAR devices need UEFI"),
    F(struct vp_firmware_spec, "secure_boot", vp_field_bool, secure_boot, "secure_boot",
      .doc = "UEFI Secure Boot in the guest; off by default, so that the unsigned NVIDIA module loads"),
    {0},
};
static const struct vp_map_arg firmware_map = {firmware_fields, "firmware", 0};

static const struct vp_list_arg selector_list = {sizeof(struct vp_selector), vp_field_map, &selector_map,
                                                 offsetof(struct vp_vm, n_devices) - offsetof(struct vp_vm, devices),
                                                 1024};
static const struct vp_list_arg disk_list = {sizeof(struct vp_disk), vp_field_map, &disk_map,
                                             offsetof(struct vp_vm, n_disks) - offsetof(struct vp_vm, disks), 64};
static const struct vp_list_arg network_list = {sizeof(struct vp_network), vp_field_map, &network_map,
                                                offsetof(struct vp_vm, n_networks) - offsetof(struct vp_vm, networks),
                                                64};

static const struct vp_field vm_fields[] = {
    F(struct vp_vm, "name", vp_field_string, name, &vm_name_arg, .flags = VP_FIELD_REQUIRED,
      .pos_at = VP_AT(struct vp_vm, name_pos), .doc = "the VM's name: the libvirt domain name and the file names"),
    F(struct vp_vm, "uuid", vp_field_string, uuid, &uuid_arg, .pos_at = VP_AT(struct vp_vm, uuid_pos),
      .def = "derived from the host and VM names (stable across runs)", .doc = "the libvirt domain UUID"),
    F(struct vp_vm, "vcpus", vp_field_uint, vcpus, &vcpus_arg, .flags = VP_FIELD_REQUIRED,
      .pos_at = VP_AT(struct vp_vm, vcpus_pos), .doc = "the number of virtual CPUs"),
    F(struct vp_vm, "memory", vp_field_size, memory_bytes, &memory_arg, .flags = VP_FIELD_REQUIRED,
      .pos_at = VP_AT(struct vp_vm, memory_pos), .doc = "the guest memory, like 512GiB or 4096MiB"),
    F(struct vp_vm, "hugepages", f_hugepages, hugepages, NULL, .pos_at = VP_AT(struct vp_vm, hugepages_pos),
      .type = "true, false, 2M or 1G", .def = "false",
      .doc = "back the guest memory with huge pages, reserved at boot: true picks 1G pages where the CPU has them "
             "(pdpe1gb), else 2M"),
    F(struct vp_vm, "firmware", vp_field_map, firmware, &firmware_map, .doc = "the guest firmware"),
    F(struct vp_vm, "devices", vp_field_list, devices, &selector_list, .def = "none",
      .doc = "the PCI devices to pass through, each selected by address or by match"),
    F(struct vp_vm, "allow_no_devices", vp_field_bool, allow_no_devices, "allow_no_devices",
      .doc = "accept a VM without devices (else VP4010)"),
    F(struct vp_vm, "allow_overcommit", vp_field_bool, allow_overcommit, "allow_overcommit",
      .doc = "accept more vCPUs than the host has online CPUs (else VP4042)"),
    F(struct vp_vm, "topology", vp_field_enum, topology, &vp_topology_arg, .pos_at = VP_AT(struct vp_vm, topology_pos),
      .def = "auto",
      .doc = "auto: mirror the host's NUMA nodes that the VM's devices sit on: one guest NUMA cell per node, its "
             "vCPUs pinned to whole cores of that node, its memory bound there (strict), and on hosts with more "
             "than one node each device behind a PCIe expander bus of its cell; none: one flat, unpinned node (a VM "
             "without devices, or with allow_overcommit, is never pinned)"),
    F(struct vp_vm, "host_cpus", f_cpu_set, host_cpus, "host_cpus", .pos_at = VP_AT(struct vp_vm, host_cpus_pos),
      .type = "string, a CPU list (\"1-8,113-120\")", .def = "chosen by topology",
      .doc = "pin vCPU i to the i-th of these host CPUs (as many as vcpus), instead of the CPUs topology: auto "
             "picks; the guest's cells follow their nodes"),
    F(struct vp_vm, "disks", vp_field_list, disks, &disk_list, .def = "none",
      .doc = "the VM's disks; the first one boots"),
    F(struct vp_vm, "networks", vp_field_list, networks, &network_list, .def = "none",
      .doc = "the VM's network interfaces"),
    F(struct vp_vm, "guest", vp_field_map, guest, &guest_map, .has_at = VP_AT(struct vp_vm, has_guest),
      .def = "none: no setup script", .doc = "write a guest setup script that installs the NVIDIA driver stack"),
    F(struct vp_vm, "overlay", vp_field_string, overlay, &overlay_arg, .pos_at = VP_AT(struct vp_vm, overlay_pos),
      .type = "string, a libvirt <domain> XML fragment (64 KiB at most)", .def = "none",
      .doc = "hand tuning merged into the generated domain on every apply, element by element (README: Tuning that "
             "survives): attributes set, elements matched by name and identifying attributes, new devices "
             "appended; not the name, uuid, memory, vcpus, PCI controllers or hostdevs, which are the spec's"),
    {0},
};
static const struct vp_map_arg vm_map = {vm_fields, "a VM", VP_AT(struct vp_vm, pos)};

static const struct vp_field iommu_fields[] = {
    F(struct vp_iommu_spec, "mode", vp_field_enum, mode, &vp_iommu_mode_arg,
      .doc =
          "which IOMMU to turn on; auto: from the CPU vendor (Intel gets intel_iommu=on, the AMD IOMMU is on by default)"),
    F(struct vp_iommu_spec, "passthrough", vp_field_bool, passthrough, "passthrough",
      .doc = "add iommu=pt: the host's own devices skip translation"),
    {0},
};
static const struct vp_map_arg iommu_map = {iommu_fields, "host.iommu", 0};

static const struct vp_list_arg kernel_arg_list = {
    sizeof(struct vp_kernel_arg), f_kernel_arg, NULL,
    offsetof(struct vp_host_spec, n_kernel_args) - offsetof(struct vp_host_spec, kernel_args), 64};

static const struct vp_field sriov_fields[] = {
    F(struct vp_sriov_spec, "pf", f_function_address, pf, "pf", .flags = VP_FIELD_REQUIRED,
      .type = "string, a PCI address", .doc = "the physical function whose VFs are created"),
    F(struct vp_sriov_spec, "num_vfs", vp_field_uint, num_vfs, &num_vfs_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "how many VFs, at most what the PF's SR-IOV capability offers"),
    {0},
};
static const struct vp_map_arg sriov_map = {sriov_fields, "host.sriov entry", VP_AT(struct vp_sriov_spec, pos)};
static const struct vp_list_arg sriov_list = {
    sizeof(struct vp_sriov_spec), vp_field_map, &sriov_map,
    offsetof(struct vp_host_spec, n_sriov) - offsetof(struct vp_host_spec, sriov), 64};

static const struct vp_field host_fields[] = {
    F(struct vp_host_spec, "name", vp_field_string, name, &host_name_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "the host's name, used in file headers and derived UUIDs"),
    F(struct vp_host_spec, "bootloader", vp_field_enum, bootloader, &vp_bootloader_arg,
      .pos_at = VP_AT(struct vp_host_spec, bootloader_pos),
      .doc =
          "where the kernel arguments go; auto: from the host's boot files (GRUB, grubby, systemd-boot, rpm-ostree, proxmox-boot-tool, kernelstub)"),
    F(struct vp_host_spec, "initramfs", vp_field_enum, initramfs, &vp_initramfs_arg,
      .doc = "which initramfs tool gets the vfio hook; auto: by distribution, as for the bootloader"),
    F(struct vp_host_spec, "iommu", vp_field_map, iommu, &iommu_map, .doc = "the IOMMU's kernel arguments"),
    F(struct vp_host_spec, "kernel_args", vp_field_list, kernel_args, &kernel_arg_list, .def = "none",
      .doc = "extra kernel arguments, name or name=value (strict characters; ones that undo passthrough are refused, "
             "and so are ones that name the root filesystem, the resume device or the volumes under them, such as "
             "root=, resume= and rd.lvm.*: they stay where the installer put them)"),
    F(struct vp_host_spec, "memory_reserve", vp_field_size, memory_reserve, &memory_reserve_arg,
      .has_at = VP_AT(struct vp_host_spec, has_memory_reserve),
      .def = "an eighth of the host's memory, at least 512 MiB and at most 16 GiB",
      .doc = "the memory the host keeps for itself: VMs and their huge pages get the rest"),
    F(struct vp_host_spec, "housekeeping", f_cpu_set, housekeeping, "housekeeping",
      .has_at = VP_AT(struct vp_host_spec, has_housekeeping), .pos_at = VP_AT(struct vp_host_spec, housekeeping_pos),
      .type = "string, a CPU list (\"0,56,112,168\")", .def = "the first core of each NUMA node, all its threads",
      .doc = "the host CPUs no VM is pinned to: the host's own work and the VMs' emulator threads run there"),
    F(struct vp_host_spec, "acs_override", vp_field_bool, acs_override, "acs_override",
      .pos_at = VP_AT(struct vp_host_spec, acs_override_pos),
      .doc =
          "add pcie_acs_override=downstream,multifunction: splits IOMMU groups on patched kernels only, and weakens isolation (a warning); the plan is checked against the groups it will give"),
    F(struct vp_host_spec, "sriov", vp_field_list, sriov, &sriov_list, .def = "none",
      .doc = "physical functions whose VFs are created at every boot, before vfio-pci binds them"),
    {0},
};
static const struct vp_map_arg host_map = {host_fields, "host", 0};

static const struct vp_list_arg vm_list = {sizeof(struct vp_vm), vp_field_map, &vm_map,
                                           offsetof(struct vp_spec, n_vms) - offsetof(struct vp_spec, vms), 256};

static const struct vp_field spec_fields[] = {
    F(struct vp_spec, "apiVersion", vp_field_string, api_version, &api_version_arg, .flags = VP_FIELD_REQUIRED,
      .doc = "the schema version: " VP_API_VERSION),
    F(struct vp_spec, "host", vp_field_map, host, &host_map, .flags = VP_FIELD_REQUIRED,
      .pos_at = VP_AT(struct vp_spec, host_pos), .doc = "the host whose devices are passed through"),
    F(struct vp_spec, "vms", vp_field_list, vms, &vm_list, .flags = VP_FIELD_REQUIRED,
      .doc = "the VMs, each with its devices"),
    {0},
};

const struct vp_field *
vp_spec_v1_fields(void)
{
    return spec_fields;
}

/* ---- checks across fields ---- */

static void
check_selector(struct vp_diags *d, struct vp_selector *s)
{
    if (s->has_address + s->has_match + s->has_vf != 1) {
        vp_error(d, VP_BAD_SELECTOR, &s->pos, "a device selector needs exactly one of 'address', 'match' and 'vf'");
        vp_hint(
            d,
            "use address: \"0000:41:00.0\" for one device, match: {vendor: \"10de\", device: \"2330\"} with a count, or vf: {pf: \"0000:41:00.0\", index: 0}");
        return;
    }
    if (!s->has_match && s->has_count) {
        vp_error(d, VP_COUNT_WITH_ADDRESS, &s->count_pos, "'count' goes with 'match', not with '%s'",
                 s->has_vf ? "vf" : "address");
        vp_hint(d, "remove count; an address selects one function (or one slot), a vf one VF");
    }
    if (s->has_rom && s->rom.has_file == (s->rom.has_bar && !s->rom.bar)) {
        vp_error(d, VP_BAD_ROM, &s->rom.pos, "rom needs either a file or bar: false, %s",
                 s->rom.has_file ? "not both (bar: false hides the ROM the file would give)" : "and has neither");
        vp_hint(d, "write rom: {file: /usr/share/vgabios/gpu.rom} to give the guest a ROM image, or rom: {bar: false} "
                   "to hide the device's own");
    }
    if (s->has_match) {
        const struct vp_match *m = &s->match;
        if (!m->has_vendor && !m->has_device && !m->has_class && !m->has_subsystem_vendor && !m->has_subsystem_device) {
            vp_error(d, VP_EMPTY_MATCH, &s->pos, "'match' is empty and would select every device");
            vp_hint(d, "give at least a vendor, or a class");
        } else if (m->has_device && !m->has_vendor) {
            vp_error(d, VP_ID_WITHOUT_VENDOR, &s->pos, "'match.device' needs 'match.vendor'");
            vp_hint(d, "device ids are only unique within a vendor; add vendor: \"10de\" (or the right one)");
        } else if (m->has_subsystem_device && !m->has_subsystem_vendor) {
            vp_error(d, VP_ID_WITHOUT_VENDOR, &s->pos, "'match.subsystem_device' needs 'match.subsystem_vendor'");
            vp_hint(d, "add subsystem_vendor");
        }
    }
}

static void
check_network(struct vp_diags *d, struct vp_network *n)
{
    if (n->has_network == n->has_bridge) {
        vp_error(d, VP_BAD_NETWORK, &n->pos, "a network needs exactly one of 'network' and 'bridge'");
        vp_hint(d, "use network: default (a libvirt network) or bridge: br0 (a host bridge)");
    }
}

int
vp_spec_v1_read(struct vp_spec *spec, const struct vp_ynode *root, struct vp_arena *arena, struct vp_diags *d)
{
    struct vp_fparser p = {.arena = arena, .d = d};
    size_t before = d->n_errors;
    spec->pos = root->pos;
    /* apiVersion first, so a file of another kind says so before anything else */
    const struct vp_ynode *api = vp_ymap_get(root, "apiVersion");
    if (root->kind == VP_Y_MAP && api && api->kind == VP_Y_SCALAR && api->type == VP_YT_STR &&
        !vp_valid_api_version(api->value)) {
        vp_error(d, VP_BAD_API_VERSION, &api->pos, "apiVersion '%s' is not supported", api->value);
        vp_hint(d, "this vfioplan reads apiVersion: %s", VP_API_VERSION);
        return -1;
    }
    vp_fields_parse_map(&p, root, spec, spec_fields, "the spec");
    for (size_t i = 0; i < spec->n_vms; i++)
        for (size_t k = 0; k < spec->vms[i].n_devices; k++)
            if (!spec->vms[i].devices[k].rom.has_bar) /* the default that is not zero */
                spec->vms[i].devices[k].rom.bar = true;
    for (size_t i = 0; i < spec->n_vms; i++) {
        struct vp_vm *vm = &spec->vms[i];
        if (!vm->guest.nvidia.has_cuda) /* the default that is not zero */
            vm->guest.nvidia.cuda = true;
        for (size_t k = 0; k < vm->n_devices; k++)
            check_selector(d, &vm->devices[k]);
        for (size_t k = 0; k < vm->n_networks; k++)
            check_network(d, &vm->networks[k]);
        for (size_t j = 0; j < i; j++) {
            if (vm->name && spec->vms[j].name && strcmp(vm->name, spec->vms[j].name) == 0) {
                vp_error(d, VP_DUPLICATE_VM, &vm->name_pos, "VM name '%s' is used twice", vm->name);
                vp_note(d, "first used at line %u", spec->vms[j].name_pos.line);
                vp_hint(d, "give each VM its own name; it names its libvirt domain and files");
            }
        }
    }
    return d->n_errors > before ? -1 : 0;
}
