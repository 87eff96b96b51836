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

/* The spec a command reads when none is given, as netplan reads /etc/netplan: under --root for the commands
 * that have it (the spec of the host whose root it is), else under /. */
#define VP_DEFAULT_SPEC "etc/vfioplan/vfioplan.yaml"
/* apply's default --wait: long enough for another apply's initramfs rebuild (minutes on a big host) */
#define VP_DEFAULT_WAIT 600

struct vp_options {
    const char *operand; /* the command's operand: SPEC, CODE, COMMAND, SHELL or PAGE */
    const char *spec;    /* the operand when it is a SPEC ("-": stdin) */
    const char *host;    /* --host: ROOT directory or snapshot file; default "/" */
    const char *root;    /* --root: where plan/apply compare and write; default "/" */
    const char *output;  /* -o: build's output directory, snapshot's file ("-": stdout) */
    enum vp_format format;
    bool color;
    bool no_actions;
    bool markdown;         /* codes --markdown */
    const char *pool;      /* --pool: the OpenShift machine config pool */
    unsigned wait_seconds; /* --wait: apply waits this long for another apply's lock on the root */
    bool spec_defaulted;   /* no SPEC was given: spec is ROOT/etc/vfioplan/vfioplan.yaml */
    bool host_given, root_given;
    const char *plan_out;  /* plan --out FILE */
    const char *plan_file; /* apply --plan FILE */
    bool yes;              /* --yes: do not ask */
    unsigned keep;         /* --keep N: generations kept (0: the default) */
    bool has_to;           /* rollback --to N */
    unsigned long to;
    bool try_confirm, try_cancel, try_finish; /* try --confirm, --cancel, --finish */
};

/* Everything from the spec to the artifact set; each later member borrows the earlier ones. */
struct vp_compile {
    const char *target_root; /* set by plan and apply: the root whose earlier apply the emitters may undo */
    struct vp_diags diags;
    char *spec_text; /* the spec's bytes as read */
    size_t spec_len;
    struct vp_spec *spec;
    struct vp_host *host;
    struct vp_plan *plan;
    struct vp_previous previous; /* read from target_root */
    struct vp_artifact_set artifacts;
};

/* What the value of an option or an operand completes to in a shell. */
enum vp_complete {
    VP_COMPLETE_NONE,
    VP_COMPLETE_SPEC,    /* a spec: *.yaml, *.yml */
    VP_COMPLETE_HOST,    /* a host root directory or a snapshot file */
    VP_COMPLETE_DIR,     /* a directory */
    VP_COMPLETE_FILE,    /* any file */
    VP_COMPLETE_WORDS,   /* one of the fixed values */
    VP_COMPLETE_CODE,    /* a diagnostic code */
    VP_COMPLETE_COMMAND, /* a command name */
};

/* An option as getopt sees it; ids are getopt's values. */
enum vp_option_id {
    VP_OPT_HOST = 'H',
    VP_OPT_ROOT = 'r',
    VP_OPT_OUTPUT = 'o',
    VP_OPT_FORMAT = 'f',
    VP_OPT_NO_ACTIONS = 'n',
    VP_OPT_POOL = 'p',
    VP_OPT_MARKDOWN = 'm',
    VP_OPT_WAIT = 'w',
    VP_OPT_COLOR = 'c',
    VP_OPT_HELP = 'h',
    VP_OPT_OUT = 'O',
    VP_OPT_PLAN = 'P',
    VP_OPT_YES = 'y',
    VP_OPT_KEEP = 'k',
    VP_OPT_TO = 't',
    VP_OPT_CONFIRM = 'C',
    VP_OPT_CANCEL = 'X',
    VP_OPT_FINISH = 'F',
};

struct vp_option_def {
    enum vp_option_id id;
    const char *name;          /* the long name: --NAME */
    char short_name;           /* -X, or 0 */
    const char *arg;           /* the value's name in help ("DIR"); NULL: a flag */
    const char *const *values; /* the values it takes, NULL-terminated; NULL: any */
    const char *doc;           /* for options every command takes */
};

/* An option as one command uses it: the value's name and the sentence can differ per command. */
struct vp_command_option {
    enum vp_option_id id;
    const char *arg; /* NULL: the definition's */
    enum vp_complete complete;
    bool required;
    const char *doc;
};

#define VP_COMMAND_MAX_OPTIONS 10

struct vp_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *operand; /* "SPEC"; NULL: none */
    bool operand_optional;
    enum vp_complete operand_complete;
    const char *const *operand_values; /* VP_COMPLETE_WORDS: NULL-terminated */
    const char *summary;               /* one line */
    const char *description;           /* a paragraph, for help and the manual */
    struct vp_command_option options[VP_COMMAND_MAX_OPTIONS];
    const char *exit_ok;      /* what exit 0 means */
    const char *exit_changes; /* what exit 1 means; NULL: never 1 */
};

