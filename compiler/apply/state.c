/* SPDX-License-Identifier: MIT */
/* state.c: small state files under a root, written and removed atomically (see state.h). */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/root.h"
#include "base/util.h"
#include "write.h"

int
vp_state_write(const char *root, const char *rel, const char *data, size_t len, unsigned mode, struct vp_diags *d)
{
    struct vp_pos pos = {.file = root};
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vp_error(d, VP_OUTPUT_NOT_DIR, &pos, "cannot open target root %s: %s", root, strerror(errno));
    char *name = NULL;
    int dirfd = vp_write_open_parent(rootfd, rel, true, &name, d, root);
    close(rootfd);
    if (dirfd < 0) {
        free(name);
        return -1;
    }
    char tmp[64];
    int rc = vp_write_temp(dirfd, data, len, mode, tmp);
    if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
        int err = errno;
        unlinkat(dirfd, tmp, 0);
        errno = err;
        rc = -1;
    }
    if (rc == 0 && fsync(dirfd) < 0)
        rc = -1;
    if (rc < 0)
        vp_error(d, VP_WRITE_FAILED, &pos, "cannot write %s/%s: %s", root, rel, strerror(errno));
    close(dirfd);
    free(name);
    return rc;
}

int
vp_state_remove(const char *root, const char *rel, struct vp_diags *d)
{
    struct vp_pos pos = {.file = root};
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vp_error(d, VP_OUTPUT_NOT_DIR, &pos, "cannot open target root %s: %s", root, strerror(errno));
    char *name = NULL;
    int dirfd = vp_write_open_parent(rootfd, rel, false, &name, d, root);
    close(rootfd);
    int rc = 0;
    if (dirfd >= 0) {
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            rc = vp_error(d, VP_WRITE_FAILED, &pos, "cannot remove %s/%s: %s", root, rel, strerror(errno));
        else if (fsync(dirfd) < 0)
            rc = vp_error(d, VP_WRITE_FAILED, &pos, "cannot fsync the directory of %s/%s: %s", root, rel,
                          strerror(errno));
        close(dirfd);
    } else if (dirfd == -1) {
        rc = -1;
    }
    free(name);
    return rc;
}

int
vp_state_read(const char *root, const char *rel, size_t limit, char **data, size_t *len, struct vp_diags *d)
{
    struct vp_pos pos = {.file = root};
    struct vp_root r;
    if (vp_root_open(&r, root) < 0) {
        if (errno == ENOENT)
            return 0;
        return vp_error(d, VP_READ_TARGET_FAILED, &pos, "cannot open target root %s: %s", root, strerror(errno));
    }
    int rc = vp_root_read_all(&r, rel, limit, data, len);
    int err = errno;
    vp_root_close(&r);
    if (rc == 0)
        return 1;
    if (err == ENOENT || err == ENOTDIR)
        return 0;
    if (err == EFBIG)
        vp_error(d, VP_READ_TARGET_FAILED, &pos, "%s under %s is larger than %d KiB: not a file vfioplan wrote", rel,
                 root, VP_STATE_MAX_BYTES / 1024);
    else
        vp_error(d, VP_READ_TARGET_FAILED, &pos, "cannot read %s under %s: %s", rel, root, strerror(err));
    vp_hint(d, "vfioplan keeps its state under %s/" VP_DIR_STATE "; move the file out of the way", root);
    return -1;
}
