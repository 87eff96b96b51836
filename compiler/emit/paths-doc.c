/* SPDX-License-Identifier: MIT */
/* paths-doc.c: the files vfioplan writes on a host, for the FILES section of vfioplan(8). */
#include "base/util.h"
#include "emit-internal.h"

static const struct vp_path_doc path_docs[] = {
    {"/" VP_PATH_MODPROBE, "vfio-pci options (ids), softdeps, and the install hook when binding by address"},
    {"/" VP_PATH_BIND_SCRIPT,
     "binds functions to vfio-pci by address (driver_override), from the initramfs and modprobe"},
    {"/" VP_PATH_GRUB_DROPIN, "the kernel arguments, for GRUB (update-grub)"},
    {"/" VP_PATH_KERNEL_ARGS,
     "the kernel arguments vfioplan added with grubby or for systemd-boot, so that apply can remove them"},
    {"/" VP_PATH_SDBOOT_SCRIPT, "adds the kernel arguments to the systemd-boot entries and /etc/kernel/cmdline"},
    {"/" VP_PATH_ITOOLS_HOOK, "puts vfio-pci (and the bind script) into the initramfs-tools initramfs"},
    {"/" VP_PATH_ITOOLS_INIT_TOP, "runs the bind script in the initramfs, before udev"},
    {"/" VP_PATH_DRACUT, "the vfio modules (and the bind script) for dracut"},
    {"/" VP_PATH_MKINITCPIO, "the vfio modules (and the bind script) for mkinitcpio"},
    {"/" VP_DIR_VMS "/NAME.xml", "one libvirt domain per VM (virsh define)"},
    {"/" VP_DIR_GUEST "/NAME-setup.sh",
     "one guest setup script per VM with a guest: the NVIDIA driver, CUDA, Fabric Manager"},
};

const struct vp_path_doc *
vp_artifact_path_docs(size_t *n)
{
    *n = VP_ARRAY_SIZE(path_docs);
    return path_docs;
}
