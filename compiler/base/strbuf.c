/* SPDX-License-Identifier: MIT */
/* strbuf.c: growable byte buffer. */
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static void
strbuf_reserve(struct vp_strbuf *sb, size_t extra)
{
    void *data = sb->data;
    vp_xgrow(&data, &sb->cap, sb->len + extra + 1, 1);
    sb->data = data;
}

void
vp_strbuf_add(struct vp_strbuf *sb, const char *s, size_t n)
{
    strbuf_reserve(sb, n);
    if (n)
        memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void
vp_strbuf_puts(struct vp_strbuf *sb, const char *s)
{
    vp_strbuf_add(sb, s, strlen(s));
}

void
vp_strbuf_putc(struct vp_strbuf *sb, char c)
{
    vp_strbuf_add(sb, &c, 1);
}

void
vp_strbuf_vprintf(struct vp_strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    strbuf_reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void
vp_strbuf_printf(struct vp_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vp_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *
vp_strbuf_steal(struct vp_strbuf *sb, size_t *len)
{
    if (!sb->data)
        strbuf_reserve(sb, 0), sb->data[0] = '\0';
    char *out = sb->data;
    if (len)
        *len = sb->len;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return out;
}

void
vp_strbuf_free(struct vp_strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}
