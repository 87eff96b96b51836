/* SPDX-License-Identifier: MIT */
/* install.c: an artifact set put in place under a root, with generations, pending actions and the reboot signal. */
#include "install.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "reboot.h"
#include "write.h"

int
vp_install_prepare(struct vp_install *in, const struct vp_artifact_set *set, const struct vp_install_options *opt,
                   struct vp_diags *d)
{
    memset(in, 0, sizeof(*in));
    if (vp_changes_compute(set, opt->root, false, &in->changes, d) < 0)
        return -1;
    if (vp_pending_read(opt->root, &in->pending, d) < 0)
        return -1;
    if (vp_gen_store_open(&in->store, opt->root, d) < 0)
        return -1;
    if (in->store.has_current) {
        if (vp_generation_load(opt->root, in->store.current, &in->current, d) < 0)
            return -1;
        in->has_current = true;
    }
    vp_todo_select(&in->todo, set, &in->changes, &in->pending);
    return 0;
}

void
vp_install_reselect(struct vp_install *in, const struct vp_artifact_set *set)
{
    vp_todo_free(&in->todo);
    vp_todo_select(&in->todo, set, &in->changes, &in->pending);
}

bool
vp_install_has_work(const struct vp_install *in)
{
    return in->changes.n > 0 || in->todo.n > 0;
}

void
vp_install_free(struct vp_install *in)
{
    vp_changes_free(&in->changes);
    vp_artifact_set_free(&in->pending);
    vp_todo_free(&in->todo);
    vp_gen_store_free(&in->store);
    vp_generation_free(&in->current);
    memset(in, 0, sizeof(*in));
}

/* A file of a state, borrowed; owned: made here (a manifest written for a state that had none). */
struct state {
    const struct vp_artifact **files;
    size_t n;
    struct vp_artifact made;
};

static void
state_add(struct state *s, const struct vp_artifact *a)
{
    s->files = vp_xrealloc(s->files, (s->n + 1) * sizeof(*s->files));
    s->files[s->n++] = a;
}

static void
state_free(struct state *s)
{
    free(s->files);
    free(s->made.data);
    free(s->made.path);
}

/*
 * The state of vfioplan's files on the root before the commit, from what
 * prepare read: a file the commit changes as it is now (none if it is
 * created), every other file of the set as the set has it (it is already
 * so). The admin's files apply edits are not vfioplan's: their old versions
 * go to the backups (write.c), not into a generation. A state without a manifest gets one listing its files, so that
 * restoring it puts vfioplan's ownership back as it was.
 */
static void
state_before(struct state *s, const struct vp_install *in, const struct vp_artifact_set *set, struct vp_artifact *olds)
{
    memset(s, 0, sizeof(*s));
    bool manifest = false;
    size_t k = 0;
    for (size_t i = 0; i < in->changes.n; i++) {
        const struct vp_change *ch = &in->changes.items[i];
        if (ch->kind == VP_CHANGE_CREATE || ch->foreign)
            continue;
        olds[k] = (struct vp_artifact){(char *)ch->path, ch->old_mode, ch->old_data, ch->old_len};
        state_add(s, &olds[k]);
        manifest |= strcmp(ch->path, VP_PATH_MANIFEST) == 0;
        k++;
    }
    for (size_t i = 0; i < set->n; i++) {
        bool changed = false;
        for (size_t c = 0; c < in->changes.n && !changed; c++)
            changed = strcmp(in->changes.items[c].path, set->items[i].path) == 0;
        if (!changed && !set->items[i].edit) {
            state_add(s, &set->items[i]);
            manifest |= strcmp(set->items[i].path, VP_PATH_MANIFEST) == 0;
        }
    }
    if (!manifest) {
        struct vp_strbuf sb = {0};
        vp_strbuf_puts(&sb, "# vfioplan: the files found on this root before vfioplan wrote (a generation of their\n"
                            "# own); restoring it leaves vfioplan owning only these.\n");
        for (size_t i = 0; i < s->n; i++)
            vp_strbuf_printf(&sb, "%s\n", s->files[i]->path);
        size_t len;
        char *data = vp_strbuf_steal(&sb, &len);
        s->made = (struct vp_artifact){vp_xstrdup(VP_PATH_MANIFEST), 0644, data, len};
        state_add(s, &s->made);
    }
}

/* Records the state the commit replaces, unless it is the current generation already. */
static int
record_found(struct vp_install *in, const struct vp_artifact_set *set, const struct vp_install_meta *meta,
             const struct vp_install_options *opt, unsigned long *next, struct vp_diags *d)
{
    struct vp_artifact *olds = vp_xcalloc(in->changes.n + 1, sizeof(*olds));
    struct state s;
    state_before(&s, in, set, olds);
    int rc = 0;
    if (!in->has_current || !vp_generation_same_files(&in->current, s.files, s.n)) {
        struct vp_gen_input gi = {.origin = VP_GEN_FOUND, .vfioplan = meta->vfioplan, .files = s.files, .n_files = s.n};
        rc = vp_generation_record(opt->root, *next, &gi, d);
        if (rc == 0) {
            in->found_recorded = true;
            in->found_generation = (*next)++;
            if (opt->out)
                fprintf(opt->out, "vfioplan: kept the files as found as generation %lu\n", in->found_generation);
        }
    }
    state_free(&s);
    free(olds);
    return rc;
}

