/* SPDX-License-Identifier: MIT */
/*
 * spec-table.c: prints the README's spec reference (a markdown table) from
 * the spec's field tables: every key, what its value is and its default
 * (from the handler where it tells: an enum's names table, a number's
 * bounds, a bool, a mapping, a list; else the field's type), and its doc. readme.py keeps the README's table equal to
 * this output.
 */
#include <stdio.h>
#include <string.h>

#include "parse/spec-internal.h"

static void
print_row(const char *path, const struct vp_field *f, void *ctx)
{
    int *missing = ctx;
    const char *dflt = f->dflt;
    printf("| `%s` | ", path);
    if (f->parse == vp_field_enum) {
        const struct vp_enum_arg *a = f->arg;
        const char *first = NULL;
        for (size_t i = 0; i < a->n; i++) {
            if (!a->names[i])
                continue;
            printf("%s`%s`", first ? " \\| " : "", a->names[i]);
            if (!first)
                first = a->names[i];
        }
        static char quoted[64];
        if (!dflt && first) {
            snprintf(quoted, sizeof(quoted), "`%s`", first);
            dflt = quoted;
        }
    } else if (f->parse == vp_field_bool) {
        printf("bool");
        if (!dflt)
            dflt = "false";
    } else if (f->parse == vp_field_uint) {
        const struct vp_uint_arg *a = f->arg;
        printf("%llu..%llu", a->min, a->max);
    } else if (f->type) {
        printf("%s", f->type);
    } else if (f->parse == vp_field_map) {
        printf("mapping");
    } else if (f->parse == vp_field_list) {
        printf("list");
    } else {
        fprintf(stderr, "spec-table: %s has no .type\n", path);
        (*missing)++;
    }
    if (f->flags & VP_FIELD_REQUIRED)
        printf(", required");
    else if (dflt)
        printf("; %s", dflt);
    if (!f->doc) {
        fprintf(stderr, "spec-table: %s has no .doc\n", path);
        (*missing)++;
    }
    printf(" | %s |\n", f->doc ? f->doc : "");
}

int
main(void)
{
    int missing = 0;
    printf("| key | type; default | meaning |\n| --- | --- | --- |\n");
    vp_fields_walk(vp_spec_v1_fields(), "", print_row, &missing);
    return missing ? 1 : 0;
}
