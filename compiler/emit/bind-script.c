/* SPDX-License-Identifier: MIT */
/*
 * bind-script.c: /usr/libexec/vfioplan/bind gives vfio-pci the functions
 * of the plan: the ids (as the module's ids= option) and, where ids= would
 * also take a twin the host keeps, each function by address
 * (driver_override). modprobe runs it whenever vfio-pci loads (the install
 * hook in /etc/modprobe.d/vfioplan.conf), and, when binding by address, the
 * initramfs runs it before udev starts, so the override is in place before
 * a native driver's module can probe. If a driver got there first (a
 * built-in one, say) it lets go and vfio-pci takes the function.
 *
 * It binds only on a boot whose kernel command line carries the plan's
 * boot token: one initramfs then serves a boot entry of this configuration
 * and one of an earlier configuration (the fallback of vfioplan try),
 * which keeps the host's drivers. Only modprobe and the shell's own
 * commands are used: an initramfs without busybox has nothing else.
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
                        "# Gives vfio-pci the PCI functions of this configuration: the ids (every host\n"
                        "# function with them is assigned) and, by address (driver_override), the\n"
                        "# functions whose ids the host also has elsewhere. Run by modprobe whenever\n"
                        "# vfio-pci loads (install vfio-pci ... in /" VP_PATH_MODPROBE "), and in\n"
                        "# the initramfs before udev when binding by address. It binds only on a boot\n"
                        "# whose kernel command line carries the token below; on any other boot it\n"
                        "# loads vfio-pci and binds nothing. Safe to run again.\n"
                        "set -u\n");
    vp_strbuf_printf(&sb, "token=%s\n", plan->boot_token);
    vp_strbuf_puts(&sb, "ids='");
    for (size_t i = 0; i < plan->n_vfio_ids; i++)
        vp_strbuf_printf(&sb, "%s%s", i ? "," : "", plan->vfio_ids[i]);
    vp_strbuf_puts(&sb, "'\nfunctions='");
    for (size_t i = 0; i < plan->n_bind_addresses; i++)
        vp_strbuf_printf(&sb, "%s%s", i ? " " : "", plan->bind_addresses[i]);
    vp_strbuf_puts(&sb,
                   "'\n"
                   "sysfs=/sys/bus/pci\n\n"
                   "cmdline=\n"
                   "read -r cmdline < /proc/cmdline || true\n"
                   "case \" $cmdline \" in\n"
                   "*\" $token \"*) ;;\n"
                   "*)\n"
                   "    # not a boot of this configuration: load the module (-i: without running\n"
                   "    # this hook again) with the options modprobe passed on, and bind nothing\n"
                   "    exec modprobe -i vfio-pci \"$@\"\n"
                   "    ;;\n"
                   "esac\n\n"
                   "for dev in $functions; do\n"
                   "    [ -e \"$sysfs/devices/$dev/driver_override\" ] || continue\n"
                   "    echo vfio-pci > \"$sysfs/devices/$dev/driver_override\"\n"
                   "    # a driver that claimed it first lets go; vfio-pci takes it below\n"
                   "    if [ -e \"$sysfs/devices/$dev/driver\" ] && [ ! -e \"$sysfs/drivers/vfio-pci/$dev\" ]; then\n"
                   "        echo \"$dev\" > \"$sysfs/devices/$dev/driver/unbind\"\n"
                   "    fi\n"
                   "done\n\n"
                   "if [ -n \"$ids\" ]; then\n"
                   "    modprobe -i vfio-pci \"ids=$ids\" \"$@\"\n"
                   "else\n"
                   "    modprobe -i vfio-pci \"$@\"\n"
                   "fi\n\n"
                   "for dev in $functions; do\n"
                   "    if [ -e \"$sysfs/devices/$dev\" ] && [ ! -e \"$sysfs/devices/$dev/driver\" ]; then\n"
                   "        echo \"$dev\" > \"$sysfs/drivers_probe\"\n"
                   "    fi\n"
                   "done\n"
                   "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_BIND_SCRIPT, 0755, &sb);
    return 0;
}
