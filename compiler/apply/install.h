/* SPDX-License-Identifier: MIT */
/*
 * install.h: putting an artifact set in place under a root, as apply,
 * rollback and try do it, in two steps. prepare compares the set with the
 * root and chooses the actions (the pending ones, then those the changes
 * trigger): plan stops there, and apply shows it and may ask. commit then
 * records the state it replaces as a generation when that is not the
 * current one, writes the files (write.h: atomic, the manifest of old and
 * new first), records the new state, runs the actions keeping the pending
 * list, raises the reboot signal when an initramfs or bootloader action
 * ran, and prunes old generations. The caller holds the root's lock.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "actions.h"
#include "changes.h"
#include "generations.h"
#include "pending.h"

struct vp_install;

struct vp_install_options {
    const char *root;
    bool no_actions;              /* write the files; the actions stay pending */
    bool output_to_stderr;        /* the actions' own output to stderr (stdout carries JSON) */
    FILE *out;                    /* "vfioplan: created /PATH", "vfioplan: running: ..." */
    unsigned keep;                /* generations kept (0: the default) */
    bool keep_current;            /* do not make the new state the current generation (try: the old one stays it) */
    const unsigned long *protect; /* generations pruning must keep (a try's) */
    size_t n_protect;
    bool no_found; /* the files in place are a generation already (a try's): do not record them as found */
    bool booted;   /* the running boot already has the state written (try --finish): no reboot signal */
    /* Called once the new state is written and recorded, before any action runs (try writes its marker there,
     * so that no action of a try runs without it); -1 stops the commit there, the actions left pending. */
    int (*before_actions)(void *arg, const struct vp_install *in, struct vp_diags *d);
    void *before_actions_arg;
};

/* What the new generation records (generations.h); origin VP_GEN_APPLY unless said. */
struct vp_install_meta {
    enum vp_gen_origin origin;
    const char *status;
    const char *vfioplan;
    const char *spec;
    const char *spec_text;
    size_t spec_len;
    const char *host;
    const char *boot_token;
    const char *const *kernel_args;
    size_t n_kernel_args;
    /* restore the generation of this number instead of recording a new one (rollback, try --cancel) */
    bool restore;
    unsigned long restore_number;
    /* the files and actions the new generation records, when they are not the set written (try writes its
     * variant of them); NULL: the set */
    const struct vp_artifact_set *record;
};

struct vp_install {
    struct vp_changes changes;
    struct vp_artifact_set pending; /* read from the root */
    struct vp_todo todo;            /* points into set and pending */
    struct vp_gen_store store;
    struct vp_generation current; /* the current generation's record, if any (has_current) */
    bool has_current;
    /* after commit */
    bool found_recorded;
    unsigned long found_generation;
    bool recorded;
    unsigned long generation; /* the generation now in place (recorded, restored, or the current one unchanged) */
    struct vp_run_result run;
    bool actions_deferred; /* --no-actions with actions to run: they stay pending */
    bool reboot_required;
};

/* Compares set with the root, reads the pending actions and the generations, chooses the actions. */
int vp_install_prepare(struct vp_install *in, const struct vp_artifact_set *set, const struct vp_install_options *opt,
                       struct vp_diags *d);
/* Chooses the actions again, after the caller added actions to set (a restore's, once it knows the changes). */
void vp_install_reselect(struct vp_install *in, const struct vp_artifact_set *set);
/* Writes and runs what prepare chose. */
int vp_install_commit(struct vp_install *in, const struct vp_artifact_set *set, const struct vp_install_meta *meta,
                      const struct vp_install_options *opt, struct vp_diags *d);
void vp_install_free(struct vp_install *in);

/* True when prepare found anything to do: a file to change, or an action to run. */
bool vp_install_has_work(const struct vp_install *in);
