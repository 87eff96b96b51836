/* SPDX-License-Identifier: MIT */
/*
 * gpu-generation.c: NVIDIA GPU device id -> architecture, so the guest gets
 * kernel modules that bind. NVIDIA's open kernel modules drive Turing and
 * newer only; on Maxwell, Pascal and Volta they never bind, and the
 * proprietary modules are the only choice.
 *
 * NVIDIA numbers its GPUs in blocks per chip, and the blocks of one
 * architecture are not contiguous (GA100 sits between two Turing blocks),
 * hence one row per block. Sources:
 *   - pciutils' pci.ids (Debian 12's /usr/share/misc/pci.ids, 2023-04): the
 *     chip name of every NVIDIA display/3D id (GP104 = Pascal, TU102 =
 *     Turing, ...), grouped into the blocks below;
 *   - NVIDIA/open-gpu-kernel-modules, README.md "Compatible GPUs": every id it
 *     lists is 0x1E02 or above (TITAN RTX, Turing); Volta's last id is 0x1DF6;
 *   - ids from 0x2900 are Blackwell (B200 0x2901, GB200 0x2941, GeForce RTX
 *     5090 0x2B85 in the open modules' later README), newer than pci.ids 2023.
 * Display/3D functions only: NVIDIA's audio, USB and UCSI functions and the
 * NVSwitches (class 0680) are never looked up here.
 */
#include <stddef.h>

#include "base/util.h"
#include "gpu-generation.h"

static const struct vp_gpu_generation pre_kepler = {"pre-Kepler (Tesla or Fermi)", false};
static const struct vp_gpu_generation kepler = {"Kepler", false};
static const struct vp_gpu_generation maxwell = {"Maxwell", false};
static const struct vp_gpu_generation pascal = {"Pascal", false};
static const struct vp_gpu_generation volta = {"Volta", false};
static const struct vp_gpu_generation turing = {"Turing", true};
static const struct vp_gpu_generation ampere = {"Ampere", true};
static const struct vp_gpu_generation hopper = {"Hopper", true};
static const struct vp_gpu_generation ada = {"Ada Lovelace", true};
static const struct vp_gpu_generation blackwell = {"Blackwell", true};

/* First device id of each block, ascending; a block runs to the next row's first id. */
static const struct {
    uint16_t first;
    const struct vp_gpu_generation *generation;
} blocks[] = {
    {0x0000, &pre_kepler}, /* NV1 .. GT218, GF100 .. GF119 */
    {0x0fc0, &kepler},     /* GK107, GK110 */
    {0x1040, &pre_kepler}, /* GF119, GF117 */
    {0x1180, &kepler},     /* GK104, GK106 */
    {0x1200, &pre_kepler}, /* GF114, GF116 */
    {0x1280, &kepler},     /* GK208 */
    {0x1340, &maxwell},    /* GM108, GM107, GM204, GM206 */
    {0x15f0, &pascal},     /* GP100 */
    {0x1617, &maxwell},    /* GM204M */
    {0x1725, &pascal},     /* GP100 */
    {0x174d, &maxwell},    /* GM108M, GM200 */
    {0x1b00, &pascal},     /* GP102, GP104, GP106, GP107, GP108 */
    {0x1d81, &volta},      /* GV100 */
    {0x1e00, &turing},     /* TU102, TU104, TU106, TU117 */
    {0x2080, &ampere},     /* GA100 */
    {0x2180, &turing},     /* TU116 */
    {0x2200, &ampere},     /* GA102 */
    {0x2300, &hopper},     /* GH100 */
    {0x2400, &ampere},     /* GA103, GA104, GA106, GA107 */
    {0x2680, &ada},        /* AD102, AD103, AD104, AD106, AD107 */
    {0x2900, &blackwell},  /* GB100, GB102, GB202 .. GB207 */
};

const struct vp_gpu_generation *
vp_gpu_generation_of(uint16_t device_id)
{
    size_t row = 0;
    for (size_t i = 0; i < VP_ARRAY_SIZE(blocks) && blocks[i].first <= device_id; i++)
        row = i;
    return blocks[row].generation;
}
