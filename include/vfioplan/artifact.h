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
    unsigned mode; /* 0644 or 0755; an edit keeps the file's mode */
    char *data;
    size_t len;
    /* A file vfioplan does not own (etc/default/grub): data is the whole file with vfioplan's marked block put in,
     * replaced, or taken out. Written like any artifact (atomic, backed up, diffed), never listed in the manifest,
     * never removed. */
    bool edit;
};

/*
 * When an action runs, relative to the others: kernel arguments the spec
 * dropped come off, then the command line goes where the bootloader reads
 * it, then the initramfs and unified kernel images are built (a UKI carries
 * /etc/kernel/cmdline), then the boot menu that lists them is written. VMs
 * the spec dropped are undefined before new ones are defined (they may name
 * the same devices).
 */
enum vp_action_stage {
    VP_STAGE_BOOTLOADER_REMOVE = 1,
    VP_STAGE_BOOTLOADER,
    VP_STAGE_INITRAMFS,
    VP_STAGE_BOOT_MENU,
    VP_STAGE_LIBVIRT_UNDEFINE,
    VP_STAGE_LIBVIRT,
};

struct vp_action {
    enum vp_action_stage stage;
    char *command; /* as shown and run: every word is fixed text or a validated value */
    char **argv;   /* NULL-terminated, for exec (no shell) */
    char *why;
    char **triggers; /* artifact paths whose change (or removal) needs this action */
    size_t n_triggers;
};

/* An operation on a line of a file vfioplan does not own; compiler/apply/foreign-edit.h has the contract. */
enum vp_edit_kind {
    VP_EDIT_DISABLE_LINE, /* comment the line out behind a marker naming the code */
    VP_EDIT_REPLACE_LINE, /* disable it, and put its replacement after it */
};

struct vp_edit_op {
    enum vp_edit_kind kind;
    char *text;        /* the line as the host facts saw it (its physical lines joined with '\n') */
    unsigned line;     /* where they saw it (1-based): of equal lines, the one nearest to it is edited */
    char *code;        /* "VP7001": why, in the marker */
    char *replacement; /* REPLACE_LINE: the new line; else NULL */
};

/* An edit of a file vfioplan does not own: never in the manifest, never created or removed by vfioplan. */
struct vp_foreign_edit {
    char *path; /* relative to the root, like an artifact's */
    struct vp_edit_op *ops;
    size_t n_ops, cap_ops;
};

struct vp_artifact_set {
    struct vp_artifact *items; /* sorted by path after vp_plan_emit */
    size_t n, cap;
    struct vp_foreign_edit *edits; /* sorted by path after vp_plan_emit */
    size_t n_edits, cap_edits;
    struct vp_action *actions; /* in stage order */
    size_t n_actions, cap_actions;
};

/* The manifest: the paths vfioplan wrote under a root, so a later run removes what it no longer generates. */
#define VP_PATH_MANIFEST "etc/vfioplan/manifest"
/* The kernel arguments vfioplan asked grubby or systemd-boot's script to add (read back as struct vp_previous). */
#define VP_PATH_KERNEL_ARGS "etc/vfioplan/kernel-args"

/* A file vfioplan may edit (a row owns it with .edit), as it is on the target root before the edit. */
struct vp_edit_base {
    const char *path;
    int state; /* 1 read, 0 absent, -1 there but not readable as a regular file */
    char *data;
    size_t len;
    unsigned mode;
};

/*
 * What an earlier apply left on the target root that the emitters need, to
 * undo what the spec no longer asks for: grubby, systemd-boot and the other
 * tools only add kernel arguments, so the ones the previous
 * VP_PATH_KERNEL_ARGS lists and the plan does not must be removed; a VM the
 * old manifest lists and the spec does not must be undefined in libvirt;
 * and the files vfioplan edits, with its block in them or not. Owns its
 * bytes (vp_previous_free in apply/changes.h).
 */
struct vp_previous {
    char *kernel_args; /* that file's text, NULL if there is none */
    size_t kernel_args_len;
    struct vp_edit_base *edits; /* one per path vp_artifact_edit_paths() gives */
    size_t n_edits;
    char *manifest; /* the old VP_PATH_MANIFEST: the VMs vfioplan defined are its etc/vfioplan/vms/NAME.xml */
    size_t manifest_len;
};

/*
 * Emits every artifact of the plan, the manifest last. previous may be NULL
 * (nothing to undo: build, check).
 */
int vp_plan_emit(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                 struct vp_diags *d);
void vp_artifact_set_free(struct vp_artifact_set *set);

/* True if path is one vfioplan can generate: a row of the emitter table owns it (an edited file is not one). */
bool vp_artifact_path_known(const char *path);
/* True if path is a file vfioplan edits a block of (etc/default/grub). */
bool vp_artifact_path_editable(const char *path);
/* The paths vfioplan may edit, once each, in table order; the array is static. */
size_t vp_artifact_edit_paths(const char *const **paths);
/* The artifact at path, or NULL. */
const struct vp_artifact *vp_artifact_find(const struct vp_artifact_set *set, const char *path);
/* The edit of path, or NULL. */
const struct vp_foreign_edit *vp_foreign_edit_find(const struct vp_artifact_set *set, const char *path);
/* Whether action a must run when the paths in changed[] changed. */
bool vp_action_triggered(const struct vp_action *a, const char *const *changed, size_t n_changed);

/* A file vfioplan writes on a host and what it is for (vfioplan(8)'s FILES), from the emitter table. */
struct vp_path_doc {
    char *path; /* absolute; NAME stands for a VM's name */
    const char *what;
};
/* Every path the emitter table owns, once, in table order (the manifest last); free with vp_artifact_path_docs_free. */
size_t vp_artifact_path_docs(struct vp_path_doc **docs);
void vp_artifact_path_docs_free(struct vp_path_doc *docs, size_t n);
