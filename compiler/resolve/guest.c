/* SPDX-License-Identifier: MIT */
/*
 * guest.c: what a VM's guest OS decides: the NVIDIA kernel modules that bind
 * to its GPUs (open from Turing on, proprietary before), and what Windows
 * setup needs of the VM (UEFI with Secure Boot, a disk it can see).
 */
#include <inttypes.h>
#include <stdio.h>

#include "gpu-generation.h"
#include "resolve-internal.h"

/* Windows 11 setup refuses a PC without these (Microsoft's minimum system requirements). */
#define WINDOWS11_MIN_MEMORY (4ull << 30)
#define WINDOWS11_MIN_VCPUS 2u

/* The first assigned NVIDIA GPU the open kernel modules cannot drive; -1 if none. */
static long
first_pre_turing_gpu(const struct vp_resolver *r, const struct vp_plan_vm *pvm)
{
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &r->host->devices[pvm->assigned[i].device];
        if (vp_device_is_nvidia_gpu(dev) && !vp_gpu_generation_of(dev->device)->open_modules)
            return (long)pvm->assigned[i].device;
    }
    return -1;
}

static void
pick_flavor(struct vp_resolver *r, struct vp_plan_vm *pvm)
{
    const struct vp_vm *v = pvm->spec;
    const struct vp_nvidia *nv = &v->guest.nvidia;
    long old = first_pre_turing_gpu(r, pvm);
    if (!nv->has_flavor) {
        pvm->nvidia_flavor = old >= 0 ? VP_NVIDIA_PROPRIETARY : VP_NVIDIA_OPEN;
        return;
    }
    pvm->nvidia_flavor = nv->flavor;
    if (nv->flavor != VP_NVIDIA_OPEN || old < 0 || vp_guest_os_is_windows(v->guest.os))
        return;
    const struct vp_device *dev = &r->host->devices[old];
    vp_error(r->d, VP_OPEN_MODULES_PRE_TURING, &nv->flavor_pos,
             "NVIDIA's open kernel modules cannot drive %s [%04x:%04x], a %s GPU, in VM '%s'", dev->addr_str,
             dev->vendor, dev->device, vp_gpu_generation_of(dev->device)->architecture, v->name);
    vp_note(r->d, "the open modules drive Turing (GeForce 16 and RTX 20 series, T4) and newer GPUs only");
    vp_hint(
        r->d,
        "set flavor: proprietary, or leave flavor out: vfioplan then picks the proprietary modules for GPUs older than Turing");
}

static void
check_windows11(struct vp_resolver *r, const struct vp_vm *v)
{
    const struct vp_pos *at = &v->guest.pos;
    if (v->firmware.type != VP_FIRMWARE_UEFI || !v->firmware.secure_boot) {
        vp_error(r->d, VP_WINDOWS11_REQUIREMENTS, at, "Windows 11 setup refuses VM '%s': its firmware is %s", v->name,
                 v->firmware.type == VP_FIRMWARE_UEFI ? "UEFI without Secure Boot" : "BIOS");
        vp_hint(r->d, "set firmware: {type: uefi, secure_boot: true}; NVIDIA's Windows drivers are signed");
    }
    if (v->memory_bytes < WINDOWS11_MIN_MEMORY) {
        vp_error(r->d, VP_WINDOWS11_REQUIREMENTS, at, "Windows 11 setup refuses VM '%s': %" PRIu64 " MiB of memory",
                 v->name, v->memory_bytes >> 20);
        vp_hint(r->d, "give it at least memory: 4GiB");
    }
    if (v->vcpus < WINDOWS11_MIN_VCPUS) {
        vp_error(r->d, VP_WINDOWS11_REQUIREMENTS, at, "Windows 11 setup refuses VM '%s': one virtual CPU", v->name);
        vp_hint(r->d, "give it at least vcpus: 2");
    }
}

/* Windows setup has no virtio storage driver: it sees a virtio disk only after loading viostor from virtio-win. */
static void
check_windows_disk(struct vp_resolver *r, const struct vp_vm *v)
{
    if (v->guest.virtio_win)
        return;
    for (size_t i = 0; i < v->n_disks; i++) {
        const struct vp_disk *disk = &v->disks[i];
        if (disk->device != VP_DEVICE_DISK)
            continue;
        if (disk->bus == VP_DISK_VIRTIO) {
            vp_error(r->d, VP_WINDOWS_VIRTIO_DISK, &disk->pos,
                     "Windows setup cannot see the virtio disk %s of VM '%s' without the virtio-win drivers",
                     disk->path, v->name);
            vp_hint(r->d, "set bus: sata on the disk, or give guest.virtio_win: the path of the virtio-win ISO "
                          "(setup then loads its viostor driver)");
        }
        return; /* the first disk is the one setup installs onto */
    }
}

void
vp_resolve_guest(struct vp_resolver *r)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        pick_flavor(r, pvm);
        if (!v->has_guest || !vp_guest_os_is_windows(v->guest.os))
            continue;
        if (v->guest.os == VP_GUEST_WINDOWS11)
            check_windows11(r, v);
        check_windows_disk(r, v);
    }
}
