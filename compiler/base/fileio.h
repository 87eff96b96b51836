/* SPDX-License-Identifier: MIT */
/* fileio.h: reading input files whole, with a size limit and coded errors. */
#pragma once

#include <stddef.h>

#include "vfioplan/diag.h"

/*
 * Reads the regular file at path (never blocks on a FIFO or a device), or
 * standard input to its end if path is "-".
 * display names it in diagnostics. On success *buf (NUL-terminated, caller
 * frees) and *len are set. limit is the largest size accepted.
 */
int vp_read_file(const char *path, const char *display, size_t limit, char **buf, size_t *len, struct vp_diags *d);

/* The first size bytes of fd (a regular file, size from fstat), NUL-terminated (caller frees); *len gets what was
 * read, fewer bytes if the file shrank meanwhile. */
char *vp_read_fd(int fd, size_t size, size_t *len);
