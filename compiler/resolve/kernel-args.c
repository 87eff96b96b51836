/* SPDX-License-Identifier: MIT */
/*
 * kernel-args.c: the kernel command line passthrough needs, from the host
 * facts: intel_iommu=on on Intel (AMD's IOMMU is on by default), iommu=pt
 * when asked, vfio-pci.ids= where vfio-pci is built into a kernel (modprobe
 * options never reach a built-in module), the ACS override when asked, then
 * the spec's own arguments.
 */
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "resolve-internal.h"

void
vp_resolve_kernel_args(struct vp_resolver *r)
{
    const struct vp_spec *s = r->spec;
    const struct vp_host *h = r->host;
    const char *args[80];
    size_t n = 0;
    enum vp_iommu_mode mode = s->host.iommu.mode;
    if (mode == VP_IOMMU_AUTO)
        mode = h->cpu_vendor == VP_CPU_INTEL ? VP_IOMMU_INTEL
               : h->cpu_vendor == VP_CPU_AMD ? VP_IOMMU_AMD
                                             : VP_IOMMU_AUTO;
    if (mode == VP_IOMMU_AUTO) {
        vp_warning(r->d, VP_UNKNOWN_CPU, &s->host_pos,
                   "the CPU vendor of host %s is unknown (neither Intel nor AMD): no IOMMU argument is added",
                   s->host.name);
        vp_hint(r->d, "set host.iommu.mode to intel or amd");
    }
    if (mode == VP_IOMMU_INTEL)
        args[n++] = "intel_iommu=on";
    if (s->host.iommu.passthrough)
        args[n++] = "iommu=pt";
    if (r->plan->vfio_pci_builtin && r->plan->n_vfio_ids > 0) {
        struct vp_strbuf sb = {0};
        vp_strbuf_puts(&sb, "vfio-pci.ids=");
        for (size_t i = 0; i < r->plan->n_vfio_ids; i++)
            vp_strbuf_printf(&sb, "%s%s", i ? "," : "", r->plan->vfio_ids[i]);
        args[n++] = vp_arena_strdup(r->arena, sb.data);
        vp_strbuf_free(&sb);
    }
    if (s->host.acs_override) {
        args[n++] = "pcie_acs_override=downstream,multifunction";
        vp_warning(r->d, VP_ACS_OVERRIDE, &s->host.acs_override_pos,
                   "pcie_acs_override splits IOMMU groups the hardware does not isolate");
        vp_note(
            r->d,
            "devices in a split group can still reach each other by peer-to-peer DMA; a VM could read or write host memory through them");
        vp_hint(
            r->d,
            "it needs a kernel with the ACS override patch (stock Debian, Ubuntu and RHEL kernels do not have it); prefer a slot with real ACS");
    }
    for (size_t i = 0; i < s->host.n_kernel_args && n < VP_ARRAY_SIZE(args); i++)
        args[n++] = s->host.kernel_args[i].value;
    r->plan->kernel_args = vp_arena_memdup(r->arena, args, n * sizeof(*args));
    r->plan->n_kernel_args = n;

    /* The IOMMU must be on after the reboot; say so now if it is off today. */
    struct vp_pos pos = s->host_pos;
    if (h->n_groups == 0) {
        bool off = vp_has_word(h->cmdline, "intel_iommu=off") || vp_has_word(h->cmdline, "amd_iommu=off") ||
                   vp_has_word(h->cmdline, "iommu=off");
        vp_warning(r->d, VP_IOMMU_OFF, &pos, "the IOMMU is off on host %s today (no IOMMU groups%s)",
                   s->host.name ? s->host.name : "", off ? "; the kernel command line turns it off" : "");
        vp_note(r->d, "IOMMU-group closure cannot be checked until the host runs with the IOMMU on");
        vp_hint(
            r->d,
            "apply, reboot, then run 'vfioplan check' again; if groups are still missing, turn on VT-d / AMD-Vi (IOMMU) in the firmware setup");
    }
}
