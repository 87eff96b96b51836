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
    FILE *err = vp_cli_stderr();
    fprintf(err, "vfioplan %s: ", cmd->name);
    vfprintf(err, fmt, ap);
    va_end(ap);
    char *synopsis = vp_cli_synopsis(cmd);
    fprintf(err, "\nusage: vfioplan %s\n", synopsis);
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

/*
 * The option getopt just returned, as the user wrote it ("--format", "-o"), for a message: argv[optind - 1]
 * is the option itself, or its value when the value came as the next word ("--format json").
 */
static const char *
option_as_written(char **argv, const struct vp_option_def *def, char *buf, size_t size)
{
    const char *last = argv[optind - 1];
    const char *word = last[0] == '-' || optind < 2 ? last : argv[optind - 2];
    if (def && word[0] != '-')
        word = def->name;
    size_t n = strcspn(word, "=");
    snprintf(buf, size, "%.*s", (int)n, word);
    return buf;
}

int
vp_cli_parse(int argc, char **argv, const struct vp_command *cmd, struct vp_options *opt)
{
    size_t n_defs;
    const struct vp_option_def *defs = vp_cli_option_defs(&n_defs);
    struct option longopts[32] = {{0}};
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
        char written[64];
        if (!def->doc && !command_option(cmd, c))
            return vp_cli_usage_error(cmd, "option '%s' does not apply to this command",
                                      option_as_written(argv, def, written, sizeof(written))),
                   -1;
        if (def->values && !one_of(optarg, def->values)) {
            char *allowed = join_values(def->values);
            vp_cli_usage_error(cmd, "--%s takes %s, not '%s'", def->name, allowed, optarg);
            free(allowed);
            return -1;
        }
        switch ((enum vp_option_id)c) {
        case VP_OPT_HOST:
            opt->host = optarg;
            opt->host_given = true;
            break;
        case VP_OPT_ROOT:
            opt->root = optarg;
            opt->root_given = true;
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
        case VP_OPT_OUT:
            opt->plan_out = optarg;
            break;
        case VP_OPT_PLAN:
            opt->plan_file = optarg;
            break;
        case VP_OPT_YES:
            opt->yes = true;
            break;
        case VP_OPT_KEEP: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-' || v < 2 || v > 100)
                return vp_cli_usage_error(cmd, "--keep takes a number of generations, 2 to 100, not '%s'", optarg), -1;
            opt->keep = (unsigned)v;
            break;
        }
        case VP_OPT_TO: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-' || v > 999999999)
                return vp_cli_usage_error(cmd,
                                          "--to takes a generation number ('vfioplan history' lists them), not "
                                          "'%s'",
                                          optarg),
                       -1;
            opt->has_to = true;
            opt->to = v;
            break;
        }
        case VP_OPT_CONFIRM:
            opt->try_confirm = true;
            break;
        case VP_OPT_CANCEL:
            opt->try_cancel = true;
            break;
        case VP_OPT_FINISH:
            opt->try_finish = true;
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
    if (opt->try_confirm + opt->try_cancel + opt->try_finish > 1)
        return vp_cli_usage_error(cmd, "--confirm, --cancel and --finish exclude each other"), -1;
    if ((opt->try_confirm || opt->try_cancel || opt->try_finish) && opt->spec)
        return vp_cli_usage_error(cmd, "--confirm, --cancel and --finish act on the try under way: no SPEC"), -1;
    if (opt->plan_file && (opt->spec || opt->host_given || opt->root_given))
        return vp_cli_usage_error(cmd, "--plan FILE applies the plan as saved: its spec, host and root are in it"), -1;
    if (opt->plan_out && opt->spec && strcmp(opt->spec, "-") == 0)
        return vp_cli_usage_error(cmd, "--out saves a plan of a spec file that apply reads again: not '-'"), -1;
    /* no SPEC: the host's own, where netplan keeps its configuration too */
    bool wants_spec = cmd->operand_complete == VP_COMPLETE_SPEC && !opt->plan_file && !opt->try_confirm &&
                      !opt->try_cancel && !opt->try_finish;
    if (wants_spec && !opt->spec) {
        /* one parse per process: the path lives as long as the options */
        static char default_spec[4096];
        opt->spec_defaulted = true;
        if (command_option(cmd, VP_OPT_ROOT) && strcmp(opt->root, "/") != 0)
            snprintf(default_spec, sizeof(default_spec), "%s%s" VP_DEFAULT_SPEC, opt->root,
                     opt->root[strlen(opt->root) - 1] == '/' ? "" : "/");
        else
            snprintf(default_spec, sizeof(default_spec), "/" VP_DEFAULT_SPEC);
        opt->spec = opt->operand = default_spec;
    }
    return 0;
}
