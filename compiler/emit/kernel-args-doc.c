/* SPDX-License-Identifier: MIT */
/* kernel-args-doc.c: the kernel arguments as the boot emitters write them, each with why it is there. */
#include <string.h>

#include "kernel-args-doc.h"

void
vp_kernel_args_comment(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    size_t width = 0;
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        if (strlen(plan->kernel_args[i].value) > width)
            width = strlen(plan->kernel_args[i].value);
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(sb, "#   %-*s  %s\n", (int)width, plan->kernel_args[i].value, plan->kernel_args[i].why);
}

void
vp_kernel_args_join(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(sb, "%s%s", i ? " " : "", plan->kernel_args[i].value);
}
