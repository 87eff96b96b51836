/* SPDX-License-Identifier: MIT */
/*
 * cmd-apply.c: `vfioplan apply`: write the files that change (atomically,
 * the state they replace kept as a generation, removing what vfioplan no
 * longer generates) and run the actions: the pending ones, then those the
 * changes need. When the plan is compiled from a snapshot, the root's own
 * devices must still match it. On a terminal it shows the plan and asks;
 * with --plan FILE it applies a saved plan, or nothing when anything
 * changed since it was saved.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apply/lock.h"
#include "apply/plan-file.h"
#include "apply/try.h"
#include "cli.h"
#include "install-report.h"

void
vp_cli_say_waiting(long pid, void *arg)
{
    const struct vp_options *opt = arg;
    if (pid)
        fprintf(stderr, "vfioplan: waiting up to %u s for another apply (pid %ld) to finish with %s\n",
                opt->wait_seconds, pid, opt->root);
    else
        fprintf(stderr, "vfioplan: waiting up to %u s for another apply to finish with %s\n", opt->wait_seconds,
                opt->root);
}

/* apply --plan FILE: the saved plan's spec, host and root; its fingerprint, to compare once compiled. */
static int
load_saved(struct vp_options *opt, struct vp_saved_plan *saved, struct vp_diags *d)
{
    if (vp_plan_file_read(opt->plan_file, saved, d) < 0)
        return -1;
    opt->spec = opt->operand = saved->spec;
    opt->host = saved->host;
    opt->root = saved->root;
    return 0;
}

void
vp_cli_report_install(const struct vp_install *in, const struct vp_install_options *io)
{
    if (in->actions_deferred)
        printf("vfioplan: --no-actions: %zu action%s left pending; 'vfioplan plan' lists them, the next apply runs "
               "them\n",
               in->todo.n, in->todo.n == 1 ? "" : "s");
    if (in->reboot_required)
        printf("vfioplan: reboot to use the new configuration (%s/%s says so)\n",
               strcmp(io->root, "/") == 0 ? "" : io->root, "run/reboot-required");
}

int
vp_cmd_apply(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("apply"), &opt) < 0)
        return VP_EXIT_ERROR;
    /* `apply ... | head -1`: a closed pipe must not kill apply between its renames and its actions
     * (the files in place, the initramfs not rebuilt, and no message): a failed write is only output lost */
    signal(SIGPIPE, SIG_IGN);
    struct vp_saved_plan saved = {0};
    struct vp_compile c = {0};
    struct vp_install in = {0};
    bool json = opt.format == VP_FORMAT_JSON;
    int rc = VP_EXIT_ERROR, lock = -1;
    bool commit_ran = false;
    if (opt.plan_file && load_saved(&opt, &saved, &c.diags) < 0)
        goto out;
    if (json && !opt.yes && !opt.plan_file && isatty(STDIN_FILENO)) {
        vp_cli_usage_error(vp_cli_command("apply"), "--format json on a terminal does not ask: add --yes");
        goto out;
    }
    c.target_root = opt.root;
    /* before the root is read at all (the emitters read its earlier kernel arguments), until the last action:
     * another apply would mix its files with ours */
    lock = vp_lock_take(opt.root, opt.wait_seconds, vp_cli_say_waiting, &opt, &c.diags);
    if (lock < 0 || vp_try_refuse_under_way(opt.root, "apply", &c.diags) < 0)
        goto out;
    if (vp_compile_run(&c, &opt, 0) < 0 || vp_compile_check_drift(&c, opt.root) < 0)
        goto out;
    struct vp_install_options io = vp_cli_install_options(&opt);
    if (vp_install_prepare(&in, &c.artifacts, &io, &c.diags) < 0)
        goto out;
    if (opt.plan_file) {
        struct json_object *now = vp_plan_fingerprint(c.spec_text, c.spec_len, c.host, &c.artifacts, &in, &c.diags);
        int stale = !now || vp_plan_fingerprint_check(opt.plan_file, saved.fingerprint, now, &c.diags) < 0;
        json_object_put(now);
        if (stale)
            goto out;
    } else if (vp_install_has_work(&in) && !json && !opt.yes && isatty(STDIN_FILENO)) {
        vp_cli_show_changes(stdout, &in, false);
        vp_cli_show_actions(stdout, &in);
        char question[4200];
        snprintf(question, sizeof(question), "Apply these changes under %s?", opt.root);
        if (!vp_cli_confirm(&opt, question)) {
            printf("vfioplan: nothing applied\n");
            rc = VP_EXIT_CHANGES;
            goto out;
        }
    }
    if (!vp_install_has_work(&in) && !json)
        printf("vfioplan: nothing to do: %s is up to date\n", opt.root);
    struct vp_install_meta meta = {
        .origin = VP_GEN_APPLY,
        .vfioplan = VFIOPLAN_VERSION,
        .spec = opt.spec,
        .spec_text = c.spec_text,
        .spec_len = c.spec_len,
        .host = c.spec->host.name,
        .boot_token = c.plan->boot_token,
    };
    const char *kargs[256];
    for (size_t i = 0; i < c.plan->n_kernel_args && i < 256; i++)
        kargs[meta.n_kernel_args++] = c.plan->kernel_args[i].value;
    meta.kernel_args = kargs;
    int committed = vp_install_commit(&in, &c.artifacts, &meta, &io, &c.diags);
    commit_ran = true;
    if (!json)
        vp_cli_report_install(&in, &io);
    rc = committed < 0 ? VP_EXIT_ERROR : VP_EXIT_OK;
out:
    vp_lock_release(lock);
    {
        int report = vp_cli_report(&c, &opt);
        if (rc != VP_EXIT_CHANGES)
            rc = report == VP_EXIT_ERROR ? VP_EXIT_ERROR : rc;
    }
    if (json) {
        struct json_object *doc = vp_json_begin("apply");
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        if (c.plan)
            vp_json_install(doc, &in, commit_ran);
        vp_json_finish(doc, &c.diags, rc);
    }
    vp_install_free(&in);
    vp_compile_free(&c);
    vp_saved_plan_free(&saved);
    return rc;
}
