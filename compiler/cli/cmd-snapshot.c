/* SPDX-License-Identifier: MIT */
/* cmd-snapshot.c: `vfioplan snapshot`: the host's facts into a file, for compiling off the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "apply/write.h"
#include "vfioplan/snapshot.h"

int
vp_cmd_snapshot(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("snapshot"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {0};
    c.host = vp_host_load(opt.host, VP_HOST_NAMES, &c.diags);
    char *text = NULL;
    size_t len = 0;
    if (c.host && vp_snapshot_write(c.host, true, &text, &len, &c.diags) == 0) {
        if (opt.output && strcmp(opt.output, "-") != 0)
            vp_file_write_atomic(opt.output, text, len, 0644, &c.diags);
        else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            vp_error(&c.diags, VP_WRITE_FAILED, &(struct vp_pos){.file = "<stdout>"},
                     "cannot write the snapshot to standard output");
    }
    free(text);
    int rc = vp_cli_report(&c, &opt);
    vp_compile_free(&c);
    return rc;
}
