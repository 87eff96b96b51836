/* SPDX-License-Identifier: MIT */
/*
 * fuzz-common.h: what the libFuzzer targets share. Every target renders its
 * diagnostics (the caret lines quote hostile input) and checks the one rule
 * every input must keep: a run that failed has at least one error, and a
 * run that succeeded has none.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "vfioplan/artifact.h"
#include "vfioplan/diag.h"

static FILE *fuzz_sink;

static inline void
fuzz_render(struct vp_diags *d)
{
    if (!fuzz_sink)
        fuzz_sink = fopen("/dev/null", "w");
    vp_diags_sort(d);
    vp_diags_render(d, fuzz_sink, false);
    vp_diags_render(d, fuzz_sink, true);
}

/* A failure must say why; aborting makes libFuzzer keep the input. */
static inline void
fuzz_expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz invariant broken: %s\n", what);
        abort();
    }
}

/* The input as the parsers take it: NUL-terminated. */
static inline char *
fuzz_cstr(const unsigned char *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    return buf;
}

/*
 * The promises every artifact set keeps, whatever the spec or host facts:
 *   - every path is a plain relative path under etc/ or usr/libexec/vfioplan/ (no '..',
 *     no '//', no leading '/'), so nothing lands outside the root;
 *   - every byte is printable ASCII (tab, newline, 0x20-0x7e): no value from
 *     a spec or a host reaches a script unless it passed a strict pattern;
 *   - every libvirt domain is well-formed XML.
 */
static inline int
fuzz_safe_path(const char *p)
{
    if (strncmp(p, "etc/", 4) != 0 && strncmp(p, "usr/libexec/vfioplan/", 21) != 0)
        return 0;
    /* no empty, "." or ".." component ("vm..xml", of VM "vm.", is a plain name) */
    for (const char *c = p;;) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        if (!slash)
            break;
        c = slash + 1;
    }
    for (const char *c = p; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/", *c))
            return 0;
    return 1;
}

static inline void
fuzz_check_artifacts(const struct vp_artifact_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct vp_artifact *a = &set->items[i];
        fuzz_expect(fuzz_safe_path(a->path),
                    "an artifact path is not a plain path under etc/ or usr/libexec/vfioplan/");
        for (size_t k = 0; k < a->len; k++) {
            unsigned char c = (unsigned char)a->data[k];
            fuzz_expect(c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f),
                        "an artifact holds a byte that is not printable ASCII");
        }
        size_t n = strlen(a->path);
        if (n > 4 && strcmp(a->path + n - 4, ".xml") == 0) {
            xmlDocPtr doc = xmlReadMemory(a->data, (int)a->len, a->path, NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            fuzz_expect(doc != NULL, "a libvirt domain is not well-formed XML");
            xmlFreeDoc(doc);
        }
    }
}
