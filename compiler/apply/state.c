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

/* The directory of rel under root (created when create), as vp_write_open_parent: -1 with a diagnostic, -2 when
 * it is missing and create is false; *name gets rel's last component (the caller frees). */
static int
parent_of(const char *root, const char *rel, bool create, char **name, struct vp_diags *d)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vp_error(d, VP_OUTPUT_NOT_DIR, &(struct vp_pos){.file = root}, "cannot open target root %s: %s", root,
                        strerror(errno));
    int dirfd = vp_write_open_parent(rootfd, rel, create, name, d, root);
    close(rootfd);
    return dirfd;
}

int
vp_state_write(const char *root, const char *rel, const char *data, size_t len, unsigned mode, struct vp_diags *d)
{
    struct vp_pos pos = {.file = root};
    char *name = NULL;
    int dirfd = parent_of(root, rel, true, &name, d);
    if (dirfd < 0) {
        free(name);
        return -1;
    }
    int rc = vp_write_replace(dirfd, name, data, len, mode);
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
    char *name = NULL;
    int dirfd = parent_of(root, rel, false, &name, d);
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
