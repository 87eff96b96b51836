/* SPDX-License-Identifier: MIT */
/*
 * bind-script.c: /usr/libexec/vfioplan/bind binds functions to
 * vfio-pci by address (driver_override) where ids= would also take a twin
 * the host keeps. It runs from the initramfs before udev starts, and from
 * modprobe's install hook whenever vfio-pci loads, so the override is in
 * place before a native driver's module can probe. If a driver got there
 * first (a built-in one, say) it lets go and vfio-pci takes the function.
 * Only modprobe and the shell's own commands are used: an initramfs without
 * busybox has nothing else.
 */
#include "emit-internal.h"

int
vp_emit_bind_script(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                    struct vp_diags *d)
{
    (void)previous;
    (void)d;
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, "#!/bin/sh\n");
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# Binds these PCI functions to vfio-pci by address (driver_override): other\n"
                        "# functions with the same vendor:device stay with the host's drivers. Runs in\n"
                        "# the initramfs before udev, and from modprobe whenever vfio-pci loads\n"
                        "# (install vfio-pci ... in /" VP_PATH_MODPROBE "). Safe to run again.\n"
                        "set -u\n"
                        "sysfs=/sys/bus/pci\n"
                        "functions='");
    for (size_t i = 0; i < plan->n_bind_addresses; i++)
        vp_strbuf_printf(&sb, "%s%s", i ? " " : "", plan->bind_addresses[i]);
    vp_strbuf_puts(&sb,
                   "'\n\n"
                   "for dev in $functions; do\n"
                   "    [ -e \"$sysfs/devices/$dev/driver_override\" ] || continue\n"
                   "    echo vfio-pci > \"$sysfs/devices/$dev/driver_override\"\n"
                   "    # a driver that claimed it first lets go; vfio-pci takes it below\n"
                   "    if [ -e \"$sysfs/devices/$dev/driver\" ] && [ ! -e \"$sysfs/drivers/vfio-pci/$dev\" ]; then\n"
                   "        echo \"$dev\" > \"$sysfs/devices/$dev/driver/unbind\"\n"
                   "    fi\n"
                   "done\n\n"
                   "# Load the module itself (-i: without running this hook again), with the\n"
                   "# options modprobe passed on.\n"
                   "modprobe -i vfio-pci \"$@\"\n\n"
                   "for dev in $functions; do\n"
                   "    if [ -e \"$sysfs/devices/$dev\" ] && [ ! -e \"$sysfs/devices/$dev/driver\" ]; then\n"
                   "        echo \"$dev\" > \"$sysfs/drivers_probe\"\n"
                   "    fi\n"
                   "done\n"
                   "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_BIND_SCRIPT, 0755, &sb);
    return 0;
}
