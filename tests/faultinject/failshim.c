/* SPDX-License-Identifier: MIT */
/*
 * failshim.c: an LD_PRELOAD shim that makes the Nth call of a file-system
 * operation fail, for tests/faultinject/run.py.
 *
 *   VP_FAIL=OP:N[:ERRNO][,OP:N...]  the Nth call of OP fails with ERRNO
 *                                   (EIO unless given: EIO, ENOSPC, EDQUOT, EROFS, EACCES)
 *   VP_FAIL_LOG=FILE                append "OP N PATH" for each injected failure
 *   VP_COUNT_LOG=FILE               at exit, write "OP COUNT" lines: how many calls of
 *                                   each OP the run made (a run without VP_FAIL tells the
 *                                   test how many N to try)
 *   VP_SLOW_US=N                    sleep N microseconds in every counted call (the kill
 *                                   test uses it to land its SIGKILL mid-write)
 *
 * OP and what counts as one call:
 *   write   write() to a regular file (not to the terminal or a pipe)
 *   fsync   fsync() and fdatasync() of anything (files and directories)
 *   rename  rename(), renameat(), renameat2()
 *   create  open()/openat() with O_CREAT (temp files)
 *   mkdir   mkdir(), mkdirat()
 *   close   close() of a regular file opened for writing (the close still happens)
 *   unlink  unlink(), unlinkat() (removing a file no longer generated, or a temp file)
 */
/* the shim defines open() and open64() itself: no redirection of one to the other */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_CREATE, OP_MKDIR, OP_CLOSE, OP_UNLINK, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"write", "fsync", "rename", "create", "mkdir", "close", "unlink"};

struct rule {
    enum op op;
    unsigned long nth;
    int err;
};

static struct rule rules[16];
static size_t n_rules;
static unsigned long counts[OP_COUNT];
static unsigned long slow_us;
static int configured;

static const struct {
    const char *name;
    int value;
} errnos[] = {{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EACCES", EACCES}};

#define REAL(name) real_##name
#define RESOLVE(name)                                                                                                  \
    do {                                                                                                               \
        if (!REAL(name))                                                                                               \
            *(void **)&REAL(name) = dlsym(RTLD_NEXT, #name);                                                           \
    } while (0)

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static int (*real_close)(int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

static void
configure(void)
{
    if (configured)
        return;
    configured = 1;
    const char *spec = getenv("VP_FAIL");
    const char *slow = getenv("VP_SLOW_US");
    if (slow)
        slow_us = strtoul(slow, NULL, 10);
    if (!spec)
        return;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item && n_rules < 16; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon)
            continue;
        *colon = '\0';
        struct rule r = {.op = OP_COUNT, .nth = strtoul(colon + 1, NULL, 10), .err = EIO};
        for (int o = 0; o < OP_COUNT; o++)
            if (strcmp(item, op_names[o]) == 0)
                r.op = (enum op)o;
        char *e = strchr(colon + 1, ':');
        for (size_t k = 0; e && k < sizeof(errnos) / sizeof(errnos[0]); k++)
            if (strcmp(e + 1, errnos[k].name) == 0)
                r.err = errnos[k].value;
        if (r.op != OP_COUNT && r.nth > 0)
            rules[n_rules++] = r;
    }
}

static void
log_line(const char *var, const char *text)
{
    const char *path = getenv(var);
    if (!path)
        return;
    RESOLVE(open);
    RESOLVE(write);
    RESOLVE(close);
    int fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    real_write(fd, text, strlen(text));
    real_close(fd);
}

static void
fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? (size_t)n : 0] = '\0';
}

