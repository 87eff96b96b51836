/* SPDX-License-Identifier: MIT */
/* arena.h: a bump allocator; each stage object (spec, host, plan) owns one and frees it at once. */
#pragma once

#include <stddef.h>

struct vp_arena_chunk;

struct vp_arena {
    struct vp_arena_chunk *head;
    size_t used; /* bytes used in head */
    size_t size; /* capacity of head */
};

void *vp_arena_alloc(struct vp_arena *a, size_t size); /* zeroed, 16-byte aligned */
char *vp_arena_strdup(struct vp_arena *a, const char *s);
char *vp_arena_strndup(struct vp_arena *a, const char *s, size_t n);
char *vp_arena_printf(struct vp_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies n elements of size elem into the arena (a growing array's final home). */
void *vp_arena_memdup(struct vp_arena *a, const void *src, size_t bytes);
void vp_arena_free(struct vp_arena *a);
