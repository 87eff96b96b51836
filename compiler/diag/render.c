/* SPDX-License-Identifier: MIT */
/* render.c: diagnostics as text, GCC's layout with netplan's caret line. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "vfioplan/diag.h"

static const struct vp_source *
find_source(const struct vp_diags *d, const char *name)
{
    if (!name)
        return NULL;
    /* the name may be there twice: interned first (no text), then with the file's text */
    const struct vp_source *found = NULL;
    for (size_t i = 0; i < d->n_sources; i++)
        if (strcmp(d->sources[i].name, name) == 0 && (!found || !found->len))
            found = &d->sources[i];
    return found;
}

/*
 * Writes n bytes of text from an input file (a quoted line, or a message
 * that quotes a value) so that it cannot drive the terminal: control
 * characters (C0 but tab, DEL, C1), bytes that are not UTF-8, line and
 * paragraph separators and bidirectional overrides each become one '?'.
 */
static void
put_text(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            fputc(c == '\t' || (c >= 0x20 && c != 0x7f) ? (int)c : '?', out);
            p++;
            continue;
        }
        size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        unsigned cp = len == 4 ? c & 0x07 : len == 3 ? c & 0x0f : c & 0x1f;
        bool ok = len != 0 && (size_t)(end - p) >= len;
        for (size_t k = 1; ok && k < len; k++) {
            ok = (p[k] & 0xc0) == 0x80;
            cp = (cp << 6) | (p[k] & 0x3fu);
        }
        ok = ok && !(len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
             !(len == 4 && (cp < 0x10000 || cp > 0x10ffff));
        if (!ok) {
            fputc('?', out);
            p++;
            continue;
        }
        bool control = cp <= 0x9f || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
                       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
        if (control)
            fputc('?', out);
        else
            fwrite(p, 1, len, out);
        p += len;
    }
}

void
vp_print_safe(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vp_xvasprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(text), body = n;
    while (body > 0 && text[body - 1] == '\n') /* the line ends of the format itself */
        body--;
    put_text(out, text, body);
    fwrite(text + body, 1, n - body, out);
    free(text);
}

static void
put_line(FILE *out, const char *prefix, const char *text)
{
    fputs(prefix, out);
    put_text(out, text, strlen(text));
    fputc('\n', out);
}

/* Prints the quoted source line and the caret under pos. */
static void
render_excerpt(const struct vp_source *src, const struct vp_pos *pos, FILE *out, bool color)
{
    const char *p = src->text, *end = src->text + src->len;
    for (unsigned line = 1; line < pos->line && p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 200) /* a huge line is quoted in part only */
        n = 200;
    fprintf(out, " %5u | ", pos->line);
    put_text(out, p, n);
    fputc('\n', out);
    fprintf(out, "       | ");
    for (unsigned c = 1; c < pos->col && c <= n; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', out);
    if (color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    for (unsigned k = 1; k < pos->len && pos->col + k <= n; k++)
        fputc('~', out);
    if (color)
        fputs("\033[0m", out);
    fputc('\n', out);
}

void
vp_diags_render(const struct vp_diags *d, FILE *out, bool color)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct vp_diag *g = &d->items[i];
        const char *sev = vp_severity_name(g->severity);
        /* a file's name is text too: a spec named with an escape sequence in a merge request reaches the CI log */
        if (g->pos.file && g->pos.line)
            vp_print_safe(out, "%s:%u:%u: ", g->pos.file, g->pos.line, g->pos.col);
        else if (g->pos.file)
            vp_print_safe(out, "%s: ", g->pos.file);
        if (color)
            fprintf(out, "%s%s[%s]\033[0m: ", g->severity == VP_SEV_ERROR ? "\033[1;31m" : "\033[1;35m", sev,
                    vp_code_id(g->code));
        else
            fprintf(out, "%s[%s]: ", sev, vp_code_id(g->code));
        put_line(out, "", g->message);
        const struct vp_source *src = find_source(d, g->pos.file);
        if (src && src->len && g->pos.line)
            render_excerpt(src, &g->pos, out, color);
        for (size_t k = 0; k < g->n_notes; k++)
            put_line(out, "note: ", g->notes[k]);
        if (g->notes_omitted)
            fprintf(out, "note: \u2026 and %zu more\n", g->notes_omitted);
        if (g->hint)
            put_line(out, "hint: ", g->hint);
    }
    if (d->dropped)
        fprintf(out, "vfioplan: %zu more diagnostics not shown\n", d->dropped);
}
