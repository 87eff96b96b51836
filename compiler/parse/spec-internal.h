/* SPDX-License-Identifier: MIT */
/* spec-internal.h: what spec.c and spec-v1.c share. */
#pragma once

#include "base/arena.h"
#include "fields.h"
#include "vfioplan/spec.h"
#include "yaml/yaml-tree.h"

const struct vp_field *vp_spec_v1_fields(void);
int vp_spec_v1_read(struct vp_spec *spec, const struct vp_ynode *root, struct vp_arena *arena, struct vp_diags *d);
