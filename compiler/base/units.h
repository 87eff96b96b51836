/* SPDX-License-Identifier: MIT */
/* units.h: sizes with binary units ("512GiB"), parsed with overflow checks. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum vp_size_error { VP_SIZE_OK, VP_SIZE_NO_UNIT, VP_SIZE_MALFORMED, VP_SIZE_OVERFLOW };

/* "<digits><KiB|MiB|GiB|TiB>", one optional space between; bytes out. */
enum vp_size_error vp_parse_size(const char *s, uint64_t *bytes);

/* bytes for a message: "512 GiB" when exact in the largest unit that fits, else "1.9 TiB"; buf of 32 bytes. */
const char *vp_format_size(uint64_t bytes, char *buf, size_t size);
