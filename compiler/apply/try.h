/* SPDX-License-Identifier: MIT */
/*
 * try.h: what `vfioplan try` keeps and writes besides apply's machinery.
 * The marker ROOT/var/lib/vfioplan/try names the try under way: its
 * generation (the files apply would write, recorded with origin try), the
 * generation to go back to, and the word its boot entry carries. The set a
 * try writes is apply's with two differences: vfioplan's GRUB drop-in stays
 * as it is on the root (the default entry keeps its command line), and
 * /etc/grub.d/42_vfioplan-try adds the entry that boots the new one once.
 */
#pragma once

#include <stdbool.h>

#include "vfioplan/artifact.h"
#include "vfioplan/diag.h"
#include "vfioplan/plan.h"

struct vp_try_marker {
    unsigned long generation; /* the try's */
    unsigned long previous;   /* the one cancel restores */
    char token[128];          /* the word on the try entry's command line ("vfioplan.gen=..."), "" if none */
};

/* 1 read, 0 no try under way, -1 (VP5004, or VP6006 when it is not a marker) with a diagnostic. */
int vp_try_marker_read(const char *root, struct vp_try_marker *m, struct vp_diags *d);
/* 0 when no try is under way on root; else -1 with VP6007 (what: "try", "apply", "rollback" refused). */
int vp_try_refuse_under_way(const char *root, const char *what, struct vp_diags *d);
int vp_try_marker_write(const char *root, const struct vp_try_marker *m, struct vp_diags *d);
int vp_try_marker_remove(const char *root, struct vp_diags *d);

/*
 * Turns set (apply's, emitted for plan against root) into the try's: the
 * drop-in as the root has it (or none), the entry script (its command line
 * the plan's kernel arguments, then extra, NULL-terminated), the manifest
 * listing them, update-grub and grub-reboot for the script. record gets a
 * copy of what apply writes (its own files and its actions), for the try's
 * generation. -1 with VP5004 when the root's drop-in cannot be read.
 */
int vp_try_set_make(struct vp_artifact_set *set, struct vp_artifact_set *record, const struct vp_plan *plan,
                    const char *root, const char *const *extra, struct vp_diags *d);

/* Adds to a restore's set (try --confirm, --cancel) update-grub for the entry script that goes. */
void vp_try_restore_actions(struct vp_artifact_set *set);
