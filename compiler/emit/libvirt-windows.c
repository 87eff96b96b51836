/* SPDX-License-Identifier: MIT */
/*
 * libvirt-windows.c: the parts of a libvirt domain a Windows guest needs,
 * built with libxml2 like the rest of the domain (libvirt.c):
 *   - TPM 2.0 (swtpm emulator, CRB interface): Windows 11 setup refuses a PC
 *     without one; BitLocker uses it on Windows 10.
 *   - Hyper-V enlightenments: Windows runs as a Hyper-V guest, with paravirtual
 *     spinlocks, APIC, timers and TLB flushes instead of trapping on each.
 *   - a localtime clock (Windows keeps the RTC in local time) with the
 *     Hyper-V reference clock, no HPET, and the timer policies libvirt and
 *     virt-install give Windows.
 *   - SMM when Secure Boot is on (OVMF's Secure Boot build needs it).
 *   - the virtio-win driver ISO as a further SATA CD-ROM, so setup can load
 *     viostor for a virtio disk and the NIC driver.
 * NVIDIA's Windows drivers before 465 refused to run in a VM (error 43); for
 * them legacy_hide hides KVM (kvm hidden) and replaces the Hyper-V vendor id,
 * on any guest OS. From 465 NVIDIA supports passthrough, and hiding costs the
 * enlightenments nothing but is left out.
 */
#include <stdio.h>
#include <string.h>

#include "libvirt-windows.h"

/* Hyper-V's vendor id is 12 characters at most; any value but KVM's and Microsoft's hides the hypervisor. */
#define LEGACY_VENDOR_ID "vfioplan"

static xmlNodePtr
element(xmlNodePtr parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static xmlNodePtr
with(xmlNodePtr node, const char *attribute, const char *value)
{
    xmlNewProp(node, BAD_CAST attribute, BAD_CAST value);
    return node;
}

static void
add_hyperv(xmlNodePtr features, const struct vp_vm *vm, bool windows)
{
    /* The set virt-install gives Windows 10 and 11 (osinfo's hyperv features); stimer needs synic and vpindex. */
    static const char *const on[] = {"relaxed", "vapic", "spinlocks",   "vpindex",  "runtime", "synic",
                                     "stimer",  "reset", "frequencies", "tlbflush", "ipi"};
    xmlNodePtr hv = with(element(features, "hyperv"), "mode", "custom");
    for (size_t i = 0; windows && i < sizeof(on) / sizeof(on[0]); i++) {
        xmlNodePtr f = with(element(hv, on[i]), "state", "on");
        if (strcmp(on[i], "spinlocks") == 0) /* Windows' spinlock retries before it notifies the hypervisor */
            with(f, "retries", "8191");
    }
    if (vm->guest.nvidia.legacy_hide)
        with(with(element(hv, "vendor_id"), "state", "on"), "value", LEGACY_VENDOR_ID);
}

void
vp_libvirt_guest_features(xmlNodePtr features, const struct vp_vm *vm)
{
    bool windows = vm->has_guest && vp_guest_os_is_windows(vm->guest.os);
    bool hide = vm->has_guest && vm->guest.nvidia.legacy_hide;
    if (windows || hide)
        add_hyperv(features, vm, windows);
    if (hide)
        with(element(element(features, "kvm"), "hidden"), "state", "on");
    if (windows && vm->firmware.type == VP_FIRMWARE_UEFI && vm->firmware.secure_boot)
        with(element(features, "smm"), "state", "on");
}

void
vp_libvirt_guest_clock(xmlNodePtr dom, const struct vp_vm *vm)
{
    xmlNodePtr clock = element(dom, "clock");
    if (!vm->has_guest || !vp_guest_os_is_windows(vm->guest.os)) {
        with(clock, "offset", "utc");
        return;
    }
    with(clock, "offset", "localtime");
    with(with(element(clock, "timer"), "name", "rtc"), "tickpolicy", "catchup");
    with(with(element(clock, "timer"), "name", "pit"), "tickpolicy", "delay");
    with(with(element(clock, "timer"), "name", "hpet"), "present", "no");
    with(with(element(clock, "timer"), "name", "hypervclock"), "present", "yes");
}

/* The first sdX name no <disk> in devs uses yet: the CD-ROM goes after whatever disks the domain has. */
static void
free_sd_name(xmlNodePtr devs, char *name, size_t size)
{
    for (unsigned n = 0;; n++) {
        if (n < 26)
            snprintf(name, size, "sd%c", 'a' + n);
        else
            snprintf(name, size, "sd%c%c", 'a' + (n / 26 - 1) % 26, 'a' + n % 26);
        bool used = false;
        for (xmlNodePtr d = devs->children; d && !used; d = d->next) {
            if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "disk") != 0)
                continue;
            for (xmlNodePtr t = d->children; t && !used; t = t->next) {
                if (t->type != XML_ELEMENT_NODE || strcmp((const char *)t->name, "target") != 0)
                    continue;
                xmlChar *dev = xmlGetProp(t, BAD_CAST "dev");
                used = dev && strcmp((const char *)dev, name) == 0;
                xmlFree(dev);
            }
        }
        if (!used)
            return;
    }
}

void
vp_libvirt_guest_devices(xmlNodePtr devs, const struct vp_vm *vm)
{
    if (!vm->has_guest || !vp_guest_os_is_windows(vm->guest.os))
        return;
    if (vm->guest.virtio_win) {
        char dev[8];
        free_sd_name(devs, dev, sizeof(dev));
        xmlNodePtr cd = with(with(element(devs, "disk"), "type", "file"), "device", "cdrom");
        with(with(element(cd, "driver"), "name", "qemu"), "type", "raw");
        with(element(cd, "source"), "file", vm->guest.virtio_win);
        with(with(element(cd, "target"), "dev", dev), "bus", "sata");
        element(cd, "readonly");
    }
    xmlNodePtr tpm = with(element(devs, "tpm"), "model", "tpm-crb");
    with(with(element(tpm, "backend"), "type", "emulator"), "version", "2.0");
}
