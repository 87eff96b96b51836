/* SPDX-License-Identifier: MIT */
/* lock.c: the per-root apply lock (see lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "base/root.h"

/* Opens ROOT-confined dir rel, making it (0755) if it is missing. -1 with errno. */
static int
open_or_make_dir(const struct vp_root *root, int parent, const char *rel, const char *name)
{
    int fd = vp_root_openat(root, rel, O_PATH | O_DIRECTORY);
    /* EEXIST: another apply made it first */
    if (fd < 0 && errno == ENOENT && (mkdirat(parent, name, 0755) == 0 || errno == EEXIST))
        fd = vp_root_openat(root, rel, O_PATH | O_DIRECTORY);
    return fd;
}

/*
 * The pid that holds an flock on fd's file, from /proc/locks ("1: FLOCK
 * ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF", the device numbers in hex): the
 * kernel's own record, never stale; 0 if it cannot be told.
 */
static long
holder_pid(int fd)
{
    struct stat st;
    FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "re") : NULL;
    if (!f)
        return 0;
    char line[256];
    long pid = 0;
    while (!pid && fgets(line, sizeof(line), f)) {
        char kind[16];
        long p;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %x:%x:%llu", kind, &p, &maj, &min, &ino) == 5 &&
            strcmp(kind, "FLOCK") == 0 && maj == major(st.st_dev) && min == minor(st.st_dev) &&
            ino == (unsigned long long)st.st_ino)
            pid = p;
    }
    fclose(f);
    return pid > 0 ? pid : 0;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
vp_lock_take(const char *rootpath, unsigned wait_seconds, void (*on_wait)(long pid, void *arg), void *arg,
             struct vp_diags *d)
{
    struct vp_pos pos = {.file = rootpath};
    struct vp_root root;
    if (vp_root_open(&root, rootpath) < 0) {
        vp_error(d, VP_OUTPUT_NOT_DIR, &pos, "cannot open target root %s: %s", rootpath, strerror(errno));
        vp_hint(d, "--root takes an existing directory (default /)");
        return -1;
    }
    /* inside ROOT as a chroot sees it: a run -> var/run link in the root is followed, within the root */
    int run = open_or_make_dir(&root, root.fd, "run", "run");
    int dir = run < 0 ? -1 : open_or_make_dir(&root, run, "run/lock", "lock");
    /* read-only is enough for flock, and nothing is ever written to the file; O_NONBLOCK: a FIFO planted
     * there must not hang apply */
    int fd = dir < 0 ? -1
                     : openat(dir, "vfioplan.lock", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                              0644);
    int err = errno;
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        err = EINVAL;
    }
    if (run >= 0)
        close(run);
    if (dir >= 0)
        close(dir);
    vp_root_close(&root);
    if (fd < 0) {
        vp_error(d, VP_WRITE_FAILED, &pos, "cannot open the lock file %s/%s: %s", rootpath, VP_PATH_LOCK,
                 err == EINVAL ? "it is not a regular file" : strerror(err));
        vp_hint(d,
                "apply takes this lock so that two applies on one root never mix their files; "
                "%s/run/lock must be a directory vfioplan can write",
                rootpath);
        return -1;
    }
    double deadline = now() + wait_seconds;
    bool told = false;
    long pid = 0;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            err = errno;
            close(fd);
            vp_error(d, VP_WRITE_FAILED, &pos, "cannot lock %s/%s: %s", rootpath, VP_PATH_LOCK, strerror(err));
            vp_hint(d, "the file system of the root must support flock(2)");
            return -1;
        }
        pid = holder_pid(fd);
        if (now() >= deadline) {
            close(fd);
            if (pid)
                vp_error(d, VP_LOCKED, &pos, "another apply (pid %ld) holds the lock of %s", pid, rootpath);
            else
                vp_error(d, VP_LOCKED, &pos, "another apply holds the lock of %s", rootpath);
            if (wait_seconds)
                vp_note(d, "waited %u s for its lock, %s/%s", wait_seconds, rootpath, VP_PATH_LOCK);
            vp_hint(
                d,
                "let it finish, then run this apply again (it wrote nothing), or give it longer with --wait SECONDS");
            return -1;
        }
        if (!told && on_wait) {
            on_wait(pid, arg);
            told = true;
        }
        usleep(50 * 1000);
    }
    return fd;
}

void
vp_lock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the only descriptor releases the flock */
}
