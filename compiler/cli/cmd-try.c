/* SPDX-License-Identifier: MIT */
/* cmd-try.c: `vfioplan try` (placeholder while it is written). */
#include "cli.h"

int
vp_cmd_try(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("try"), &opt) < 0)
        return VP_EXIT_ERROR;
    return VP_EXIT_ERROR;
}
