/* SPDX-License-Identifier: MIT */
/*
 * cmd-plan.c: `vfioplan plan`: the dry run. A git-style diff of every file
 * that would change under the root (patch -p1 applies it), then the
 * actions an apply would run: those still pending from an earlier run, and
 * those the changes need. Exit 0 if nothing would happen, 1 if something
 * would (as diff(1)), 2 on any error. --out FILE saves the plan for
 * apply --plan FILE.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/plan-file.h"
#include "base/util.h"
#include "cli.h"
#include "install-report.h"
#include "json-out.h"

/* An absolute path for the plan file: apply --plan may run from another directory. */
static char *
absolute(const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return vp_xstrdup(buf);
    return vp_xstrdup(path);
}

static int
save_plan(struct vp_compile *c, const struct vp_options *opt, struct vp_install *in)
{
    struct json_object *fp = vp_plan_fingerprint(c->spec_text, c->spec_len, c->host, &c->artifacts, in, &c->diags);
    if (!fp)
        return -1;
    char *spec = absolute(opt->spec), *host = absolute(opt->host), *root = absolute(opt->root);
    int rc = vp_plan_file_write(opt->plan_out, VFIOPLAN_VERSION, spec, host, root, fp, &c->diags);
    json_object_put(fp);
    free(spec);
    free(host);
    free(root);
    return rc;
}

int
vp_cmd_plan(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("plan"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {.target_root = opt.root};
    struct vp_install in = {0};
    struct vp_install_options io = {.root = opt.root};
    bool ok = vp_compile_run(&c, &opt, 0) == 0 && vp_compile_check_drift(&c, opt.root) == 0 &&
              vp_install_prepare(&in, &c.artifacts, &io, &c.diags) == 0;
    /* before the diff frees the old versions: the fingerprint has their digests */
    if (ok && opt.plan_out && save_plan(&c, &opt, &in) < 0)
        ok = false;
    int rc = vp_cli_report(&c, &opt);
    if (opt.format == VP_FORMAT_JSON) {
        struct json_object *doc = vp_json_begin("plan");
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        if (ok && rc == VP_EXIT_OK) {
            vp_json_install(doc, &in, false);
            rc = vp_install_has_work(&in) ? VP_EXIT_CHANGES : VP_EXIT_OK;
        }
        vp_json_finish(doc, &c.diags, rc);
    } else if (ok && rc == VP_EXIT_OK) {
        vp_cli_show_changes(stdout, &in, true);
        vp_cli_show_actions(stdout, &in);
        fflush(stdout);
        vp_cli_plan_summary(vp_cli_stderr(), &in, opt.root);
        if (opt.plan_out)
            fprintf(vp_cli_stderr(), "vfioplan: plan saved to %s; 'vfioplan apply --plan %s' applies exactly this\n",
                    opt.plan_out, opt.plan_out);
        rc = vp_install_has_work(&in) ? VP_EXIT_CHANGES : VP_EXIT_OK;
    }
    vp_install_free(&in);
    vp_compile_free(&c);
    return rc;
}
