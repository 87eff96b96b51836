/* SPDX-License-Identifier: MIT */
/*
 * nvidia-packages.c: NVIDIA's package names in its CUDA repositories, per
 * driver branch and guest distribution, and the CUDA release -> minimum
 * driver table. The one place these names live; the guest script renders
 * them (guest-script.c).
 *
 * Names change with the branch, which is why one name per distribution is
 * not enough (the setup script of 570 fails on 580):
 *   - Fabric Manager: RHEL renamed nvidia-fabricmanager-XXX to
 *     nvidia-fabric-manager in 2021 (470), and back to nvidia-fabricmanager
 *     (no branch) from 580. Ubuntu has nvidia-fabricmanager-XXX up to 575;
 *     from 580 the package is nvidia-fabricmanager, and
 *     nvidia-fabricmanager-580 is only a virtual package it provides, which
 *     apt cannot pin to a version ("Version '580.65.06-1' for
 *     'nvidia-fabricmanager-580' was not found").
 *   - libnvidia-nscq-XXX becomes libnvidia-nscq, and nvidia-imex-XXX becomes
 *     nvidia-imex, from 580 on both; IMEX packages start with 550.
 *   - Ubuntu drops the branch from the driver packages too from 590
 *     (nvidia-dkms-580-open -> nvidia-dkms-open).
 * Sources:
 *   - NVIDIA/gpu-driver-container: rhel9/install.sh (fabricmanager_install,
 *     nscq_install, imex_install: "nvidia-fabricmanager-${DRIVER_VERSION}" from
 *     580, "nvidia-fabric-manager-${DRIVER_VERSION}" before,
 *     "libnvidia-nscq-${DRIVER_BRANCH}-${DRIVER_VERSION}", "nvidia-imex-..."
 *     from 550, "dnf module enable nvidia-driver:${DRIVER_BRANCH}-dkms");
 *     ubuntu22.04/install.sh (the same per branch with apt's
 *     "=${DRIVER_VERSION}-1" pins); pull request #451 ("Package
 *     nvidia-fabricmanager-580 is a virtual package provided by
 *     nvidia-fabricmanager 580.65.06-1"); issue #585 (the 580 rename on
 *     SLES, the same repository layout).
 *   - NVIDIA/yum-packaging-fabric-manager, issue #1 and pull request #2 (the
 *     2021 rename to nvidia-fabric-manager).
 *   - NVIDIA Driver Installation Guide, "Kernel Modules" (RHEL 8/9:
 *     "dnf module enable nvidia-driver:580-open", "open-dkms" for the
 *     newest), "Version locking" (dnf versionlock; Ubuntu's 590 renames),
 *     "Advanced Options" (switching flavors: nvidia-driver-open on Ubuntu).
 *   - NVIDIA/yum-packaging-dkms-nvidia, README.md: kmod-nvidia-latest-dkms
 *     (streams latest-dkms, XXX-dkms) and kmod-nvidia-open-dkms (streams
 *     open-dkms, XXX-open, from 515).
 * Kernel modules are the DKMS packages only. NVIDIA's precompiled ones are
 * left out: RHEL's (streams XXX and latest, kmod-nvidia-VERSION-KERNEL) are
 * proprietary only and exist per kernel, and Ubuntu's
 * (linux-modules-nvidia-XXX-*) come from Ubuntu's archive at Ubuntu's own
 * driver releases, so an exact pin to NVIDIA's release could not hold.
 * Package versions: RHEL's carry the driver version (epoch 3); Ubuntu's
 * driver packages are VERSION-0ubuntu1 and Fabric Manager's VERSION-1, so
 * the script pins "VERSION-*".
 */
#include "base/util.h"
#include "nvidia-packages.h"

