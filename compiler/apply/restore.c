/* SPDX-License-Identifier: MIT */
/* restore.c: the actions of a restore (see restore.h). */
#include "restore.h"

#include <string.h>

#include "emit/emit-internal.h"

static bool
is_grubby(const struct vp_action *a)
{
    return strcmp(a->argv[0], "grubby") == 0;
}

/* An action whose command names (as /PATH) a file of vfioplan's that set does not have: it acts on what goes. */
static bool
acts_on_removed(const struct vp_action *a, const struct vp_artifact_set *set)
{
    for (size_t i = 0; a->argv[i]; i++)
        if (a->argv[i][0] == '/' && vp_artifact_path_known(a->argv[i] + 1) && !vp_artifact_find(set, a->argv[i] + 1))
            return true;
    return false;
}

void
vp_restore_actions(struct vp_artifact_set *set, const struct vp_generation *target, const struct vp_generation *current,
                   const struct vp_changes *changes)
{
    bool grubby = false;
    for (size_t i = 0; i < target->actions.n_actions; i++) {
        const struct vp_action *a = &target->actions.actions[i];
        if (is_grubby(a))
            grubby = true;
        else
            vp_action_copy(set, a);
    }
    for (size_t i = 0; current && i < current->actions.n_actions; i++) {
        const struct vp_action *a = &current->actions.actions[i];
        if (is_grubby(a))
            grubby = true;
        else if (!acts_on_removed(a, set))
            vp_action_copy(set, a);
    }
    if (!grubby)
        return;
    /* the record on the root now: the old version of a change, else what the target has (unchanged) */
    const struct vp_artifact *record = vp_artifact_find(set, VP_PATH_KERNEL_ARGS);
    const char *old = record ? record->data : NULL;
    size_t old_len = record ? record->len : 0;
    for (size_t i = 0; i < changes->n; i++)
        if (strcmp(changes->items[i].path, VP_PATH_KERNEL_ARGS) == 0) {
            old = changes->items[i].old_data;
            old_len = changes->items[i].old_len;
        }
    vp_grubby_actions(set, record ? record->data : NULL, record ? record->len : 0, old, old_len);
}
