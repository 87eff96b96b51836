/* SPDX-License-Identifier: MIT */
/* root.c: ROOT-confined file access for host trees. */
#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool no_openat2; /* the kernel (or valgrind) lacks it: ask once */

static int
sys_openat2(int dirfd, const char *path, int flags)
{
    if (no_openat2) {
        errno = ENOSYS;
        return -1;
    }
    struct open_how how = {.flags = (unsigned long long)flags, .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS)
        no_openat2 = true;
    return fd;
}

int
vp_root_open(struct vp_root *r, const char *path)
{
    r->path = path;
    r->live = strcmp(path, "/") == 0;
    r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return r->fd < 0 ? -1 : 0;
}

void
vp_root_close(struct vp_root *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

int
vp_root_openat(const struct vp_root *r, const char *rel, int flags)
{
    flags |= O_CLOEXEC;
    int fd = sys_openat2(r->fd, rel, flags);
    /* Kernels before 5.6 lack openat2: plain openat, still relative to ROOT. */
    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        fd = openat(r->fd, rel, flags);
    return fd;
}

long
vp_root_read(const struct vp_root *r, const char *rel, char *buf, size_t size)
{
    int fd = vp_root_openat(r, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t got = read(fd, buf + n, size - 1 - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            errno = err;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return (long)n;
}

long
vp_root_readlink(const struct vp_root *r, const char *rel, char *buf, size_t size)
{
    int fd = vp_root_openat(r, rel, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    ssize_t n = readlinkat(fd, "", buf, size - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        errno = err;
        return -1;
    }
    buf[n] = '\0';
    return (long)n;
}

DIR *
vp_root_opendir(const struct vp_root *r, const char *rel)
{
    int fd = vp_root_openat(r, rel, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *dir = fdopendir(fd);
    if (!dir)
        close(fd);
    return dir;
}

bool
vp_root_is_dir(const struct vp_root *r, const char *rel)
{
    int fd = vp_root_openat(r, rel, O_PATH | O_DIRECTORY);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

bool
vp_root_exists(const struct vp_root *r, const char *rel)
{
    int fd = vp_root_openat(r, rel, O_PATH);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}
