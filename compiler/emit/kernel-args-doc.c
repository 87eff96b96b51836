/* SPDX-License-Identifier: MIT */
/* kernel-args-doc.c: one line on why each kernel argument is there, for the comments of boot artifacts. */
#include <string.h>

#include "base/util.h"
#include "kernel-args-doc.h"

const char *
vp_kernel_arg_reason(const char *arg)
{
    static const struct {
        const char *prefix;
        const char *reason;
    } reasons[] = {
        {"intel_iommu=on", "turn on the Intel IOMMU (VT-d), which vfio needs"},
        {"iommu=pt", "host devices bypass IOMMU translation (host.iommu.passthrough)"},
        {"vfio-pci.ids=", "vfio-pci is built into a kernel here: modprobe.d options cannot reach it"},
        {"pcie_acs_override=", "split IOMMU groups the hardware does not isolate (host.acs_override)"},
    };
    for (size_t i = 0; i < VP_ARRAY_SIZE(reasons); i++)
        if (vp_startswith(arg, reasons[i].prefix))
            return reasons[i].reason;
    return "from the spec (host.kernel_args)";
}

void
vp_kernel_args_comment(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    size_t width = 0;
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        if (strlen(plan->kernel_args[i]) > width)
            width = strlen(plan->kernel_args[i]);
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(sb, "#   %-*s  %s\n", (int)width, plan->kernel_args[i],
                         vp_kernel_arg_reason(plan->kernel_args[i]));
}

void
vp_kernel_args_join(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(sb, "%s%s", i ? " " : "", plan->kernel_args[i]);
}
