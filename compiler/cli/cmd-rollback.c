/* SPDX-License-Identifier: MIT */
/*
 * cmd-rollback.c: `vfioplan rollback`: put an earlier generation's files
 * back, exactly, with apply's machinery (lock, atomic writes, the manifest
 * of old and new first), and run the actions the changes need.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apply/lock.h"
#include "apply/restore.h"
#include "apply/state.h"
#include "apply/try.h"
#include "cli.h"
#include "install-report.h"

/*
 * Puts generation number in place under io->root: its files exactly, and the actions the changes need. On a
 * terminal and without --yes, shows the changes and asks. 0 done, 1 answered no, -1 error (in d). The caller
 * holds the lock, and frees set after in (in's actions point into it).
 */
static int
restore(const struct vp_options *opt, unsigned long number, const struct vp_install_options *io, const char *question,
        struct vp_artifact_set *set, struct vp_install *in, struct vp_diags *d)
{
    struct vp_generation target;
    if (vp_generation_load(io->root, number, &target, d) < 0)
        return -1;
    int rc = vp_generation_load_files(io->root, &target, set, d);
    if (rc == 0)
        rc = vp_install_prepare(in, set, io, d);
    if (rc == 0) {
        vp_restore_actions(set, &target, in->has_current ? &in->current : NULL, &in->changes);
        vp_install_reselect(in, set);
        if (vp_install_has_work(in) && question && opt->format == VP_FORMAT_TEXT && !opt->yes && isatty(STDIN_FILENO)) {
            vp_cli_show_changes(stdout, in, false);
            vp_cli_show_actions(stdout, in);
            if (!vp_cli_confirm(opt, question)) {
                printf("vfioplan: nothing restored\n");
                rc = 1;
            }
        }
    }
    if (rc == 0) {
        if (!vp_install_has_work(in) && opt->format == VP_FORMAT_TEXT)
            printf("vfioplan: nothing to do: %s already holds generation %lu\n", io->root, number);
        struct vp_install_meta meta = {.restore = true, .restore_number = number, .vfioplan = VFIOPLAN_VERSION};
        rc = vp_install_commit(in, set, &meta, io, d);
    }
    vp_generation_free(&target);
    return rc;
}

/* The newest generation before the current one that is not a try that was cancelled or is still under way. */
static int
default_target(const char *root, const struct vp_gen_store *s, unsigned long *out, struct vp_diags *d)
{
    unsigned long current = s->has_current ? s->current : s->numbers[s->n - 1];
    for (size_t i = s->n; i-- > 0;) {
        if (s->numbers[i] >= current)
            continue;
        struct vp_generation g;
        if (vp_generation_load(root, s->numbers[i], &g, d) < 0)
            return -1;
        bool usable = !(g.origin == VP_GEN_TRY && g.status && strcmp(g.status, "confirmed") != 0);
        vp_generation_free(&g);
        if (usable) {
            *out = s->numbers[i];
            return 0;
        }
    }
    vp_error(d, VP_GENERATION_DAMAGED, &(struct vp_pos){.file = root},
             "no generation before the current one (%lu) under %s to roll back to", current, root);
    vp_hint(d, "'vfioplan history --root %s' lists the generations kept", root);
    return -1;
}

int
vp_cmd_rollback(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("rollback"), &opt) < 0)
        return VP_EXIT_ERROR;
    signal(SIGPIPE, SIG_IGN); /* as apply: a closed stdout must not stop it between its files and its actions */
    struct vp_diags d = {0};
    struct vp_install in = {0};
    struct vp_artifact_set set = {0};
    struct vp_gen_store store = {0};
    bool json = opt.format == VP_FORMAT_JSON, committed = false;
    int rc = VP_EXIT_ERROR;
    int lock = vp_lock_take(opt.root, opt.wait_seconds, vp_cli_say_waiting, &opt, &d);
    if (lock < 0 || vp_try_refuse_under_way(opt.root, "rollback", &d) < 0 ||
        vp_gen_store_open(&store, opt.root, &d) < 0)
        goto out;
    if (store.n == 0) {
        vp_error(&d, VP_GENERATION_DAMAGED, &(struct vp_pos){.file = opt.root},
                 "no generations under %s/%s to roll back to", opt.root, VP_DIR_GENERATIONS);
        vp_hint(&d, "vfioplan apply records one for each state of its files it finds and writes");
        goto out;
    }
    unsigned long target;
    if (opt.has_to) {
        target = opt.to;
        if (!vp_gen_store_has(&store, target)) {
            vp_error(&d, VP_GENERATION_DAMAGED, &(struct vp_pos){.file = opt.root}, "no generation %lu under %s/%s",
                     target, opt.root, VP_DIR_GENERATIONS);
            vp_hint(&d, "'vfioplan history --root %s' lists the generations kept", opt.root);
            goto out;
        }
    } else if (default_target(opt.root, &store, &target, &d) < 0) {
        goto out;
    }
    struct vp_install_options io = vp_cli_install_options(&opt);
    char question[4200];
    snprintf(question, sizeof(question), "Restore generation %lu under %s?", target, opt.root);
    int r = restore(&opt, target, &io, question, &set, &in, &d);
    committed = r == 0;
    if (r == 1) {
        rc = VP_EXIT_CHANGES;
    } else if (r == 0) {
        if (!json) {
            printf("vfioplan: generation %lu is in place under %s\n", target, opt.root);
            vp_cli_report_install(&in, &io);
        }
        rc = VP_EXIT_OK;
    }
out:
    vp_lock_release(lock);
    vp_diags_sort(&d);
    if (vp_diags_has_errors(&d))
        rc = VP_EXIT_ERROR;
    if (json) {
        struct json_object *doc = vp_json_begin("rollback");
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        if (committed)
            vp_json_install(doc, &in, true);
        vp_json_finish(doc, &d, rc);
    } else {
        vp_diags_render(&d, stderr, opt.color);
    }
    vp_install_free(&in);
    vp_artifact_set_free(&set);
    vp_gen_store_free(&store);
    vp_diags_free(&d);
    return rc;
}
