/* SPDX-License-Identifier: MIT */
/* plan-file.c: saved plans and their fingerprints (see plan-file.h). */
#include "plan-file.h"

#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/sha256.h"
#include "base/util.h"
#include "vfioplan/snapshot.h"
#include "write.h"

static struct json_object *
digest(const char *data, size_t len)
{
    char sum[VP_SHA256_HEX];
    vp_sha256_of(data, len, sum);
    return json_object_new_string(sum);
}

struct json_object *
vp_plan_fingerprint(const char *spec_text, size_t spec_len, const struct vp_host *host,
                    const struct vp_artifact_set *set, const struct vp_install *in, struct vp_diags *d)
{
    char *facts = NULL;
    size_t facts_len = 0;
    /* the host facts as a snapshot has them: what the plan was compiled from, and nothing else */
    if (vp_snapshot_write(host, false, &facts, &facts_len, d) < 0)
        return NULL;
    struct json_object *fp = json_object_new_object();
    json_object_object_add(fp, "spec_sha256", digest(spec_text, spec_len));
    json_object_object_add(fp, "host_sha256", digest(facts, facts_len));
    free(facts);
    struct json_object *artifacts = json_object_new_array();
    for (size_t i = 0; i < set->n; i++) {
        struct json_object *a = json_object_new_object();
        char mode[8];
        snprintf(mode, sizeof(mode), "%04o", set->items[i].mode);
        json_object_object_add(a, "path", json_object_new_string(set->items[i].path));
        json_object_object_add(a, "mode", json_object_new_string(mode));
        json_object_object_add(a, "sha256", digest(set->items[i].data, set->items[i].len));
        json_object_array_add(artifacts, a);
    }
    json_object_object_add(fp, "artifacts", artifacts);
    struct json_object *files = json_object_new_array();
    for (size_t i = 0; i < in->changes.n; i++) {
        const struct vp_change *ch = &in->changes.items[i];
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "path", json_object_new_string(ch->path));
        json_object_object_add(f, "change", json_object_new_string(vp_change_kind_name(ch->kind)));
        json_object_object_add(f, "old_sha256",
                               ch->kind == VP_CHANGE_CREATE ? NULL : digest(ch->old_data, ch->old_len));
        json_object_array_add(files, f);
    }
    json_object_object_add(fp, "files", files);
    struct json_object *actions = json_object_new_array();
    for (size_t i = 0; i < in->todo.n; i++)
        json_object_array_add(actions, json_object_new_string(in->todo.items[i]->command));
    json_object_object_add(fp, "actions", actions);
    return fp;
}

int
vp_plan_file_write(const char *file, const char *vfioplan, const char *spec, const char *host, const char *root,
                   struct json_object *fingerprint, struct vp_diags *d)
{
    struct json_object *doc = json_object_new_object();
    json_object_object_add(doc, "vfioplan_plan", json_object_new_int(VP_PLAN_FILE_FORMAT));
    json_object_object_add(doc, "comment",
                           json_object_new_string("a plan saved by 'vfioplan plan --out'; 'vfioplan apply --plan "
                                                  "FILE' applies it if nothing changed since"));
    json_object_object_add(doc, "vfioplan", json_object_new_string(vfioplan));
    json_object_object_add(doc, "spec", json_object_new_string(spec));
    json_object_object_add(doc, "host", json_object_new_string(host));
    json_object_object_add(doc, "root", json_object_new_string(root));
    json_object_object_add(doc, "fingerprint", json_object_get(fingerprint));
    char *text =
        vp_xasprintf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    int rc = vp_file_write_atomic(file, text, strlen(text), 0644, d);
    free(text);
    return rc;
}

static char *
string_member(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0 || json_object_get_string(v)[0] != '/')
        return NULL;
    return vp_xstrdup(json_object_get_string(v));
}

