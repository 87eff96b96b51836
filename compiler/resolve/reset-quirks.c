/* SPDX-License-Identifier: MIT */
/*
 * reset-quirks.c: GPU families known not to reset between VM starts: the
 * first start works, the second finds the GPU in the state the guest left
 * it (AMD's "reset bug"). The ids are those of vendor-reset's device table
 * (github.com/gnif/vendor-reset, src/device-db.h at 03e525d), the
 * out-of-tree module that gives these GPUs a working device-specific
 * reset; an id it lists twice (0x164c) counts once, with its first family.
 */
#include <stddef.h>

#include "base/util.h"
#include "reset-quirks.h"

static const struct vp_reset_quirk quirks[] = {
    /* _AMD_POLARIS10 */
    {0x1002, 0x67c0, "Polaris 10"},
    {0x1002, 0x67c1, "Polaris 10"},
    {0x1002, 0x67c2, "Polaris 10"},
    {0x1002, 0x67c4, "Polaris 10"},
    {0x1002, 0x67c7, "Polaris 10"},
    {0x1002, 0x67d0, "Polaris 10"},
    {0x1002, 0x67df, "Polaris 10"},
    {0x1002, 0x67c8, "Polaris 10"},
    {0x1002, 0x67c9, "Polaris 10"},
    {0x1002, 0x67ca, "Polaris 10"},
    {0x1002, 0x67cc, "Polaris 10"},
    {0x1002, 0x67cf, "Polaris 10"},
    {0x1002, 0x6fdf, "Polaris 10"},
    /* _AMD_POLARIS11 */
    {0x1002, 0x67e0, "Polaris 11"},
    {0x1002, 0x67e3, "Polaris 11"},
    {0x1002, 0x67e8, "Polaris 11"},
    {0x1002, 0x67eb, "Polaris 11"},
    {0x1002, 0x67ef, "Polaris 11"},
    {0x1002, 0x67ff, "Polaris 11"},
    {0x1002, 0x67e1, "Polaris 11"},
    {0x1002, 0x67e7, "Polaris 11"},
    {0x1002, 0x67e9, "Polaris 11"},
    /* _AMD_POLARIS12 */
    {0x1002, 0x6980, "Polaris 12"},
    {0x1002, 0x6981, "Polaris 12"},
    {0x1002, 0x6985, "Polaris 12"},
    {0x1002, 0x6986, "Polaris 12"},
    {0x1002, 0x6987, "Polaris 12"},
    {0x1002, 0x6995, "Polaris 12"},
    {0x1002, 0x6997, "Polaris 12"},
    {0x1002, 0x699f, "Polaris 12"},
    /* _AMD_VEGA10 */
    {0x1002, 0x6860, "Vega 10"},
    {0x1002, 0x6861, "Vega 10"},
    {0x1002, 0x6862, "Vega 10"},
    {0x1002, 0x6863, "Vega 10"},
    {0x1002, 0x6864, "Vega 10"},
    {0x1002, 0x6867, "Vega 10"},
    {0x1002, 0x6868, "Vega 10"},
    {0x1002, 0x6869, "Vega 10"},
    {0x1002, 0x686a, "Vega 10"},
    {0x1002, 0x686b, "Vega 10"},
    {0x1002, 0x686c, "Vega 10"},
    {0x1002, 0x686d, "Vega 10"},
    {0x1002, 0x686e, "Vega 10"},
    {0x1002, 0x686f, "Vega 10"},
    {0x1002, 0x687f, "Vega 10"},
    /* _AMD_VEGA20 */
    {0x1002, 0x66a0, "Vega 20"},
    {0x1002, 0x66a1, "Vega 20"},
    {0x1002, 0x66a2, "Vega 20"},
    {0x1002, 0x66a3, "Vega 20"},
    {0x1002, 0x66a4, "Vega 20"},
    {0x1002, 0x66a7, "Vega 20"},
    {0x1002, 0x66af, "Vega 20"},
    {0x1002, 0x164c, "Vega 20"},
    /* _AMD_NAVI10 (with the APUs vendor-reset lists under it) */
    {0x1002, 0x7310, "Navi 10"},
    {0x1002, 0x7312, "Navi 10"},
    {0x1002, 0x7318, "Navi 10"},
    {0x1002, 0x7319, "Navi 10"},
    {0x1002, 0x731a, "Navi 10"},
    {0x1002, 0x731b, "Navi 10"},
    {0x1002, 0x731e, "Navi 10"},
    {0x1002, 0x731f, "Navi 10"},
    {0x1002, 0x15bf, "Navi 10"},
    {0x1002, 0x15dd, "Navi 10"},
    {0x1002, 0x15de, "Navi 10"},
    {0x1002, 0x15e7, "Navi 10"},
    {0x1002, 0x1636, "Navi 10"},
    {0x1002, 0x1638, "Navi 10"},
    /* _AMD_NAVI14 */
    {0x1002, 0x7340, "Navi 14"},
    {0x1002, 0x7341, "Navi 14"},
    {0x1002, 0x7347, "Navi 14"},
    {0x1002, 0x734f, "Navi 14"},
    /* _AMD_NAVI12 */
    {0x1002, 0x7360, "Navi 12"},
    {0x1002, 0x7362, "Navi 12"},
    /* _AMD_NAVI23 */
    {0x1002, 0x73ff, "Navi 23"},
    /* _AMD_ARCTURUS */
    {0x1002, 0x738c, "Arcturus (Instinct MI100)"},
};

const struct vp_reset_quirk *
vp_reset_quirk_find(uint16_t vendor, uint16_t device)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(quirks); i++)
        if (quirks[i].vendor == vendor && quirks[i].device == device)
            return &quirks[i];
    return NULL;
}

size_t
vp_reset_quirks(const struct vp_reset_quirk **table)
{
    *table = quirks;
    return VP_ARRAY_SIZE(quirks);
}
