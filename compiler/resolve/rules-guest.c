/* SPDX-License-Identifier: MIT */
/*
 * rules-guest.c: the rules on what a VM's guest needs: UEFI for large BARs,
 * an NVIDIA GPU for a guest script, modules that drive its GPUs, what
 * Windows setup requires of the VM, and something to boot from.
 */
#include <inttypes.h>

#include "gpu-generation.h"
#include "resolve-internal.h"

/* Windows 11 setup refuses a PC without these (Microsoft's minimum system requirements). */
#define WINDOWS11_MIN_MEMORY (4ull << 30)
#define WINDOWS11_MIN_VCPUS 2u

/* A Linux guest gets a setup script (and an unsigned DKMS module); a Windows guest's section shapes its domain. */
static bool
script_guest(const struct vp_vm *v)
{
    return v->has_guest && !vp_guest_os_is_windows(v->guest.os);
}

void
vp_rule_large_bar_bios(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (pvm->mmio64_mib && v->firmware.type == VP_FIRMWARE_BIOS) {
            vp_rule_report(
                r, code, &v->pos,
                "VM '%s' needs a %llu MiB 64-bit MMIO window for its devices' BARs, which SeaBIOS cannot map", v->name,
                (unsigned long long)pvm->mmio64_mib);
            vp_hint(r->d, "use firmware: {type: uefi}");
        }
    }
}

void
vp_rule_too_many_slots(struct vp_resolver *r, enum vp_code code)
{
    /* one guest bus per slot, behind its own root port: a PCI bus number is 8 bits, and 0 is the root complex */
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        if (pvm->n_guest_slots <= 255)
            continue;
        vp_rule_report(r, code, &pvm->spec->pos,
                       "VM '%s' needs %u guest PCI slots; a guest has PCI buses 1 to 255, one per slot",
                       pvm->spec->name, pvm->n_guest_slots);
        vp_note(r->d, "its domain XML would put devices on buses past 0xff, which libvirt refuses at 'virsh define'");
        vp_hint(r->d, "split the devices across several VMs");
    }
}

void
vp_rule_guest_no_gpu(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (script_guest(v) && pvm->nvidia_gpus == 0 && vp_resolver_vm_selected(r, vm)) {
            vp_rule_report(r, code, &v->pos,
                           "VM '%s' has a guest section but no NVIDIA GPU; no guest setup script is written", v->name);
            vp_hint(r->d, "remove guest:, or assign the GPU");
        }
    }
}

void
vp_rule_secure_boot_nvidia(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (script_guest(v) && pvm->nvidia_gpus > 0 && v->firmware.secure_boot) {
            vp_rule_report(
                r, code, &v->pos,
                "VM '%s' boots with Secure Boot on; the NVIDIA module the guest script builds is unsigned and will not load",
                v->name);
            vp_hint(r->d, "set firmware: {secure_boot: false}, or enroll a MOK and sign the module in the guest");
        }
    }
}

void
vp_rule_open_modules_pre_turing(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        const struct vp_nvidia *nv = &v->guest.nvidia;
        if (!nv->has_flavor || nv->flavor != VP_NVIDIA_OPEN || vp_guest_os_is_windows(v->guest.os))
            continue;
        long old = vp_resolver_first_pre_turing_gpu(r, pvm);
        if (old < 0)
            continue;
        const struct vp_device *dev = &r->host->devices[old];
        vp_rule_report(r, code, &nv->flavor_pos,
                       "NVIDIA's open kernel modules cannot drive %s [%04x:%04x], a %s GPU, in VM '%s'", dev->addr_str,
                       dev->vendor, dev->device, vp_gpu_generation_of(dev->device)->architecture, v->name);
        vp_note(r->d, "the open modules drive Turing (GeForce 16 and RTX 20 series, T4) and newer GPUs only");
        vp_hint(
            r->d,
            "set flavor: proprietary, or leave flavor out: vfioplan then picks the proprietary modules for GPUs older than Turing");
    }
}

void
vp_rule_windows11_requirements(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        if (!v->has_guest || v->guest.os != VP_GUEST_WINDOWS11)
            continue;
        const struct vp_pos *at = &v->guest.pos;
        if (v->firmware.type != VP_FIRMWARE_UEFI || !v->firmware.secure_boot) {
            vp_rule_report(r, code, at, "Windows 11 setup refuses VM '%s': its firmware is %s", v->name,
                           v->firmware.type == VP_FIRMWARE_UEFI ? "UEFI without Secure Boot" : "BIOS");
            vp_hint(r->d, "set firmware: {type: uefi, secure_boot: true}; NVIDIA's Windows drivers are signed");
        }
        if (v->memory_bytes < WINDOWS11_MIN_MEMORY) {
            vp_rule_report(r, code, at, "Windows 11 setup refuses VM '%s': %" PRIu64 " MiB of memory", v->name,
                           v->memory_bytes >> 20);
            vp_hint(r->d, "give it at least memory: 4GiB");
        }
        if (v->vcpus < WINDOWS11_MIN_VCPUS) {
            vp_rule_report(r, code, at, "Windows 11 setup refuses VM '%s': one virtual CPU", v->name);
            vp_hint(r->d, "give it at least vcpus: 2");
        }
    }
}

/* Windows setup has no virtio storage driver: it sees a virtio disk only after loading viostor from virtio-win. */
void
vp_rule_windows_virtio_disk(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        if (!v->has_guest || !vp_guest_os_is_windows(v->guest.os) || v->guest.virtio_win)
            continue;
        for (size_t i = 0; i < v->n_disks; i++) {
            const struct vp_disk *disk = &v->disks[i];
            if (disk->device != VP_DEVICE_DISK)
                continue;
            if (disk->bus == VP_DISK_VIRTIO) {
                vp_rule_report(r, code, &disk->pos,
                               "Windows setup cannot see the virtio disk %s of VM '%s' without the virtio-win drivers",
                               disk->path, v->name);
                vp_hint(r->d, "set bus: sata on the disk, or give guest.virtio_win: the path of the virtio-win ISO "
                              "(setup then loads its viostor driver)");
            }
            break; /* the first disk is the one setup installs onto */
        }
    }
}

/* vfioplan creates no disks (README: What vfioplan does not do): a VM without one starts into the firmware's
 * "no bootable device", which is worth a word before anyone runs virsh start. A CD-ROM counts: an installer. */
void
vp_rule_vm_no_disk(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        if (v->n_disks)
            continue;
        vp_rule_report(r, code, &v->pos, "VM '%s' has no disk: it has nothing to boot from", v->name);
        vp_note(r->d, "vfioplan creates no disks and installs nothing in the VM; libvirt defines it all the same");
        vp_hint(r->d,
                "add disks: [{path: /var/lib/libvirt/images/%s.qcow2}] and create the image (qemu-img create -f qcow2 "
                "PATH SIZE), or give a block device or an installer ISO (device: cdrom)",
                v->name);
    }
}
