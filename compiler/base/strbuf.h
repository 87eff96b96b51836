/* SPDX-License-Identifier: MIT */
/* strbuf.h: a growable byte buffer for building text artifacts and reports. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct vp_strbuf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
};

void vp_strbuf_add(struct vp_strbuf *sb, const char *s, size_t n);
void vp_strbuf_puts(struct vp_strbuf *sb, const char *s);
void vp_strbuf_putc(struct vp_strbuf *sb, char c);
void vp_strbuf_printf(struct vp_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vp_strbuf_vprintf(struct vp_strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the buffer to the caller (who frees it) and resets sb; never NULL. */
char *vp_strbuf_steal(struct vp_strbuf *sb, size_t *len);
void vp_strbuf_free(struct vp_strbuf *sb);
