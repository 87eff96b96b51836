/* SPDX-License-Identifier: MIT */
/* changes.c: comparing an artifact set with a root, and printing the difference as a patch. */
#include "changes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/root.h"
#include "base/util.h"
#include "diff.h"
#include "foreign-edit.h"

static const struct {
    const char *name, *done;
} vp_change_kinds[VP_CHANGE__COUNT] = {
    [VP_CHANGE_CREATE] = {"create", "created"},
    [VP_CHANGE_MODIFY] = {"modify", "updated"},
    [VP_CHANGE_DELETE] = {"delete", "removed"},
};

const char *
vp_change_kind_name(enum vp_change_kind k)
{
    return (unsigned)k < VP_CHANGE__COUNT ? vp_change_kinds[k].name : "?";
}

const char *
vp_change_kind_done(enum vp_change_kind k)
{
    return (unsigned)k < VP_CHANGE__COUNT ? vp_change_kinds[k].done : "?";
}

/*
 * Files vfioplan reads back from a root are its own, and small: the largest
 * it writes, a domain XML of 255 slots of 8 functions, is under 1 MiB.
 * Anything larger is not one of them. The old versions of the files it would
 * replace or remove are kept in memory (diff, backups): at most
 * MAX_OWNED_TOTAL in all.
 */
enum { MAX_OWNED_FILE = 4 * 1024 * 1024, MAX_OWNED_TOTAL = 16 * 1024 * 1024 };

static const char *
kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
                         : "not a regular file";
}

/*
 * Reads rel under root: 1 read, 0 absent, -1 error (reported). listed: the
 * old manifest names rel (a file vfioplan would remove), for the message.
 */
