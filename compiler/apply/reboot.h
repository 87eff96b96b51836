/* SPDX-License-Identifier: MIT */
/*
 * reboot.h: the reboot signal Debian's tools use. When an initramfs or
 * bootloader action ran, the new configuration waits for a reboot:
 * ROOT/run/reboot-required says so (motd, needrestart and
 * unattended-upgrades read it) and ROOT/run/reboot-required.pkgs names
 * vfioplan among those that asked. /run is a tmpfs: the reboot clears both.
 */
#pragma once

#include <stdbool.h>

#include "vfioplan/diag.h"

int vp_reboot_signal(const char *root, struct vp_diags *d);
/* True when root's run/reboot-required.pkgs names vfioplan: it asked for a reboot that has not happened yet. */
bool vp_reboot_pending(const char *root);
