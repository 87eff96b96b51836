/* SPDX-License-Identifier: MIT */
/*
 * modprobe.c: /etc/modprobe.d/vfioplan.conf, the same on every distribution:
 * ids= for vendor:device pairs the host has only on assigned functions, the
 * install hook that binds the others by address, and softdeps that load
 * vfio-pci before any driver that could claim an assigned function. Never
 * blacklist: the host's own devices may need the same drivers.
 */
#include <stdio.h>
#include <string.h>

#include "emit-internal.h"

/* "0000:11:00.0 0000:12:00.0 ..." of the assigned functions with this vendor:device. */
static void
list_functions(struct vp_strbuf *sb, const struct vp_plan *plan, const char *id, enum vp_binding binding)
{
    size_t n = 0;
    for (size_t v = 0; v < plan->n_vms; v++) {
        const struct vp_plan_vm *vm = &plan->vms[v];
        for (size_t i = 0; i < vm->n_assigned; i++) {
            const struct vp_device *dev = &plan->host->devices[vm->assigned[i].device];
            char did[10];
            snprintf(did, sizeof(did), "%04x:%04x", dev->vendor, dev->device);
            if (vm->assigned[i].binding != binding || (id && strcmp(did, id) != 0))
                continue;
            if (n % 4 == 0)
                vp_strbuf_puts(sb, n ? "\n#     " : "");
            vp_strbuf_printf(sb, " %s (VM %s)", dev->addr_str, vm->spec->name);
            n++;
        }
    }
    vp_strbuf_putc(sb, '\n');
}

int
vp_emit_modprobe(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                 struct vp_diags *d)
{
    (void)previous;
    (void)d;
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    if (plan->n_vfio_ids) {
        vp_strbuf_puts(&sb, "\n# vfio-pci claims every function with these vendor:device ids; on this host\n"
                            "# all of them are assigned to VMs:\n");
        for (size_t i = 0; i < plan->n_vfio_ids; i++) {
            vp_strbuf_printf(&sb, "#   %s:", plan->vfio_ids[i]);
            list_functions(&sb, plan, plan->vfio_ids[i], VP_BIND_IDS);
        }
        vp_strbuf_puts(&sb, "options vfio-pci ids=");
        for (size_t i = 0; i < plan->n_vfio_ids; i++)
            vp_strbuf_printf(&sb, "%s%s", i ? "," : "", plan->vfio_ids[i]);
        vp_strbuf_putc(&sb, '\n');
    }
    if (plan->n_bind_addresses) {
        vp_strbuf_puts(&sb, "\n# These functions share their vendor:device with functions the host keeps, so\n"
                            "# vfio-pci claims them by address: whenever vfio-pci loads, this hook sets\n"
                            "# their driver_override first (see /" VP_PATH_BIND_SCRIPT ").\n#  ");
        list_functions(&sb, plan, NULL, VP_BIND_ADDRESS);
        vp_strbuf_puts(&sb, "install vfio-pci /" VP_PATH_BIND_SCRIPT " $CMDLINE_OPTS\n");
    }
    if (plan->n_softdep_drivers) {
        vp_strbuf_puts(&sb, "\n# Load vfio-pci before any driver that could claim an assigned function. The\n"
                            "# host's own devices keep these drivers: nothing is blacklisted.\n");
        for (size_t i = 0; i < plan->n_softdep_drivers; i++)
            vp_strbuf_printf(&sb, "softdep %s pre: vfio-pci\n", plan->softdep_drivers[i]);
    }
    vp_artifact_add_buf(set, VP_PATH_MODPROBE, 0644, &sb);
    return 0;
}