static int
read_old(const struct vp_root *root, const char *rel, bool listed, char **data, size_t *len, unsigned *mode,
         struct vp_diags *d)
{
    struct vp_pos pos = {.file = root->path};
    int fd = vp_root_openat(root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return vp_error(d, VP_READ_TARGET_FAILED, &pos, "cannot read %s under %s: %s", rel, root->path,
                        strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return vp_error(d, VP_READ_TARGET_FAILED, &pos, "cannot stat %s under %s: %s", rel, root->path, strerror(err));
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MAX_OWNED_FILE) {
        close(fd);
        if (!S_ISREG(st.st_mode))
            vp_error(d, VP_READ_TARGET_FAILED, &pos, "%s under %s is %s, not a file vfioplan %s", rel, root->path,
                     kind_of(st.st_mode), listed ? "wrote (its manifest lists it)" : "could replace");
        else
            vp_error(d, VP_READ_TARGET_FAILED, &pos,
                     "%s under %s is %lld bytes, larger than any file vfioplan writes (%d MiB at most)%s", rel,
                     root->path, (long long)st.st_size, MAX_OWNED_FILE / (1024 * 1024),
                     listed ? "; its manifest lists it" : "");
        vp_note(d, "nothing was written and no action run: vfioplan checks every file it would replace or remove "
                   "before it writes any");
        vp_hint(d, "move it out of the way; vfioplan only replaces and removes regular files it wrote");
        return -1;
    }
    *data = vp_read_fd(fd, (size_t)st.st_size, len);
    close(fd);
    *mode = st.st_mode & 07777;
    return 1;
}

/* Counts len more bytes of old versions held; past MAX_OWNED_TOTAL, an error (once) and -1. */
static int
over_budget(size_t *kept, size_t len, const struct vp_root *root, struct vp_diags *d)
{
    *kept += len;
    if (*kept <= MAX_OWNED_TOTAL)
        return 0;
    vp_error(d, VP_READ_TARGET_FAILED, &(struct vp_pos){.file = root->path},
             "the files vfioplan would replace or remove under %s hold more than %d MiB", root->path,
             MAX_OWNED_TOTAL / (1024 * 1024));
    vp_note(d, "vfioplan keeps their old versions in memory for the diff and the backups; its own files are far "
               "smaller");
    vp_hint(d, "move the large files out of the way; vfioplan only replaces files it wrote");
    return -1;
}

static struct vp_change *
change_add(struct vp_changes *c)
{
    void *items = c->items;
    vp_xgrow(&items, &c->cap, c->n + 1, sizeof(*c->items));
    c->items = items;
    struct vp_change *ch = &c->items[c->n++];
    memset(ch, 0, sizeof(*ch));
    return ch;
}

bool
vp_path_plain_components(const char *path)
{
    if (strchr(path, ' '))
        return false;
    for (const char *p = path;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/*
 * The paths an old manifest lists. Only paths vfioplan can generate count:
 * whoever can edit the manifest must not be able to make apply delete any
 * other file.
 */
static void
parse_manifest(struct vp_changes *c, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t plen = len > 0 && p[len - 1] == '\r' ? len - 1 : len; /* a manifest saved with CRLF line ends */
        if (plen > 0 && p[0] != '#' && plen < 512) {
            char *path = vp_xstrndup(p, plen);
            bool safe = vp_path_plain_components(path) && vp_artifact_path_known(path);
            if (safe) {
                c->old_owned = vp_xrealloc(c->old_owned, (c->n_old_owned + 1) * sizeof(*c->old_owned));
                c->old_owned[c->n_old_owned++] = path;
            } else {
                free(path);
            }
        }
        p += len + (nl ? 1 : 0);
    }
    /* each path once: a manifest listing one file 100,000 times must not mean 100,000 removals and backups */
    vp_sort(c->old_owned, c->n_old_owned, sizeof(*c->old_owned), vp_strcmp_ptr);
    size_t kept = 0;
    for (size_t i = 0; i < c->n_old_owned; i++) {
        if (kept && strcmp(c->old_owned[kept - 1], c->old_owned[i]) == 0)
            free(c->old_owned[i]);
        else
            c->old_owned[kept++] = c->old_owned[i];
    }
    c->n_old_owned = kept;
}

/* The change a foreign edit makes to its file under root, if any (the file as edited is kept in c->edited). */
static int
edit_change(struct vp_changes *c, const struct vp_root *root, const struct vp_foreign_edit *e, struct vp_diags *d)
{
    /* the admin's file itself, never what a symbolic link points to: the write would replace the link */
    int fd = vp_root_openat(root, e->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 && errno == ENOENT)
        return 0; /* not there: nothing to edit */
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_OWNED_FILE) {
        vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = root->path},
                   "%s under %s is not a plain file (%s): vfioplan does not edit it", e->path, root->path,
                   fd < 0 && errno == ELOOP ? "a symbolic link"
                   : fd < 0                 ? strerror(errno)
                   : S_ISREG(st.st_mode)    ? "larger than 16 MiB"
                                            : "not a regular file");
        vp_hint(d, "disable the lines the warnings above name by hand");
        if (fd >= 0)
            close(fd);
        return 0;
    }
    size_t len = 0;
    char *old = vp_read_fd(fd, (size_t)st.st_size, &len);
    unsigned mode = st.st_mode & 07777;
    close(fd);
    struct vp_strbuf sb = {0};
    struct vp_edit_result res;
    vp_foreign_edit_apply(e, old, len, &sb, &res);
    if (res.not_found)
        vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = root->path},
                   "%zu line%s of %s that the host facts hold %s no longer there: left alone", res.not_found,
                   res.not_found == 1 ? "" : "s", e->path, res.not_found == 1 ? "is" : "are");
    if (sb.len == len && memcmp(sb.data, old, len) == 0) {
        vp_strbuf_free(&sb);
        free(old);
        return 0;
    }
    struct vp_artifact *a = vp_xcalloc(1, sizeof(*a));
    a->path = vp_xstrdup(e->path);
    a->mode = mode; /* the admin's file keeps its mode */
    a->data = vp_strbuf_steal(&sb, &a->len);
    c->edited = vp_xrealloc(c->edited, (c->n_edited + 1) * sizeof(*c->edited));
    c->edited[c->n_edited++] = a;
    struct vp_change *ch = change_add(c);
    ch->kind = VP_CHANGE_MODIFY;
    ch->path = a->path;
    ch->artifact = a;
    ch->foreign = true;
    ch->old_data = old;
    ch->old_len = len;
    ch->old_mode = mode;
    return 0;
}

/*
 * A file vfioplan keeps its block in (an artifact with .edit, emit/edit-block.c) that a foreign edit also changes:
 * the edit's operations applied to the file as the block leaves it, kept in c->edited. The block is at the end and
 * the operations find the admin's lines by their text, so neither disturbs the other.
 */
static const struct vp_artifact *
edit_block_file(struct vp_changes *c, const struct vp_artifact *a, const struct vp_foreign_edit *fe)
{
    struct vp_strbuf sb = {0};
    struct vp_edit_result res;
    vp_foreign_edit_apply(fe, a->data, a->len, &sb, &res);
    struct vp_artifact *e = vp_xcalloc(1, sizeof(*e));
    *e = *a;
    e->path = vp_xstrdup(a->path);
    e->data = vp_strbuf_steal(&sb, &e->len);
    c->edited = vp_xrealloc(c->edited, (c->n_edited + 1) * sizeof(*c->edited));
    c->edited[c->n_edited++] = e;
    return e;
}

static int
change_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vp_change *)a)->path, ((const struct vp_change *)b)->path);
}

