/* SPDX-License-Identifier: MIT */
/* write.c: atomic, root-confined writes (see write.h). */
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

struct pending {
    const struct vp_change *change;
    int dirfd;    /* the target's directory */
    char *name;   /* the target's last component */
    char tmp[64]; /* temp name in that directory; "" if none */
};

static int
mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int
vp_write_open_parent(int rootfd, const char *rel, bool create, char **last, struct vp_diags *d, const char *root)
{
    struct vp_pos pos = {.file = root};
    char *copy = vp_xstrdup(rel);
    char *slash = strrchr(copy, '/');
    *last = vp_xstrdup(slash ? slash + 1 : copy);
    int fd = dup(rootfd);
    if (!slash) {
        free(copy);
        return fd;
    }
    *slash = '\0';
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, "..") == 0 || strcmp(c, ".") == 0) {
            close(fd);
            fd = -1;
            vp_error(d, VP_UNSAFE_OUTPUT_PATH, &pos, "refusing path %s: it has a '%s' component", rel, c);
            break;
        }
        /* a directory made here is an entry in its parent: fsync the parent so that it lasts */
        int made = create ? mkdirat(fd, c, 0755) : -1;
        if (create && ((made < 0 && errno != EEXIST) || (made == 0 && fsync(fd) < 0))) {
            vp_error(d, VP_WRITE_FAILED, &pos, "cannot create directory %s in %s/%s: %s", c, root, rel,
                     strerror(errno));
            close(fd);
            fd = -1;
            break;
        }
        int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            int err = errno;
            if (err == ENOENT && !create) {
                close(fd);
                fd = -2;
                break;
            }
            if (err == ELOOP || err == ENOTDIR) {
                vp_error(d, VP_UNSAFE_OUTPUT_PATH, &pos,
                         "refusing to write %s/%s: '%s' on the way is a symlink or not a directory", root, rel, c);
                vp_hint(d, "vfioplan never follows symlinks inside the output root; replace it with a real directory");
            } else {
                vp_error(d, VP_WRITE_FAILED, &pos, "cannot open directory %s on the way to %s/%s: %s", c, root, rel,
                         strerror(err));
            }
            close(fd);
            fd = -1;
            break;
        }
        close(fd);
        fd = next;
    }
    free(copy);
    return fd;
}

static int
write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int
vp_write_temp(int dirfd, const char *data, size_t len, unsigned mode, char tmp[64])
{
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, 64, ".vfioplan-tmp-%ld-%u", (long)getpid(), counter++);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -1;
        /* fchmod, not the open mode: the umask must not change what the plan says */
        if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
            int err = errno;
            close(fd);
            unlinkat(dirfd, tmp, 0);
            errno = err;
            return -1;
        }
        if (close(fd) < 0) {
            int err = errno;
            unlinkat(dirfd, tmp, 0);
            errno = err;
            return -1;
        }
        return 0;
    }
    errno = EEXIST;
    return -1;
}

int
vp_write_replace(int dirfd, const char *name, const char *data, size_t len, unsigned mode)
{
    char tmp[64];
    if (vp_write_temp(dirfd, data, len, mode, tmp) < 0)
        return -1;
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int err = errno;
        unlinkat(dirfd, tmp, 0);
        errno = err;
        return -1;
    }
    return fsync(dirfd);
}

/*
 * Moves the backups of one file a generation older: NAME.3 to NAME.4 (the
 * oldest kept, which goes), ..., NAME to NAME.1. A generation missing is
 * no error (a first backup, or a rotation a failure stopped).
 */
