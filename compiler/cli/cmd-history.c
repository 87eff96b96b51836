/* SPDX-License-Identifier: MIT */
/* cmd-history.c: `vfioplan history`: the generations of vfioplan's files under a root, oldest first. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apply/generations.h"
#include "apply/state.h"
#include "cli.h"
#include "json-out.h"

/* "2026-11-30 12:00:01" (UTC: the same on every machine that reads the root) */
static void
when(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, size, "%-19s", "?");
}

/* The files of a generation besides its manifest: what vfioplan owned then. */
static size_t
owned(const struct vp_generation *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n_files; i++)
        n += strcmp(g->files[i].path, VP_PATH_MANIFEST) != 0;
    return n;
}

static struct json_object *
generation_json(const struct vp_generation *g, bool current)
{
    struct json_object *o = json_object_new_object();
    char t[32];
    when(g->time, t, sizeof(t));
    json_object_object_add(o, "generation", json_object_new_int64((int64_t)g->number));
    json_object_object_add(o, "current", json_object_new_boolean(current));
    json_object_object_add(o, "time", json_object_new_string(t));
    json_object_object_add(o, "origin", json_object_new_string(vp_gen_origin_name(g->origin)));
    json_object_object_add(o, "status", g->status ? vp_json_string(g->status, strlen(g->status), NULL) : NULL);
    json_object_object_add(o, "files", json_object_new_int64((int64_t)owned(g)));
    json_object_object_add(o, "spec", g->spec ? vp_json_string(g->spec, strlen(g->spec), NULL) : NULL);
    json_object_object_add(o, "spec_sha256", g->spec_sha256 ? json_object_new_string(g->spec_sha256) : NULL);
    json_object_object_add(o, "host", g->host ? vp_json_string(g->host, strlen(g->host), NULL) : NULL);
    json_object_object_add(o, "boot_token",
                           g->boot_token ? vp_json_string(g->boot_token, strlen(g->boot_token), NULL) : NULL);
    return o;
}

int
vp_cmd_history(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("history"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_diags d = {0};
    struct vp_gen_store store;
    struct json_object *doc = opt.format == VP_FORMAT_JSON ? vp_json_begin("history") : NULL;
    struct json_object *list = json_object_new_array();
    if (vp_gen_store_open(&store, opt.root, &d) == 0) {
        if (!doc && store.n == 0)
            printf("no generations under %s/%s: vfioplan apply records them\n",
                   strcmp(opt.root, "/") == 0 ? "" : opt.root, VP_DIR_GENERATIONS);
        else if (!doc)
            printf("%-4s  %-19s  %-6s  %5s  %s\n", "gen", "recorded (UTC)", "origin", "files", "spec");
        for (size_t i = 0; i < store.n; i++) {
            struct vp_generation g;
            if (vp_generation_load(opt.root, store.numbers[i], &g, &d) < 0)
                continue;
            bool current = store.has_current && store.current == g.number;
            if (doc) {
                json_object_array_add(list, generation_json(&g, current));
            } else {
                char t[32];
                when(g.time, t, sizeof(t));
                /* the spec path and host name are the record's: printed as diagnostics are */
                vp_print_safe(stdout, "%-4lu  %s  %-6s  %5zu  %s%s%.12s%s%s%s%s%s\n", g.number, t,
                              vp_gen_origin_name(g.origin), owned(&g),
                              g.spec                     ? g.spec
                              : g.origin == VP_GEN_FOUND ? "(as found on the root)"
                                                         : "-",
                              g.spec_sha256 ? " sha256:" : "", g.spec_sha256 ? g.spec_sha256 : "",
                              g.boot_token ? " " : "", g.boot_token ? g.boot_token : "", g.status ? " [" : "",
                              g.status ? g.status : "", g.status ? "]" : "");
                if (current)
                    printf("      ^ current\n");
            }
            vp_generation_free(&g);
        }
        vp_gen_store_free(&store);
    }
    vp_diags_sort(&d);
    int rc = vp_diags_has_errors(&d) ? VP_EXIT_ERROR : VP_EXIT_OK;
    if (doc) {
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        json_object_object_add(doc, "generations", list);
        vp_json_finish(doc, &d, rc);
    } else {
        json_object_put(list);
        vp_diags_render(&d, stderr, opt.color);
    }
    vp_diags_free(&d);
    return rc;
}
