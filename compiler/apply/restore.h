/* SPDX-License-Identifier: MIT */
/*
 * restore.h: the actions that putting a generation's files back needs
 * (rollback, try --cancel and --confirm). The target generation's own
 * actions cover what it has; the current generation's cover what goes
 * away (update-grub once vfioplan's drop-in is removed, the initramfs
 * rebuilt without its hook), except those that act on a file that goes
 * (virsh define of a removed domain, a removed script); grubby only adds,
 * so its actions are made again from the two kernel-argument records.
 */
#pragma once

#include "changes.h"
#include "generations.h"

/* Adds to set (the target's files) the actions above; changes: set against the root (the current record). */
void vp_restore_actions(struct vp_artifact_set *set, const struct vp_generation *target,
                        const struct vp_generation *current, const struct vp_changes *changes);
