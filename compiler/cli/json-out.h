/* SPDX-License-Identifier: MIT */
/*
 * json-out.h: --format json. One document per run on stdout, versioned
 * ("format": 1) and described by schema/vfioplan-output-v1.schema.json:
 * the command, its exit code, the diagnostics with codes and positions, and
 * what the command found (the plan, the changed files with their diffs and
 * the actions, the IOMMU groups, the checks). Built with json-c.
 */
#pragma once

#include <json.h>

#include "vfioplan/plan.h"
#include "apply/changes.h"

#define VP_JSON_FORMAT 1

/*
 * A JSON string of len bytes of s, valid whatever they hold: a NUL is
 * escaped like any control character, each byte that is not UTF-8 becomes
 * U+FFFD. *was_utf8 (may be NULL) tells whether s was UTF-8 as it is.
 */
struct json_object *vp_json_string(const char *s, size_t len, bool *was_utf8);
struct json_object *vp_json_begin(const char *command);
/* Adds the diagnostics and the exit code, prints the document to stdout and frees it. */
void vp_json_finish(struct json_object *doc, const struct vp_diags *d, int exit_code);
struct json_object *vp_json_plan(const struct vp_plan *plan);
/* The changed files with their diffs; frees each change's old version once its diff is in. */
struct json_object *vp_json_files(struct vp_changes *changes);
struct json_object *vp_json_actions(const struct vp_artifact_set *set, const struct vp_changes *changes);
struct json_object *vp_json_device(const struct vp_device *dev);
