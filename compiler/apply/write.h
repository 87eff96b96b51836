/* SPDX-License-Identifier: MIT */
/*
 * write.h: putting changes into a root so that no file is ever half
 * written: every new file goes to a temp file in its own directory, is
 * fsynced, and only then renamed over the target; the directories are
 * fsynced last. All temp files are written before the first rename, so a
 * failure while writing changes nothing. Paths never leave the root: each
 * directory is opened with O_NOFOLLOW, so a symlink planted in the root is
 * refused, not followed.
 */
#pragma once

#include <stdbool.h>

#include "changes.h"

/* Backups kept of one file: BACKUP_DIR/PATH (the newest), PATH.1, ... PATH.4 (the oldest). */
#define VP_BACKUP_GENERATIONS 5

struct vp_write_options {
    bool create_root;       /* mkdir -p the root itself (build -o DIR) */
    const char *backup_dir; /* relative to the root: keep the old versions of replaced and removed files */
};

int vp_tree_commit(const char *root, const struct vp_changes *changes, const struct vp_write_options *opt,
                   struct vp_diags *d);

/* One file, atomically (temp file beside it, fsync, rename, fsync of the directory); a path that is a FIFO
 * or a device (or a symlink to one) is written into, never replaced. */
int vp_file_write_atomic(const char *path, const char *data, size_t len, unsigned mode, struct vp_diags *d);
