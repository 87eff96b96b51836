/* SPDX-License-Identifier: MIT */
/*
 * cmd-apply.c: `vfioplan apply`: write the files that change (atomically,
 * keeping a backup of what they replace, removing what vfioplan no longer
 * generates) and run the actions those changes need. When the plan is
 * compiled from a snapshot, the root's own devices must still match it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "apply/actions.h"
#include "apply/changes.h"
#include "apply/lock.h"
#include "apply/write.h"

static void
say_waiting(long pid, void *arg)
{
    const struct vp_options *opt = arg;
    if (pid)
        fprintf(stderr, "vfioplan: waiting up to %u s for another apply (pid %ld) to finish with %s\n",
                opt->wait_seconds, pid, opt->root);
    else
        fprintf(stderr, "vfioplan: waiting up to %u s for another apply to finish with %s\n", opt->wait_seconds,
                opt->root);
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
    struct vp_compile c = {.target_root = opt.root};
    struct vp_changes ch = {0};
    int rc = VP_EXIT_ERROR;
    /* before the root is read at all (the emitters read its earlier kernel arguments), until the last action:
     * another apply would mix its files with ours */
    int lock = vp_lock_take(opt.root, opt.wait_seconds, say_waiting, &opt, &c.diags);
    if (lock < 0)
        goto out;
    if (vp_compile_run(&c, &opt, 0) < 0)
        goto out;
    if (vp_compile_check_drift(&c, opt.root) < 0)
        goto out;
    if (vp_changes_compute(&c.artifacts, opt.root, false, &ch, &c.diags) < 0)
        goto out;
    if (ch.n == 0) {
        printf("vfioplan: nothing to do: %s is up to date\n", opt.root);
        goto out;
    }
    struct vp_write_options wo = {.backup_dir = VP_BACKUP_DIR};
    if (vp_tree_commit(opt.root, &ch, &wo, &c.diags) < 0)
        goto out;
    for (size_t i = 0; i < ch.n; i++)
        printf("vfioplan: %s /%s\n", vp_change_kind_done(ch.items[i].kind), ch.items[i].path);
    if (opt.no_actions)
        printf("vfioplan: --no-actions: not running the actions 'vfioplan plan' listed\n");
    else
        vp_actions_run(&c.artifacts, &ch, opt.root, stdout, &c.diags);
out:
    vp_lock_release(lock);
    rc = vp_cli_report(&c, &opt);
    vp_changes_free(&ch);
    vp_compile_free(&c);
    return rc;
}
