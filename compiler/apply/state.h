/* SPDX-License-Identifier: MIT */
/*
 * state.h: what vfioplan keeps about a root besides the files it writes
 * there: the generations (var/lib/vfioplan/generations/N: every file of one
 * state, its manifest and the actions it needs), the actions still to run
 * (pending), the state of 'vfioplan try', and Debian's reboot signal. None
 * of it is an artifact: plan never shows it, and the manifest never lists
 * it. Small files, written atomically with the same machinery as the
 * artifacts (write.h), read confined to the root (base/root.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vfioplan/diag.h"

#define VP_DIR_STATE "var/lib/vfioplan"
#define VP_DIR_GENERATIONS VP_DIR_STATE "/generations"
#define VP_PATH_PENDING VP_DIR_STATE "/pending"
#define VP_PATH_TRY_STATE VP_DIR_STATE "/try"
/* Debian's reboot signal (update-notifier, needrestart and unattended-upgrades read it). */
#define VP_PATH_REBOOT_REQUIRED "run/reboot-required"
#define VP_PATH_REBOOT_PKGS "run/reboot-required.pkgs"

/* The largest state file read back (a generation's record, the pending actions). */
#define VP_STATE_MAX_BYTES (1024 * 1024)

/* Writes rel under root atomically (temp file, fsync, rename, fsync of its directory), creating directories;
 * no symlink on the way is followed (VP5002). VP5001 on failure. */
int vp_state_write(const char *root, const char *rel, const char *data, size_t len, unsigned mode, struct vp_diags *d);
/* Removes rel under root (absent is no error) and fsyncs its directory. */
int vp_state_remove(const char *root, const char *rel, struct vp_diags *d);
/* Reads the regular file rel under root, at most limit bytes: 1 read (*data NUL-ended, the caller frees), 0 absent,
 * -1 with VP5004. */
int vp_state_read(const char *root, const char *rel, size_t limit, char **data, size_t *len, struct vp_diags *d);
