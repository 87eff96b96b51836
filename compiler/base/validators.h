/* SPDX-License-Identifier: MIT */
/*
 * validators.h: the strict pattern of every free-text field of a spec. A
 * value reaches a script, a kernel command line, modprobe config or a file
 * name only after matching one of these; nothing is ever escaped instead.
 */
#pragma once

#include <stdbool.h>

bool vp_valid_name(const char *s);           /* host and VM names: [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
bool vp_valid_ifname(const char *s);         /* libvirt network or bridge: [A-Za-z0-9][A-Za-z0-9._-]{0,14} */
bool vp_valid_abs_path(const char *s);       /* /[A-Za-z0-9._+-/]*, no '..' or '.' components, no '//' */
bool vp_valid_mac(const char *s);            /* 52:54:00:12:34:56, unicast */
bool vp_valid_uuid(const char *s);           /* 8-4-4-4-12 lower-case hex */
bool vp_valid_driver_version(const char *s); /* 570, 570.124, 570.124.06 */
bool vp_valid_kernel_arg(const char *s);     /* name[=value], no quotes, spaces or shell characters */
bool vp_valid_module_name(const char *s);    /* kernel module / driver names from the host: [a-z0-9_-]{1,55} */
bool vp_valid_api_version(const char *s);
/* What a kernel argument names of the host's boot storage (root=, resume=, rd.lvm.*, ...), or NULL: those are refused.
 */
const char *vp_kernel_arg_boot_storage(const char *arg);
