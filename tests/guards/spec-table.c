/* SPDX-License-Identifier: MIT */
/*
 * spec-table.c: prints the README's spec reference, a markdown table, from
 * the parser's field tables (vp_field_docs, as vfioplan.yaml(5) has them):
 * every key with its type, default and meaning. readme.py keeps the
 * README's table equal to this output.
 */
#include <stdio.h>

#include "parse/spec-internal.h"

/* A table cell: '|' would end it. */
static void
cell(const char *s)
{
    for (; s && *s; s++)
        fputs(*s == '|' ? "\\|" : (char[]){*s, '\0'}, stdout);
}

int
main(void)
{
    struct vp_field_doc *docs;
    size_t n = vp_field_docs(vp_spec_v1_fields(), &docs);
    printf("| key | type | default | meaning |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        printf("| `%s` | ", docs[i].path);
        cell(docs[i].type);
        fputs(" | ", stdout);
        cell(docs[i].def);
        fputs(" | ", stdout);
        cell(docs[i].doc);
        fputs(" |\n", stdout);
    }
    vp_field_docs_free(docs, n);
    return 0;
}
