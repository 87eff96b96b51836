/* SPDX-License-Identifier: MIT */
/* actions.c: the commands after an apply, run without a shell (argv, execvp), with the pending list kept. */
#include "actions.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

static int
run(char *const *argv, bool output_to_stderr, int *status)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL); /* apply ignores it; the commands get the default they expect */
        if (output_to_stderr)
            dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

int
vp_actions_run(const struct vp_todo *todo, const struct vp_run_options *opt, struct vp_run_result *result,
               struct vp_diags *d)
{
    memset(result, 0, sizeof(*result));
    if (todo->n == 0)
        return 0;
    /* before the first: a kill -9 from here on leaves them all listed, and the next apply runs them */
    if (vp_pending_write(opt->root, todo->items, todo->n, d) < 0)
        return -1;
    bool chrooted = strcmp(opt->root, "/") != 0;
    for (size_t i = 0; i < todo->n; i++) {
        const struct vp_action *a = todo->items[i];
        size_t n = 0;
        while (a->argv[n])
            n++;
        char **argv = vp_xcalloc(n + 4, sizeof(*argv));
        size_t k = 0;
        if (chrooted) {
            /* "--": a root named like an option (--userspec=...) is a directory, not an option of chroot */
            argv[k++] = "chroot";
            argv[k++] = "--";
            argv[k++] = (char *)opt->root;
        }
        for (size_t j = 0; j < n; j++)
            argv[k++] = a->argv[j];
        if (chrooted)
            fprintf(opt->out, "vfioplan: running: chroot -- %s %s\n", opt->root, a->command);
        else
            fprintf(opt->out, "vfioplan: running: %s\n", a->command);
        int status = 0;
        int r = run(argv, opt->output_to_stderr, &status);
        free(argv);
        if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            vp_error(d, VP_ACTION_FAILED, &(struct vp_pos){.file = opt->root}, "'%s' failed (%s %d)", a->command,
                     r < 0               ? "error"
                     : WIFEXITED(status) ? "exit status"
                                         : "signal",
                     r < 0               ? errno
                     : WIFEXITED(status) ? WEXITSTATUS(status)
                                         : WTERMSIG(status));
            vp_note(d,
                    "the files are in place; this action and the %zu after it stay pending (%s/var/lib/vfioplan/"
                    "pending)",
                    todo->n - i - 1, strcmp(opt->root, "/") == 0 ? "" : opt->root);
            vp_hint(d, "fix the cause and run 'vfioplan apply' again: it runs the pending actions first ('vfioplan "
                       "plan' lists them)");
            result->failed = true;
            return -1;
        }
        result->ran++;
        if (a->stage == VP_STAGE_INITRAMFS || a->stage == VP_STAGE_BOOTLOADER ||
            a->stage == VP_STAGE_BOOTLOADER_REMOVE || a->stage == VP_STAGE_BOOT_MENU)
            result->boot_stages = true;
        if (vp_pending_write(opt->root, todo->items + i + 1, todo->n - i - 1, d) < 0)
            return -1;
    }
    return 0;
}
