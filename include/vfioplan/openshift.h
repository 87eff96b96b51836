/* SPDX-License-Identifier: MIT */
/* openshift.h: a plan as OpenShift objects for a pool of GPU nodes (MachineConfig, HyperConverged). */
#pragma once

#include "vfioplan/artifact.h"

/* Adds NAME.machineconfig.json and hyperconverged.permitted-host-devices.json to out;
 * host_artifacts are the plan's host artifacts (their bytes go into Ignition). pool is a validated name. */
int vp_emit_openshift(const struct vp_plan *plan, const struct vp_artifact_set *host_artifacts, const char *pool,
                      struct vp_artifact_set *out, struct vp_diags *d);
