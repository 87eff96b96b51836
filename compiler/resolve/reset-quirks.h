/* SPDX-License-Identifier: MIT */
/* reset-quirks.h: GPU families known not to reset between VM starts (reset-quirks.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct vp_reset_quirk {
    uint16_t vendor, device;
    const char *family; /* "Navi 10" */
};

/* The family of vendor:device, or NULL if it resets as it should. */
const struct vp_reset_quirk *vp_reset_quirk_find(uint16_t vendor, uint16_t device);
/* The whole table, for tests. */
size_t vp_reset_quirks(const struct vp_reset_quirk **table);
