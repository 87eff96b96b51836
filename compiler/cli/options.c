/* SPDX-License-Identifier: MIT */
/* options.c: command-line options shared by the commands. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
vp_cli_parse(int argc, char **argv, const struct vp_command *cmd, const char *allowed, bool want_spec,
             struct vp_options *opt)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},   {"root", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"no-actions", no_argument, NULL, 'n'},   {"color", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {"pool", required_argument, NULL, 'p'},
        {"wait", required_argument, NULL, 'w'},   {NULL, 0, NULL, 0},
    };
    memset(opt, 0, sizeof(*opt));
    opt->host = "/";
    opt->root = "/";
    opt->wait_seconds = VP_DEFAULT_WAIT;
    const char *color = getenv("NO_COLOR") ? "never" : "auto";
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        const char *flag = NULL;
        switch (c) {
        case 'H':
            flag = "H";
            opt->host = optarg;
            break;
        case 'r':
            flag = "r";
            opt->root = optarg;
            break;
        case 'o':
            flag = "o";
            opt->output = optarg;
            break;
        case 'n':
            flag = "n";
            opt->no_actions = true;
            break;
        case 'p':
            flag = "p";
            opt->pool = optarg;
            break;
        case 'w': {
            flag = "w";
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-' || v > 86400) {
                fprintf(stderr, "vfioplan %s: --wait takes a number of seconds, 0 to 86400, not '%s'\n", cmd->name,
                        optarg);
                return -1;
            }
            opt->wait_seconds = (unsigned)v;
            break;
        }
        case 'c':
            color = optarg;
            break;
        case 'f':
            flag = "f";
            if (strcmp(optarg, "json") == 0)
                opt->format = VP_FORMAT_JSON;
            else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "vfioplan %s: --format takes text or json, not '%s'\n", cmd->name, optarg);
                return -1;
            }
            break;
        case 'h':
            printf("usage: vfioplan %s\n\n%s\n\nRun 'vfioplan --help' for the options.\n", cmd->usage, cmd->summary);
            exit(VP_EXIT_OK);
        case ':':
            fprintf(stderr, "vfioplan %s: option '%s' needs a value\nusage: vfioplan %s\n", cmd->name, argv[optind - 1],
                    cmd->usage);
            return -1;
        default:
            fprintf(stderr, "vfioplan %s: unknown option '%s'\nusage: vfioplan %s\n", cmd->name, argv[optind - 1],
                    cmd->usage);
            return -1;
        }
        if (flag && !strchr(allowed, flag[0])) {
            fprintf(stderr, "vfioplan %s: option '%s' does not apply to this command\nusage: vfioplan %s\n", cmd->name,
                    argv[optind - 1], cmd->usage);
            return -1;
        }
    }
    if (strcmp(color, "always") == 0)
        opt->color = true;
    else if (strcmp(color, "auto") == 0)
        opt->color = isatty(STDERR_FILENO);
    else if (strcmp(color, "never") != 0) {
        fprintf(stderr, "vfioplan %s: --color takes auto, always or never\n", cmd->name);
        return -1;
    }
    int rest = argc - optind;
    if (want_spec) {
        if (rest != 1) {
            fprintf(stderr, "vfioplan %s: %s\nusage: vfioplan %s\n", cmd->name,
                    rest == 0 ? "a SPEC file is needed" : "give exactly one SPEC file", cmd->usage);
            return -1;
        }
        opt->spec = argv[optind];
    } else if (rest != 0) {
        fprintf(stderr, "vfioplan %s: unexpected argument '%s'\nusage: vfioplan %s\n", cmd->name, argv[optind],
                cmd->usage);
        return -1;
    }
    return 0;
}
