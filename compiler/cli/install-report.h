/* SPDX-License-Identifier: MIT */
/* install-report.h: plan's output, the question apply asks, and the JSON of an install (install-report.c). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "apply/install.h"
#include "cli.h"
#include "json-out.h"

/* The git-style diff of every change; drop_old frees each old version once shown (plan, which writes nothing). */
void vp_cli_show_changes(FILE *out, struct vp_install *in, bool drop_old);
/* The pending actions, then the actions the changes need. */
void vp_cli_show_actions(FILE *out, const struct vp_install *in);
/* "vfioplan: under ROOT, N files would be created, ...; N actions are pending" */
void vp_cli_plan_summary(FILE *err, const struct vp_install *in, const char *root);
/* True when an initramfs or bootloader action is among those chosen: the host needs a reboot after them. */
bool vp_cli_boot_actions(const struct vp_install *in);
/* What apply and rollback install with: the root, --no-actions, --keep; with --format json, what they print goes
 * to stderr (stdout holds the document). */
struct vp_install_options vp_cli_install_options(const struct vp_options *opt);
/* Asks question on the terminal: 1 yes, 0 no. Without a terminal on stdin, or with --yes, 1 at once. */
int vp_cli_confirm(const struct vp_options *opt, const char *question);
/* "vfioplan: waiting up to N s for another apply (pid P) ..." (vp_lock_take's on_wait; arg: the options). */
void vp_cli_say_waiting(long pid, void *arg);
/* After a commit: the actions left pending by --no-actions, the reboot the new configuration waits for. */
void vp_cli_report_install(const struct vp_install *in, const struct vp_install_options *io);
/* changed, files (with diffs; frees the old versions), actions (with their status once committed),
 * reboot_required, generation. */
void vp_json_install(struct json_object *doc, struct vp_install *in, bool committed);
