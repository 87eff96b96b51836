/* SPDX-License-Identifier: MIT */
/*
 * names.c: the spec's enums by name, one table per enum, indexed by value
 * (so a value added to an enum without a name shows as NULL, never as the
 * next enum's name). The field tables read them; vp_<enum>_name() gives them
 * to the emitters, JSON and XML.
 */
#include "spec-internal.h"

static const char *const vp_bootloader_names[VP_BOOTLOADER__COUNT] = {
    [VP_BOOTLOADER_AUTO] = "auto",
    [VP_BOOTLOADER_GRUB] = "grub",
    [VP_BOOTLOADER_GRUBBY] = "grubby",
    [VP_BOOTLOADER_SYSTEMD_BOOT] = "systemd-boot",
    [VP_BOOTLOADER_RPM_OSTREE] = "rpm-ostree",
    [VP_BOOTLOADER_PROXMOX] = "proxmox",
    [VP_BOOTLOADER_KERNELSTUB] = "kernelstub",
};
VP_NAMED_ENUM(bootloader, VP_BOOTLOADER__COUNT, "bootloader");

static const char *const vp_initramfs_names[VP_INITRAMFS__COUNT] = {
    [VP_INITRAMFS_AUTO] = "auto",
    [VP_INITRAMFS_TOOLS] = "initramfs-tools",
    [VP_INITRAMFS_DRACUT] = "dracut",
    [VP_INITRAMFS_MKINITCPIO] = "mkinitcpio",
};
VP_NAMED_ENUM(initramfs, VP_INITRAMFS__COUNT, "initramfs generator");

static const char *const vp_iommu_mode_names[VP_IOMMU__COUNT] = {
    [VP_IOMMU_AUTO] = "auto",
    [VP_IOMMU_INTEL] = "intel",
    [VP_IOMMU_AMD] = "amd",
};
VP_NAMED_ENUM(iommu_mode, VP_IOMMU__COUNT, "IOMMU mode");

static const char *const vp_firmware_names[VP_FIRMWARE__COUNT] = {
    [VP_FIRMWARE_UEFI] = "uefi",
    [VP_FIRMWARE_BIOS] = "bios",
};
VP_NAMED_ENUM(firmware, VP_FIRMWARE__COUNT, "firmware type");

static const char *const vp_guest_os_names[VP_GUEST__COUNT] = {
    [VP_GUEST_RHEL9] = "rhel9",
    [VP_GUEST_UBUNTU_2204] = "ubuntu-22.04",
    [VP_GUEST_UBUNTU_2404] = "ubuntu-24.04",
    [VP_GUEST_WINDOWS11] = "windows11",
    [VP_GUEST_WINDOWS10] = "windows10",
};
VP_NAMED_ENUM(guest_os, VP_GUEST__COUNT, "guest OS");

static const char *const vp_nvidia_flavor_names[VP_NVIDIA__COUNT] = {
    [VP_NVIDIA_OPEN] = "open",
    [VP_NVIDIA_PROPRIETARY] = "proprietary",
};
VP_NAMED_ENUM(nvidia_flavor, VP_NVIDIA__COUNT, "NVIDIA driver flavor");

static const char *const vp_disk_bus_names[VP_DISK_BUS__COUNT] = {
    [VP_DISK_VIRTIO] = "virtio",
    [VP_DISK_SCSI] = "scsi",
    [VP_DISK_SATA] = "sata",
};
VP_NAMED_ENUM(disk_bus, VP_DISK_BUS__COUNT, "disk bus");

static const char *const vp_disk_format_names[VP_FORMAT__COUNT] = {
    [VP_FORMAT_QCOW2] = "qcow2",
    [VP_FORMAT_RAW] = "raw",
};
VP_NAMED_ENUM(disk_format, VP_FORMAT__COUNT, "disk format");

static const char *const vp_disk_device_names[VP_DEVICE__COUNT] = {
    [VP_DEVICE_DISK] = "disk",
    [VP_DEVICE_CDROM] = "cdrom",
};
VP_NAMED_ENUM(disk_device, VP_DEVICE__COUNT, "disk device");

static const char *const vp_nic_model_names[VP_NIC__COUNT] = {
    [VP_NIC_VIRTIO] = "virtio",
    [VP_NIC_E1000E] = "e1000e",
    [VP_NIC_E1000] = "e1000",
};
VP_NAMED_ENUM(nic_model, VP_NIC__COUNT, "NIC model");

static const char *const vp_topology_names[VP_TOPOLOGY__COUNT] = {
    [VP_TOPOLOGY_AUTO] = "auto",
    [VP_TOPOLOGY_NONE] = "none",
};
VP_NAMED_ENUM(topology, VP_TOPOLOGY__COUNT, "topology");

/* false and true are YAML booleans, not names: the field's handler reads them (spec-v1.c). */
static const char *const vp_hugepages_names[VP_HUGEPAGES__COUNT] = {
    [VP_HUGEPAGES_2M] = "2M",
    [VP_HUGEPAGES_1G] = "1G",
};
VP_NAMED_ENUM(hugepages, VP_HUGEPAGES__COUNT, "huge page size");
