/* SPDX-License-Identifier: MIT */
/*
 * nvidia-packages.h: NVIDIA's package names per driver branch and guest
 * distribution, and the CUDA toolkit releases each driver runs (the tables
 * and their sources are in nvidia-packages.c). The guest script renders them.
 */
#pragma once

#include <stddef.h>

#include "vfioplan/spec.h"

enum vp_package_manager { VP_PM_DNF, VP_PM_APT };

/* NVIDIA's names for a run of driver branches on one distribution, from first_branch up to the previous row's.
 * "%s" in a name stands for the branch ("570"); lists are space-separated. Arrays by flavor: [VP_NVIDIA_OPEN],
 * [VP_NVIDIA_PROPRIETARY]. */
struct vp_nvidia_names {
    unsigned first_branch;
    const char *driver[2];  /* the userspace driver with nvidia-smi and nvidia-persistenced, by flavor */
    const char *modules[2]; /* the kernel modules, built by DKMS, by flavor */
    const char *fabric_manager;
    const char *nscq; /* the NVSwitch configuration and query library Fabric Manager's tools use */
    const char *imex; /* NULL: the branch has no IMEX */
};

/* How one guest distribution gets NVIDIA's packages. */
struct vp_nvidia_distro {
    enum vp_guest_os os;
    const char *pretty; /* "RHEL 9" */
    enum vp_package_manager pm;
    const char *repo;                    /* NVIDIA's CUDA repository directory: "rhel9", "ubuntu2204" */
    const char *stream_branch[2];        /* dnf: the module stream of one branch ("%s-open"); NULL on apt */
    const char *stream_latest[2];        /* dnf: the stream that follows the newest branch */
    const char *newest_probe;            /* apt: the package whose newest version is the newest driver */
    const struct vp_nvidia_names *names; /* newest branch first */
    size_t n_names;
};

/* A CUDA toolkit release and the oldest driver it runs with (full support, not minor-version compatibility). */
struct vp_cuda_release {
    const char *package;    /* NVIDIA's package of the release: "cuda-toolkit-12-8" */
    const char *version;    /* "12.8.1" */
    const char *min_driver; /* "570.124.06" */
};

/* NULL for an OS without a guest script (Windows). */
const struct vp_nvidia_distro *vp_nvidia_distro_of(enum vp_guest_os os);
/* The row of distro's names that covers branch. */
const struct vp_nvidia_names *vp_nvidia_names_for_branch(const struct vp_nvidia_distro *distro, unsigned branch);
/* Every CUDA toolkit release, newest first; *n gets their number. */
const struct vp_cuda_release *vp_cuda_releases(size_t *n);