int
vp_install_commit(struct vp_install *in, const struct vp_artifact_set *set, const struct vp_install_meta *meta,
                  const struct vp_install_options *opt, struct vp_diags *d)
{
    unsigned long next = vp_gen_store_next(&in->store);
    const struct vp_artifact_set *rec = meta->record ? meta->record : set;
    const struct vp_artifact **files = vp_xcalloc(rec->n + 1, sizeof(*files));
    size_t n_files = 0;
    for (size_t i = 0; i < rec->n; i++)
        if (!rec->items[i].edit) /* the admin's file with vfioplan's block: not vfioplan's to restore */
            files[n_files++] = &rec->items[i];
    int rc = 0;
    if (in->changes.n) {
        /* the old versions are kept before anything is replaced: the only copy of them there is */
        if (!opt->no_found && (rc = record_found(in, set, meta, opt, &next, d)) < 0)
            goto out;
        struct vp_write_options wo = {.backup_dir = VP_BACKUP_DIR};
        if (vp_tree_commit(opt->root, &in->changes, &wo, d) < 0) {
            rc = -1;
            goto out;
        }
        /* each path as it is on this machine: under the root, which is / on the host itself */
        size_t root_len = strlen(opt->root);
        while (root_len > 1 && opt->root[root_len - 1] == '/')
            root_len--;
        bool slash = root_len == 1 && opt->root[0] == '/';
        for (size_t i = 0; opt->out && i < in->changes.n; i++) {
            const struct vp_change *ch = &in->changes.items[i];
            fprintf(opt->out, "vfioplan: %s %.*s/%s\n", ch->foreign ? "edited" : vp_change_kind_done(ch->kind),
                    (int)(slash ? 0 : root_len), opt->root, ch->path);
        }
    }
    /* the state now in place */
    if (meta->restore) {
        in->generation = meta->restore_number;
    } else if (in->has_current && vp_generation_same_files(&in->current, files, n_files) && !meta->record) {
        in->generation = in->store.current;
    } else {
        struct vp_gen_input gi = {
            .origin = meta->origin,
            .status = meta->status,
            .vfioplan = meta->vfioplan,
            .spec = meta->spec,
            .spec_text = meta->spec_text,
            .spec_len = meta->spec_len,
            .host = meta->host,
            .boot_token = meta->boot_token,
            .kernel_args = meta->kernel_args,
            .n_kernel_args = meta->n_kernel_args,
            .files = files,
            .n_files = n_files,
            .actions = rec,
        };
        if (vp_generation_record(opt->root, next, &gi, d) < 0) {
            rc = -1;
            goto out;
        }
        in->recorded = true;
        in->generation = next++;
    }
    if (!opt->keep_current && (!in->store.has_current || in->store.current != in->generation) &&
        vp_gen_set_current(opt->root, in->generation, d) < 0) {
        rc = -1;
        goto out;
    }
    if (opt->before_actions && opt->before_actions(opt->before_actions_arg, in, d) < 0) {
        if (in->todo.n)
            vp_pending_write(opt->root, in->todo.items, in->todo.n, d);
        rc = -1;
        goto out;
    }
    /* the actions, or (--no-actions) the list of them kept for the next apply */
    for (size_t i = 0; opt->out && i < in->todo.n_dropped; i++)
        fprintf(opt->out, "vfioplan: dropped the pending action '%s': what it acted on is gone\n",
                in->todo.dropped[i]->command);
    if (in->todo.n == 0 && in->pending.n_actions && vp_pending_write(opt->root, NULL, 0, d) < 0) {
        rc = -1;
        goto out;
    }
    if (opt->no_actions) {
        in->actions_deferred = in->todo.n > 0;
        if (in->todo.n && vp_pending_write(opt->root, in->todo.items, in->todo.n, d) < 0) {
            rc = -1;
            goto out;
        }
    } else {
        struct vp_run_options ro = {
            .root = opt->root, .out = opt->out ? opt->out : stdout, .output_to_stderr = opt->output_to_stderr};
        if (vp_actions_run(&in->todo, &ro, &in->run, d) < 0)
            rc = -1;
        if (in->run.boot_stages && !opt->booted) {
            in->reboot_required = true;
            if (vp_reboot_signal(opt->root, d) < 0)
                rc = -1;
        }
    }
    /* old generations go last: until here, a failure leaves every one of them */
    if (rc == 0) {
        struct vp_gen_store now;
        if (vp_gen_store_open(&now, opt->root, d) < 0) {
            rc = -1;
        } else {
            rc = vp_gen_prune(opt->root, &now, opt->keep ? opt->keep : VP_GENERATIONS_KEEP_DEFAULT, opt->protect,
                              opt->n_protect, d);
            vp_gen_store_free(&now);
        }
    }
out:
    free(files);
    return rc;
}
