/* SPDX-License-Identifier: MIT */
/* actions.h: running the commands apply needs after writing files, keeping the pending list (pending.h) true. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "pending.h"

struct vp_run_options {
    const char *root;      /* "/" or a directory: then each command runs as `chroot -- ROOT command` */
    FILE *out;             /* "vfioplan: running: ..." lines */
    bool output_to_stderr; /* the commands' own stdout goes to stderr (stdout carries a JSON document) */
};

/* What a run of the actions did. */
struct vp_run_result {
    size_t ran;       /* succeeded */
    bool failed;      /* one failed (VP6002): it and those after it stay pending */
    bool boot_stages; /* an initramfs or a bootloader action succeeded: the host must reboot to use them */
};

/*
 * Runs todo in order, stopping at the first failure (later actions may
 * depend on it). Before the first, the whole list is written as the root's
 * pending actions; after each success, what is left. Returns 0, or -1 with
 * a VP6002 diagnostic (or VP5001 when the pending list cannot be written:
 * then nothing runs).
 */
int vp_actions_run(const struct vp_todo *todo, const struct vp_run_options *opt, struct vp_run_result *result,
                   struct vp_diags *d);
