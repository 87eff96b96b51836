/* SPDX-License-Identifier: MIT */
/*
 * plan-file.h: a reviewed plan, saved (plan --out FILE) and applied as
 * reviewed (apply --plan FILE), as terraform plan -out does. The file holds
 * where the plan came from (the spec, the host facts and the root, as
 * absolute paths) and its fingerprint: the SHA-256 of the spec's bytes and
 * of the host facts (their snapshot), of every artifact, of every file
 * under the root the plan changes (before and after), and the actions. apply
 * compiles again from the same places and goes ahead only if the
 * fingerprint is the same; otherwise nothing is written (VP6005), with
 * what changed.
 */
#pragma once

#include <json.h>

#include "install.h"
#include "vfioplan/host.h"

#define VP_PLAN_FILE_FORMAT 1

/* The fingerprint of a compiled plan against its root (the changes need their old versions still). */
struct json_object *vp_plan_fingerprint(const char *spec_text, size_t spec_len, const struct vp_host *host,
                                        const struct vp_artifact_set *set, const struct vp_install *in,
                                        struct vp_diags *d);

struct vp_saved_plan {
    char *spec, *host, *root; /* absolute */
    struct json_object *doc;  /* the whole file */
    struct json_object *fingerprint;
};
/* Writes FILE (atomically; a FIFO or a device is written into). */
int vp_plan_file_write(const char *file, const char *vfioplan, const char *spec, const char *host, const char *root,
                       struct json_object *fingerprint, struct vp_diags *d);
/* Reads FILE; VP1014 when it is not a plan vfioplan wrote. */
int vp_plan_file_read(const char *file, struct vp_saved_plan *p, struct vp_diags *d);
void vp_saved_plan_free(struct vp_saved_plan *p);
/* 0 when now is the saved fingerprint; else VP6005 with a note for each difference, and -1. */
int vp_plan_fingerprint_check(const char *file, struct json_object *saved, struct json_object *now, struct vp_diags *d);
