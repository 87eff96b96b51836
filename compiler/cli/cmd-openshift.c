/* SPDX-License-Identifier: MIT */
/* cmd-openshift.c: `vfioplan openshift -o DIR`: the plan as OpenShift objects for a pool of GPU nodes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "apply/changes.h"
#include "apply/write.h"
#include "vfioplan/openshift.h"

/* A Kubernetes name part: lower-case letters, digits and '-', 50 at most (the object is 99-POOL-vfioplan). */
static bool
valid_pool(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 50 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n && s[0] != '-' &&
           s[n - 1] != '-';
}

int
vp_cmd_openshift(int argc, char **argv)
{
    struct vp_options opt;
    const struct vp_command *cmd = vp_cli_command("openshift");
    if (vp_cli_parse(argc, argv, cmd, &opt) < 0)
        return VP_EXIT_ERROR;
    const char *pool = opt.pool ? opt.pool : "worker";
    if (!valid_pool(pool)) {
        fprintf(
            vp_cli_stderr(),
            "vfioplan openshift: --pool '%s' is not a valid pool name (lower-case letters, digits and '-', 50 at most)\n",
            pool);
        return VP_EXIT_ERROR;
    }
    struct vp_compile c = {0};
    struct vp_artifact_set objects = {0};
    if (vp_compile_run(&c, &opt, 0) == 0 && vp_emit_openshift(c.plan, &c.artifacts, pool, &objects, &c.diags) == 0) {
        struct vp_changes ch;
        if (vp_changes_compute(&objects, opt.output, true, &ch, &c.diags) == 0) {
            struct vp_write_options wo = {.create_root = true};
            vp_tree_commit(opt.output, &ch, &wo, &c.diags);
        }
        vp_changes_free(&ch);
    }
    int rc = vp_cli_report(&c, &opt);
    vp_artifact_set_free(&objects);
    vp_compile_free(&c);
    return rc;
}
