/* SPDX-License-Identifier: MIT */
/*
 * action-record.h: actions as JSON, so that a generation keeps the actions
 * its files need and the pending list keeps the ones still to run, across
 * runs of vfioplan. Only what the emitters could have made reads back: a
 * known stage, a command of plain words, triggers that are vfioplan's paths.
 */
#pragma once

#include <json.h>

#include "vfioplan/artifact.h"

/* "initramfs", "bootloader-remove", "bootloader", "libvirt"; "?" out of range. */
const char *vp_action_stage_name(enum vp_action_stage stage);

struct json_object *vp_action_to_json(const struct vp_action *a);
/* Adds the action o describes to set; false (nothing added) when o is not one. */
bool vp_action_from_json(struct json_object *o, struct vp_artifact_set *set);
/* A program vfioplan's actions run (update-initramfs, update-grub, virsh, ...). */
bool vp_action_program_known(const char *program);
/* The same command (argv word for word). */
bool vp_action_same(const struct vp_action *a, const struct vp_action *b);
