/* SPDX-License-Identifier: MIT */
/* fileio.c: bounded, non-blocking whole-file reads. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *
human_size(size_t bytes, char *buf, size_t n)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        snprintf(buf, n, "%zu MiB", bytes / (1024 * 1024));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(buf, n, "%zu KiB", bytes / 1024);
    else
        snprintf(buf, n, "%zu bytes", bytes);
    return buf;
}

int
vp_read_file(const char *path, const char *display, size_t limit, char **buf, size_t *len, struct vp_diags *d)
{
    struct vp_pos pos = {.file = display};
    /* "-" is standard input: a pipe or a terminal is read to its end (the size limit still holds). */
    bool is_stdin = strcmp(path, "-") == 0;
    /* O_NONBLOCK: a FIFO passed as a spec must not hang us before fstat says what it is. */
    int fd =
        is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        vp_error(d, VP_FILE_UNREADABLE, &pos, "cannot open '%s': %s", path, strerror(err));
        if (err == EACCES)
            vp_hint(d, "check the file's permissions, or run vfioplan as a user who can read it");
        else if (err == ENOENT)
            vp_hint(d, "check the path; it is relative to the current directory");
        else if (err == ELOOP)
            vp_hint(d, "the path is a loop of symbolic links; give the real file");
        else if (err == ENOTDIR)
            vp_hint(d, "a component of the path is a file, not a directory; check the path");
        else
            vp_hint(d, "check the path and that the file can be read");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        vp_error(d, VP_FILE_UNREADABLE, &pos, "cannot stat '%s': %s", path, strerror(err));
        vp_hint(d, "check that the file can be read");
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !is_stdin) {
        close(fd);
        vp_error(d, VP_NOT_A_FILE, &pos, "'%s' is %s, not a regular file", path,
                 S_ISDIR(st.st_mode) ? "a directory" : "a special file");
        vp_hint(d, "give the path of a file");
        return -1;
    }
    char hbuf[32];
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > limit) {
        close(fd);
        vp_error(d, VP_FILE_TOO_LARGE, &pos, "'%s' is %lld bytes; the limit is %s", path, (long long)st.st_size,
                 human_size(limit, hbuf, sizeof(hbuf)));
        vp_hint(d, "a spec or snapshot this large is not a real one; check that the right file is given");
        return -1;
    }
    /* The file may grow while we read it: never read past limit + 1. */
    size_t cap = (S_ISREG(st.st_mode) ? (size_t)st.st_size : 4095) + 1, n = 0;
    char *data = vp_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > limit) {
                free(data);
                close(fd);
                vp_error(d, VP_FILE_TOO_LARGE, &pos, "'%s' is larger than the limit of %s", path,
                         human_size(limit, hbuf, sizeof(hbuf)));
                vp_hint(d, "the file grew while it was read; check that the right file is given");
                return -1;
            }
            cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            data = vp_xrealloc(data, cap + 1);
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(data);
            close(fd);
            vp_error(d, VP_FILE_UNREADABLE, &pos, "cannot read '%s': %s", path, strerror(err));
            vp_hint(d, "the file could be opened but not read; check the device or file system it is on");
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > limit) {
        free(data);
        vp_error(d, VP_FILE_TOO_LARGE, &pos, "'%s' is larger than the limit of %s", path,
                 human_size(limit, hbuf, sizeof(hbuf)));
        vp_hint(d, "the file grew while it was read; check that the right file is given");
        return -1;
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 0;
}

char *
vp_read_fd(int fd, size_t size, size_t *len)
{
    char *buf = vp_xmalloc(size + 1);
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