int
vp_changes_compute(const struct vp_artifact_set *set, const char *rootpath, bool missing_ok, struct vp_changes *out,
                   struct vp_diags *d)
{
    memset(out, 0, sizeof(*out));
    struct vp_root root;
    if (vp_root_open(&root, rootpath) < 0 && errno == ENOENT && missing_ok) {
        for (size_t i = 0; i < set->n; i++) {
            struct vp_change *ch = change_add(out);
            ch->kind = VP_CHANGE_CREATE;
            ch->path = set->items[i].path;
            ch->artifact = &set->items[i];
        }
        return 0;
    }
    if (root.fd < 0) {
        vp_error(d, VP_OUTPUT_NOT_DIR, &(struct vp_pos){.file = rootpath}, "cannot open %s %s: %s",
                 missing_ok ? "output directory" : "target root", rootpath, strerror(errno));
        /* missing_ok is an output directory's mode (build and openshift -o DIR); plan and apply take --root */
        vp_hint(d, missing_ok
                       ? "-o takes a directory, created when missing: give the path of a directory, not of a file"
                       : "--root takes an existing directory (default /)");
        return -1;
    }
    int rc = 0;
    size_t kept = 0; /* bytes of old versions held */
    bool full = false;
    for (size_t i = 0; i < set->n && !full; i++) {
        const struct vp_artifact *a = &set->items[i];
        const struct vp_foreign_edit *fe = a->edit ? vp_foreign_edit_find(set, a->path) : NULL;
        if (fe) /* /etc/default/grub with vfioplan's block, and a manual setup's line there disabled: one write */
            a = edit_block_file(out, a, fe);
        char *old = NULL;
        size_t len = 0;
        unsigned mode = 0;
        int r = read_old(&root, a->path, false, &old, &len, &mode, d);
        if (r < 0) {
            rc = -1;
            continue;
        }
        if (r == 1 && len == a->len && memcmp(old, a->data, len) == 0 && mode == a->mode) {
            free(old);
            continue;
        }
        struct vp_change *ch = change_add(out);
        ch->kind = r == 0 ? VP_CHANGE_CREATE : VP_CHANGE_MODIFY;
        ch->path = a->path;
        ch->artifact = a;
        /* the admin's file with vfioplan's block: backed up like an edit, never part of a generation */
        ch->foreign = a->edit && r == 1;
        ch->old_data = old;
        ch->old_len = len;
        ch->old_mode = mode;
        if (over_budget(&kept, len, &root, d) < 0)
            rc = -1, full = true;
    }
    for (size_t i = 0; i < set->n_edits; i++)
        if (!vp_artifact_find(set, set->edits[i].path) && edit_change(out, &root, &set->edits[i], d) < 0)
            rc = -1;
    char *manifest = NULL;
    size_t mlen = 0;
    unsigned mmode = 0;
    int mr = read_old(&root, VP_PATH_MANIFEST, false, &manifest, &mlen, &mmode, d);
    if (mr < 0)
        rc = -1;
    if (mr == 1) {
        parse_manifest(out, manifest);
        free(manifest);
    }
    for (size_t i = 0; i < out->n_old_owned && !full; i++) {
        const char *path = out->old_owned[i];
        if (vp_artifact_find(set, path))
            continue;
        char *old = NULL;
        size_t len = 0;
        unsigned mode = 0;
        int r = read_old(&root, path, true, &old, &len, &mode, d);
        if (r < 0)
            rc = -1; /* before anything is written: a FIFO or a directory the manifest names stops the apply */
        if (r != 1)
            continue; /* already gone: nothing to remove */
        struct vp_change *ch = change_add(out);
        ch->kind = VP_CHANGE_DELETE;
        ch->path = path;
        ch->old_data = old;
        ch->old_len = len;
        ch->old_mode = mode;
        if (over_budget(&kept, len, &root, d) < 0)
            rc = -1, full = true;
    }
    vp_sort(out->items, out->n, sizeof(*out->items), change_cmp);
    vp_root_close(&root);
    return rc;
}

void
vp_changes_free(struct vp_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].old_data);
    free(c->items);
    for (size_t i = 0; i < c->n_old_owned; i++)
        free(c->old_owned[i]);
    free(c->old_owned);
    for (size_t i = 0; i < c->n_edited; i++) {
        free(c->edited[i]->path);
        free(c->edited[i]->data);
        free(c->edited[i]);
    }
    free(c->edited);
    memset(c, 0, sizeof(*c));
}

const char **
vp_changes_paths(const struct vp_changes *c)
{
    const char **paths = vp_xcalloc(c->n + 1, sizeof(*paths));
    for (size_t i = 0; i < c->n; i++)
        paths[i] = c->items[i].path;
    return paths;
}

