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
/* Reads a small text file; strips one trailing newline; -1 with errno. */
long vp_root_read(const struct vp_root *r, const char *rel, char *buf, size_t size);
/* readlink of rel itself; -1 with errno. */
long vp_root_readlink(const struct vp_root *r, const char *rel, char *buf, size_t size);
DIR *vp_root_opendir(const struct vp_root *r, const char *rel);
bool vp_root_is_dir(const struct vp_root *r, const char *rel);
bool vp_root_exists(const struct vp_root *r, const char *rel);
