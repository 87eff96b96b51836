/* SPDX-License-Identifier: MIT */
/* pipeline.c: spec, host, plan, artifacts: the stages every compiling command runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "apply/changes.h"
#include "base/fileio.h"

int
vp_compile_run(struct vp_compile *c, const struct vp_options *opt, unsigned host_flags)
{
    struct vp_diags *d = &c->diags;
    struct stat st;
    if (opt->spec_defaulted && stat(opt->spec, &st) < 0) {
        vp_error(d, VP_FILE_UNREADABLE, &(struct vp_pos){.file = opt->spec}, "no SPEC given, and there is no %s",
                 opt->spec);
        vp_hint(d, "give the spec's path, or keep the host's spec at /" VP_DEFAULT_SPEC
                   " (under --root DIR for plan and apply), where vfioplan looks when none is given");
        return -1;
    }
    /* Read both inputs even if the first has errors: report all input problems at once. The spec's bytes are
     * kept: a saved plan and a generation record their digest, and a generation keeps them. */
    const char *display = strcmp(opt->spec, "-") == 0 ? "<stdin>" : opt->spec;
    if (vp_read_file(opt->spec, display, VP_SPEC_MAX_BYTES, &c->spec_text, &c->spec_len, d) == 0)
        c->spec = vp_spec_parse(display, c->spec_text, c->spec_len, d);
    c->host = vp_host_load(opt->host, host_flags, d);
    if (!c->spec || !c->host)
        return -1;
    c->plan = vp_plan_resolve(c->spec, c->host, d);
    if (!c->plan)
        return -1;
    if (c->target_root)
        vp_previous_read(&c->previous, c->target_root);
    return vp_plan_emit(c->plan, &c->previous, &c->artifacts, d);
}

void
vp_compile_free(struct vp_compile *c)
{
    vp_artifact_set_free(&c->artifacts);
    vp_previous_free(&c->previous);
    vp_plan_free(&c->plan);
    vp_host_free(&c->host);
    vp_spec_free(&c->spec);
    free(c->spec_text);
    vp_diags_free(&c->diags);
}

int
vp_cli_report(struct vp_compile *c, const struct vp_options *opt)
{
    vp_diags_sort(&c->diags);
    if (opt->format == VP_FORMAT_TEXT) /* JSON carries them in its document */
        vp_diags_render(&c->diags, vp_cli_stderr(), opt->color);
    return vp_diags_has_errors(&c->diags) ? VP_EXIT_ERROR : VP_EXIT_OK;
}

int
vp_compile_check_drift(struct vp_compile *c, const char *root)
{
    if (!c->host || !c->host->from_snapshot)
        return 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        vp_warning(&c->diags, VP_HOST_FACT, &(struct vp_pos){.file = root},
                   "%s is not a host (no sys/bus/pci/devices): cannot check that its devices match the snapshot", root);
        return 0;
    }
    struct vp_host *live = vp_host_load(root, 0, &c->diags);
    int rc = live ? vp_host_drift(c->host, live, &c->diags) : -1;
    vp_host_free(&live);
    return rc;
}
