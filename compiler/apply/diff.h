/* SPDX-License-Identifier: MIT */
/* diff.h: unified diff hunks of two texts (Myers' algorithm, 3 lines of context). */
#pragma once

#include <stddef.h>

#include "base/strbuf.h"

/* Appends the "@@ ... @@" hunks turning a into b; nothing if they are equal. */
void vp_unified_diff(struct vp_strbuf *out, const char *a, size_t alen, const char *b, size_t blen);