static int
rotate_backups(int dirfd, const char *name)
{
    char from[NAME_MAX + 8], to[NAME_MAX + 8];
    snprintf(to, sizeof(to), "%s.%d", name, VP_BACKUP_GENERATIONS - 1);
    if (unlinkat(dirfd, to, 0) < 0 && errno != ENOENT)
        return -1;
    for (int g = VP_BACKUP_GENERATIONS - 2; g >= 0; g--) {
        if (g)
            snprintf(from, sizeof(from), "%s.%d", name, g);
        else
            snprintf(from, sizeof(from), "%s", name);
        snprintf(to, sizeof(to), "%s.%d", name, g + 1);
        if (renameat(dirfd, from, dirfd, to) < 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}

/* Keeps the old version of an edited file of the admin's under the backup directory, older ones a generation down.
 * vfioplan's own files need none: apply records them as a generation before it commits. */
static int
backup(int rootfd, const struct vp_write_options *opt, const struct vp_change *ch, struct vp_diags *d, const char *root)
{
    if (!opt->backup_dir || !ch->foreign)
        return 0;
    char rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s/%s", opt->backup_dir, ch->path);
    char *name = NULL;
    int dirfd = vp_write_open_parent(rootfd, rel, true, &name, d, root);
    if (dirfd < 0) {
        free(name);
        return -1;
    }
    char tmp[64];
    /* written aside first: a failure leaves the backups as they were, or one older */
    int rc = vp_write_temp(dirfd, ch->old_data, ch->old_len, ch->old_mode, tmp);
    if (rc == 0 && (rotate_backups(dirfd, name) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)) {
        int err = errno;
        unlinkat(dirfd, tmp, 0);
        errno = err;
        rc = -1;
    }
    if (rc == 0 && fsync(dirfd) < 0)
        rc = -1;
    if (rc < 0)
        vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot keep a backup of %s at %s/%s: %s",
                 ch->path, root, rel, strerror(errno));
    close(dirfd);
    free(name);
    return rc;
}

/* Renames the temp file over the target (or removes the target); after a failure (*rc < 0) removes the temp file. */
static void
put_in_place(struct pending *pi, int *rc, struct vp_diags *d, const char *root)
{
    if (pi->dirfd < 0)
        return;
    const struct vp_change *ch = pi->change;
    if (*rc < 0) {
        if (pi->tmp[0])
            unlinkat(pi->dirfd, pi->tmp, 0);
        return;
    }
    int r = ch->kind == VP_CHANGE_DELETE ? unlinkat(pi->dirfd, pi->name, 0)
                                         : renameat(pi->dirfd, pi->tmp, pi->dirfd, pi->name);
    if (r < 0 && !(ch->kind == VP_CHANGE_DELETE && errno == ENOENT)) {
        vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot %s %s/%s: %s",
                 ch->kind == VP_CHANGE_DELETE ? "remove" : "put in place", root, ch->path, strerror(errno));
        if (pi->tmp[0])
            unlinkat(pi->dirfd, pi->tmp, 0);
        *rc = -1;
    }
}

/* Renames a manifest of old and new paths over the manifest (see vp_manifest_union), and fsyncs its directory. */
static int
put_union(const struct pending *m, const struct vp_changes *changes, struct vp_diags *d, const char *root)
{
    size_t len = 0;
    char *text = vp_manifest_union(changes, m->change->artifact, &len);
    if (!text)
        return 0;
    int rc = vp_write_replace(m->dirfd, m->name, text, len, m->change->artifact->mode);
    int err = errno;
    free(text);
    errno = err;
    if (rc < 0)
        vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root},
                 "cannot put a manifest of the old and new files in place at %s/%s: %s", root, m->change->path,
                 strerror(errno));
    return rc;
}