void
vp_change_render_diff(struct vp_strbuf *out, const struct vp_change *ch)
{
    vp_strbuf_printf(out, "diff --git a/%s b/%s\n", ch->path, ch->path);
    switch (ch->kind) {
    case VP_CHANGE_CREATE:
        vp_strbuf_printf(out, "new file mode 100%o\n--- /dev/null\n+++ b/%s\n", ch->artifact->mode, ch->path);
        vp_unified_diff(out, "", 0, ch->artifact->data, ch->artifact->len);
        break;
    case VP_CHANGE_MODIFY: {
        bool same = ch->old_len == ch->artifact->len && memcmp(ch->old_data, ch->artifact->data, ch->old_len) == 0;
        if (ch->old_mode != ch->artifact->mode)
            vp_strbuf_printf(out, "old mode 100%o\nnew mode 100%o\n", ch->old_mode, ch->artifact->mode);
        if (!same) {
            vp_strbuf_printf(out, "--- a/%s\n+++ b/%s\n", ch->path, ch->path);
            vp_unified_diff(out, ch->old_data, ch->old_len, ch->artifact->data, ch->artifact->len);
        }
        break;
    }
    case VP_CHANGE_DELETE:
        vp_strbuf_printf(out, "deleted file mode 100%o\n--- a/%s\n+++ /dev/null\n", ch->old_mode, ch->path);
        vp_unified_diff(out, ch->old_data, ch->old_len, "", 0);
        break;
    case VP_CHANGE__COUNT: /* the names tables' size, not a kind */
        break;
    }
}

void
vp_changes_render_diff(struct vp_strbuf *out, const struct vp_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        vp_change_render_diff(out, &c->items[i]);
}

void
vp_change_drop_old(struct vp_change *ch)
{
    free(ch->old_data);
    ch->old_data = NULL;
    ch->old_len = 0;
}

void
vp_previous_read(struct vp_previous *prev, const char *rootpath)
{
    memset(prev, 0, sizeof(*prev));
    struct vp_root root;
    if (vp_root_open(&root, rootpath) < 0)
        return;
    struct vp_diags ignored = {0};
    unsigned mode;
    if (read_old(&root, VP_PATH_KERNEL_ARGS, false, &prev->kernel_args, &prev->kernel_args_len, &mode, &ignored) != 1)
        prev->kernel_args = NULL;
    if (read_old(&root, VP_PATH_MANIFEST, false, &prev->manifest, &prev->manifest_len, &mode, &ignored) != 1)
        prev->manifest = NULL;
    /* the files vfioplan edits a block of: their text now, which the edit keeps around its block */
    const char *const *paths;
    prev->n_edits = vp_artifact_edit_paths(&paths);
    prev->edits = vp_xcalloc(prev->n_edits + 1, sizeof(*prev->edits));
    for (size_t i = 0; i < prev->n_edits; i++) {
        struct vp_edit_base *e = &prev->edits[i];
        e->path = paths[i];
        e->state = read_old(&root, paths[i], false, &e->data, &e->len, &e->mode, &ignored);
    }
    vp_diags_free(&ignored);
    vp_root_close(&root);
}

void
vp_previous_free(struct vp_previous *prev)
{
    for (size_t i = 0; i < prev->n_edits; i++)
        free(prev->edits[i].data);
    free(prev->edits);
    free(prev->kernel_args);
    free(prev->manifest);
    memset(prev, 0, sizeof(*prev));
}

char *
vp_manifest_union(const struct vp_changes *c, const struct vp_artifact *manifest, size_t *len)
{
    /* the new manifest's paths: its lines that are not comments */
    char **paths = NULL;
    size_t n = 0;
    bool news = false; /* a path the old manifest does not list */
    for (const char *p = manifest->data, *end = p + manifest->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l && p[0] != '#') {
            paths = vp_xrealloc(paths, (n + 1) * sizeof(*paths));
            paths[n] = vp_xstrndup(p, l);
            bool listed = false;
            for (size_t k = 0; k < c->n_old_owned && !listed; k++)
                listed = strcmp(c->old_owned[k], paths[n]) == 0;
            news |= !listed;
            n++;
        }
        p += l + 1;
    }
    char *text = NULL;
    if (news) {
        for (size_t k = 0; k < c->n_old_owned; k++) {
            paths = vp_xrealloc(paths, (n + 1) * sizeof(*paths));
            paths[n++] = vp_xstrdup(c->old_owned[k]);
        }
        vp_sort(paths, n, sizeof(*paths), vp_strcmp_ptr);
        struct vp_strbuf sb = {0};
        vp_strbuf_puts(&sb, "# vfioplan: an apply was under way: the files of the old and the new plan.\n"
                            "# The next apply removes the ones it does not generate.\n");
        for (size_t k = 0; k < n; k++)
            if (k == 0 || strcmp(paths[k], paths[k - 1]) != 0)
                vp_strbuf_printf(&sb, "%s\n", paths[k]);
        text = vp_strbuf_steal(&sb, len);
    }
    for (size_t k = 0; k < n; k++)
        free(paths[k]);
    free(paths);
    return text;
}
