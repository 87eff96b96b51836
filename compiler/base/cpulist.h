/* SPDX-License-Identifier: MIT */
/* cpulist.h: the kernel's CPU list format ("0-55,112-167"), as sysfs and snapshots write it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/* Linux's largest NR_CPUS on x86-64: a CPU id at or above it is not a real CPU. */
#define VP_MAX_CPUS 8192u

/*
 * Parses s ("0-3,8,10-11", "" for none; a trailing newline is allowed) into
 * ascending, distinct ids below max; *ids is malloc'd (NULL when empty).
 * False (and nothing allocated) when s is malformed, a range runs backwards,
 * or an id is max or more: the bound keeps a hostile "0-4294967295" small.
 */
bool vp_cpulist_parse(const char *s, unsigned max, unsigned **ids, size_t *n);
/* Appends ids (ascending) in the kernel's format: runs of two or more as "a-b". */
void vp_cpulist_format(struct vp_strbuf *sb, const unsigned *ids, size_t n);
