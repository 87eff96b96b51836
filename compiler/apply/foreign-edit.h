/* SPDX-License-Identifier: MIT */
/*
 * foreign-edit.h: editing a file vfioplan does not own (an admin's
 * /etc/default/grub, a manual /etc/modprobe.d/vfio.conf), the artifact kind
 * an emitter adds with vp_foreign_edit_add() (include/vfioplan/artifact.h
 * has the data). The contract, for every emitter that edits:
 *
 *   - An edit is a list of operations on lines, applied to the file as it is
 *     on the target root when plan or apply runs, never to a copy taken
 *     earlier: whatever else the admin changed in the file stays.
 *   - Every operation leaves a marker that says what vfioplan did and why
 *     (a diagnostic code), so the file explains itself and the edit can be
 *     undone without vfioplan (the README's "Adopting a manual setup" has the
 *     sed command, which tests/gitops runs):
 *         # vfioplan: disabled VP7001: <the line as it was>
 *         # vfioplan: the next line replaces the one above
 *         <the line's replacement>
 *   - Operations are idempotent: a line already disabled is not disabled
 *     again; a line that is no longer there is left alone (the result says
 *     how many, for a warning).
 *   - An edit never creates or removes its file and keeps its mode; a file
 *     that is not there is nothing to edit, and a symbolic link is not
 *     followed (the write would replace the link). It is never in the
 *     manifest, so no later apply removes the file. Only the admin's files
 *     are edited: those under etc/ and boot/loader/entries/ of the kinds
 *     host/config-syntax.h names (vp_config_file_editable).
 *   - It shows in plan's diff like any change; apply writes it atomically
 *     with a backup in var/backups/vfioplan/, like any other file.
 *   - The row that adds it (emit.c) names the actions the edited file needs
 *     (vp_action_add with the edited path as a trigger).
 *
 * A new operation (a marked block of lines vfioplan keeps up to date in a
 * file it does not own, say) is a value of enum vp_edit_kind, its marker,
 * and a case in vp_foreign_edit_apply().
 */
#pragma once

#include <stddef.h>

#include "base/strbuf.h"
#include "vfioplan/artifact.h"

#define VP_EDIT_DISABLED_MARKER "# vfioplan: disabled "
#define VP_EDIT_REPLACES_MARKER "# vfioplan: the next line replaces the one above"

struct vp_edit_result {
    size_t applied;   /* operations that changed the text */
    size_t done;      /* operations already done (a disabled line found disabled) */
    size_t not_found; /* operations whose line is not in the text */
};

/* Applies edit to text (a file's bytes) into out (which it fills from empty); the counts go to res. */
void vp_foreign_edit_apply(const struct vp_foreign_edit *edit, const char *text, size_t len, struct vp_strbuf *out,
                           struct vp_edit_result *res);
