/* SPDX-License-Identifier: MIT */
/*
 * yaml-tree.h: a YAML document as a tree of positioned nodes, read with
 * libyaml's event API. libyaml stays inside yaml-tree.c. The reader refuses
 * what a config file never needs and an attacker would use: anchors and
 * aliases (billion laughs), explicit tags, several documents, nesting and
 * node counts past the limits, duplicate keys, non-scalar keys.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "vfioplan/diag.h"

enum vp_ykind { VP_Y_SCALAR, VP_Y_MAP, VP_Y_SEQ };

/* The type a plain scalar resolves to under YAML 1.2's core schema; quoted ones are strings. */
enum vp_ytype { VP_YT_STR, VP_YT_NULL, VP_YT_BOOL, VP_YT_INT, VP_YT_FLOAT };

/* A snapshot of a 45,000-function host is about 500,000 nodes: the fields are
 * ordered and sized so a node takes 56 bytes (scalars are at most the input
 * limit, 16 MiB; collections hold at most max_nodes items). */
struct vp_ynode {
    const char *value;       /* scalars: NUL-terminated */
    struct vp_ynode **items; /* maps: items[2i] is a key (a scalar), items[2i+1] its value; seqs: the elements */
    struct vp_pos pos;       /* where the node starts; len covers a one-line scalar */
    uint32_t len;            /* scalars: bytes in value */
    uint32_t n;              /* collections: number of items (2 per pair in a map) */
    uint8_t kind;            /* enum vp_ykind */
    uint8_t type;            /* enum vp_ytype: what a plain scalar resolves to */
    bool quoted;
};

struct vp_ylimits {
    unsigned max_depth;
    size_t max_nodes;
};

struct vp_ydoc {
    struct vp_arena arena;
    struct vp_ynode *root; /* NULL when the file holds no document */
};

/* Parses buf (len bytes, NUL-terminated) named file in diagnostics. */
int vp_ydoc_parse(struct vp_ydoc *doc, const char *file, const char *buf, size_t len, const struct vp_ylimits *limits,
                  struct vp_diags *d);
void vp_ydoc_free(struct vp_ydoc *doc);

/* "a mapping", "a sequence", "a string", "an integer", ... for messages. */
const char *vp_ynode_describe(const struct vp_ynode *n);
/* Map lookup by key; NULL if absent. */
const struct vp_ynode *vp_ymap_get(const struct vp_ynode *map, const char *key);