/* Exit 2, for every command. */
#define VP_EXIT_ERROR_DOC "an error: bad input, bad host facts, a broken rule, an I/O failure or bad usage"

/* The command table (commands.c), in the order help lists it. */
const struct vp_command *vp_cli_commands(size_t *n);
const struct vp_command *vp_cli_command(const char *name);
/* Every option getopt knows; those with a doc are taken by every command (--color, --help). */
const struct vp_option_def *vp_cli_option_defs(size_t *n);
const struct vp_option_def *vp_cli_option_def(enum vp_option_id id);
/* "plan SPEC [--host ROOT|FILE] [--root DIR] [--format text|json]" */
char *vp_cli_synopsis(const struct vp_command *cmd);
/* The value an option of cmd takes in help ("DIR"), NULL for a flag. */
const char *vp_cli_option_arg(const struct vp_command_option *o);

/* Parses argv for cmd: the options its table row lists, and its operand. */
int vp_cli_parse(int argc, char **argv, const struct vp_command *cmd, struct vp_options *opt);
/* Loads, resolves and emits; 0 or -1 (diagnostics in c->diags). */
int vp_compile_run(struct vp_compile *c, const struct vp_options *opt, unsigned host_flags);
void vp_compile_free(struct vp_compile *c);
/* When the plan comes from a snapshot and root is a host (it has sys/bus/pci), its devices must match the snapshot. */
int vp_compile_check_drift(struct vp_compile *c, const char *root);
/* Prints the diagnostics (text to stderr, or as part of JSON) and returns the exit code for them. */
int vp_cli_report(struct vp_compile *c, const struct vp_options *opt);
/* stderr, once stdout is flushed: where both go to one log (plan >log 2>&1, a CI job), every line stays whole and
 * in the order it was written. Every message of the CLI goes through it. */
FILE *vp_cli_stderr(void);
/* text wrapped at 79 columns, every line indented by indent spaces (help.c). */
void vp_cli_print_wrapped(FILE *out, const char *text, int indent);

/* A command whose operand names one of several texts it prints (completion SHELL, man PAGE). */
struct vp_cli_text {
    const char *name;
    void (*write)(FILE *out);
};
/* Parses argv for the command called name and prints the text its operand names; what says what they are. */
int vp_cli_print_text(int argc, char **argv, const char *name, const struct vp_cli_text *texts, size_t n,
                      const char *what);

/* The general help, and one command's. */
void vp_cli_usage(FILE *out);
void vp_cli_command_help(FILE *out, const struct vp_command *cmd);
/* "usage: vfioplan SYNOPSIS" on stderr after a usage error; returns VP_EXIT_ERROR. */
int vp_cli_usage_error(const struct vp_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int vp_cmd_check(int argc, char **argv);
int vp_cmd_build(int argc, char **argv);
int vp_cmd_plan(int argc, char **argv);
int vp_cmd_scan(int argc, char **argv);
int vp_cmd_codes(int argc, char **argv);
int vp_cmd_snapshot(int argc, char **argv);
int vp_cmd_apply(int argc, char **argv);
int vp_cmd_verify(int argc, char **argv);
int vp_cmd_openshift(int argc, char **argv);
int vp_cmd_help(int argc, char **argv);
int vp_cmd_explain(int argc, char **argv);
int vp_cmd_completion(int argc, char **argv);
int vp_cmd_man(int argc, char **argv);
int vp_cmd_rollback(int argc, char **argv);
int vp_cmd_history(int argc, char **argv);
int vp_cmd_try(int argc, char **argv);

/* verify's checks of the host (a root directory) against p, printed as verify prints them unless quiet: how many
 * failed, and
 * what the first failed one checked (*first_failed, the caller frees; NULL if none failed). */
unsigned vp_cli_verify_host(const struct vp_plan *p, const char *host, bool quiet, char **first_failed);

/* One line on the host's CPUs, NUMA nodes, memory and huge pages (host-summary.c). */
void vp_cli_host_summary(FILE *out, const struct vp_host *host);
/* check's topology map of a VM: its cells (host node, vCPUs, host CPUs, memory, huge pages) and emulator threads. */
void vp_cli_topology_map(FILE *out, const struct vp_plan_vm *pvm);
/* ", host node N -> cell C (expander E, switch)" after a device's line in check's map. */
void vp_cli_device_place(FILE *out, const struct vp_plan_vm *pvm, const struct vp_assignment *a);
/* The host CPUs a cell's vCPUs are pinned to, in the kernel's list format. */
struct vp_strbuf;
void vp_cli_cell_host_cpus(const struct vp_plan_vm *pvm, size_t cell, struct vp_strbuf *sb);
