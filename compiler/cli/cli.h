/* SPDX-License-Identifier: MIT */
/* cli.h: what the vfioplan commands share: options, the compile pipeline, exit codes. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "vfioplan/artifact.h"
#include "vfioplan/diag.h"
#include "vfioplan/host.h"
#include "vfioplan/plan.h"
#include "vfioplan/spec.h"

/* Exit codes, as diff(1) has them: the README lists them. */
enum {
    VP_EXIT_OK = 0,      /* success; plan: nothing would change */
    VP_EXIT_CHANGES = 1, /* plan: something would change; verify: a check failed */
    VP_EXIT_ERROR = 2,   /* any error: bad input, bad host facts, a rule broken, I/O */
};

enum vp_format { VP_FORMAT_TEXT, VP_FORMAT_JSON };

/* apply's default --wait: long enough for another apply's initramfs rebuild (minutes on a big host) */
#define VP_DEFAULT_WAIT 600

struct vp_options {
    const char *spec;   /* the SPEC argument */
    const char *host;   /* --host: ROOT directory or snapshot file; default "/" */
    const char *root;   /* --root: where plan/apply compare and write; default "/" */
    const char *output; /* -o: build's output directory */
    enum vp_format format;
    bool color;
    bool no_actions;
    const char *pool;      /* --pool: the OpenShift machine config pool */
    unsigned wait_seconds; /* --wait: apply waits this long for another apply's lock on the root */
};

/* Everything from the spec to the artifact set; each later member borrows the earlier ones. */
struct vp_compile {
    struct vp_diags diags;
    struct vp_spec *spec;
    struct vp_host *host;
    struct vp_plan *plan;
    struct vp_artifact_set artifacts;
};

struct vp_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *summary;
};

/* Parses argv for a command: takes the options named in allowed (H host, r root, o output, f format, n no-actions, p
 * pool, w wait), and one SPEC if want_spec. */
int vp_cli_parse(int argc, char **argv, const struct vp_command *cmd, const char *allowed, bool want_spec,
                 struct vp_options *opt);
/* Loads, resolves and emits; 0 or -1 (diagnostics in c->diags). */
int vp_compile_run(struct vp_compile *c, const struct vp_options *opt, unsigned host_flags);
void vp_compile_free(struct vp_compile *c);
/* When the plan comes from a snapshot and root is a host (it has sys/bus/pci), its devices must match the snapshot. */
int vp_compile_check_drift(struct vp_compile *c, const char *root);
/* Prints the diagnostics (text to stderr, or as part of JSON) and returns the exit code for them. */
int vp_cli_report(struct vp_compile *c, const struct vp_options *opt);
const struct vp_command *vp_cli_command(const char *name);
void vp_cli_usage(FILE *out);

int vp_cmd_check(int argc, char **argv);
int vp_cmd_build(int argc, char **argv);
int vp_cmd_plan(int argc, char **argv);
int vp_cmd_scan(int argc, char **argv);
int vp_cmd_codes(int argc, char **argv);
int vp_cmd_snapshot(int argc, char **argv);
int vp_cmd_apply(int argc, char **argv);
int vp_cmd_verify(int argc, char **argv);
int vp_cmd_openshift(int argc, char **argv);
