/* SPDX-License-Identifier: MIT */
/* resolve.c: the resolver's passes in order, and the plan's lifetime. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

const char *
vp_resolver_scan_command(struct vp_resolver *r)
{
    if (strcmp(r->host->source, "/") == 0)
        return "vfioplan scan";
    return vp_arena_printf(r->arena, "vfioplan scan --host %s", r->host->source);
}

/* Migrations in the host's order of configuration lines (they point into one array), then by word. */
static int
migration_cmp(const void *a, const void *b)
{
    const struct vp_migration *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->word != y->word)
        return x->word < y->word ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

struct vp_plan *
vp_plan_resolve(const struct vp_spec *spec, const struct vp_host *host, struct vp_diags *d)
{
    struct vp_plan_priv *priv = vp_xcalloc(1, sizeof(*priv));
    struct vp_plan *plan = vp_arena_alloc(&priv->arena, sizeof(*plan));
    plan->priv = priv;
    plan->spec = spec;
    plan->host = host;
    struct vp_resolver r = {.spec = spec, .host = host, .d = d, .plan = plan, .arena = &priv->arena};
    /* first the host as it will be after the reboot: the passes and rules see that one */
    vp_resolve_predict(&r);
    host = r.host;
    size_t n = host->n_devices + 1;
    r.owner_vm = vp_xmalloc(n * sizeof(*r.owner_vm));
    r.owner_selector = vp_xmalloc(n * sizeof(*r.owner_selector));
    for (size_t i = 0; i < n; i++)
        r.owner_vm[i] = r.owner_selector[i] = -1;
    r.picked = vp_xcalloc(spec->n_vms + 1, sizeof(*r.picked));
    r.found = vp_xcalloc(spec->n_vms + 1, sizeof(*r.found));
    for (size_t vm = 0; vm < spec->n_vms; vm++)
        r.found[vm] = vp_xcalloc(spec->vms[vm].n_devices + 1, sizeof(**r.found));
    r.by_address = vp_xcalloc(n, sizeof(*r.by_address));

    size_t errors = d->n_errors;
    vp_resolve_tools(&r);
    vp_resolve_select(&r);
    vp_resolve_layout(&r);
    vp_resolve_resources(&r);
    vp_resolve_numa(&r);
    vp_resolve_binding(&r);
    vp_resolve_kernel_args(&r);
    vp_resolve_guest(&r);
    /* The rules judge what was computed: all of them report, each once. */
    vp_resolve_rules(&r);
    vp_sort(r.migrations, r.n_migrations, sizeof(*r.migrations), migration_cmp);
    plan->migrations = vp_arena_memdup(&priv->arena, r.migrations, r.n_migrations * sizeof(*r.migrations));
    plan->n_migrations = r.n_migrations;

    for (size_t vm = 0; vm < spec->n_vms; vm++) {
        free(r.picked[vm].devices);
        free(r.picked[vm].selectors);
        for (size_t sel = 0; sel < spec->vms[vm].n_devices; sel++)
            free(r.found[vm][sel].devices);
        free(r.found[vm]);
    }
    free(r.found);
    free(r.picked);
    free(r.conflicts);
    free(r.numa_short);
    free(r.by_address);
    free(r.migrations);
    free(r.owner_vm);
    free(r.owner_selector);
    if (d->n_errors > errors)
        vp_plan_free(&plan);
    return plan;
}

void
vp_plan_free(struct vp_plan **plan)
{
    if (!plan || !*plan)
        return;
    struct vp_plan_priv *priv = (*plan)->priv;
    vp_host_free(&priv->predicted);
    vp_arena_free(&priv->arena);
    free(priv);
    *plan = NULL;
}
