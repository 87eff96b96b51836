/* SPDX-License-Identifier: MIT */
/* root.c: ROOT-confined file access for host trees. */
#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Symbolic links followed in one lookup, as the kernel's own limit (MAXSYMLINKS). */
enum { MAX_LINKS = 40, MAX_DEPTH = 256 };

static bool no_openat2; /* the kernel lacks it, or a seccomp filter refuses it: ask once */

static int
sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
    if (no_openat2) {
        errno = ENOSYS;
        return -1;
    }
    struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};
    int fd;
    /* EAGAIN: a rename elsewhere raced with a ".." in the lookup; the kernel asks to try again */
    for (int attempt = 0; attempt < 8; attempt++) {
        fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0 || errno != EAGAIN)
            break;
    }
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
        no_openat2 = true;
        errno = ENOSYS;
    }
    return fd;
}

/* Is name, in dirfd, a symbolic link? */
static bool
is_symlink(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/*
 * RESOLVE_IN_ROOT by hand, for kernels without openat2 (before 5.6) and
 * containers that refuse it: one component at a time with O_NOFOLLOW, from
 * a stack of directory fds; a symbolic link is read and its target put in
 * front of what is left of the path, an absolute one starting again at
 * ROOT, and ".." never climbs above ROOT. A plain openat would follow an
 * absolute link to the machine's own files.
 */
static int
open_in_root(int rootfd, const char *rel, int flags)
{
    char *path = vp_xstrdup(rel);
    size_t pos = 0;
    int stack[MAX_DEPTH];
    size_t depth = 0; /* stack[depth - 1] is the directory reached; ROOT when 0 */
    int links = 0, fd = -1, err = 0;
    for (;;) {
        int cur = depth ? stack[depth - 1] : rootfd;
        while (path[pos] == '/')
            pos++;
        if (!path[pos]) { /* the path ends at a directory: ROOT, or after "..", "." or a trailing '/' */
            fd = openat(cur, ".", flags);
            err = errno;
            break;
        }
        size_t len = strcspn(path + pos, "/");
        char *name = path + pos;
        bool last = name[len] == '\0';
        char saved = name[len];
        name[len] = '\0';
        pos += len + (saved ? 1 : 0);
        if (strcmp(name, ".") == 0 || (strcmp(name, "..") == 0 && depth == 0))
            continue;
        if (strcmp(name, "..") == 0) {
            close(stack[--depth]);
            continue;
        }
        bool follow = !last || !(flags & O_NOFOLLOW);
        if (last) {
            fd = openat(cur, name, flags | O_NOFOLLOW);
            /* O_PATH | O_NOFOLLOW opens a link itself; otherwise a link fails with ELOOP (ENOTDIR with O_DIRECTORY) */
            struct stat st;
            bool link = fd >= 0 ? follow && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)
                                : follow && (errno == ELOOP || errno == ENOTDIR) && is_symlink(cur, name);
            if (!link) {
                err = errno;
                break;
            }
            if (fd >= 0)
                close(fd);
            fd = -1;
        } else {
            int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next >= 0) {
                if (depth == MAX_DEPTH) {
                    close(next);
                    err = ENAMETOOLONG;
                    break;
                }
                stack[depth++] = next;
                continue;
            }
            if (!((errno == ELOOP || errno == ENOTDIR) && is_symlink(cur, name))) {
                err = errno;
                break;
            }
        }
        /* name is a symbolic link: its target, then the rest of the path */
        char target[PATH_MAX];
        ssize_t n = readlinkat(cur, name, target, sizeof(target) - 1);
        if (++links > MAX_LINKS || n <= 0) {
            err = n < 0 ? errno : n == 0 ? ENOENT : ELOOP;
            break;
        }
        target[n] = '\0';
        char *rest = last ? vp_xstrdup(target) : vp_xasprintf("%s/%s", target, path + pos);
        free(path);
        path = rest;
        pos = 0;
        if (target[0] == '/')
            while (depth)
                close(stack[--depth]);
    }
    while (depth)
        close(stack[--depth]);
    free(path);
    if (fd < 0)
        errno = err;
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
    /* In "/" a lookup cannot leave the root: a plain openat resolves the same */
    if (r->live)
        return openat(r->fd, rel, flags);
    int fd = sys_openat2(r->fd, rel, flags, RESOLVE_IN_ROOT);
    if (fd < 0 && no_openat2)
        fd = open_in_root(r->fd, rel, flags);
    return fd;
}

int
vp_root_open_beneath(const struct vp_root *r, const char *rel, int flags)
{
    return sys_openat2(r->fd, rel, flags | O_CLOEXEC, RESOLVE_BENEATH);
}

/* Opens rel for reading without blocking (a FIFO or a device must not hang us), if it is a regular file. */
static int
open_regular(const struct vp_root *r, const char *rel, struct stat *st)
{
    int fd = vp_root_openat(r, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    int err = fstat(fd, st) < 0 ? errno : S_ISDIR(st->st_mode) ? EISDIR : !S_ISREG(st->st_mode) ? EINVAL : 0;
    if (err) {
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Reads up to size bytes; the count, or -1 with errno. */
static long
read_upto(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n < size) {
        ssize_t got = read(fd, buf + n, size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    return (long)n;
}

long
vp_root_read(const struct vp_root *r, const char *rel, char *buf, size_t size)
{
    struct stat st;
    int fd = open_regular(r, rel, &st);
    if (fd < 0)
        return -1;
    long n = read_upto(fd, buf, size - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        errno = err;
        return -1;
    }
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return n;
}

int
vp_root_read_all(const struct vp_root *r, const char *rel, size_t limit, char **buf, size_t *len)
{
    struct stat st;
    int fd = open_regular(r, rel, &st);
    if (fd < 0)
        return -1;
    /* proc files say size 0: read to the end, never more than limit + 1 bytes */
    size_t cap = st.st_size > 0 && (size_t)st.st_size <= limit ? (size_t)st.st_size + 1 : 4096;
    char *data = vp_xmalloc(cap + 1);
    size_t n = 0;
    int err = 0;
    for (;;) {
        if (n == cap) {
            if (cap > limit) {
                err = EFBIG;
                break;
            }
            cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            data = vp_xrealloc(data, cap + 1);
        }
        long got = read_upto(fd, data + n, cap - n);
        if (got < 0) {
            err = errno;
            break;
        }
        n += (size_t)got;
        if (n < cap)
            break; /* the end of the file */
    }
    close(fd);
    if (!err && n > limit)
        err = EFBIG;
    if (err) {
        free(data);
        errno = err;
        return -1;
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 0;
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
