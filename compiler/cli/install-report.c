/* SPDX-License-Identifier: MIT */
/*
 * install-report.c: what plan prints, what apply and rollback show
 * before they ask, and the JSON of all four: the diff of each change, the
 * pending actions and the actions the changes need, and, once committed,
 * what ran, what is still pending, the generation and the reboot signal.
 */
#include "install-report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

void
vp_cli_show_changes(FILE *out, struct vp_install *in, bool drop_old)
{
    /* a file at a time: memory is one file's diff, not all */
    for (size_t i = 0; i < in->changes.n; i++) {
        struct vp_strbuf one = {0};
        vp_change_render_diff(&one, &in->changes.items[i]);
        fwrite(one.data ? one.data : "", 1, one.len, out);
        vp_strbuf_free(&one);
        if (drop_old)
            vp_change_drop_old(&in->changes.items[i]);
    }
}

void
vp_cli_show_actions(FILE *out, const struct vp_install *in)
{
    if (in->todo.n_pending) {
        fputs(in->changes.n ? "\n" : "", out);
        fputs("Pending actions (an earlier run did not see them succeed; they run first):\n", out);
        for (size_t i = 0; i < in->todo.n_pending; i++)
            fprintf(out, "  %s\n", in->todo.items[i]->command);
    }
    if (in->todo.n > in->todo.n_pending) {
        fputs(in->changes.n || in->todo.n_pending ? "\nActions:\n" : "Actions:\n", out);
        for (size_t i = in->todo.n_pending; i < in->todo.n; i++)
            fprintf(out, "  %s\n", in->todo.items[i]->command);
    }
}

void
vp_cli_plan_summary(FILE *err, const struct vp_install *in, const char *root)
{
    size_t created = 0, modified = 0, removed = 0;
    for (size_t i = 0; i < in->changes.n; i++) {
        created += in->changes.items[i].kind == VP_CHANGE_CREATE;
        modified += in->changes.items[i].kind == VP_CHANGE_MODIFY;
        removed += in->changes.items[i].kind == VP_CHANGE_DELETE;
    }
    if (in->changes.n)
        fprintf(err, "vfioplan: under %s, %zu file%s would be created, %zu changed, %zu removed", root, created,
                created == 1 ? "" : "s", modified, removed);
    else
        fprintf(err, "vfioplan: no changes under %s", root);
    if (in->todo.n_pending)
        fprintf(err, "; %zu action%s pending", in->todo.n_pending, in->todo.n_pending == 1 ? " is" : "s are");
    fputc('\n', err);
}

bool
vp_cli_boot_actions(const struct vp_install *in)
{
    for (size_t i = 0; i < in->todo.n; i++) {
        enum vp_action_stage st = in->todo.items[i]->stage;
        if (st == VP_STAGE_INITRAMFS || st == VP_STAGE_BOOTLOADER || st == VP_STAGE_BOOTLOADER_REMOVE ||
            st == VP_STAGE_BOOT_MENU)
            return true;
    }
    return false;
}

struct vp_install_options
vp_cli_install_options(const struct vp_options *opt)
{
    bool json = opt->format == VP_FORMAT_JSON;
    return (struct vp_install_options){.root = opt->root,
                                       .no_actions = opt->no_actions,
                                       .out = json ? stderr : stdout,
                                       .keep = opt->keep,
                                       .output_to_stderr = json};
}

int
vp_cli_confirm(const struct vp_options *opt, const char *question)
{
    /* a run without a terminal (a pipeline, a unit, ssh host cmd) never asks */
    if (opt->yes || !isatty(STDIN_FILENO))
        return 1;
    printf("\n%s [y/N] ", question);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

static struct json_object *
action_json(const struct vp_action *a, const char *status, bool pending)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "command", vp_json_string(a->command, strlen(a->command), NULL));
    struct json_object *argv = json_object_new_array();
    for (size_t i = 0; a->argv[i]; i++)
        json_object_array_add(argv, vp_json_string(a->argv[i], strlen(a->argv[i]), NULL));
    json_object_object_add(o, "argv", argv);
    json_object_object_add(o, "why", vp_json_string(a->why, strlen(a->why), NULL));
    if (pending)
        json_object_object_add(o, "pending", json_object_new_boolean(true));
    if (status)
        json_object_object_add(o, "status", json_object_new_string(status));
    return o;
}

void
vp_json_install(struct json_object *doc, struct vp_install *in, bool committed)
{
    json_object_object_add(doc, "changed", json_object_new_boolean(vp_install_has_work(in)));
    json_object_object_add(doc, "files", vp_json_files(&in->changes));
    struct json_object *actions = json_object_new_array();
    for (size_t i = 0; i < in->todo.n; i++) {
        const char *status = NULL;
        if (committed)
            status = in->actions_deferred                 ? "pending"
                     : i < in->run.ran                    ? "done"
                     : i == in->run.ran && in->run.failed ? "failed"
                                                          : "pending";
        json_object_array_add(actions, action_json(in->todo.items[i], status, i < in->todo.n_pending));
    }
    json_object_object_add(doc, "actions", actions);
    json_object_object_add(doc, "reboot_required",
                           json_object_new_boolean(committed ? in->reboot_required : vp_cli_boot_actions(in)));
    if (committed)
        json_object_object_add(doc, "generation", json_object_new_int64((int64_t)in->generation));
}
