/* SPDX-License-Identifier: MIT */
/*
 * lock.h: one apply at a time per root. Two applies of different specs on
 * one root, unlocked, each compare the root with their own plan and rename
 * their files in turn: the root ends as a mix of both. The lock is an
 * flock(2) on ROOT/run/lock/vfioplan.lock: /run/lock is where FHS puts lock
 * files, a tmpfs on a running host (nothing stale after a reboot), and an
 * flock is released by the kernel when its holder exits or is killed, so
 * no lock outlives a crashed apply. The one that waits names the holder's
 * pid from /proc/locks. Nothing is written to the file.
 */
#pragma once

#include "vfioplan/diag.h"

#define VP_PATH_LOCK "run/lock/vfioplan.lock"

/*
 * Takes the lock of root, waiting up to wait_seconds (0: not at all) while
 * another process holds it; on_wait (may be NULL) is called once, with the
 * holder's pid (0 if unknown), before waiting. Returns the lock's fd (give
 * it to vp_lock_release), or -1 with VP6004 (held) or VP5001 (cannot be
 * made).
 */
int vp_lock_take(const char *root, unsigned wait_seconds, void (*on_wait)(long pid, void *arg), void *arg,
                 struct vp_diags *d);
void vp_lock_release(int fd);
