/* SPDX-License-Identifier: MIT */
/* options.c: parsing a command's argv with getopt, from its row of the command table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "cli.h"

int
vp_cli_usage_error(const struct vp_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vfioplan %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    char *synopsis = vp_cli_synopsis(cmd);
    fprintf(stderr, "\nusage: vfioplan %s\n", synopsis);
    free(synopsis);
    return VP_EXIT_ERROR;
}

static const struct vp_command_option *
command_option(const struct vp_command *cmd, int id)
{
    for (const struct vp_command_option *o = cmd->options; o->id; o++)
        if ((int)o->id == id)
            return o;
    return NULL;
}

/* True if value is one of values (NULL-terminated). */
static bool
one_of(const char *value, const char *const *values)
{
    for (; *values; values++)
        if (strcmp(value, *values) == 0)
            return true;
    return false;
}

static char *
join_values(const char *const *values)
{
    struct vp_strbuf sb = {0};
    for (size_t i = 0; values[i]; i++)
        vp_strbuf_printf(&sb, "%s%s", i == 0 ? "" : values[i + 1] ? ", " : " or ", values[i]);
    return vp_strbuf_steal(&sb, NULL);
}

int
vp_cli_parse(int argc, char **argv, const struct vp_command *cmd, struct vp_options *opt)
{
    size_t n_defs;
    const struct vp_option_def *defs = vp_cli_option_defs(&n_defs);
    struct option longopts[16] = {{0}};
    char shortopts[32] = ":";
    for (size_t i = 0; i < n_defs && i + 1 < VP_ARRAY_SIZE(longopts); i++) {
        longopts[i] = (struct option){defs[i].name, defs[i].arg ? required_argument : no_argument, NULL, defs[i].id};
        if (defs[i].short_name) {
            size_t k = strlen(shortopts);
            shortopts[k] = defs[i].short_name;
            shortopts[k + 1] = defs[i].arg ? ':' : '\0';
        }
    }
    memset(opt, 0, sizeof(*opt));
    opt->host = "/";
    opt->root = "/";
    opt->wait_seconds = VP_DEFAULT_WAIT;
    const char *color = getenv("NO_COLOR") ? "never" : "auto";
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == ':')
            return vp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]), -1;
        const struct vp_option_def *def = vp_cli_option_def(c);
        if (!def)
            return vp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]), -1;
        if (!def->doc && !command_option(cmd, c))
            return vp_cli_usage_error(cmd, "option '%s' does not apply to this command", argv[optind - 1]), -1;
        if (def->values && !one_of(optarg, def->values)) {
            char *allowed = join_values(def->values);
            vp_cli_usage_error(cmd, "--%s takes %s, not '%s'", def->name, allowed, optarg);
            free(allowed);
            return -1;
        }
        switch ((enum vp_option_id)c) {
        case VP_OPT_HOST:
            opt->host = optarg;
            break;
        case VP_OPT_ROOT:
            opt->root = optarg;
            break;
        case VP_OPT_OUTPUT:
            opt->output = optarg;
            break;
        case VP_OPT_FORMAT:
            opt->format = strcmp(optarg, "json") == 0 ? VP_FORMAT_JSON : VP_FORMAT_TEXT;
            break;
        case VP_OPT_NO_ACTIONS:
            opt->no_actions = true;
            break;
        case VP_OPT_POOL:
            opt->pool = optarg;
            break;
        case VP_OPT_MARKDOWN:
            opt->markdown = true;
            break;
        case VP_OPT_WAIT: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-' || v > 86400)
                return vp_cli_usage_error(cmd, "--wait takes a number of seconds, 0 to 86400, not '%s'", optarg), -1;
            opt->wait_seconds = (unsigned)v;
            break;
        }
        case VP_OPT_COLOR:
            color = optarg;
            break;
        case VP_OPT_HELP:
            vp_cli_command_help(stdout, cmd);
            exit(VP_EXIT_OK);
        }
    }
    opt->color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && isatty(STDERR_FILENO));
    for (const struct vp_command_option *o = cmd->options; o->id; o++)
        if (o->required && ((o->id == VP_OPT_OUTPUT && !opt->output)))
            return vp_cli_usage_error(cmd, "-%c %s is needed", vp_cli_option_def(o->id)->short_name,
                                      vp_cli_option_arg(o)),
                   -1;
    /* '-' means stdin or stdout only where a file is read or written, never for a directory. */
    if (strcmp(opt->root, "-") == 0)
        return vp_cli_usage_error(cmd, "--root takes a directory; '-' (standard input) is not one"), -1;
    const struct vp_command_option *out = command_option(cmd, VP_OPT_OUTPUT);
    if (out && out->complete == VP_COMPLETE_DIR && opt->output && strcmp(opt->output, "-") == 0)
        return vp_cli_usage_error(cmd, "-o takes a directory here; '-' (standard output) is not one"), -1;
    const struct vp_command_option *host = command_option(cmd, VP_OPT_HOST);
    if (host && host->complete == VP_COMPLETE_DIR && strcmp(opt->host, "-") == 0)
        return vp_cli_usage_error(cmd, "--host takes a directory here; '-' (standard input) is not one"), -1;
    int rest = argc - optind;
    if (cmd->operand && rest == 1) {
        opt->operand = argv[optind];
        if (cmd->operand_complete == VP_COMPLETE_SPEC)
            opt->spec = opt->operand;
    } else if (cmd->operand && rest == 0 && !cmd->operand_optional) {
        return vp_cli_usage_error(cmd, "%s is needed", cmd->operand), -1;
    } else if (rest > (cmd->operand ? 1 : 0)) {
        return vp_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + (cmd->operand ? 1 : 0)]), -1;
    }
    if (opt->spec && strcmp(opt->spec, "-") == 0 && strcmp(opt->host, "-") == 0)
        return vp_cli_usage_error(cmd, "the spec and the host snapshot cannot both be standard input"), -1;
    return 0;
}
