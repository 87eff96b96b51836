/* SPDX-License-Identifier: MIT */
/*
 * modprobe.c: /etc/modprobe.d/vfioplan.conf, the same on every distribution:
 * the install hook that runs the bind script whenever vfio-pci loads (it
 * gives vfio-pci the ids, and sets driver_override on functions bound by
 * address, only on a boot whose command line carries the plan's boot
 * token), and softdeps that load vfio-pci before any driver that could
 * claim an assigned function. Never blacklist: the host's own devices may
 * need the same drivers.
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
    if (vp_plan_has_binding(plan)) {
        vp_strbuf_printf(&sb,
                         "\n# vfio-pci claims the functions below only on a boot whose kernel command line\n"
                         "# carries %s: whenever vfio-pci loads, this hook runs\n"
                         "# /" VP_PATH_BIND_SCRIPT ", which checks it. On any other boot (an older\n"
                         "# kernel or boot entry) the host keeps its own drivers.\n",
                         plan->boot_token);
        if (plan->n_vfio_ids) {
            vp_strbuf_puts(&sb, "# By id (every host function with these ids is assigned):\n");
            for (size_t i = 0; i < plan->n_vfio_ids; i++) {
                vp_strbuf_printf(&sb, "#   %s:", plan->vfio_ids[i]);
                list_functions(&sb, plan, plan->vfio_ids[i], VP_BIND_IDS);
            }
        }
        if (plan->n_bind_addresses) {
            vp_strbuf_puts(&sb, "# By address (driver_override: other host functions share their ids):\n#  ");
            list_functions(&sb, plan, NULL, VP_BIND_ADDRESS);
        }
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
