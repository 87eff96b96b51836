/* SPDX-License-Identifier: MIT */
/* pending.c: the actions still to run, kept under the root (see pending.h). */
#include "pending.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "action-record.h"
#include "base/util.h"
#include "state.h"

int
vp_pending_read(const char *root, struct vp_artifact_set *set, struct vp_diags *d)
{
    char *text = NULL;
    size_t len = 0;
    int r = vp_state_read(root, VP_PATH_PENDING, VP_STATE_MAX_BYTES, &text, &len, d);
    if (r <= 0)
        return r;
    struct json_object *doc = json_tokener_parse(text);
    struct json_object *actions = NULL;
    int rc = 0;
    if (!doc || !json_object_object_get_ex(doc, "actions", &actions) ||
        !json_object_is_type(actions, json_type_array)) {
        rc = vp_error(d, VP_READ_TARGET_FAILED, &(struct vp_pos){.file = root},
                      "%s under %s is not a list of actions vfioplan wrote", VP_PATH_PENDING, root);
    } else {
        for (size_t i = 0; i < json_object_array_length(actions); i++)
            if (!vp_action_from_json(json_object_array_get_idx(actions, i), set) && rc == 0)
                rc = vp_error(d, VP_READ_TARGET_FAILED, &(struct vp_pos){.file = root},
                              "%s under %s holds an action vfioplan did not write (entry %zu)", VP_PATH_PENDING, root,
                              i + 1);
    }
    if (rc < 0)
        vp_hint(d, "run the actions it lists by hand if they are still needed, then remove %s/%s", root,
                VP_PATH_PENDING);
    json_object_put(doc);
    free(text);
    return rc;
}

int
vp_pending_write(const char *root, const struct vp_action *const *list, size_t n, struct vp_diags *d)
{
    if (n == 0)
        return vp_state_remove(root, VP_PATH_PENDING, d);
    struct json_object *doc = json_object_new_object();
    json_object_object_add(doc, "comment",
                           json_object_new_string("vfioplan: actions that have not succeeded yet; the next 'vfioplan "
                                                  "apply' runs them again"));
    struct json_object *actions = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(actions, vp_action_to_json(list[i]));
    json_object_object_add(doc, "actions", actions);
    size_t len;
    const char *text = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *copy = vp_xasprintf("%s\n", text);
    int rc = vp_state_write(root, VP_PATH_PENDING, copy, len + 1, 0644, d);
    free(copy);
    json_object_put(doc);
    return rc;
}

static bool
in_list(const struct vp_todo *todo, const struct vp_action *a)
{
    for (size_t i = 0; i < todo->n; i++)
        if (vp_action_same(todo->items[i], a))
            return true;
    return false;
}

static void
push(struct vp_todo *todo, const struct vp_action *a)
{
    todo->items = vp_xrealloc(todo->items, (todo->n + 1) * sizeof(*todo->items));
    todo->items[todo->n++] = a;
}

/*
 * Still wanted: set has the same command, or still generates a file it acts on. An undefine acts on a domain
 * file that is gone (the apply that removed it also dropped it from the manifest, so set has no undefine of it
 * any more): it is wanted for as long as the file stays gone; a spec that has the VM again defines it instead,
 * and keeps its UEFI variables, which undefine --nvram would delete.
 */
static bool
still_wanted(const struct vp_action *a, const struct vp_artifact_set *set)
{
    for (size_t i = 0; i < set->n_actions; i++)
        if (vp_action_same(&set->actions[i], a))
            return true;
    bool generated = false;
    for (size_t i = 0; i < a->n_triggers; i++)
        generated |= vp_artifact_find(set, a->triggers[i]) != NULL;
    return a->stage == VP_STAGE_LIBVIRT_UNDEFINE ? !generated : generated;
}

static int
by_stage(const void *x, const void *y)
{
    const struct vp_action *a = *(const struct vp_action *const *)x, *b = *(const struct vp_action *const *)y;
    return a->stage < b->stage ? -1 : a->stage > b->stage;
}

void
vp_todo_select(struct vp_todo *todo, const struct vp_artifact_set *set, const struct vp_changes *changes,
               const struct vp_artifact_set *pending)
{
    memset(todo, 0, sizeof(*todo));
    for (size_t i = 0; pending && i < pending->n_actions; i++) {
        const struct vp_action *a = &pending->actions[i];
        if (in_list(todo, a))
            continue;
        if (!still_wanted(a, set)) {
            todo->dropped = vp_xrealloc(todo->dropped, (todo->n_dropped + 1) * sizeof(*todo->dropped));
            todo->dropped[todo->n_dropped++] = a;
            continue;
        }
        push(todo, a);
    }
    todo->n_pending = todo->n;
    const char **paths = vp_changes_paths(changes);
    for (size_t i = 0; i < set->n_actions; i++)
        if (vp_action_triggered(&set->actions[i], paths, changes->n) && !in_list(todo, &set->actions[i]))
            push(todo, &set->actions[i]);
    free(paths);
    /* stable: pending ones first within a stage (insertion sort keeps the order of equals) */
    for (size_t i = 1; i < todo->n; i++)
        for (size_t k = i; k > 0 && by_stage(&todo->items[k - 1], &todo->items[k]) > 0; k--) {
            const struct vp_action *t = todo->items[k];
            todo->items[k] = todo->items[k - 1];
            todo->items[k - 1] = t;
        }
}

void
vp_todo_free(struct vp_todo *todo)
{
    free(todo->items);
    free(todo->dropped);
    memset(todo, 0, sizeof(*todo));
}
