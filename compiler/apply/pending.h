/* SPDX-License-Identifier: MIT */
/*
 * pending.h: actions an apply chose to run and has not seen succeed. Before
 * its first action, apply writes them all to ROOT/var/lib/vfioplan/pending,
 * and rewrites the list after each one that succeeds: an action that
 * failed, one never reached after it, and all of them after a kill -9 (or
 * with --no-actions) stay there. The next apply runs them again, whatever
 * its own changes, until they succeed; plan shows them, verify reports them.
 */
#pragma once

#include <stdio.h>

#include "changes.h"

/* Reads the pending actions of root into set (actions only); none is no error. -1 with VP5004 on a damaged file. */
int vp_pending_read(const char *root, struct vp_artifact_set *set, struct vp_diags *d);
/* Writes list (n actions) as root's pending actions; n == 0 removes the file. */
int vp_pending_write(const char *root, const struct vp_action *const *list, size_t n, struct vp_diags *d);

/* The actions a run must do, each once, in stage order. Borrowed pointers. */
struct vp_todo {
    const struct vp_action **items;
    size_t n;
    size_t n_pending;                 /* of which were pending from an earlier run */
    const struct vp_action **dropped; /* pending actions no longer wanted: what they acted on is gone */
    size_t n_dropped;
};

/*
 * What to run: every pending action still wanted (its command is one of
 * set's, or one of its triggers is still a file of set: otherwise what it
 * acted on is gone, and it is dropped),
 * then the actions of set that changes trigger, each command once, in stage
 * order.
 */
void vp_todo_select(struct vp_todo *todo, const struct vp_artifact_set *set, const struct vp_changes *changes,
                    const struct vp_artifact_set *pending);
void vp_todo_free(struct vp_todo *todo);
