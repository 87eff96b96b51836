/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h: host facts as a file. `vfioplan snapshot` writes one on the
 * host; `--host FILE` reads it anywhere, and compiling from it gives the
 * same artifacts as compiling on the host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vfioplan/diag.h"
#include "vfioplan/host.h"

/* v2 added memory, CPUs, NUMA nodes, the root filesystem's block devices and each device's parent; v1 is still
 * read. */
#define VP_SNAPSHOT_API_VERSION "vfioplan/snapshot-v2"
#define VP_SNAPSHOT_API_VERSION_V1 "vfioplan/snapshot-v1"
/* The largest snapshot read: a 20,000-function host takes about 3.3 MiB (tests/bench/gen-host.py). */
#define VP_SNAPSHOT_MAX_BYTES (16u * 1024 * 1024)

/* The snapshot text (caller frees *out); names: include pci.ids names (for scan). */
int vp_snapshot_write(const struct vp_host *host, bool names, char **out, size_t *len, struct vp_diags *d);