/* Counts one call of op; returns the errno to fail it with, or 0. */
static int
hit(enum op op, const char *path, int dirfd)
{
    configure();
    unsigned long n = ++counts[op];
    if (slow_us) {
        struct timespec ts = {(time_t)(slow_us / 1000000), (long)(slow_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < n_rules; i++) {
        if (rules[i].op == op && rules[i].nth == n) {
            char where[4096] = "";
            if (path && path[0] != '/' && dirfd != -1) {
                char dir[2048] = "";
                if (dirfd == AT_FDCWD) {
                    if (!getcwd(dir, sizeof(dir)))
                        dir[0] = '\0';
                } else {
                    fd_path(dirfd, dir, sizeof(dir));
                }
                snprintf(where, sizeof(where), "%s/%s", dir, path);
            } else if (path) {
                snprintf(where, sizeof(where), "%s", path);
            }
            char line[4200];
            snprintf(line, sizeof(line), "%s %lu %s\n", op_names[op], n, where);
            log_line("VP_FAIL_LOG", line);
            return rules[i].err;
        }
    }
    return 0;
}

static int
is_regular(int fd, int writable_only)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    if (!writable_only)
        return 1;
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY;
}

__attribute__((destructor)) static void
report_counts(void)
{
    if (!getenv("VP_COUNT_LOG"))
        return;
    char text[512];
    size_t len = 0;
    for (int o = 0; o < OP_COUNT; o++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %lu\n", op_names[o], counts[o]);
    log_line("VP_COUNT_LOG", text);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
    RESOLVE(write);
    if (fd > 2 && is_regular(fd, 0)) {
        char path[2048];
        fd_path(fd, path, sizeof(path));
        int err = hit(OP_WRITE, path, -1);
        if (err) {
            errno = err;
            return -1;
        }
    }
    return real_write(fd, buf, n);
}

static int
sync_common(int fd, int (*real)(int))
{
    char path[2048];
    fd_path(fd, path, sizeof(path));
    int err = hit(OP_FSYNC, path, -1);
    if (err) {
        errno = err;
        return -1;
    }
    return real(fd);
}

int
fsync(int fd)
{
    RESOLVE(fsync);
    return sync_common(fd, real_fsync);
}

int
fdatasync(int fd)
{
    RESOLVE(fdatasync);
    return sync_common(fd, real_fdatasync);
}

int
rename(const char *from, const char *to)
{
    RESOLVE(rename);
    int err = hit(OP_RENAME, to, AT_FDCWD);
    if (err) {
        errno = err;
        return -1;
    }
    return real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
    RESOLVE(renameat);
    int err = hit(OP_RENAME, to, tofd);
    if (err) {
        errno = err;
        return -1;
    }
    return real_renameat(fromfd, from, tofd, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    RESOLVE(renameat2);
    int err = hit(OP_RENAME, to, tofd);
    if (err) {
        errno = err;
        return -1;
    }
    return real_renameat2(fromfd, from, tofd, to, flags);
}

#define OPEN_BODY(real_call, dirfd)                                                                                    \
    mode_t mode = 0;                                                                                                   \
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) { /* O_TMPFILE holds O_DIRECTORY's bit */               \
        va_list ap;                                                                                                    \
        va_start(ap, flags);                                                                                           \
        mode = (mode_t)va_arg(ap, int);                                                                                \
        va_end(ap);                                                                                                    \
        int err = hit(OP_CREATE, path, dirfd);                                                                         \
        if (err) {                                                                                                     \
            errno = err;                                                                                               \
            return -1;                                                                                                 \
        }                                                                                                              \
    }                                                                                                                  \
    return real_call

int
open(const char *path, int flags, ...)
{
    RESOLVE(open);
    OPEN_BODY(real_open(path, flags, mode), AT_FDCWD);
}

int
open64(const char *path, int flags, ...)
{
    RESOLVE(open64);
    OPEN_BODY(real_open64(path, flags, mode), AT_FDCWD);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    RESOLVE(openat);
    OPEN_BODY(real_openat(dirfd, path, flags, mode), dirfd);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    RESOLVE(openat64);
    OPEN_BODY(real_openat64(dirfd, path, flags, mode), dirfd);
}

int
mkdir(const char *path, mode_t mode)
{
    RESOLVE(mkdir);
    int err = hit(OP_MKDIR, path, AT_FDCWD);
    if (err) {
        errno = err;
        return -1;
    }
    return real_mkdir(path, mode);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
    RESOLVE(mkdirat);
    int err = hit(OP_MKDIR, path, dirfd);
    if (err) {
        errno = err;
        return -1;
    }
    return real_mkdirat(dirfd, path, mode);
}

int
close(int fd)
{
    RESOLVE(close);
    if (fd > 2 && is_regular(fd, 1)) {
        char path[2048];
        fd_path(fd, path, sizeof(path));
        int err = hit(OP_CLOSE, path, -1);
        if (err) {
            real_close(fd); /* as the kernel does: the descriptor is gone even when close fails */
            errno = err;
            return -1;
        }
    }
    return real_close(fd);
}

int
unlink(const char *path)
{
    RESOLVE(unlink);
    int err = hit(OP_UNLINK, path, AT_FDCWD);
    if (err) {
        errno = err;
        return -1;
    }
    return real_unlink(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
    RESOLVE(unlinkat);
    int err = hit(OP_UNLINK, path, dirfd);
    if (err) {
        errno = err;
        return -1;
    }
    return real_unlinkat(dirfd, path, flags);
}
