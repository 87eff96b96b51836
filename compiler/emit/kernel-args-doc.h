/* SPDX-License-Identifier: MIT */
/* kernel-args-doc.h: kernel arguments as the boot emitters write them. */
#pragma once

#include "base/strbuf.h"
#include "vfioplan/plan.h"

/* "#   intel_iommu=on  why" lines, aligned; the reasons come with the plan's arguments. */
void vp_kernel_args_comment(struct vp_strbuf *sb, const struct vp_plan *plan);
/* "a b c" */
void vp_kernel_args_join(struct vp_strbuf *sb, const struct vp_plan *plan);
