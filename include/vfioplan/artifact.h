/* SPDX-License-Identifier: MIT */
/*
 * artifact.h: everything vfioplan would write (path, mode, bytes) and the
 * commands an apply runs afterwards. The whole set exists in memory before
 * anything touches disk; build, plan and apply share it up to the last
 * call (write, or diff). The set owns its memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vfioplan/diag.h"
#include "vfioplan/plan.h"

struct vp_artifact {
    char *path;    /* relative to the root, no leading '/' ("etc/modprobe.d/vfioplan.conf") */
    unsigned mode; /* 0644 or 0755 */
    char *data;
    size_t len;
};

/* When an action runs, relative to the others. */
enum vp_action_stage { VP_STAGE_INITRAMFS = 1, VP_STAGE_BOOTLOADER = 2, VP_STAGE_LIBVIRT = 3 };

struct vp_action {
    enum vp_action_stage stage;
    char *command; /* as shown and run: every word is fixed text or a validated value */
    char **argv;   /* NULL-terminated, for exec (no shell) */
    char *why;
    char **triggers; /* artifact paths whose change (or removal) needs this action */
    size_t n_triggers;
};

struct vp_artifact_set {
    struct vp_artifact *items; /* sorted by path after vp_plan_emit */
    size_t n, cap;
    struct vp_action *actions; /* in stage order */
    size_t n_actions, cap_actions;
};

/* Emits every artifact of the plan. */
int vp_plan_emit(const struct vp_plan *plan, struct vp_artifact_set *set, struct vp_diags *d);
void vp_artifact_set_free(struct vp_artifact_set *set);

/* The artifact at path, or NULL. */
const struct vp_artifact *vp_artifact_find(const struct vp_artifact_set *set, const char *path);
/* Whether action a must run when the paths in changed[] changed. */
bool vp_action_triggered(const struct vp_action *a, const char *const *changed, size_t n_changed);

/* A file vfioplan writes on a host and what it is for (vfioplan(8)'s FILES). */
struct vp_path_doc {
    const char *path; /* absolute; NAME stands for a VM's name */
    const char *what;
};
const struct vp_path_doc *vp_artifact_path_docs(size_t *n);
