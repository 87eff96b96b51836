/* SPDX-License-Identifier: MIT */
/*
 * fields.h: table-driven reading of YAML mappings into C structs, as netplan
 * does it: one array of fields per mapping (key, handler, offset, argument,
 * flags). Unknown keys are coded errors with the nearest valid key as hint.
 * The spec (parse/) and host snapshots (host/snapshot-read.c) are both read
 * this way.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "vfioplan/diag.h"
#include "yaml/yaml-tree.h"

struct vp_fparser {
    struct vp_arena *arena; /* strings and lists go here */
    struct vp_diags *d;
    /*
     * NULL for the spec: each kind of problem has its code and its hint. A
     * snapshot is machine-written and the fix is always to take it again:
     * every problem is reported with this code and hint instead.
     */
    const struct vp_freport *uniform;
};

struct vp_freport {
    enum vp_code code;
    const char *hint;
};

/* vp_error() and vp_hint() as the parser reports (see uniform); handlers report through them. */
int vp_field_error(struct vp_fparser *p, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vp_field_hint(struct vp_fparser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef int (*vp_field_fn)(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);

enum { VP_FIELD_REQUIRED = 1 };

struct vp_field {
    const char *key;
    vp_field_fn parse;
    size_t offset;   /* where the value goes in the struct */
    const void *arg; /* the handler's table: enum names, bounds, nested fields */
    unsigned flags;
    size_t has_at;    /* VP_AT() of a bool set when the key is present; 0 = none */
    size_t pos_at;    /* VP_AT() of a struct vp_pos given the value's position; 0 = none */
    const char *doc;  /* what the key means: one sentence for vfioplan.yaml(5) and the README; also the hint for a
                       * missing required key */
    const char *type; /* its type, where the handler cannot tell (custom handlers); NULL: from the handler */
    const char *def;  /* its default, where it is not false, the enum's zero value or nothing; NULL: derived */
};
/* Optional member references: offset + 1, so that 0 (the default) means "none". */
#define VP_AT(type, member) (offsetof(type, member) + 1)

/* A list of structs: element size, the element's handler, where the count goes. */
struct vp_list_arg {
    size_t elem_size;
    vp_field_fn parse_elem; /* called with dst = the element */
    const void *elem_arg;
    ptrdiff_t count_delta; /* from the list pointer to its size_t count in the same struct */
    size_t max;
};

/* An enum's names table, indexed by value; a NULL entry is a value the input cannot name. */
struct vp_enum_arg {
    const char *const *names;
    size_t n;
    const char *what; /* "bootloader" */
};
/* names[v], or "?" when v is out of range or has no name: what vp_<enum>_name() returns. */
const char *vp_enum_name(const char *const *names, size_t n, int v);
/* Defines vp_NAME_name() over the table vp_NAME_names[count], and vp_NAME_arg for the field tables. */
#define VP_NAMED_ENUM(name, count, what_)                                                                              \
    const char *vp_##name##_name(enum vp_##name v)                                                                     \
    {                                                                                                                  \
        return vp_enum_name(vp_##name##_names, count, (int)v);                                                         \
    }                                                                                                                  \
    const struct vp_enum_arg vp_##name##_arg = {vp_##name##_names, count, what_}

struct vp_uint_arg {
    unsigned long long min, max;
    const char *what;
};

/* A string with a validator; the validator returns true for good values. */
struct vp_string_arg {
    bool (*valid)(const char *s);
    enum vp_code code;
    const char *what; /* "a VM name" */
    const char *hint;
};

/* Reads map n into obj with fields (NULL-key terminated); what names the mapping in messages. */
int vp_fields_parse_map(struct vp_fparser *p, const struct vp_ynode *n, void *obj, const struct vp_field *fields,
                        const char *what);

int vp_field_string(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
/* A whole number in [min, max] into an unsigned (vp_field_uint) or a uint64_t (vp_field_u64). */
int vp_field_uint(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
int vp_field_u64(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
int vp_field_bool(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
int vp_field_enum(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
int vp_field_size(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
int vp_field_list(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);
/* Nested mapping: arg is a struct vp_map_arg. */
struct vp_map_arg {
    const struct vp_field *fields;
    const char *what;
    size_t pos_at; /* VP_AT() of a struct vp_pos given the map's position; 0 = none */
};
int vp_field_map(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg);

/* Type check helpers that report VP_WRONG_TYPE. */
int vp_expect_string(struct vp_fparser *p, const struct vp_ynode *n, const char *what);
int vp_expect_kind(struct vp_fparser *p, const struct vp_ynode *n, enum vp_ykind kind, const char *what);

/* One key of the spec as vfioplan.yaml(5) documents it (fields-doc.c). */
struct vp_field_doc {
    char *path;    /* "vms[].devices[].match.vendor" */
    char *type;    /* "integer, 1 to 4096" */
    char *def;     /* "required", "false", "auto", or NULL: none */
    char *accepts; /* what a string must look like, from its validator's hint; NULL: nothing more */
    const char *doc;
};
/* Every key of fields, depth first in table order; free with vp_field_docs_free. */
size_t vp_field_docs(const struct vp_field *fields, struct vp_field_doc **docs);
void vp_field_docs_free(struct vp_field_doc *docs, size_t n);

/* Visits every key path of a field table ("vms[].devices[].match.vendor"). */
void vp_fields_walk(const struct vp_field *fields, const char *prefix,
                    void (*visit)(const char *path, const struct vp_field *f, void *ctx), void *ctx);
