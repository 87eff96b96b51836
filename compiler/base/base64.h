/* SPDX-License-Identifier: MIT */
/* base64.h: RFC 4648 base64, for Ignition's data URLs. */
#pragma once

#include <stddef.h>

#include "strbuf.h"

void vp_base64_append(struct vp_strbuf *sb, const unsigned char *data, size_t len);
