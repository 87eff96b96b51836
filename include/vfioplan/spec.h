/* SPDX-License-Identifier: MIT */
/*
 * spec.h: the typed spec (apiVersion vfioplan/v1). vp_spec_load() builds it
 * from a YAML file; every node keeps its file:line:col. The spec owns all
 * its memory (one arena); vp_spec_free() releases it. Later stages borrow
 * const pointers into it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioplan/diag.h"
#include "vfioplan/pci.h"

#define VP_API_VERSION "vfioplan/v1"
/* Largest spec accepted, in bytes; real specs are a few KiB. */
#define VP_SPEC_MAX_BYTES (1024 * 1024)

/* Each enum has one names table (its spec spelling), behind vp_<enum>_name(); __COUNT sizes it. */
enum vp_bootloader {
    VP_BOOTLOADER_AUTO,
    VP_BOOTLOADER_GRUB,
    VP_BOOTLOADER_GRUBBY,
    VP_BOOTLOADER_SYSTEMD_BOOT,
    VP_BOOTLOADER_RPM_OSTREE,
    VP_BOOTLOADER_PROXMOX,
    VP_BOOTLOADER_KERNELSTUB,
    VP_BOOTLOADER__COUNT,
};
enum vp_initramfs {
    VP_INITRAMFS_AUTO,
    VP_INITRAMFS_TOOLS,
    VP_INITRAMFS_DRACUT,
    VP_INITRAMFS_MKINITCPIO,
    VP_INITRAMFS__COUNT,
};
enum vp_iommu_mode { VP_IOMMU_AUTO, VP_IOMMU_INTEL, VP_IOMMU_AMD, VP_IOMMU__COUNT };
enum vp_firmware { VP_FIRMWARE_UEFI, VP_FIRMWARE_BIOS, VP_FIRMWARE__COUNT };
/* NONE: no guest section (it has no name in the spec) */
enum vp_guest_os {
    VP_GUEST_NONE,
    VP_GUEST_RHEL9,
    VP_GUEST_UBUNTU_2204,
    VP_GUEST_UBUNTU_2404,
    VP_GUEST_WINDOWS11,
    VP_GUEST_WINDOWS10,
    VP_GUEST__COUNT,
};
enum vp_nvidia_flavor { VP_NVIDIA_OPEN, VP_NVIDIA_PROPRIETARY, VP_NVIDIA__COUNT };
enum vp_disk_bus { VP_DISK_VIRTIO, VP_DISK_SCSI, VP_DISK_SATA, VP_DISK_BUS__COUNT };
enum vp_disk_format { VP_FORMAT_QCOW2, VP_FORMAT_RAW, VP_FORMAT__COUNT };
enum vp_disk_device { VP_DEVICE_DISK, VP_DEVICE_CDROM, VP_DEVICE__COUNT };
enum vp_nic_model { VP_NIC_VIRTIO, VP_NIC_E1000E, VP_NIC_E1000, VP_NIC__COUNT };
/* vms[].hugepages: false (NONE), true (AUTO: 1G where the CPU has pdpe1gb, else 2M), "2M" or "1G"; only the sizes
 * have names. */
enum vp_hugepages { VP_HUGEPAGES_NONE, VP_HUGEPAGES_AUTO, VP_HUGEPAGES_2M, VP_HUGEPAGES_1G, VP_HUGEPAGES__COUNT };
/* vms[].topology: auto mirrors the host's NUMA nodes the VM's devices sit on (cells, pinning, PCIe expanders); none
 * keeps one flat, unpinned node. */
enum vp_topology { VP_TOPOLOGY_AUTO, VP_TOPOLOGY_NONE, VP_TOPOLOGY__COUNT };

/* A list of host CPU ids as the kernel writes it ("1-8,113-120"), ascending and distinct. */
struct vp_cpu_set {
    unsigned *ids;
    size_t n;
};

/* What a match selector compares; unset fields match anything. */
struct vp_match {
    bool has_vendor, has_device, has_subsystem_vendor, has_subsystem_device, has_class;
    uint16_t vendor, device, subsystem_vendor, subsystem_device;
    uint32_t class_value; /* as written: 2, 4 or 6 hex digits */
    unsigned class_digits;
};

/* vf: {pf, index}: a virtual function of a PF that host.sriov sets up, by its index (0 is the first). */
struct vp_vf_ref {
    struct vp_pci_addr pf;
    unsigned index;
};

/* rom: what the guest sees of the device's option ROM: a file instead (file), or none (bar: false). */
struct vp_rom {
    struct vp_pos pos;
    char *file; /* NULL: the device's own */
    bool has_file;
    bool bar; /* default true; false: <rom bar='off'/> */
    bool has_bar;
};

/* One entry of a VM's devices: an address, a match or a VF, optionally with a count (match). */
struct vp_selector {
    struct vp_pos pos;
    bool has_address;
    struct vp_pci_addr address;
    bool whole_slot; /* "0000:01:00": every function of the slot */
    bool has_match;
    struct vp_match match;
    bool has_vf;
    struct vp_vf_ref vf;
    bool has_rom;
    struct vp_rom rom;
    char *mac; /* a NIC VF's MAC in the guest (an <interface type='hostdev'>); NULL: none */
    struct vp_pos mac_pos;
    unsigned vlan; /* a NIC VF's VLAN tag, 1 to 4094; 0: none */
    bool has_vlan;
    unsigned count; /* 0 = not given */
    bool has_count;
    struct vp_pos count_pos;
    bool allow_host_critical; /* the user knows the device is the boot VGA, root disk, ... */
};

struct vp_disk {
    struct vp_pos pos;
    char *path;
    enum vp_disk_format format;
    enum vp_disk_bus bus;
    enum vp_disk_device device;
};

