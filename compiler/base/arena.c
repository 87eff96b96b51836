/* SPDX-License-Identifier: MIT */
/* arena.c: chunked bump allocation, freed in one call. */
#include "arena.h"

#include <stdarg.h>
#include <string.h>

#include "util.h"

struct vp_arena_chunk {
    struct vp_arena_chunk *next;
    _Alignas(16) unsigned char data[];
};

enum { VP_ARENA_CHUNK = 64 * 1024 };

void *
vp_arena_alloc(struct vp_arena *a, size_t size)
{
    /* 8 bytes: what every object vfioplan puts in an arena needs (no long double);
     * 16 would cost a large snapshot's YAML tree about a tenth more. */
    size = (size + 7) & ~(size_t)7;
    if (!a->head || a->used + size > a->size) {
        size_t cap = size > VP_ARENA_CHUNK ? size : VP_ARENA_CHUNK;
        struct vp_arena_chunk *c = vp_xmalloc(sizeof(*c) + cap);
        c->next = a->head;
        a->head = c;
        a->used = 0;
        a->size = cap;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

void *
vp_arena_memdup(struct vp_arena *a, const void *src, size_t bytes)
{
    void *p = vp_arena_alloc(a, bytes);
    if (bytes)
        memcpy(p, src, bytes);
    return p;
}

char *
vp_arena_strndup(struct vp_arena *a, const char *s, size_t n)
{
    char *p = vp_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
vp_arena_strdup(struct vp_arena *a, const char *s)
{
    return s ? vp_arena_strndup(a, s, strlen(s)) : NULL;
}

char *
vp_arena_printf(struct vp_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *tmp = vp_xvasprintf(fmt, ap);
    va_end(ap);
    char *p = vp_arena_strdup(a, tmp);
    free(tmp);
    return p;
}

void
vp_arena_free(struct vp_arena *a)
{
    struct vp_arena_chunk *c = a->head;
    while (c) {
        struct vp_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->size = 0;
}