/* Newest branch first. The rhel9 repository starts at 515, after the 2021 rename. */
static const struct vp_nvidia_names rhel9_names[] = {
    {580,
     {"nvidia-driver nvidia-driver-cuda nvidia-persistenced", "nvidia-driver nvidia-driver-cuda nvidia-persistenced"},
     {"kmod-nvidia-open-dkms", "kmod-nvidia-latest-dkms"},
     "nvidia-fabricmanager",
     "libnvidia-nscq",
     "nvidia-imex"},
    {550,
     {"nvidia-driver nvidia-driver-cuda nvidia-persistenced", "nvidia-driver nvidia-driver-cuda nvidia-persistenced"},
     {"kmod-nvidia-open-dkms", "kmod-nvidia-latest-dkms"},
     "nvidia-fabric-manager",
     "libnvidia-nscq-%s",
     "nvidia-imex-%s"},
    {0,
     {"nvidia-driver nvidia-driver-cuda nvidia-persistenced", "nvidia-driver nvidia-driver-cuda nvidia-persistenced"},
     {"kmod-nvidia-open-dkms", "kmod-nvidia-latest-dkms"},
     "nvidia-fabric-manager",
     "libnvidia-nscq-%s",
     NULL},
};

/* The same in NVIDIA's ubuntu2204 and ubuntu2404 repositories; nvidia-driver-XXX pulls nvidia-smi (nvidia-utils-XXX)
 * and nvidia-persistenced (nvidia-compute-utils-XXX). */
static const struct vp_nvidia_names ubuntu_names[] = {
    {590,
     {"nvidia-driver-open", "nvidia-driver"},
     {"nvidia-dkms-open", "nvidia-dkms"},
     "nvidia-fabricmanager",
     "libnvidia-nscq",
     "nvidia-imex"},
    {580,
     {"nvidia-driver-%s-open", "nvidia-driver-%s"},
     {"nvidia-dkms-%s-open", "nvidia-dkms-%s"},
     "nvidia-fabricmanager",
     "libnvidia-nscq",
     "nvidia-imex"},
    {550,
     {"nvidia-driver-%s-open", "nvidia-driver-%s"},
     {"nvidia-dkms-%s-open", "nvidia-dkms-%s"},
     "nvidia-fabricmanager-%s",
     "libnvidia-nscq-%s",
     "nvidia-imex-%s"},
    {0,
     {"nvidia-driver-%s-open", "nvidia-driver-%s"},
     {"nvidia-dkms-%s-open", "nvidia-dkms-%s"},
     "nvidia-fabricmanager-%s",
     "libnvidia-nscq-%s",
     NULL},
};

static const struct vp_nvidia_distro distros[] = {
    {VP_GUEST_RHEL9,
     "RHEL 9",
     VP_PM_DNF,
     "rhel9",
     {"%s-open", "%s-dkms"},
     {"open-dkms", "latest-dkms"},
     NULL,
     rhel9_names,
     VP_ARRAY_SIZE(rhel9_names)},
    {VP_GUEST_UBUNTU_2204,
     "Ubuntu 22.04",
     VP_PM_APT,
     "ubuntu2204",
     {NULL, NULL},
     {NULL, NULL},
     "cuda-drivers",
     ubuntu_names,
     VP_ARRAY_SIZE(ubuntu_names)},
    {VP_GUEST_UBUNTU_2404,
     "Ubuntu 24.04",
     VP_PM_APT,
     "ubuntu2404",
     {NULL, NULL},
     {NULL, NULL},
     "cuda-drivers",
     ubuntu_names,
     VP_ARRAY_SIZE(ubuntu_names)},
};

/*
 * CUDA release -> minimum Linux x86_64 driver: the CUDA Toolkit Release
 * Notes, "CUDA Toolkit and Corresponding Driver Versions" (Table 3 in the
 * 13.x notes), column "Toolkit Driver Version". Newest first; one row per
 * update, since an update can need a newer driver than its release's GA
 * (12.8 GA runs on 570.26, 12.8 Update 1 needs 570.124.06), and the script
 * pins the update it installs.
 */