struct vp_network {
    struct vp_pos pos;
    char *network; /* a libvirt network ... */
    char *bridge;  /* ... or a host bridge: exactly one is set */
    enum vp_nic_model model;
    char *mac; /* NULL: libvirt picks one */
    bool has_network, has_bridge;
};

struct vp_nvidia {
    enum vp_nvidia_flavor flavor; /* meaningful only if has_flavor; the plan has the one in effect */
    bool has_flavor;              /* absent: open for Turing and newer GPUs, proprietary for older ones */
    struct vp_pos flavor_pos;
    char *version; /* NULL: the newest the repository has */
    bool cuda;     /* default true */
    bool has_cuda;
    bool fabric_manager;     /* meaningful only if has_fabric_manager */
    bool has_fabric_manager; /* absent: install it when NVSwitches are passed through */
    bool legacy_hide;        /* hide KVM from NVIDIA drivers older than 465 (kvm hidden, a Hyper-V vendor_id) */
};

struct vp_guest {
    enum vp_guest_os os;
    struct vp_nvidia nvidia;
    char *virtio_win; /* Windows: the virtio-win driver ISO, attached as a second CD-ROM; NULL: none */
    struct vp_pos pos;
};

/* Windows guests get no setup script; their domain gets TPM 2.0 and Hyper-V enlightenments. */
static inline bool
vp_guest_os_is_windows(enum vp_guest_os os)
{
    return os == VP_GUEST_WINDOWS11 || os == VP_GUEST_WINDOWS10;
}

struct vp_firmware_spec {
    enum vp_firmware type;
    bool secure_boot;
};

struct vp_vm {
    struct vp_pos pos;
    struct vp_pos name_pos;
    char *name;
    char *uuid; /* NULL: derived from host and VM names */
    struct vp_pos uuid_pos;
    unsigned vcpus;
    struct vp_pos vcpus_pos;
    uint64_t memory_bytes;
    struct vp_pos memory_pos;
    enum vp_hugepages hugepages;
    struct vp_pos hugepages_pos;
    bool allow_overcommit; /* more vCPUs than the host has online CPUs */
    enum vp_topology topology;
    struct vp_pos topology_pos;
    struct vp_cpu_set host_cpus; /* explicit pinning, vCPU i on the i-th CPU; empty: topology chooses */
    struct vp_pos host_cpus_pos;
    struct vp_firmware_spec firmware;
    bool allow_no_devices;
    struct vp_selector *devices;
    size_t n_devices;
    struct vp_disk *disks;
    size_t n_disks;
    struct vp_network *networks;
    size_t n_networks;
    bool has_guest;
    struct vp_guest guest;
    char *overlay; /* a libvirt <domain> fragment merged into the generated domain; NULL: none */
    struct vp_pos overlay_pos;
};

struct vp_iommu_spec {
    enum vp_iommu_mode mode;
    bool passthrough; /* iommu=pt */
};

struct vp_kernel_arg {
    char *value; /* "name" or "name=value", validated */
    struct vp_pos pos;
};

/* host.sriov: a PF whose VFs vfioplan creates at every boot. */
struct vp_sriov_spec {
    struct vp_pos pos;
    struct vp_pci_addr pf;
    unsigned num_vfs;
};

struct vp_host_spec {
    struct vp_pos acs_override_pos;
    struct vp_pos bootloader_pos;
    struct vp_sriov_spec *sriov;
    size_t n_sriov;
    uint64_t memory_reserve; /* what the host keeps for itself; meaningful only if has_memory_reserve */
    bool has_memory_reserve;
    struct vp_cpu_set housekeeping; /* CPUs no VM is pinned to; meaningful only if has_housekeeping */
    bool has_housekeeping;
    struct vp_pos housekeeping_pos;
    char *name;
    enum vp_bootloader bootloader;
    enum vp_initramfs initramfs;
    struct vp_iommu_spec iommu;
    struct vp_kernel_arg *kernel_args;
    size_t n_kernel_args;
    bool acs_override;
};

struct vp_spec {
    char *file; /* the path as given, used in diagnostics */
    char *api_version;
    struct vp_host_spec host;
    struct vp_vm *vms;
    size_t n_vms;
    /* positions of nodes that rules point at */
    struct vp_pos pos, host_pos;
    void *priv; /* the arena and the kept YAML text */
};

/* Loads and validates path; NULL (with diagnostics) on any error. */
struct vp_spec *vp_spec_load(const char *path, struct vp_diags *d);
/* Same, from a buffer (fuzzing, tests). */
struct vp_spec *vp_spec_parse(const char *display, const char *buf, size_t len, struct vp_diags *d);
void vp_spec_free(struct vp_spec **spec);

/* The spec's spelling of a value ("systemd-boot"); "?" for one out of range. */
const char *vp_bootloader_name(enum vp_bootloader v);
const char *vp_initramfs_name(enum vp_initramfs v);
const char *vp_iommu_mode_name(enum vp_iommu_mode v);
const char *vp_firmware_name(enum vp_firmware v);
const char *vp_guest_os_name(enum vp_guest_os v);
const char *vp_nvidia_flavor_name(enum vp_nvidia_flavor v);
const char *vp_disk_bus_name(enum vp_disk_bus v);
const char *vp_disk_format_name(enum vp_disk_format v);
const char *vp_disk_device_name(enum vp_disk_device v);
const char *vp_nic_model_name(enum vp_nic_model v);
const char *vp_hugepages_name(enum vp_hugepages v); /* "2M", "1G"; "?" for false and true */
const char *vp_topology_name(enum vp_topology v);

/* The schema's keys, for tests that compare them with the JSON Schema: "vms[].devices[].match.vendor" ... */
size_t vp_spec_schema_keys(const char ***keys);
