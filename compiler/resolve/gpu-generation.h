/* SPDX-License-Identifier: MIT */
/* gpu-generation.h: which architecture an NVIDIA GPU is, from its PCI device id (table in gpu-generation.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vp_gpu_generation {
    const char *architecture; /* "Pascal", "Hopper" */
    bool open_modules;        /* NVIDIA's open kernel modules drive it (Turing and newer) */
};

/* The generation of NVIDIA GPU device id; ids newer than the table are taken as newer than its last row. Never NULL. */
const struct vp_gpu_generation *vp_gpu_generation_of(uint16_t device_id);