int
vp_plan_file_read(const char *file, struct vp_saved_plan *p, struct vp_diags *d)
{
    memset(p, 0, sizeof(*p));
    char *text = NULL;
    size_t len = 0;
    if (vp_read_file(file, file, 64u * 1024 * 1024, &text, &len, d) < 0)
        return -1;
    struct json_tokener *tok = json_tokener_new_ex(32);
    p->doc = json_tokener_parse_ex(tok, text, (int)len);
    bool whole = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    free(text);
    struct json_object *v;
    if (!whole || !p->doc || !json_object_is_type(p->doc, json_type_object) ||
        !json_object_object_get_ex(p->doc, "vfioplan_plan", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int(v) != VP_PLAN_FILE_FORMAT ||
        !json_object_object_get_ex(p->doc, "fingerprint", &p->fingerprint) ||
        !json_object_is_type(p->fingerprint, json_type_object) || !(p->spec = string_member(p->doc, "spec")) ||
        !(p->host = string_member(p->doc, "host")) || !(p->root = string_member(p->doc, "root"))) {
        vp_error(d, VP_PLAN_FILE_INVALID, &(struct vp_pos){.file = file},
                 "%s is not a plan saved by 'vfioplan plan --out' (format %d)", file, VP_PLAN_FILE_FORMAT);
        vp_hint(d, "save the plan again: vfioplan plan SPEC --out %s", file);
        vp_saved_plan_free(p);
        return -1;
    }
    return 0;
}

void
vp_saved_plan_free(struct vp_saved_plan *p)
{
    json_object_put(p->doc);
    free(p->spec);
    free(p->host);
    free(p->root);
    memset(p, 0, sizeof(*p));
}

/* Whether list holds an entry equal to e. */
static bool
holds(struct json_object *list, struct json_object *e)
{
    size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++)
        if (json_object_equal(json_object_array_get_idx(list, i), e))
            return true;
    return false;
}

/* The entries of list that other lacks ("etc/a (modify)", or the action), at most 8, after label. */
static void
describe(struct vp_strbuf *sb, const char *label, struct json_object *list, struct json_object *other)
{
    size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0, shown = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i), *path = NULL, *change = NULL;
        if (holds(other, e))
            continue;
        if (shown++ == 8) {
            vp_strbuf_puts(sb, ", ...");
            break;
        }
        vp_strbuf_puts(sb, shown == 1 ? label : ", ");
        json_object_object_get_ex(e, "path", &path);
        json_object_object_get_ex(e, "change", &change);
        if (json_object_is_type(e, json_type_string))
            vp_strbuf_printf(sb, "'%s'", json_object_get_string(e));
        else
            vp_strbuf_printf(sb, "%s%s%s%s", path ? json_object_get_string(path) : "?", change ? " (" : "",
                             change ? json_object_get_string(change) : "", change ? ")" : "");
    }
}

int
vp_plan_fingerprint_check(const char *file, struct json_object *saved, struct json_object *now, struct vp_diags *d)
{
    static const struct {
        const char *key, *what;
    } parts[] = {
        {"spec_sha256", "the spec's bytes"},
        {"host_sha256", "the host facts (devices, drivers, IOMMU groups, the OS, the kernel command line)"},
        {"artifacts", "the files vfioplan generates from them"},
        {"files", "the files under the root the plan changes (created, modified or removed, and their old versions)"},
        {"actions", "the actions it would run"},
    };
    bool differs[VP_ARRAY_SIZE(parts)] = {false};
    bool any = false;
    for (size_t i = 0; i < VP_ARRAY_SIZE(parts); i++) {
        struct json_object *a = NULL, *b = NULL;
        json_object_object_get_ex(saved, parts[i].key, &a);
        json_object_object_get_ex(now, parts[i].key, &b);
        differs[i] = !a || !b || !json_object_equal(a, b);
        any |= differs[i];
    }
    if (!any)
        return 0;
    vp_error(d, VP_PLAN_STALE, &(struct vp_pos){.file = file},
             "the plan in %s is stale: it is not what the same spec, host and root give now", file);
    for (size_t i = 0; i < VP_ARRAY_SIZE(parts); i++) {
        if (!differs[i])
            continue;
        struct vp_strbuf sb = {0};
        if (i >= 2) {
            struct json_object *a = NULL, *b = NULL;
            json_object_object_get_ex(saved, parts[i].key, &a);
            json_object_object_get_ex(now, parts[i].key, &b);
            describe(&sb, ": planned ", a, b);
            describe(&sb, sb.len ? "; now " : ": now ", b, a);
        }
        vp_note(d, "%s changed since%s", parts[i].what, sb.data ? sb.data : "");
        vp_strbuf_free(&sb);
    }
    vp_note(d, "nothing was written and no action run");
    vp_hint(d, "review the plan again (vfioplan plan SPEC --out %s), then apply that", file);
    return -1;
}