static const struct vp_cuda_release cuda[] = {
    {"cuda-toolkit-13-2", "13.2.2", "595.71.05"},  {"cuda-toolkit-13-2", "13.2.1", "595.58.03"},
    {"cuda-toolkit-13-2", "13.2.0", "595.45.04"},  {"cuda-toolkit-13-1", "13.1.1", "590.48.01"},
    {"cuda-toolkit-13-1", "13.1.0", "590.44.01"},  {"cuda-toolkit-13-0", "13.0.2", "580.95.05"},
    {"cuda-toolkit-13-0", "13.0.1", "580.82.07"},  {"cuda-toolkit-13-0", "13.0.0", "580.65.06"},
    {"cuda-toolkit-12-9", "12.9.1", "575.57.08"},  {"cuda-toolkit-12-9", "12.9.0", "575.51.03"},
    {"cuda-toolkit-12-8", "12.8.1", "570.124.06"}, {"cuda-toolkit-12-8", "12.8.0", "570.26"},
    {"cuda-toolkit-12-6", "12.6.3", "560.35.05"},  {"cuda-toolkit-12-6", "12.6.2", "560.35.03"},
    {"cuda-toolkit-12-6", "12.6.1", "560.35.03"},  {"cuda-toolkit-12-6", "12.6.0", "560.28.03"},
    {"cuda-toolkit-12-5", "12.5.1", "555.42.06"},  {"cuda-toolkit-12-5", "12.5.0", "555.42.02"},
    {"cuda-toolkit-12-4", "12.4.1", "550.54.15"},  {"cuda-toolkit-12-4", "12.4.0", "550.54.14"},
    {"cuda-toolkit-12-3", "12.3.1", "545.23.08"},  {"cuda-toolkit-12-3", "12.3.0", "545.23.06"},
    {"cuda-toolkit-12-2", "12.2.2", "535.104.05"}, {"cuda-toolkit-12-2", "12.2.1", "535.86.09"},
    {"cuda-toolkit-12-2", "12.2.0", "535.54.03"},  {"cuda-toolkit-12-1", "12.1.1", "530.30.02"},
    {"cuda-toolkit-12-1", "12.1.0", "530.30.02"},  {"cuda-toolkit-12-0", "12.0.1", "525.85.12"},
    {"cuda-toolkit-12-0", "12.0.0", "525.60.13"},  {"cuda-toolkit-11-8", "11.8.0", "520.61.05"},
    {"cuda-toolkit-11-7", "11.7.1", "515.48.07"},  {"cuda-toolkit-11-7", "11.7.0", "515.43.04"},
    {"cuda-toolkit-11-6", "11.6.2", "510.47.03"},  {"cuda-toolkit-11-6", "11.6.1", "510.47.03"},
    {"cuda-toolkit-11-6", "11.6.0", "510.39.01"},  {"cuda-toolkit-11-5", "11.5.2", "495.29.05"},
    {"cuda-toolkit-11-5", "11.5.1", "495.29.05"},  {"cuda-toolkit-11-5", "11.5.0", "495.29.05"},
    {"cuda-toolkit-11-4", "11.4.4", "470.82.01"},  {"cuda-toolkit-11-4", "11.4.3", "470.82.01"},
    {"cuda-toolkit-11-4", "11.4.2", "470.57.02"},  {"cuda-toolkit-11-4", "11.4.1", "470.57.02"},
    {"cuda-toolkit-11-4", "11.4.0", "470.42.01"},  {"cuda-toolkit-11-3", "11.3.1", "465.19.01"},
    {"cuda-toolkit-11-3", "11.3.0", "465.19.01"},  {"cuda-toolkit-11-2", "11.2.2", "460.32.03"},
    {"cuda-toolkit-11-2", "11.2.1", "460.32.03"},  {"cuda-toolkit-11-2", "11.2.0", "460.27.03"},
    {"cuda-toolkit-11-1", "11.1.1", "455.32"},     {"cuda-toolkit-11-1", "11.1.0", "455.23"},
    {"cuda-toolkit-11-0", "11.0.3", "450.51.06"},  {"cuda-toolkit-11-0", "11.0.2", "450.51.05"},
};

const struct vp_nvidia_distro *
vp_nvidia_distro_of(enum vp_guest_os os)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(distros); i++)
        if (distros[i].os == os)
            return &distros[i];
    return NULL;
}

const struct vp_nvidia_names *
vp_nvidia_names_for_branch(const struct vp_nvidia_distro *distro, unsigned branch)
{
    for (size_t i = 0; i < distro->n_names; i++)
        if (branch >= distro->names[i].first_branch)
            return &distro->names[i];
    return NULL;
}

const struct vp_cuda_release *
vp_cuda_releases(size_t *n)
{
    *n = VP_ARRAY_SIZE(cuda);
    return cuda;
}