int
vp_tree_commit(const char *root, const struct vp_changes *changes, const struct vp_write_options *opt,
               struct vp_diags *d)
{
    struct vp_pos pos = {.file = root};
    if (opt->create_root && mkdir_p(root) < 0)
        return vp_error(d, VP_WRITE_FAILED, &pos, "cannot create output directory %s: %s", root, strerror(errno));
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        vp_error(d, VP_OUTPUT_NOT_DIR, &pos, "cannot open output root %s: %s", root, strerror(errno));
        return -1;
    }
    struct pending *p = vp_xcalloc(changes->n + 1, sizeof(*p));
    int rc = 0;
    size_t n = 0;
    /* 1. every new file into a temp file beside its target */
    for (size_t i = 0; i < changes->n && rc == 0; i++, n++) {
        const struct vp_change *ch = &changes->items[i];
        p[n].change = ch;
        p[n].dirfd = vp_write_open_parent(rootfd, ch->path, ch->kind != VP_CHANGE_DELETE, &p[n].name, d, root);
        if (p[n].dirfd == -2) { /* removing a file whose directory is gone: nothing to do */
            p[n].dirfd = -1;
            continue;
        }
        if (p[n].dirfd < 0) {
            rc = -1;
            break;
        }
        if (ch->kind == VP_CHANGE_DELETE)
            continue;
        if (vp_write_temp(p[n].dirfd, ch->artifact->data, ch->artifact->len, ch->artifact->mode, p[n].tmp) < 0) {
            vp_error(d, VP_WRITE_FAILED, &pos, "cannot write %s/%s: %s", root, ch->path, strerror(errno));
            vp_note(d, "nothing was changed: every file is written aside before any is put in place");
            p[n].tmp[0] = '\0';
            rc = -1;
        }
    }
    /* 2. backups of the admin's files that get edited (apply keeps its own as a generation: generations.h) */
    for (size_t i = 0; i < n && rc == 0; i++)
        if (p[i].dirfd >= 0 && backup(rootfd, opt, p[i].change, d, root) < 0)
            rc = -1;
    /*
     * 3. before the first rename, a manifest of the old and the new files:
     * whatever stops this run between its renames (a failure, kill -9), every
     * file it may have put in place or left is listed, so the next apply, of
     * any spec, removes what it does not generate.
     */
    size_t manifest = n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].change->path, VP_PATH_MANIFEST) == 0)
            manifest = i;
    if (manifest < n && rc == 0 && p[manifest].dirfd >= 0 && put_union(&p[manifest], changes, d, root) < 0)
        rc = -1;
    /*
     * 4. into place, the manifest of the new files only last. On any earlier
     * failure, the temp files go instead.
     */
    for (size_t i = 0; i < n; i++)
        if (i != manifest)
            put_in_place(&p[i], &rc, d, root);
    /* 5. the directory entries themselves, then the manifest and its directory */
    for (size_t i = 0; i < n; i++) {
        if (p[i].dirfd < 0 || i == manifest)
            continue;
        if (rc == 0 && fsync(p[i].dirfd) < 0)
            rc = vp_error(d, VP_WRITE_FAILED, &pos, "cannot fsync the directory of %s/%s: %s", root, p[i].change->path,
                          strerror(errno));
    }
    if (manifest < n && p[manifest].dirfd >= 0) {
        put_in_place(&p[manifest], &rc, d, root);
        if (rc == 0 && fsync(p[manifest].dirfd) < 0)
            rc = vp_error(d, VP_WRITE_FAILED, &pos, "cannot fsync the directory of %s/%s: %s", root,
                          p[manifest].change->path, strerror(errno));
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].dirfd >= 0)
            close(p[i].dirfd);
    for (size_t i = 0; i < changes->n; i++)
        free(p[i].name);
    free(p);
    /* the root's own entries (a directory created in it) must reach the disk too */
    if (rc == 0 && fsync(rootfd) < 0)
        rc = vp_error(d, VP_WRITE_FAILED, &pos, "cannot fsync the output root %s: %s", root, strerror(errno));
    close(rootfd);
    return rc;
}

/*
 * path exists and is not a regular file: a FIFO, a terminal, /dev/null (or a
 * symlink to one). Renaming over it would replace the node itself (as root,
 * /dev/null), so the data is written into it instead.
 */
static int
write_into_special(const char *path, const struct stat *st, const char *data, size_t len, struct vp_diags *d)
{
    struct vp_pos pos = {.file = path};
    if (S_ISDIR(st->st_mode)) {
        vp_error(d, VP_WRITE_FAILED, &pos, "cannot write %s: it is a directory", path);
        vp_hint(d, "give the path of a file, or '-' for standard output");
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return vp_error(d, VP_WRITE_FAILED, &pos, "cannot open %s: %s", path, strerror(errno));
    int rc = write_all(fd, data, len);
    int err = errno;
    if (close(fd) < 0 && rc == 0)
        rc = -1, err = errno;
    if (rc < 0)
        return vp_error(d, VP_WRITE_FAILED, &pos, "cannot write %s: %s", path, strerror(err));
    return 0;
}

int
vp_file_write_atomic(const char *path, const char *data, size_t len, unsigned mode, struct vp_diags *d)
{
    struct vp_pos pos = {.file = path};
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return write_into_special(path, &st, data, len, d);
    char *dir = vp_xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dirfd < 0)
        return vp_error(d, VP_WRITE_FAILED, &pos, "cannot open the directory of %s: %s", path, strerror(errno));
    int rc = vp_write_replace(dirfd, name, data, len, mode);
    int err = errno;
    close(dirfd);
    if (rc < 0)
        return vp_error(d, VP_WRITE_FAILED, &pos, "cannot write %s: %s", path, strerror(err));
    return 0;
}
