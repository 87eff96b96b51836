/* SPDX-License-Identifier: MIT */
/* help.c: `vfioplan help [COMMAND]` and `vfioplan COMMAND --help`, from the command table. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

void
vp_cli_print_wrapped(FILE *out, const char *text, int indent)
{
    const int width = 79;
    int col = 0;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > width) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0)
            col = fprintf(out, "%*s", indent, "");
        else
            col += fprintf(out, " ");
        col += fprintf(out, "%.*s", (int)word, p);
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

/* "--host ROOT|FILE", "-o, --output DIR" */
static char *
option_label(const struct vp_option_def *def, const char *arg)
{
    if (def->short_name)
        return vp_xasprintf("-%c, --%s%s%s", def->short_name, def->name, arg ? " " : "", arg ? arg : "");
    return vp_xasprintf("--%s%s%s", def->name, arg ? " " : "", arg ? arg : "");
}

static void
print_option(FILE *out, const struct vp_option_def *def, const char *arg, const char *doc)
{
    char *label = option_label(def, arg);
    fprintf(out, "  %s\n", label);
    vp_cli_print_wrapped(out, doc, 6);
    free(label);
}

void
vp_cli_command_help(FILE *out, const struct vp_command *cmd)
{
    char *synopsis = vp_cli_synopsis(cmd);
    fprintf(out, "usage: vfioplan %s\n\n", synopsis);
    free(synopsis);
    vp_cli_print_wrapped(out, cmd->description, 0);
    fprintf(out, "\noptions:\n");
    for (const struct vp_command_option *o = cmd->options; o->id; o++)
        print_option(out, vp_cli_option_def(o->id), vp_cli_option_arg(o), o->doc);
    size_t n;
    const struct vp_option_def *defs = vp_cli_option_defs(&n);
    for (size_t i = 0; i < n; i++)
        if (defs[i].doc)
            print_option(out, &defs[i], defs[i].arg, defs[i].doc);
    fprintf(out, "\nexit status:\n  0\n");
    vp_cli_print_wrapped(out, cmd->exit_ok, 6);
    if (cmd->exit_changes) {
        fprintf(out, "  1\n");
        vp_cli_print_wrapped(out, cmd->exit_changes, 6);
    }
    fprintf(out, "  2\n");
    vp_cli_print_wrapped(out, VP_EXIT_ERROR_DOC, 6);
}

void
vp_cli_usage(FILE *out)
{
    fprintf(out, "usage: vfioplan COMMAND [OPTIONS]\n\n"
                 "vfioplan compiles a YAML spec of a host and its VMs into everything PCI\n"
                 "passthrough needs: kernel command line, vfio modprobe config, initramfs hooks,\n"
                 "libvirt domains and guest setup scripts.\n\ncommands:\n");
    size_t n;
    const struct vp_command *cmds = vp_cli_commands(&n);
    for (size_t i = 0; i < n; i++) {
        char *synopsis = vp_cli_synopsis(&cmds[i]);
        fprintf(out, "  vfioplan %s\n", synopsis);
        vp_cli_print_wrapped(out, cmds[i].summary, 6);
        free(synopsis);
    }
    fprintf(out, "\n'vfioplan help COMMAND' (or 'vfioplan COMMAND --help') lists a command's options\n"
                 "and exit codes; 'vfioplan explain CODE' explains a diagnostic; 'man vfioplan'.\n"
                 "  --version  print the version\n\n"
                 "exit status: 0 success (plan: no change), 1 plan: changes, as diff(1) (not\n"
                 "terraform's -detailed-exitcode 2) / verify: a check failed / apply: answered\n"
                 "no, 2 any error\n");
}

int
vp_cli_print_text(int argc, char **argv, const char *name, const struct vp_cli_text *texts, size_t n, const char *what)
{
    struct vp_options opt;
    const struct vp_command *cmd = vp_cli_command(name);
    if (vp_cli_parse(argc, argv, cmd, &opt) < 0)
        return VP_EXIT_ERROR;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(texts[i].name, opt.operand) == 0) {
            texts[i].write(stdout);
            return fflush(stdout) == 0 ? VP_EXIT_OK : VP_EXIT_ERROR;
        }
    }
    return vp_cli_usage_error(cmd, "no %s '%s': %s", cmd->operand, opt.operand, what);
}

int
vp_cmd_help(int argc, char **argv)
{
    struct vp_options opt;
    const struct vp_command *self = vp_cli_command("help");
    if (vp_cli_parse(argc, argv, self, &opt) < 0)
        return VP_EXIT_ERROR;
    if (!opt.operand) {
        vp_cli_usage(stdout);
        return VP_EXIT_OK;
    }
    const struct vp_command *cmd = vp_cli_command(opt.operand);
    if (!cmd)
        return vp_cli_usage_error(self, "unknown command '%s'; 'vfioplan help' lists them", opt.operand);
    vp_cli_command_help(stdout, cmd);
    return VP_EXIT_OK;
}
