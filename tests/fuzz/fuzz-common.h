/* SPDX-License-Identifier: MIT */
/*
 * fuzz-common.h: what the libFuzzer targets share. Every target renders its
 * diagnostics (the caret lines quote hostile input) and checks the one rule
 * every input must keep: a run that failed has at least one error, and a
 * run that succeeded has none.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfioplan/diag.h"

static FILE *fuzz_sink;

static inline void
fuzz_render(struct vp_diags *d)
{
    if (!fuzz_sink)
        fuzz_sink = fopen("/dev/null", "w");
    vp_diags_sort(d);
    vp_diags_render(d, fuzz_sink, false);
    vp_diags_render(d, fuzz_sink, true);
}

/* A failure must say why; aborting makes libFuzzer keep the input. */
static inline void
fuzz_expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz invariant broken: %s\n", what);
        abort();
    }
}

/* The input as the parsers take it: NUL-terminated. */
static inline char *
fuzz_cstr(const unsigned char *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    return buf;
}
