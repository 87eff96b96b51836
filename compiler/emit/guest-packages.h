/* SPDX-License-Identifier: MIT */
/*
 * guest-packages.h: the package-manager half of the guest setup script: how
 * dnf and apt add NVIDIA's repository, pick the driver a spec asks for,
 * install it pinned to one version, and lock it (guest-packages.c).
 */
#pragma once

#include "base/strbuf.h"
#include "nvidia-packages.h"
#include "vfioplan/plan.h"

/* Shell functions the script's sections call: nvidia_names, cuda_releases, versions_of, pm_pick_driver, pm_has,
 * nvidia_locked, pm_install_driver, pm_install_fabric, pm_install_cuda, pm_lock, initramfs_rebuild. */
void vp_guest_emit_package_functions(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro,
                                     const struct vp_plan_vm *pvm);
/* The section that adds NVIDIA's CUDA repository (and EPEL on RHEL). */
void vp_guest_emit_repositories(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro);
/* The section that installs the headers of the running kernel, failing with advice. */
void vp_guest_emit_kernel_headers(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro);
