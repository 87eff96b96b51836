/* SPDX-License-Identifier: MIT */
/*
 * fuzz-pipeline: a spec from the fuzzer, resolved against fixed hosts (host
 * snapshots, loaded once) and emitted: the resolver's rules, binding, guest
 * layout and every emitter, the manifest and the diff between the artifact
 * sets of two hosts. What comes out must keep the promises HACKING.md's "Reliability" makes:
 *   - every artifact path is a plain relative path under etc/ or
 *     usr/libexec/vfioplan/ (no '..', no '//', no leading '/'), so nothing
 *     lands outside the root;
 *   - every artifact is printable ASCII text (tab, newline, 0x20-0x7e): no
 *     byte of a spec reaches a script unless it passed a strict pattern;
 *   - every libvirt domain parses as XML.
 * The hosts: VP_FUZZ_HOSTS (snapshot files separated by ':'), else the ones
 * the build made (meson passes their paths as VP_FUZZ_HOSTS_DEFAULT).
 */
#include <stdint.h>

#include "fuzz-common.h"
#include "apply/changes.h"
#include "vfioplan/artifact.h"
#include "vfioplan/host.h"
#include "vfioplan/plan.h"
#include "vfioplan/spec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_HOSTS = 16 };
static struct vp_host *hosts[MAX_HOSTS];
static struct vp_diags host_diags;
static size_t n_hosts;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *list = getenv("VP_FUZZ_HOSTS");
#ifdef VP_FUZZ_HOSTS_DEFAULT
    if (!list || !*list)
        list = VP_FUZZ_HOSTS_DEFAULT;
#endif
    if (!list) {
        fprintf(stderr, "fuzz-pipeline: set VP_FUZZ_HOSTS to host snapshot files separated by ':'\n");
        exit(2);
    }
    char *copy = strdup(list), *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p && n_hosts < MAX_HOSTS; p = strtok_r(NULL, ":", &save)) {
        struct vp_host *h = vp_host_load(p, 0, &host_diags);
        if (!h) {
            vp_diags_render(&host_diags, stderr, false);
            fprintf(stderr, "fuzz-pipeline: cannot load host %s\n", p);
            exit(2);
        }
        hosts[n_hosts++] = h;
    }
    free(copy);
    return 0;
}

/* The diff of the same paths between two artifact sets (Myers on hostile-ish text). */
static void
diff_sets(const struct vp_artifact_set *a, const struct vp_artifact_set *b)
{
    struct vp_changes c = {0};
    for (size_t i = 0; i < b->n; i++) {
        const struct vp_artifact *old = vp_artifact_find(a, b->items[i].path);
        void *items = c.items;
        c.items = realloc(items, (c.n + 1) * sizeof(*c.items));
        struct vp_change *ch = &c.items[c.n++];
        memset(ch, 0, sizeof(*ch));
        ch->path = b->items[i].path;
        ch->artifact = &b->items[i];
        ch->kind = old ? VP_CHANGE_MODIFY : VP_CHANGE_CREATE;
        if (old) {
            ch->old_data = old->data;
            ch->old_len = old->len;
            ch->old_mode = old->mode;
        }
    }
    struct vp_strbuf sb = {0};
    vp_changes_render_diff(&sb, &c);
    vp_strbuf_free(&sb);
    free(c.items);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *buf = fuzz_cstr(data, size);
    struct vp_diags d = {0};
    struct vp_spec *spec = vp_spec_parse("fuzz.yaml", buf, size, &d);
    struct vp_artifact_set sets[MAX_HOSTS];
    memset(sets, 0, sizeof(sets));
    size_t n_sets = 0;
    for (size_t h = 0; spec && h < n_hosts; h++) {
        struct vp_diags hd = {0};
        struct vp_plan *plan = vp_plan_resolve(spec, hosts[h], &hd);
        fuzz_expect(plan ? !vp_diags_has_errors(&hd) : vp_diags_has_errors(&hd),
                    "vp_plan_resolve's result and its diagnostics disagree");
        if (plan) {
            struct vp_artifact_set *set = &sets[n_sets++];
            int rc = vp_plan_emit(plan, NULL, set, &hd);
            fuzz_expect(rc == 0 ? !vp_diags_has_errors(&hd) : vp_diags_has_errors(&hd),
                        "vp_plan_emit's result and its diagnostics disagree");
            if (rc == 0) {
                fuzz_check_artifacts(set);
                if (n_sets > 1)
                    diff_sets(&sets[n_sets - 2], set);
            }
        }
        fuzz_render(&hd);
        vp_plan_free(&plan);
        vp_diags_free(&hd);
    }
    fuzz_render(&d);
    for (size_t i = 0; i < n_sets; i++)
        vp_artifact_set_free(&sets[i]);
    vp_spec_free(&spec);
    vp_diags_free(&d);
    free(buf);
    return 0;
}
