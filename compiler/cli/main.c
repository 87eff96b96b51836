/* SPDX-License-Identifier: MIT */
/* main.c: vfioplan's entry point: finds the command in the table (commands.c) and runs it; where messages go. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"
#include "version.h"

FILE *
vp_cli_stderr(void)
{
    /* stdout is buffered and stderr is not: without this, a log of both gets stderr's line in the middle of one
     * of stdout's (plan's summary inside a diff line) */
    fflush(stdout);
    return stderr;
}

int
main(int argc, char **argv)
{
    /* Output must not depend on the caller's locale: collation, decimal points. */
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        vp_cli_usage(vp_cli_stderr());
        return VP_EXIT_ERROR;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        vp_cli_usage(stdout);
        return VP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        /* the git description only where there is one: a build from a tarball prints the same line every time */
        if (strcmp(VFIOPLAN_GIT_DESCRIBE, VFIOPLAN_VERSION) != 0) /* vcs_tag's fallback is the version */
            printf("vfioplan %s (git %s)\n", VFIOPLAN_VERSION, VFIOPLAN_GIT_DESCRIBE);
        else
            printf("vfioplan %s\n", VFIOPLAN_VERSION);
        return VP_EXIT_OK;
    }
    const struct vp_command *cmd = vp_cli_command(argv[1]);
    if (!cmd) {
        fprintf(vp_cli_stderr(), "vfioplan: unknown command '%s'\n", argv[1]);
        size_t n;
        const struct vp_command *cmds = vp_cli_commands(&n);
        const char *names[32];
        for (size_t i = 0; i < n && i < VP_ARRAY_SIZE(names); i++)
            names[i] = cmds[i].name;
        const char *near = vp_nearest(argv[1], names, n < VP_ARRAY_SIZE(names) ? n : VP_ARRAY_SIZE(names));
        if (near)
            fprintf(vp_cli_stderr(), "hint: did you mean '%s'?\n", near);
        else
            fprintf(vp_cli_stderr(), "hint: 'vfioplan --help' lists the commands\n");
        return VP_EXIT_ERROR;
    }
    return cmd->run(argc - 1, argv + 1);
}
