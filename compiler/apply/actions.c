/* SPDX-License-Identifier: MIT */
/* actions.c: the commands after an apply, run without a shell (argv, execvp). */
#include "actions.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

static int
run(char *const *argv, int *status)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL); /* apply ignores it; the commands get the default they expect */
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

int
vp_actions_run(const struct vp_artifact_set *set, const struct vp_changes *changes, const char *root, FILE *out,
               struct vp_diags *d)
{
    const char **paths = vp_changes_paths(changes);
    bool chrooted = strcmp(root, "/") != 0;
    int ran = 0;
    for (size_t i = 0; i < set->n_actions; i++) {
        const struct vp_action *a = &set->actions[i];
        if (!vp_action_triggered(a, paths, changes->n))
            continue;
        size_t n = 0;
        while (a->argv[n])
            n++;
        char **argv = vp_xcalloc(n + 4, sizeof(*argv));
        size_t k = 0;
        if (chrooted) {
            /* "--": a root named like an option (--userspec=...) is a directory, not an option of chroot */
            argv[k++] = "chroot";
            argv[k++] = "--";
            argv[k++] = (char *)root;
        }
        for (size_t j = 0; j < n; j++)
            argv[k++] = a->argv[j];
        if (chrooted)
            fprintf(out, "vfioplan: running: chroot -- %s %s\n", root, a->command);
        else
            fprintf(out, "vfioplan: running: %s\n", a->command);
        int status = 0;
        int r = run(argv, &status);
        free(argv);
        if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            vp_error(d, VP_ACTION_FAILED, &(struct vp_pos){.file = root}, "'%s' failed (%s %d)", a->command,
                     r < 0               ? "error"
                     : WIFEXITED(status) ? "exit status"
                                         : "signal",
                     r < 0               ? errno
                     : WIFEXITED(status) ? WEXITSTATUS(status)
                                         : WTERMSIG(status));
            vp_note(d, "the files are in place; the actions after it did not run");
            vp_hint(
                d,
                "fix the cause and run 'vfioplan apply' again, or run the remaining commands by hand (vfioplan plan lists them)");
            free(paths);
            return -1;
        }
        ran++;
    }
    free(paths);
    return ran;
}
