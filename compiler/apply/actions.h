/* SPDX-License-Identifier: MIT */
/* actions.h: running the commands apply needs after writing files. */
#pragma once

#include "changes.h"

/*
 * Runs, in order, the actions of set that changes trigger; printing each to
 * out. For a root other than "/" a command runs as `chroot -- ROOT command`.
 * Stops at the first failure (later actions may depend on it). Returns how
 * many ran, or -1 with a VP6002 diagnostic.
 */
int vp_actions_run(const struct vp_artifact_set *set, const struct vp_changes *changes, const char *root, FILE *out,
                   struct vp_diags *d);
