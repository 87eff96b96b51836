/* SPDX-License-Identifier: MIT */
/*
 * generations.h: every state of vfioplan's files on a root, kept so that it
 * can come back. A generation is ROOT/var/lib/vfioplan/generations/N:
 * generation.json (where it came from, the digest of every file, the
 * actions those files need, the boot token and kernel arguments) and
 * files/PATH, each file exactly as it was, the manifest among them; the
 * spec it was compiled from beside them (spec.yaml). ROOT/var/lib/vfioplan/
 * generations/current names the generation in place.
 *
 * apply records the state it finds before it writes when that is not the
 * current generation (the first apply: what was there before vfioplan; a
 * hand edit since), then the state it wrote. This is the only copy of old
 * versions vfioplan keeps (it replaces the backups of earlier versions):
 * the newest N generations stay (--keep, 5 by default), and always the
 * current one and those a try under way needs. A generation appears
 * whole or not at all: it is written to a hidden directory, fsynced, and
 * renamed into place.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vfioplan/artifact.h"
#include "vfioplan/diag.h"

#define VP_GENERATIONS_KEEP_DEFAULT 5
#define VP_GENERATIONS_KEEP_MAX 100

/* Where a generation came from: one names table. */
enum vp_gen_origin {
    VP_GEN_APPLY, /* written by apply (or by try --confirm) */
    VP_GEN_FOUND, /* found on the root before an apply wrote: the state before vfioplan, or edited by hand */
    VP_GEN_TRY,   /* written by try: the configuration it boots once */
    VP_GEN__COUNT,
};
const char *vp_gen_origin_name(enum vp_gen_origin o);

struct vp_gen_file {
    char *path;
    unsigned mode;
    char sha256[65];
};

struct vp_generation {
    unsigned long number;
    enum vp_gen_origin origin;
    char *status; /* a try's outcome ("trying", "confirmed", "cancelled: ..."), or NULL */
    long long time;
    char *vfioplan;    /* the version that recorded it */
    char *spec;        /* the spec's path as given, NULL if none */
    char *spec_sha256; /* NULL if none */
    char *host;        /* the spec's host.name, NULL if none */
    char *boot_token;  /* NULL if none */
    char **kernel_args;
    size_t n_kernel_args;
    struct vp_gen_file *files;
    size_t n_files;
    struct vp_artifact_set actions; /* actions only */
};
void vp_generation_free(struct vp_generation *g);

/* The generations of a root, by number. */
struct vp_gen_store {
    unsigned long *numbers; /* ascending */
    size_t n;
    unsigned long current; /* valid when has_current */
    bool has_current;
};
/* Lists root's generations (none is no error); -1 with a diagnostic if the store cannot be read. */
int vp_gen_store_open(struct vp_gen_store *s, const char *root, struct vp_diags *d);
void vp_gen_store_free(struct vp_gen_store *s);
bool vp_gen_store_has(const struct vp_gen_store *s, unsigned long n);
unsigned long vp_gen_store_next(const struct vp_gen_store *s);

/* Reads generation n's record (not its files). -1 with VP6006 when it is missing or damaged. */
int vp_generation_load(const char *root, unsigned long n, struct vp_generation *g, struct vp_diags *d);
/* Reads its files into set (as artifacts), each checked against its digest; -1 with VP6006. */
int vp_generation_load_files(const char *root, const struct vp_generation *g, struct vp_artifact_set *set,
                             struct vp_diags *d);
/* Reads the spec it was compiled from (the caller frees); NULL if none was kept. */
char *vp_generation_load_spec(const char *root, const struct vp_generation *g, size_t *len, struct vp_diags *d);

/* What a new generation records. */
struct vp_gen_input {
    enum vp_gen_origin origin;
    const char *status;
    const char *vfioplan;
    const char *spec;
    const char *spec_text; /* kept as spec.yaml when not NULL */
    size_t spec_len;
    const char *host;
    const char *boot_token;
    const char *const *kernel_args;
    size_t n_kernel_args;
    const struct vp_artifact *const *files; /* each file once */
    size_t n_files;
    const struct vp_artifact_set *actions; /* may be NULL */
};
/* Writes generation n whole (hidden directory, fsync, rename); VP5001 on failure, and nothing left behind. */
int vp_generation_record(const char *root, unsigned long n, const struct vp_gen_input *in, struct vp_diags *d);
/* Rewrites generation n's status (a try's outcome). */
int vp_generation_set_status(const char *root, unsigned long n, const char *status, struct vp_diags *d);
/* Makes n the current generation. */
int vp_gen_set_current(const char *root, unsigned long n, struct vp_diags *d);
/*
 * Removes the oldest generations past keep, never the current one nor any
 * of protect[0..n_protect); prints nothing. -1 with VP5001.
 */
int vp_gen_prune(const char *root, const struct vp_gen_store *s, unsigned keep, const unsigned long *protect,
                 size_t n_protect, struct vp_diags *d);

/* True when the files (each once) are exactly g's: the same paths, modes and digests. */
bool vp_generation_same_files(const struct vp_generation *g, const struct vp_artifact *const *files, size_t n);
