/* SPDX-License-Identifier: MIT */
/*
 * cmd-build.c: `vfioplan build -o DIR`: the whole artifact tree under DIR,
 * written atomically; files an earlier build of the same tree owned and
 * this one does not generate are removed (DIR's manifest says which).
 */
#include <stdio.h>

#include "cli.h"
#include "apply/changes.h"
#include "apply/write.h"

int
vp_cmd_build(int argc, char **argv)
{
    struct vp_options opt;
    const struct vp_command *cmd = vp_cli_command("build");
    if (vp_cli_parse(argc, argv, cmd, &opt) < 0)
        return VP_EXIT_ERROR;
    /* DIR is the root an earlier build wrote, and holds the files vfioplan edits a block of, if any */
    struct vp_compile c = {.target_root = opt.output};
    if (vp_compile_run(&c, &opt, 0) == 0) {
        struct vp_changes ch;
        if (vp_changes_compute(&c.artifacts, opt.output, true, &ch, &c.diags) == 0) {
            struct vp_write_options wo = {.create_root = true};
            vp_tree_commit(opt.output, &ch, &wo, &c.diags);
        }
        vp_changes_free(&ch);
    }
    int rc = vp_cli_report(&c, &opt);
    vp_compile_free(&c);
    return rc;
}
