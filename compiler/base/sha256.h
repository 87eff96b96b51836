/* SPDX-License-Identifier: MIT */
/* sha256.h: SHA-256 digests as hex (nettle), for generations, saved plans and the boot token. */
#pragma once

#include <stddef.h>

#include <nettle/sha2.h>

#define VP_SHA256_HEX (2 * SHA256_DIGEST_SIZE + 1)

/* An incremental digest: init, add any number of times, then hex. */
struct vp_sha256 {
    struct sha256_ctx ctx;
};
void vp_sha256_init(struct vp_sha256 *h);
void vp_sha256_add(struct vp_sha256 *h, const void *data, size_t len);
/* Adds s and its terminating NUL, so that ("ab","c") and ("a","bc") differ. */
void vp_sha256_add_str(struct vp_sha256 *h, const char *s);
void vp_sha256_hex(struct vp_sha256 *h, char out[VP_SHA256_HEX]);
/* The digest of one buffer. */
void vp_sha256_of(const void *data, size_t len, char out[VP_SHA256_HEX]);
