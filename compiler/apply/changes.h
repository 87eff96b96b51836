/* SPDX-License-Identifier: MIT */
/*
 * changes.h: what writing an artifact set under a root would change: files
 * created, modified (content or mode) and removed (owned by an earlier
 * apply, per the old manifest, and no longer generated).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "vfioplan/artifact.h"

enum vp_change_kind { VP_CHANGE_CREATE, VP_CHANGE_MODIFY, VP_CHANGE_DELETE, VP_CHANGE__COUNT };
/* "create", as JSON has it; and "created", as apply reports it done. */
const char *vp_change_kind_name(enum vp_change_kind k);
const char *vp_change_kind_done(enum vp_change_kind k);

struct vp_change {
    enum vp_change_kind kind;
    const char *path;
    const struct vp_artifact *artifact; /* NULL for DELETE; for an edit, the file as edited */
    bool foreign;                       /* an edit of a file vfioplan does not own (MODIFY only) */
    char *old_data;                     /* NULL for CREATE */
    size_t old_len;
    unsigned old_mode;
};

struct vp_changes {
    struct vp_change *items; /* in path order */
    size_t n, cap;
    char **old_owned; /* paths of the old manifest (owned here) */
    size_t n_old_owned;
    struct vp_artifact **edited; /* the files foreign edits change, as edited (owned here) */
    size_t n_edited;
};

/* No empty, "." or ".." component, no space: a relative path that stays where it says ("etc/vfioplan/vms/vm..xml",
 * of VM "vm.", is one). */
bool vp_path_plain_components(const char *path);

/*
 * Compares set with the files under root (a directory; "/" for the live
 * system). A root that does not exist compares as empty if missing_ok.
 * The set's foreign edits are applied to the files they edit as they are
 * under root now (a file that is not there is nothing to edit).
 */
int vp_changes_compute(const struct vp_artifact_set *set, const char *root, bool missing_ok, struct vp_changes *out,
                       struct vp_diags *d);
void vp_changes_free(struct vp_changes *c);
/* The changed paths, for vp_action_triggered. The array is the caller's to free (not the strings). */
const char **vp_changes_paths(const struct vp_changes *c);

/* The git-style diff of all changes (patch -p1 and git apply accept it). */
void vp_changes_render_diff(struct vp_strbuf *out, const struct vp_changes *c);
/* The diff of one change: plan renders and prints them one at a time, so that one file's diff is in memory at once. */
void vp_change_render_diff(struct vp_strbuf *out, const struct vp_change *ch);
/* Frees a change's old version once its diff is out (plan: it is not written back). */
void vp_change_drop_old(struct vp_change *ch);

/*
 * The manifest to put in place before the first rename: the paths of the old
 * manifest and of the new one (manifest), so that whatever stops an apply
 * between its renames, every file it may have put in place is listed.
 * NULL (nothing to do) when the old manifest lists every new path already.
 * The caller frees.
 */
char *vp_manifest_union(const struct vp_changes *c, const struct vp_artifact *manifest, size_t *len);

/*
 * Reads what the emitters need of an earlier apply under root (the previous
 * VP_PATH_KERNEL_ARGS and VP_PATH_MANIFEST). A file that cannot be read counts as absent:
 * vp_changes_compute reports it.
 */
void vp_previous_read(struct vp_previous *prev, const char *root);
void vp_previous_free(struct vp_previous *prev);
