/* SPDX-License-Identifier: MIT */
/* kernel-args-doc.h: kernel arguments as the boot emitters write them. */
#pragma once

#include "base/strbuf.h"
#include "vfioplan/plan.h"

const char *vp_kernel_arg_reason(const char *arg);
/* "#   intel_iommu=on  why" lines, aligned. */
void vp_kernel_args_comment(struct vp_strbuf *sb, const struct vp_plan *plan);
/* "a b c" */
void vp_kernel_args_join(struct vp_strbuf *sb, const struct vp_plan *plan);
