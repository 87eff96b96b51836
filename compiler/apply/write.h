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

/* Where apply keeps the admin's files as they were before it edited them (foreign edits: foreign-edit.h); vfioplan's
 * own files are kept as generations instead (generations.h). BACKUP_DIR/PATH is the newest, PATH.1 ... PATH.4 older. */
#define VP_BACKUP_DIR "var/backups/vfioplan"
#define VP_BACKUP_GENERATIONS 5

struct vp_write_options {
    bool create_root;       /* mkdir -p the root itself (build -o DIR) */
    const char *backup_dir; /* relative to the root: keep the old versions of the files edited (foreign changes) */
};

int vp_tree_commit(const char *root, const struct vp_changes *changes, const struct vp_write_options *opt,
                   struct vp_diags *d);

/*
 * Opens the directory holding rel under rootfd (creating missing ones when
 * create), one component at a time with O_NOFOLLOW: a symlink anywhere on
 * the way is VP5002. *last gets rel's last component (the caller frees).
 * Returns the directory's fd, -1 with a diagnostic, or -2 when a directory
 * is missing and create is false.
 */
int vp_write_open_parent(int rootfd, const char *rel, bool create, char **last, struct vp_diags *d, const char *root);
/* Writes data into a fresh temp file .vfioplan-tmp-PID-N in dirfd (written, fchmod, fsync, closed); tmp gets its
 * name. -1 with errno, and no temp file left. */
int vp_write_temp(int dirfd, const char *data, size_t len, unsigned mode, char tmp[64]);
/* name in dirfd replaced atomically by data: a temp file (vp_write_temp) renamed over it, then dirfd fsynced.
 * -1 with errno, and no temp file left. */
int vp_write_replace(int dirfd, const char *name, const char *data, size_t len, unsigned mode);

/* One file, atomically (temp file beside it, fsync, rename, fsync of the directory); a path that is a FIFO
 * or a device (or a symlink to one) is written into, never replaced. */
int vp_file_write_atomic(const char *path, const char *data, size_t len, unsigned mode, struct vp_diags *d);
