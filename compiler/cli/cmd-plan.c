/* SPDX-License-Identifier: MIT */
/*
 * cmd-plan.c: `vfioplan plan`: the dry run. A git-style diff of every file
 * that would change under the root (patch -p1 applies it), then the
 * actions an apply would run for those changes. Exit 0 if nothing would
 * change, 1 if something would, 2 on any error.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "cli.h"
#include "json-out.h"
#include "apply/changes.h"

int
vp_cmd_plan(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("plan"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {.target_root = opt.root};
    struct vp_changes ch = {0};
    bool ok = vp_compile_run(&c, &opt, 0) == 0 && vp_compile_check_drift(&c, opt.root) == 0 &&
              vp_changes_compute(&c.artifacts, opt.root, false, &ch, &c.diags) == 0;
    int rc = vp_cli_report(&c, &opt);
    if (opt.format == VP_FORMAT_JSON) {
        struct json_object *doc = vp_json_begin("plan");
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        if (ok && rc == VP_EXIT_OK) {
            json_object_object_add(doc, "files", vp_json_files(&ch));
            json_object_object_add(doc, "actions", vp_json_actions(&c.artifacts, &ch));
            rc = ch.n ? VP_EXIT_CHANGES : VP_EXIT_OK;
        }
        vp_json_finish(doc, &c.diags, rc);
    } else if (ok && rc == VP_EXIT_OK) {
        /* a file at a time, its old version freed once its diff is out: memory is one file's diff, not all */
        for (size_t i = 0; i < ch.n; i++) {
            struct vp_strbuf one = {0};
            vp_change_render_diff(&one, &ch.items[i]);
            fwrite(one.data ? one.data : "", 1, one.len, stdout);
            vp_strbuf_free(&one);
            vp_change_drop_old(&ch.items[i]);
        }
        struct vp_strbuf out = {0};
        const char **paths = vp_changes_paths(&ch);
        size_t created = 0, modified = 0, removed = 0;
        for (size_t i = 0; i < ch.n; i++) {
            created += ch.items[i].kind == VP_CHANGE_CREATE;
            modified += ch.items[i].kind == VP_CHANGE_MODIFY;
            removed += ch.items[i].kind == VP_CHANGE_DELETE;
        }
        if (ch.n) {
            vp_strbuf_puts(&out, "\nActions:\n");
            for (size_t i = 0; i < c.artifacts.n_actions; i++)
                if (vp_action_triggered(&c.artifacts.actions[i], paths, ch.n))
                    vp_strbuf_printf(&out, "  %s\n", c.artifacts.actions[i].command);
        }
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
        if (ch.n)
            fprintf(stderr, "vfioplan: under %s, %zu file%s would be created, %zu changed, %zu removed\n", opt.root,
                    created, created == 1 ? "" : "s", modified, removed);
        else
            fprintf(stderr, "vfioplan: no changes under %s\n", opt.root);
        vp_strbuf_free(&out);
        free(paths);
        rc = ch.n ? VP_EXIT_CHANGES : VP_EXIT_OK;
    }
    vp_changes_free(&ch);
    vp_compile_free(&c);
    return rc;
}
