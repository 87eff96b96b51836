/* SPDX-License-Identifier: MIT */
/* reboot.c: run/reboot-required and run/reboot-required.pkgs, as Debian's packages write them. */
#include "reboot.h"

#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "state.h"

/* The line of reboot-required.pkgs that names vfioplan, if any. */
static bool
names_vfioplan(const char *text)
{
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        if (n == 8 && strncmp(p, "vfioplan", 8) == 0)
            return true;
        p += n + (p[n] == '\n');
    }
    return false;
}

int
vp_reboot_signal(const char *root, struct vp_diags *d)
{
    static const char banner[] = "*** System restart required ***\n";
    if (vp_state_write(root, VP_PATH_REBOOT_REQUIRED, banner, sizeof(banner) - 1, 0644, d) < 0)
        return -1;
    char *pkgs = NULL;
    size_t len = 0;
    int r = vp_state_read(root, VP_PATH_REBOOT_PKGS, 64 * 1024, &pkgs, &len, d);
    if (r < 0)
        return -1;
    int rc = 0;
    if (r == 0 || !names_vfioplan(pkgs)) {
        struct vp_strbuf sb = {0};
        if (r == 1 && len) {
            vp_strbuf_add(&sb, pkgs, len);
            if (pkgs[len - 1] != '\n')
                vp_strbuf_putc(&sb, '\n');
        }
        vp_strbuf_puts(&sb, "vfioplan\n");
        rc = vp_state_write(root, VP_PATH_REBOOT_PKGS, sb.data, sb.len, 0644, d);
        vp_strbuf_free(&sb);
    }
    free(pkgs);
    return rc;
}

bool
vp_reboot_pending(const char *root)
{
    struct vp_diags ignored = {0};
    char *pkgs = NULL;
    size_t len = 0;
    bool pending =
        vp_state_read(root, VP_PATH_REBOOT_PKGS, 64 * 1024, &pkgs, &len, &ignored) == 1 && names_vfioplan(pkgs);
    free(pkgs);
    vp_diags_free(&ignored);
    return pending;
}
