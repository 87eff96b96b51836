/* SPDX-License-Identifier: MIT */
/*
 * root.h: reading files of a host given as a directory ROOT as if ROOT were
 * "/": absolute symlinks inside a captured tree resolve inside it
 * (openat2 RESOLVE_IN_ROOT), never on the machine running vfioplan.
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

struct vp_root {
    int fd;           /* O_PATH directory fd of ROOT */
    const char *path; /* ROOT as given, for messages and libpci */
    bool live;        /* ROOT is "/" */
};

int vp_root_open(struct vp_root *r, const char *path); /* -1 with errno */
void vp_root_close(struct vp_root *r);
/* Opens rel (relative to ROOT, no leading '/') with flags; -1 with errno. */
int vp_root_openat(const struct vp_root *r, const char *rel, int flags);
/*
 * Opens rel as a plain lookup would (every link followed as the kernel
 * follows it for anyone else), if that lookup stays beneath ROOT (openat2
 * RESOLVE_BENEATH): -1 with EXDEV if it leaves ROOT, ENOSYS where openat2 is
 * missing or refused.
 */
int vp_root_open_beneath(const struct vp_root *r, const char *rel, int flags);
/*
 * Reads the head of a small text file (at most size - 1 bytes); strips one
 * trailing newline; -1 with errno. Only regular files are read, and never
 * blocking: EINVAL for a FIFO, a socket or a device, EISDIR for a directory.
 */
long vp_root_read(const struct vp_root *r, const char *rel, char *buf, size_t size);
/*
 * Reads a whole regular file of at most limit bytes into *buf (NUL-ended,
 * the caller frees) and *len; -1 with errno: EFBIG if it is larger, and
 * as vp_root_read for the rest.
 */
int vp_root_read_all(const struct vp_root *r, const char *rel, size_t limit, char **buf, size_t *len);
/* readlink of rel itself; -1 with errno. */
long vp_root_readlink(const struct vp_root *r, const char *rel, char *buf, size_t size);
DIR *vp_root_opendir(const struct vp_root *r, const char *rel);
bool vp_root_is_dir(const struct vp_root *r, const char *rel);
bool vp_root_exists(const struct vp_root *r, const char *rel);
